"""Keep a living DATA_INVENTORY.md honest about every data-bearing change."""

from __future__ import annotations

__version__ = "0.2.0"
