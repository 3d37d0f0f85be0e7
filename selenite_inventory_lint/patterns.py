"""``lazy``: a regular expression compiled on its first use rather than at import.

Compiling a pattern costs 0.1 to 0.4 ms; a module-level ``re.compile`` pays it on every run that
imports the module, which on the hook's path added up to about 5 ms for patterns most commits
never use (docs/performance.md). ``_WORD = lazy(r"...")`` is used as ``_WORD().match``:
after the first call, a call is one cache lookup.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(pattern, flags)``, compiled at its first call."""
    return cache(partial(re.compile, pattern, flags))
