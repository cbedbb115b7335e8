"""Every number an exercise's hints, choices, feedback and explanation quote is bound to
the code: it is the computed answer, one of the exercise's ``quotes`` (computed by
perpmath when asked), a number given in the question (or in its other step), or on the
explicit allow-list below with its reason. A typed result that drifts from the code
fails here, as a notebook's prose fails strict nbval."""

from __future__ import annotations

import math
import re

import pytest

from perpmath.exercises import _REGISTRY, Exercise, list_exercises

#: Dates, clock times, numbers with thousands separators, plain numbers; % kept.
NUMBER = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"|\b\d{1,2}:\d{2}\b"
    r"|(?<![\w.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?"
    r"|(?<![\w.,])-?\d+(?:\.\d+)?%?"
)
#: References to the course's own parts and to a problem's steps (1 to 3): not results.
#: A simulation's step ("empty from step 69") is a result and is checked.
REFERENCE = re.compile(r"\b(?:sections? \d+|exercise \d+|step [1-3](?!\d))\b", re.IGNORECASE)

#: Numbers that are neither results nor inputs: constants of a formula a hint writes
#: out, counts that name a thing. Each with its reason.
ALLOWED: dict[str, dict[str, str]] = {
    "leverage-2": {"1": "the starting equity, as a fraction: 'takes 0.6 back to 1'"},
    "leverage-4a": {
        "1": "the numerator of 1/0.05",
        "30": "the last leverage the hint asks to try (the solver's np.arange(1, 31))",
    },
    "leverage-5": {"1": "the 1 of (1 - fee) and (1 + fee) in the hint's formula"},
    "liquidation-2": {
        "1": "the numerator of 1/20",
        "20": "the 20x of the same short, given in exercise liquidation-1",
    },
    "liquidation-3": {
        "1": "the 1 of (1 + rate x time) in the hint's formula",
        "2": "'Price 2' names one of the three prices",
        "3": "'Price 3' names one of the three prices",
    },
    "liquidation-4": {"30": "the 30 BTC trace the section draws (a named example, not a result)"},
    "margin-4": {"1": "the 1 of 1 / 0.85", "100%": "where Binance's ratio means liquidation"},
    "negative-balance-1": {"1": "the numerator of 1/leverage"},
    "risk-3": {
        "1": "the 1 of '1 minus that factor'",
        "2": "the square and the halving of the Avellaneda-Zhang formula",
    },
    "spot-4a": {"1": "the numerator of 1/5"},
}


def _family(key: str) -> list[Exercise]:
    """The exercise and the other steps of its problem ('funding-5a' and 'funding-5b')."""
    stem = re.sub(r"(?<=\d)[a-z]$", "", key)
    return [ex for k, ex in _REGISTRY.items() if re.sub(r"(?<=\d)[a-z]$", "", k) == stem]


def _texts(ex: Exercise) -> dict[str, str]:
    texts = {"explanation": ex.explanation}
    texts.update({f"hint {i + 1}": h for i, h in enumerate(ex.hints)})
    texts.update({f"feedback ({k})": t for k, t in ex.feedback.items()})
    if ex.kind == "number":  # a choice's options are part of its question
        texts.update({f"choice ({k})": t for k, t in ex.choices.items()})
    return texts


def _given(ex: Exercise) -> set[str]:
    """Numbers stated by the question (and by the options, which the learner reads with it)."""
    parts = [ex.question, *(ex.choices.values() if ex.kind != "number" else ())]
    return set(NUMBER.findall(REFERENCE.sub("", " ".join(parts))))


def _flat(value: object) -> list[object]:
    if isinstance(value, tuple | list):
        return [x for v in value for x in _flat(v)]
    return [value]


def _as_float(token: str) -> tuple[float, int, bool]:
    """(value, decimals shown, is a percentage) of a number as written."""
    body = token.rstrip("%").replace(",", "")
    decimals = len(body.split(".")[1]) if "." in body else 0
    return float(body), decimals, token.endswith("%")


def _matches(token: str, value: object) -> bool:
    if isinstance(value, str):
        return token == value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if ":" in token or token.count("-") == 2:  # a time or a date matches only a text
        return False
    shown, decimals, percent = _as_float(token)
    for v in (float(value), -float(value)):
        candidates = (100 * v, v) if percent else (v,)
        for c in candidates:
            if math.isfinite(c) and abs(round(c, decimals) - shown) <= 1e-9 * max(1.0, abs(shown)):
                return True
    return False


def _given_matches(token: str, given: set[str]) -> bool:
    """A number of the question, written as given, negated, or as a fraction of a percentage."""
    if token in given or token.lstrip("-") in given:
        return True
    if ":" in token or token.count("-") == 2:  # a time or a date: only as written
        return False
    shown, _, percent = _as_float(token)
    for g in given:
        if ":" in g or g.count("-") == 2:
            continue
        value, _, g_percent = _as_float(g)
        forms = {value, value / 100} if g_percent else {value}
        if not percent and any(abs(abs(shown) - f) <= 1e-12 for f in forms):
            return True
    return False


def unbound_numbers(ex: Exercise) -> list[str]:
    """The numbers of ``ex``'s texts that nothing binds to the code."""
    family = _family(ex.key)
    values: list[object] = []
    for member in family:
        values += _flat(member.solve())
        if member.quotes is not None:
            values += _flat(list(member.quotes().values()))
    given = set().union(*(_given(member) for member in family))
    allowed = ALLOWED.get(ex.key, {})
    loose = []
    for where, text in _texts(ex).items():
        for token in NUMBER.findall(REFERENCE.sub("", text)):
            if token in allowed or _given_matches(token, given):
                continue
            if not any(_matches(token, v) for v in values):
                loose.append(f"{where}: {token}")
    return loose


@pytest.mark.parametrize("key", list_exercises())
def test_every_number_in_the_texts_is_computed_or_given(key: str):
    ex = _REGISTRY[key]
    assert not unbound_numbers(ex), (
        f"{key}: these numbers are neither the answer, a number of the question, nor one of "
        f"its quotes (computed by perpmath): {unbound_numbers(ex)}"
    )


def test_the_allow_list_names_only_numbers_that_are_there():
    for key, allowed in ALLOWED.items():
        ex = _REGISTRY[key]
        found = {t for text in _texts(ex).values() for t in NUMBER.findall(text)}
        assert set(allowed) <= found, f"{key}: allow-list entries not in the texts"


def test_the_check_catches_a_typed_number_that_drifted():
    ex = _REGISTRY["liquidation-predict-1"]
    drifted = Exercise(**{**ex.__dict__, "explanation": ex.explanation.replace("6.54", "6.45")})
    assert unbound_numbers(drifted) == ["explanation: 6.45"]
