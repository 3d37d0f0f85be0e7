"""Example budgets of the fuzz targets, and the counter that proves they were spent.

A target's budget depends on the Hypothesis profile: ``FAST_BUDGET`` (300) examples under the
default profile, so the everyday suite takes minutes; ``FACTOR`` times the profile's
``max_examples`` under ``--hypothesis-profile=ci-long`` (10,000) and ``--hypothesis-profile=long``
(100,000). The tests of a target share it equally. Every example that reaches a test body is
counted, and ``tests/conftest.py`` prints the counts (summed over pytest-xdist workers) and
fails the run when a target that ran in full ran fewer examples than its budget.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from hypothesis import HealthCheck, settings

FACTOR = 100
FAST_BUDGET = 300
LONG_PROFILES = frozenset({"ci-long", "long"})
P = ParamSpec("P")
R = TypeVar("R")

EXAMPLES: Counter[str] = Counter()
DEFINED: dict[str, set[str]] = {}
RAN: dict[str, set[str]] = {}
# Targets beyond the list run a fraction of the budget (FACTOR / divisor).
DIVISORS: dict[str, int] = {}


def total() -> int:
    """Examples per target under the profile in force."""
    if settings.get_current_profile_name() in LONG_PROFILES:
        return FACTOR * settings().max_examples
    return FAST_BUDGET


def share(tests: int, *, divisor: int = 1) -> settings:
    """Settings for one of ``tests`` tests sharing a target's budget (divided by ``divisor``
    for a costly extra target)."""
    return settings(
        max_examples=math.ceil(total() / divisor / tests),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def few() -> settings:
    """Settings for a costly test beside a target's shared budget (deep nesting, large
    input): half the profile's ``max_examples``, on top of the budget."""
    return settings(
        max_examples=max(1, settings().max_examples // 2),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def counted(target: str, *, divisor: int = 1) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count every example of the decorated test (put it below ``@given``)."""

    def decorate(test: Callable[P, R]) -> Callable[P, R]:
        name = f"{test.__module__}.{test.__qualname__}"
        DEFINED.setdefault(target, set()).add(name)
        DIVISORS[target] = divisor

        @functools.wraps(test)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            EXAMPLES[target] += 1
            RAN.setdefault(target, set()).add(name)
            return test(*args, **kwargs)

        return run

    return decorate


def shortfalls() -> list[str]:
    """Targets whose every test ran but which ran fewer examples than their budget."""
    wanted = {target: total() // DIVISORS.get(target, 1) for target in DEFINED}
    return [
        f"{target}: {EXAMPLES[target]} examples, fewer than {wanted[target]}"
        for target in sorted(DEFINED)
        if RAN.get(target) == DEFINED[target] and EXAMPLES[target] < wanted[target]
    ]


def export() -> dict[str, dict[str, object]]:
    """The counts of this process, for an xdist worker to hand to the controller."""
    return {
        "examples": dict(EXAMPLES),
        "defined": {target: sorted(names) for target, names in DEFINED.items()},
        "ran": {target: sorted(names) for target, names in RAN.items()},
        "divisors": dict(DIVISORS),
    }


def merge(counts: Mapping[str, Mapping[str, object]]) -> None:
    """Add a worker's counts to this process's."""
    for target, examples in counts.get("examples", {}).items():
        EXAMPLES[target] += int(examples)  # type: ignore[call-overload]
    for name, into in (("defined", DEFINED), ("ran", RAN)):
        for target, names in counts.get(name, {}).items():
            into.setdefault(target, set()).update(names)  # type: ignore[arg-type]
    DIVISORS.update(counts.get("divisors", {}))  # type: ignore[arg-type]


def summary() -> list[str]:
    """One line per target: examples run and tests that ran them."""
    return [
        f"{target}: {EXAMPLES[target]} examples in {len(RAN.get(target, ()))} tests"
        for target in sorted(EXAMPLES)
    ]
