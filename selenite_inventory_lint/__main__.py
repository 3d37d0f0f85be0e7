from __future__ import annotations

import sys

from selenite_inventory_lint.cli import main

if __name__ == "__main__":
    sys.exit(main())
