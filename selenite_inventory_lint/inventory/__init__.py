"""The living data inventory: ``parse`` (Markdown → records), ``coverage``, ``fix`` (stubs)."""

from __future__ import annotations
