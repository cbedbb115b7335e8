"""Notebook hygiene: what strict nbval needs, and what every section must contain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[1] / "course"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))
IGNORE = "# NBVAL_IGNORE_OUTPUT"
# Every section follows the conventions of CONTRIBUTING.md "Notebooks" in full (narrative
# assertions, the running example, Try/Notice lines, recap, reading, links to neighbors).
V2 = NOTEBOOKS
# British spellings the course does not use (it writes US English).
BRITISH = re.compile(
    r"\b(realis|unrealis|socialis|organis|recognis|annualis|summaris|minimis|maximis|"
    r"colour|behaviour|favour|modelling|modelled|labelled|neighbour|centre)\w*",
    re.IGNORECASE,
)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _src(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_course_has_notebooks():
    assert NOTEBOOKS, "course/ has no numbered notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_in_order_without_errors(path: Path):
    nb = _load(path)
    counts = [c.get("execution_count") for c in _code(nb)]
    assert all(isinstance(n, int) for n in counts), f"{path.name}: unexecuted code cells"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: not run top to bottom"
    for cell in _code(nb):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{path.name}: stored error {out.get('ename')}"
            assert out.get("name") != "stderr", f"{path.name}: stderr output {out.get('text')}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_only_widget_cells_skip_output_comparison(path: Path):
    for cell in _code(_load(path)):
        src = _src(cell)
        shows_widget = "_explorer(" in src
        ignored = src.lstrip().startswith(IGNORE) or "nbval-ignore-output" in _tags(cell)
        assert shows_widget == ignored, (
            f"{path.name}: a cell that shows an explorer must start with {IGNORE}, "
            f"and no other cell may:\n{src[:200]}"
        )


@pytest.mark.parametrize(
    "path", [p for p in NOTEBOOKS if not p.name.startswith("00")], ids=lambda p: p.name
)
def test_section_structure(path: Path):
    nb = _load(path)
    cells = nb["cells"]
    header = _src(cells[0])
    assert cells[0]["cell_type"] == "markdown" and "header" in _tags(cells[0])
    for word in ("Questions", "Objectives", "Time"):
        assert word in header, f"{path.name}: header lacks {word}"
    last = cells[-1]
    assert "keypoints" in _tags(last) and "## Key points" in _src(last)
    code = _code(nb)
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name}: no figure"
    assert any("_explorer(" in _src(c) for c in code), f"{path.name}: no explorer"
    solutions = [c for c in code if "solution" in _tags(c)]
    assert solutions, f"{path.name}: no exercise"
    for cell in solutions:
        assert "check(" in _src(cell), f"{path.name}: a solution cell does not call check()"
        text = "".join(
            "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
        )
        assert "correct." in text or "Prediction recorded" in text, (
            f"{path.name}: a stored solution is not checked correct"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_explorer_follows_a_static_figure(path: Path):
    seen_figure = False
    for cell in _code(_load(path)):
        if "_explorer(" in _src(cell):
            assert seen_figure, f"{path.name}: explorer before any static figure"
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            seen_figure = True


def _markdown(nb: dict) -> list[str]:
    return [_src(c) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _text_outputs(cell: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        parts.append("".join(out.get("text", "")))
        parts.append("".join(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_section_ends_with_links_to_its_neighbors(path: Path):
    last = _src(_load(path)["cells"][-1])
    i = NOTEBOOKS.index(path)
    if i > 0:
        assert f"]({NOTEBOOKS[i - 1].name})" in last and "**Previous:**" in last, path.name
    if i + 1 < len(NOTEBOOKS):
        assert f"]({NOTEBOOKS[i + 1].name})" in last and "**Next:**" in last, path.name


@pytest.mark.parametrize("path", [p for p in V2 if p.name[:2] != "00"], ids=lambda p: p.name)
def test_section_has_jargon_recap_and_further_reading_before_its_key_points(path: Path):
    cells = _load(path)["cells"]
    before = "".join(_src(c) for c in cells[-3:-1] if c["cell_type"] == "markdown")
    assert "## Jargon recap" in before, f"{path.name}: no jargon recap before the key points"
    assert "## Further reading" in before, f"{path.name}: no further reading before the key points"


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_results_are_asserted_in_the_cells_that_compute_them(path: Path):
    """Narrative assertions: a verdict or a stated result has an expect/assert in its cell."""
    nb = _load(path)
    code = [_src(c) for c in _code(nb)]
    asserted = [s for s in code if "expect(" in s or re.search(r"^assert ", s, re.M)]
    if path.name[:2] != "00":
        assert len(asserted) >= 6, f"{path.name}: only {len(asserted)} cells assert their result"
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        text = _src(cell)
        if cell["cell_type"] != "markdown" or "**Verdict" not in text:
            continue
        previous = next(c for c in reversed(cells[:i]) if c["cell_type"] == "code")
        src = _src(previous)
        assert "expect(" in src or "assert " in src, (
            f"{path.name}: the verdict {text[:60]!r} follows a cell without an assertion"
        )


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_explorers_come_with_try_and_notice_lines(path: Path):
    cells = _load(path)["cells"]
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code" and "_explorer(" in _src(cell):
            intro = _src(cells[i - 1])
            assert cells[i - 1]["cell_type"] == "markdown", path.name
            assert "**Try:**" in intro and "**Notice:**" in intro, (
                f"{path.name}: the markdown before an explorer needs Try and Notice lines"
            )


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_section_uses_the_running_example_and_shows_the_tier_table_date(path: Path):
    nb = _load(path)
    first = next(c for c in _code(nb))
    assert "from perpmath.example import RUNNING_EXAMPLE as ex" in _src(first), path.name
    shown = "".join(_text_outputs(c) for c in _code(nb))
    assert "tiers dated 20" in shown, f"{path.name}: the tier table's date is never shown"


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_every_prediction_is_revealed_after_it_is_made(path: Path):
    code = _code(_load(path))
    for i, cell in enumerate(code):
        for key in re.findall(r'check\("([\w-]*predict[\w-]*)"', _src(cell)):
            later = "".join(_src(c) for c in code[i + 1 :])
            assert f'reveal("{key}")' in later, f"{path.name}: {key} is never revealed"


@pytest.mark.parametrize("path", V2, ids=lambda p: p.name)
def test_us_spelling(path: Path):
    """In the prose, the code and what the code prints (tables from perpmath included)."""
    nb = _load(path)
    texts = _markdown(nb) + [_src(c) for c in _code(nb)] + [_text_outputs(c) for c in _code(nb)]
    for text in texts:
        found = BRITISH.findall(text)
        assert not found, f"{path.name}: British spelling {found}"


def test_glossary_and_guide_use_us_spelling():
    for doc in (COURSE / "glossary.md", COURSE.parent / "workshop" / "instructor_guide.md"):
        found = BRITISH.findall(doc.read_text(encoding="utf-8"))
        assert not found, f"{doc.name}: British spelling {found}"


def _unescaped(markdown: str) -> str:
    """Markdown text as read: a dollar sign is escaped (\\$) so that it is not taken for math."""
    return markdown.replace("\\$", "$")


def test_dollar_signs_in_claims_are_escaped_so_they_do_not_render_as_math():
    for path in NOTEBOOKS:
        for text in _markdown(_load(path)):
            for line in text.splitlines():
                if re.match(r"^(#+ Claim \d+:|\| \d+ \|)", line):
                    assert not re.search(r"(?<!\\)\$\d", line), f"{path.name}: {line}"


def test_each_claim_is_checked_once_in_its_section_and_indexed_in_00():
    from perpmath.claims import CLAIMS

    headings, statements = {}, {}
    for path in V2:
        for text in _markdown(_load(path)):
            for n, said in re.findall(r"^#+ Claim (\d+): (.*)$", text, re.M):
                headings.setdefault(int(n), []).append(path.name)
                statements[int(n)] = _unescaped(said)
    welcome = "\n".join(_markdown(_load(COURSE / "00_welcome.ipynb")))
    for claim in CLAIMS:
        row = re.search(rf"^\| {claim.number} \| (.*) \| \[.*\]\((.*)\) \|$", welcome, re.M)
        assert row, f"00's claims index has no row for claim {claim.number}"
        assert row.group(2) == claim.notebook, f"claim {claim.number} links to {row.group(2)}"
        said = _unescaped(row.group(1))
        assert said == claim.statement, f"claim {claim.number}: {row.group(1)!r}"
        assert statements.get(claim.number) == claim.statement, (
            f"the heading of claim {claim.number} should read 'Claim {claim.number}: "
            f"{claim.statement}', got {statements.get(claim.number)!r}"
        )
        assert (COURSE / claim.notebook).exists(), claim.notebook
        if any(p.name == claim.notebook for p in V2):
            assert headings.get(claim.number) == [claim.notebook], (
                f"claim {claim.number} must be checked once, in {claim.notebook}: "
                f"found in {headings.get(claim.number)}"
            )
        else:
            assert claim.number not in headings, (
                f"claim {claim.number} belongs to {claim.notebook}, not {headings[claim.number]}"
            )


ALL_STORED = sorted(COURSE.glob("*.ipynb")) + sorted((COURSE / "exercises").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# The text a widget shows where no widget manager runs: a repr like VBox(children=(...
# or <perpmath.widgets...Explorer object at 0x...> instead of a sentence.
BROKEN_REPR = re.compile(r"\b[A-Z]\w*Box\(children=|\bExplorer\(|<perpmath\.widgets\.|object at 0x")


@pytest.mark.parametrize("path", ALL_STORED, ids=lambda p: str(p.relative_to(COURSE)))
def test_stored_widget_outputs_read_as_a_sentence_and_a_figure(path: Path):
    """Before a kernel runs (JupyterLab, GitHub, nbviewer), an explorer's stored output
    says to run the notebook and shows its first figure, never a widget repr, and no
    stored view names a model (JupyterLab would draw it broken: scripts/static_explorers.py)."""
    for cell in _code(_load(path)):
        lines = figures = 0
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = "".join(data.get("text/plain", "")) + "".join(out.get("text", ""))
            assert not BROKEN_REPR.search(text), f"{path.name}: stored widget repr {text[:80]!r}"
            if WIDGET_VIEW in data:
                assert data[WIDGET_VIEW]["model_id"] == "", f"{path.name}: a stored live view"
            lines += "run this notebook to explore" in text and "\n" not in text.strip()
            figures += "image/png" in data and WIDGET_VIEW not in data
        if "_explorer(" in _src(cell) and cell.get("outputs"):
            assert lines == 1, f"{path.name}: {lines} lines saying to run the notebook"
            assert figures >= 1, f"{path.name}: an explorer without its figure"
