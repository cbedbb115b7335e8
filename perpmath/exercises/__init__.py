"""Checked exercises: the learner computes an answer, ``check`` says whether it is right.

Each course section registers its exercises in a submodule named after the
section's concept (``perpmath.exercises.leverage``). The expected answer is
computed by perpmath itself, so exercises and library never drift apart.

In a notebook::

    from perpmath.exercises import check
    answer = ...            # the learner's computation
    check("leverage-1", answer)
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Exercise", "check", "exercise", "list_exercises"]


@dataclass(frozen=True)
class Exercise:
    """One exercise: a key, the question, a hint and how to compute the answer."""

    key: str
    question: str
    hint: str
    solve: Callable[[], object]
    rtol: float = 1e-6
    atol: float = 0.0


_REGISTRY: dict[str, Exercise] = {}


def exercise(
    key: str, question: str, hint: str, *, rtol: float = 1e-6, atol: float = 0.0
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register the decorated zero-argument function as the solver of exercise ``key``."""

    def register(solve: Callable[[], object]) -> Callable[[], object]:
        if key in _REGISTRY:
            raise ValueError(f"exercise {key!r} is registered twice")
        _REGISTRY[key] = Exercise(key, question, hint, solve, rtol, atol)
        return solve

    return register


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def list_exercises() -> list[str]:
    """Keys of every registered exercise."""
    _load_all()
    return sorted(_REGISTRY)


@dataclass(frozen=True)
class CheckResult:
    """The verdict of ``check``; shows as one line of text in a notebook."""

    key: str
    correct: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct


def _matches(given: object, expected: object, rtol: float, atol: float) -> bool:
    if isinstance(expected, str):
        return isinstance(given, str) and given.strip().lower() == expected.strip().lower()
    if isinstance(expected, bool):
        return isinstance(given, bool) and given == expected
    if isinstance(expected, tuple | list):
        return (
            isinstance(given, tuple | list)
            and len(given) == len(expected)
            and all(_matches(g, e, rtol, atol) for g, e in zip(given, expected, strict=True))
        )
    try:
        g, e = float(given), float(expected)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(g) and math.isclose(g, e, rel_tol=rtol, abs_tol=atol)


def check(key: str, answer: object) -> CheckResult:
    """Compare ``answer`` with perpmath's own solution of exercise ``key``."""
    _load_all()
    if key not in _REGISTRY:
        raise ValueError(f"no exercise named {key!r}; known: {', '.join(sorted(_REGISTRY))}")
    ex = _REGISTRY[key]
    if answer is ... or answer is None:
        return CheckResult(key, False, f"[{key}] not answered yet: replace ... with your answer.")
    if _matches(answer, ex.solve(), ex.rtol, ex.atol):
        return CheckResult(key, True, f"[{key}] correct.")
    return CheckResult(key, False, f"[{key}] not yet. Hint: {ex.hint}")
