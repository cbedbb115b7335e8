"""Checked exercises: the learner answers, ``check`` says how close the answer is.

Each course section registers its exercises in a submodule named after the
section's concept (``perpmath.exercises.leverage``). The expected answer is
computed by perpmath itself, so exercises and library never drift apart.

Kinds of question (each registered with a decorator on a zero-argument
function that returns the expected answer):

* ``exercise``: a number (or a text, or a tuple of them). A number is right
  when it agrees with the expected one to 3 significant figures, unless the
  question sets its own tolerance (``rtol=0.05`` for an "about" question);
  a whole-number answer (a count, a step) must be exact. ``check`` says how
  far off the answer was.
* ``multiple_choice``: the answer is a letter; a wrong letter gets the
  feedback written for that option.
* ``predict``: the learner commits to a guess (a letter or a number) before
  the cell that computes the result; ``check`` records the guess without
  grading it and ``reveal`` grades it once the learner has seen the result.

Every number a hint, choice, feedback or explanation quotes is the answer, a
number given in the question, or one of the exercise's ``quotes`` (values
computed by perpmath when asked); ``tests/test_exercise_texts.py`` checks it.

Hints come in steps, most general first, and never name the perpmath call:
a wrong answer shows the next step, ``hint(key)`` shows the next one on
request, and ``solution(key)`` prints the worked solution (the very code
that computes the expected answer). Nothing is revealed on a wrong answer
beyond the next hint.

In a notebook::

    from perpmath.exercises import check, hint, solution
    answer = ...            # the learner's computation
    check("leverage-1", answer)

Plain text only: no Jupyter import, so the checks work in any front end.
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "KINDS",
    "CheckResult",
    "Exercise",
    "check",
    "exercise",
    "hint",
    "list_exercises",
    "multiple_choice",
    "predict",
    "reveal",
    "solution",
]

#: The kinds of question the framework checks.
KINDS = ("number", "choice", "predict")
#: Significant figures a numeric answer must share with the expected one by default.
DEFAULT_SIG_FIGS = 3


@dataclass(frozen=True)
class Exercise:
    """One registered question: key, text, hints, how to solve it and how to judge it.

    ``hint`` is the first hint (all of them are in ``hints``). ``rtol`` set
    means "within this relative distance"; ``None`` means ``sig_figs``
    significant figures. ``choices`` maps letters to option texts for
    multiple-choice and predict questions, ``feedback`` letters to what an
    option shows when chosen, ``explanation`` what the solution and
    ``reveal`` say after the answer. ``quotes`` computes, with perpmath, every
    number the texts quote that is neither the answer nor given in the
    question (a tier's cap, an intermediate price); a test finds each number
    of the texts among them, so a typed number cannot drift from the code.
    """

    key: str
    question: str
    hint: str
    solve: Callable[[], object]
    rtol: float | None = None
    atol: float = 0.0
    hints: tuple[str, ...] = ()
    kind: str = "number"
    choices: Mapping[str, str] = field(default_factory=dict)
    feedback: Mapping[str, str] = field(default_factory=dict)
    explanation: str = ""
    sig_figs: int = DEFAULT_SIG_FIGS
    unit: str = ""
    quotes: Callable[[], Mapping[str, object]] | None = None


_REGISTRY: dict[str, Exercise] = {}
_HINTS_SHOWN: dict[str, int] = {}
_PREDICTIONS: dict[str, object] = {}


def _hint_steps(hint: str | Sequence[str], key: str) -> tuple[str, ...]:
    steps = (hint,) if isinstance(hint, str) else tuple(hint)
    if not steps or not all(isinstance(h, str) and h.strip() for h in steps):
        raise ValueError(f"exercise {key!r}: hint must be a text or a list of texts, got {hint!r}")
    return steps


def _quotes(
    key: str, quotes: Callable[[], Mapping[str, object]] | None
) -> Callable[[], Mapping[str, object]] | None:
    if quotes is not None and not callable(quotes):
        raise ValueError(f"exercise {key!r}: quotes must be a function or None, got {quotes!r}")
    return quotes


def _register(ex: Exercise) -> None:
    if ex.key in _REGISTRY:
        raise ValueError(f"exercise {ex.key!r} is registered twice")
    _REGISTRY[ex.key] = ex


def _choices(key: str, choices: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(choices, Mapping) or len(choices) < 2:
        raise ValueError(f"exercise {key!r}: choices must map at least two letters to options")
    out = {}
    for letter, text in choices.items():
        if not (isinstance(letter, str) and len(letter) == 1 and letter.isalpha()):
            raise ValueError(
                f"exercise {key!r}: choice labels must be single letters, got {letter!r}"
            )
        out[letter.lower()] = str(text)
    return out


def exercise(
    key: str,
    question: str,
    hint: str | Sequence[str],
    *,
    rtol: float | None = None,
    atol: float = 0.0,
    sig_figs: int = DEFAULT_SIG_FIGS,
    unit: str = "",
    explanation: str = "",
    quotes: Callable[[], Mapping[str, object]] | None = None,
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register the decorated zero-argument function as the solver of exercise ``key``.

    ``hint`` is one text or a list of steps. Without ``rtol`` a number is
    right to ``sig_figs`` significant figures; with it, within ``rtol``
    (relative) or ``atol`` (absolute). ``unit`` is shown with numbers.
    ``quotes`` returns the computed values the texts quote (see ``Exercise``).
    """
    steps = _hint_steps(hint, key)
    if rtol is not None and not (isinstance(rtol, int | float) and 0 <= rtol < 1):
        raise ValueError(f"exercise {key!r}: rtol must be None or in [0, 1), got {rtol!r}")
    if isinstance(sig_figs, bool) or not isinstance(sig_figs, int) or not 1 <= sig_figs <= 15:
        raise ValueError(
            f"exercise {key!r}: sig_figs must be a whole number 1-15, got {sig_figs!r}"
        )

    def register(solve: Callable[[], object]) -> Callable[[], object]:
        _register(
            Exercise(
                key,
                question,
                steps[0],
                solve,
                rtol,
                atol,
                steps,
                "number",
                explanation=explanation,
                sig_figs=sig_figs,
                unit=unit,
                quotes=_quotes(key, quotes),
            )
        )
        return solve

    return register


def multiple_choice(
    key: str,
    question: str,
    choices: Mapping[str, str],
    hint: str | Sequence[str],
    *,
    feedback: Mapping[str, str] | None = None,
    explanation: str = "",
    quotes: Callable[[], Mapping[str, object]] | None = None,
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a multiple-choice question; the solver returns the right letter.

    ``feedback`` maps a letter to what choosing it shows (write one for each
    wrong option: why it is tempting and where it goes wrong).
    """
    opts = _choices(key, choices)
    steps = _hint_steps(hint, key)
    notes = {k.lower(): str(t) for k, t in (feedback or {}).items()}
    if not set(notes) <= set(opts):
        raise ValueError(
            f"exercise {key!r}: feedback for unknown choices {sorted(set(notes) - set(opts))}"
        )

    def register(solve: Callable[[], object]) -> Callable[[], object]:
        _register(
            Exercise(
                key,
                question,
                steps[0],
                solve,
                hints=steps,
                kind="choice",
                choices=opts,
                feedback=notes,
                explanation=explanation,
                quotes=_quotes(key, quotes),
            )
        )
        return solve

    return register


def predict(
    key: str,
    question: str,
    *,
    choices: Mapping[str, str] | None = None,
    rtol: float = 0.1,
    explanation: str = "",
    unit: str = "",
    quotes: Callable[[], Mapping[str, object]] | None = None,
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a prediction: ``check`` records the guess, ``reveal`` grades it.

    With ``choices`` the guess is a letter; without, a number judged within
    ``rtol`` (10% by default: a prediction is a rough guess).
    """
    opts = _choices(key, choices) if choices is not None else {}
    if not (isinstance(rtol, int | float) and 0 < rtol < 1):
        raise ValueError(f"exercise {key!r}: rtol must be in (0, 1), got {rtol!r}")
    first = "Commit to a guess first: there is no wrong prediction, only an unchecked one."

    def register(solve: Callable[[], object]) -> Callable[[], object]:
        _register(
            Exercise(
                key,
                question,
                first,
                solve,
                rtol=float(rtol),
                hints=(first,),
                kind="predict",
                choices=opts,
                explanation=explanation,
                unit=unit,
                quotes=_quotes(key, quotes),
            )
        )
        return solve

    return register


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def list_exercises() -> list[str]:
    """Keys of every registered exercise."""
    _load_all()
    return sorted(_REGISTRY)


def _get(key: str) -> Exercise:
    _load_all()
    if not isinstance(key, str):
        raise TypeError(f"key must be an exercise name (a string), got {key!r}")
    if key not in _REGISTRY:
        raise ValueError(f"no exercise named {key!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[key]


@dataclass(frozen=True)
class CheckResult:
    """The verdict of ``check`` (or the text of ``hint``, ``solution``, ``reveal``).

    Shows as its message in a notebook; true only for a right answer.
    """

    key: str
    correct: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __str__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.correct


# judging ------------------------------------------------------------------


def _num(x: object) -> str:
    return f"{float(x):,.6g}"  # type: ignore[arg-type]


def _is_whole(expected: object) -> bool:
    return isinstance(expected, int | np.integer) and not isinstance(expected, bool)


def _as_number(given: object) -> float | None:
    """``given`` as a finite float, or None if it is not a number."""
    if isinstance(given, str | bytes | bool) or given is None:
        return None
    try:
        g = float(given)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return g if math.isfinite(g) else None


def _tolerance(ex: Exercise, expected: float) -> tuple[float, str]:
    """Absolute tolerance for ``expected`` and how to say it."""
    if ex.rtol is not None:
        return max(ex.rtol * abs(expected), ex.atol), (
            f"within {ex.rtol:.0%}" if ex.rtol >= 0.01 else f"within {ex.rtol:g} (relative)"
        )
    if expected == 0:
        return max(ex.atol, 1e-9), "to the expected precision"
    unit = 10.0 ** (math.floor(math.log10(abs(expected))) - (ex.sig_figs - 1))
    return max(0.5 * unit * (1 + 1e-9), ex.atol), f"to {ex.sig_figs} significant figures"


def _distance(given: float, expected: float) -> str:
    """How far ``given`` is from ``expected``, in words."""
    if given == expected:
        return "exactly the answer"
    if expected == 0:
        return f"{abs(given):,.3g} away from the answer 0"
    off = (given - expected) / abs(expected)
    word = "above" if off > 0 else "below"
    size = f"{abs(off):.2%}" if abs(off) >= 1e-4 else "less than 0.01%"
    return f"{size} {word} the answer"


def _judge_number(ex: Exercise, given: object, expected: object) -> tuple[bool, str]:
    """(right, description) for one numeric part."""
    if isinstance(expected, str):
        ok = isinstance(given, str) and given.strip().lower() == expected.strip().lower()
        return ok, "" if ok else f"{given!r} is not the expected text"
    if isinstance(expected, bool):
        ok = isinstance(given, bool) and given == expected
        return ok, "" if ok else f"{given!r} is not the expected True/False"
    if isinstance(expected, tuple | list):
        if not isinstance(given, tuple | list) or len(given) != len(expected):
            return False, f"expected {len(expected)} values in a tuple or list, got {given!r}"
        parts = [_judge_number(ex, g, e) for g, e in zip(given, expected, strict=True)]
        wrong = [f"part {i + 1}: {d}" for i, (ok, d) in enumerate(parts) if not ok]
        return not wrong, "; ".join(wrong)
    g = _as_number(given)
    if g is None:
        return False, f"expected a finite number, got {given!r}"
    e = float(expected)  # type: ignore[arg-type]
    if _is_whole(expected):
        ok = g == e
        return (
            ok,
            f"{_num(g)} is exactly the answer" if ok else f"{_num(g)} is not it (a whole number)",
        )
    tol, how = _tolerance(ex, e)
    ok = abs(g - e) <= tol
    if ok and g == e:
        return True, f"{_num(g)} is exactly the answer"
    if ok:
        return True, f"{_num(g)} agrees with {_num(e)} {how}"
    return False, f"{_num(g)} is {_distance(g, e)} ({how} counts as right)"


def _next_hint(ex: Exercise) -> str:
    shown = _HINTS_SHOWN.get(ex.key, 0)
    if shown >= len(ex.hints):
        return f'No more hints: solution("{ex.key}") shows the worked solution.'
    _HINTS_SHOWN[ex.key] = shown + 1
    more = f' hint("{ex.key}") gives the next step;' if shown + 1 < len(ex.hints) else ""
    return (
        f"Hint {shown + 1} of {len(ex.hints)}: {ex.hints[shown]}"
        f'{more} solution("{ex.key}") shows the worked solution.'
    )


def _letter(given: object, ex: Exercise) -> str | None:
    if isinstance(given, str) and given.strip().strip("()").lower() in ex.choices:
        return given.strip().strip("()").lower()
    return None


def check(key: str, answer: object) -> CheckResult:
    """Judge ``answer`` to exercise ``key`` (a prediction is recorded, not judged)."""
    ex = _get(key)
    tag = f"[{key}]"
    if answer is ... or answer is None:
        return CheckResult(key, False, f"{tag} not answered yet: replace ... with your answer.")
    if ex.kind == "predict":
        if ex.choices and _letter(answer, ex) is None:
            return CheckResult(
                key, False, f"{tag} predict with one of the letters {', '.join(ex.choices)}."
            )
        if not ex.choices and _as_number(answer) is None:
            return CheckResult(key, False, f"{tag} a prediction here is a number, got {answer!r}.")
        _PREDICTIONS[key] = _letter(answer, ex) if ex.choices else answer
        shown = f"({_PREDICTIONS[key]})" if ex.choices else _num(answer)
        return CheckResult(
            key,
            False,
            f"{tag} Prediction recorded: {shown}. Run the next cell to see what happens; "
            f'reveal("{key}") then says how close you were.',
        )
    expected = ex.solve()
    if ex.kind == "choice":
        letter = _letter(answer, ex)
        if letter is None:
            return CheckResult(
                key, False, f"{tag} answer with one of the letters {', '.join(ex.choices)}."
            )
        note = ex.feedback.get(letter, "")
        if letter == str(expected).lower():
            extra = f" {note}" if note else (f" {ex.explanation}" if ex.explanation else "")
            return CheckResult(key, True, f"{tag} correct. ({letter}){extra}")
        why = f" {note}" if note else ""
        return CheckResult(
            key, False, f"{tag} not yet: ({letter}) is not it.{why} {_next_hint(ex)}"
        )
    right, detail = _judge_number(ex, answer, expected)
    if right and (not detail or detail.endswith("exactly the answer")):
        return CheckResult(key, True, f"{tag} correct.")
    if right:
        return CheckResult(key, True, f"{tag} correct. {detail}.")
    return CheckResult(key, False, f"{tag} not yet: {detail}. {_next_hint(ex)}")


def hint(key: str) -> CheckResult:
    """The next hint step of exercise ``key`` (one more each time it is called)."""
    ex = _get(key)
    return CheckResult(key, False, f"[{key}] {_next_hint(ex)}")


def _solver_code(solve: Callable[[], object]) -> str:
    """The solver's body as notebook code: ``return X`` becomes ``answer = X``."""
    try:
        source = inspect.getsource(solve)
    except (OSError, TypeError):  # pragma: no cover - source always ships with perpmath
        return "(source not available)"
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
    while not lines[start].rstrip().endswith(":"):
        start += 1
    body = textwrap.dedent("\n".join(lines[start + 1 :]))
    out = []
    for line in body.splitlines():
        if line.startswith("return "):
            line = "answer = " + line[len("return ") :]
        out.append(line)
    text = "\n".join(out).strip("\n")
    if text.startswith('"""'):  # drop a docstring
        end = text.index('"""', 3) + 3
        text = text[end:].lstrip("\n")
    return text


def solution(key: str) -> CheckResult:
    """The worked solution of exercise ``key``: explanation, code and the answer."""
    ex = _get(key)
    expected = ex.solve()
    if ex.kind in ("choice", "predict") and ex.choices:
        shown = f"({expected}) {ex.choices.get(str(expected).lower(), '')}"
    elif isinstance(expected, float | int) and not isinstance(expected, bool):
        shown = _num(expected) + (f" {ex.unit}" if ex.unit else "")
    else:
        shown = repr(expected)
    parts = [f"[{key}] Solution.", f"Answer: {shown}"]
    if ex.explanation:
        parts.append(ex.explanation)
    parts.append("Computed by:\n" + textwrap.indent(_solver_code(ex.solve), "    "))
    return CheckResult(key, False, "\n".join(parts))


def reveal(key: str) -> CheckResult:
    """Grade the prediction recorded by ``check`` for a predict exercise."""
    ex = _get(key)
    if ex.kind != "predict":
        raise ValueError(f"exercise {key!r} is not a prediction (its kind is {ex.kind!r})")
    expected = ex.solve()
    if ex.choices:
        truth = f"({expected}) {ex.choices[str(expected).lower()]}"
    else:
        truth = _num(expected) + (f" {ex.unit}" if ex.unit else "")
    tail = f" {ex.explanation}" if ex.explanation else ""
    if key not in _PREDICTIONS:
        return CheckResult(
            key, False, f"[{key}] No prediction recorded: the answer is {truth}.{tail}"
        )
    guess = _PREDICTIONS[key]
    if ex.choices:
        right = str(guess) == str(expected).lower()
        verdict = "right" if right else "not this time"
        return CheckResult(
            key, right, f"[{key}] You predicted ({guess}); the answer is {truth}: {verdict}.{tail}"
        )
    right, _ = _judge_number(ex, guess, expected)
    g = float(guess)  # type: ignore[arg-type]
    if g == float(expected):  # type: ignore[arg-type]
        return CheckResult(
            key,
            True,
            f"[{key}] You predicted {_num(g)}; the answer is {truth}: exactly right.{tail}",
        )
    off = _distance(g, float(expected)).replace("the expected value", "the answer")  # type: ignore[arg-type]
    verdict = "close" if right else f"further than {ex.rtol:.0%}, worth remembering"
    return CheckResult(
        key,
        right,
        f"[{key}] You predicted {_num(g)}; the answer is {truth}. Your guess is {off}: "
        f"{verdict}.{tail}",
    )
