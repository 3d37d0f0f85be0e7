"""``patterns.lazy`` compiles its pattern at the first call, once."""

from __future__ import annotations

import re

import pytest

from selenite_inventory_lint.patterns import lazy


def test_a_lazy_pattern_is_compiled_once_with_its_flags() -> None:
    word = lazy(r"todo\b", re.IGNORECASE)
    assert word() is word()
    assert word().pattern == r"todo\b"
    assert word().match("TODO: describe") is not None


def test_a_lazy_pattern_is_not_compiled_until_called() -> None:
    broken = lazy("(")  # compiling it would raise here
    with pytest.raises(re.error):
        broken()
