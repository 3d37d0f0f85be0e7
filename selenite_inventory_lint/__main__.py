from __future__ import annotations

import sys

from selenite_inventory_lint.cli import main


def run() -> None:
    """Console-script entry point; the only place that calls ``sys.exit`` (STYLE §5)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
