"""The one user-facing exception and the exit codes (docs/usage.md)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class FatalError(Exception):
    """A usage, config, git or I/O problem: one line on stderr and exit 2.

    The message is a full sentence that names the file, key or ref and says what to do.
    """
