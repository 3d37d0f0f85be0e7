from __future__ import annotations

import os
import sys
from typing import NoReturn


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


def run() -> NoReturn:
    """Console-script entry point; the only place that ends the process (docs/development.md)."""
    _forget_working_directory()
    from selenite_inventory_lint.cli import main

    end(main())


def end(code: int) -> NoReturn:
    """End the process with ``code``: the exit handlers run (they stop the git processes still
    open and write coverage data) and the output is flushed, but the interpreter is not torn
    down. Freeing every module and object one by one took 15 to 20 ms after a hook run, longer
    than all its git processes (docs/performance.md)."""
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader went away (a closed pipe): nothing more can be said
        code = code or 2
    os._exit(code)


if __name__ == "__main__":
    run()
