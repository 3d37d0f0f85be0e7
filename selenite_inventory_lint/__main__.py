from __future__ import annotations

import os
import sys


def _forget_working_directory() -> None:
    """Take the current directory off ``sys.path`` unless this package was loaded from it.

    ``python -m`` puts the current directory first on ``sys.path``; in a checked
    repository's root, a file named like a module imported later (``shutil.py``,
    ``yaml.py``) would then run (docs/security.md: never import repository code).
    """
    cwd = os.getcwd()
    home = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if home != cwd:
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != cwd]


def run() -> None:
    """Console-script entry point; the only place that calls ``sys.exit`` (docs/development.md)."""
    _forget_working_directory()
    from selenite_inventory_lint.cli import main

    sys.exit(main())


if __name__ == "__main__":
    run()
