"""The workshop kit covers the course as it is: every section, every glossary term, real paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
GUIDE = ROOT / "workshop" / "instructor_guide.md"
HUB = ROOT / "workshop" / "jupyterhub.md"
GLOSSARY = COURSE / "glossary.md"
SECTIONS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb"))

# The glossary list of the syllabus: English term and the common Chinese exchange term.
SYLLABUS_TERMS = {
    "negative balance": "穿仓",
    "blow-up": "爆仓",
    "margin": "保证金",
    "leverage": "杠杆",
    "liquidation price": "强平价格",
    "funding rate": "资金费率",
    "insurance fund": "保险基金",
    "auto-deleveraging": "自动减仓",
    "isolated margin": "逐仓",
    "cross margin": "全仓",
}
# Every other term the syllabus's sections use.
SECTION_TERMS = [
    "spot trading",
    "perpetual futures",
    "linear contract",
    "inverse contract",
    "notional value",
    "return on equity",
    "bankruptcy price",
    "initial margin",
    "maintenance margin",
    "margin balance",
    "available balance",
    "margin ratio",
    "maintenance amount",
    "risk limit",
    "mark price",
    "last price",
    "index price",
    "partial liquidation",
    "liquidation heatmap",
    "order book",
    "slippage",
    "VWAP",
    "price gap",
    "socialized loss",
    "negative balance protection",
    "premium index",
    "stop-loss",
    "trailing stop",
    "position sizing",
    "volatility drag",
    "leveraged token",
    "rollover",
    "Monte Carlo",
    "liquidation cascade",
    "liquidator vault",
    "backstop",
    "deleveraging",
    "price impact",
    "resilience",
    "pro-rata ADL",
    "open interest",
]


def _glossary_rows() -> list[list[str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_glossary_has_the_syllabus_terms_with_their_chinese_names():
    rows = _glossary_rows()
    for english, chinese in SYLLABUS_TERMS.items():
        matches = [r for r in rows if english in r[0].lower() or english in r[2].lower()]
        assert matches, f"glossary lacks {english!r}"
        assert any(chinese in r[1] for r in matches), f"{english!r} should give {chinese}"


@pytest.mark.parametrize("term", SECTION_TERMS)
def test_glossary_defines_every_section_term(term: str):
    rows = _glossary_rows()
    assert any(term.lower() in (r[0] + " " + r[2]).lower() and r[3] for r in rows), term


def test_glossary_rows_are_complete():
    for row in _glossary_rows()[1:]:
        if row[0] == "English":
            continue
        assert len(row) == 5, row
        english, chinese, _, meaning, section = row
        assert english and meaning, row
        assert re.search(r"[\u4e00-\u9fff]", chinese), f"no Chinese term for {english!r}"
        assert re.fullmatch(r"\d\d(, \d\d)*", section), f"{english!r}: section {section!r}"


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_instructor_guide_covers_every_section(path: Path):
    guide = GUIDE.read_text(encoding="utf-8")
    number = path.name[:2]
    match = re.search(rf"^### {number} .*$", guide, re.M)
    assert match, f"the instructor guide has no section '### {number} ...'"
    block = guide[match.end() :].split("\n### ", 1)[0]
    assert re.search(r"\d+ (\+ \d+ )?min", match.group(0)), f"{number}: no timing in the heading"
    assert "**Objectives**" in block, f"{number}: no objectives"
    assert "**Prompt" in block, f"{number}: no discussion prompt"
    assert "isconception" in block, f"{number}: no misconceptions"


def _header_minutes(path: Path) -> list[int]:
    """The minutes on the **Time** line of a notebook's header (teaching, then exercises)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    header = "".join(nb["cells"][0]["source"])
    line = re.search(r"\*\*Time\*\*:?(.*)", header)
    return [int(n) for n in re.findall(r"(\d+) min", line.group(1))] if line else []


@pytest.mark.parametrize("path", SECTIONS, ids=lambda p: p.name)
def test_instructor_guide_timing_matches_the_notebook_header(path: Path):
    minutes = _header_minutes(path)
    if not minutes:
        pytest.skip(f"{path.name} states no time")
    heading = re.search(rf"^### {path.name[:2]} .*$", GUIDE.read_text(encoding="utf-8"), re.M)
    assert heading, path.name
    in_guide = [int(n) for n in re.findall(r"(\d+)(?= \+| min)", heading.group(0).split("(")[-1])]
    assert in_guide == minutes, (
        f"{path.name} says {minutes} minutes, the instructor guide {in_guide}: update the guide"
    )


def test_instructor_guide_has_the_practical_parts():
    guide = GUIDE.read_text(encoding="utf-8")
    for heading in ("## Before the day", "## When Binder is slow", "## Running the room"):
        assert heading in guide, heading
    assert "urlpath=voila/render/course/dashboard.ipynb" in guide


def test_jupyterhub_notes_install_the_same_binder_environment():
    notes = HUB.read_text(encoding="utf-8")
    assert "The Littlest JupyterHub" in notes and "Zero to JupyterHub" in notes
    assert "pip install -r binder/requirements.txt" in notes
    assert "repo2docker" in notes
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")
    assert f"Python {runtime}" in notes, "the notes should name the runtime.txt version"
    pinned = "".join(
        (ROOT / path).read_text()
        for path in ("binder/requirements.txt", "workshop/hub-requirements.txt")
    )
    for pin in re.findall(r"\b([\w-]+)==([\d.]+)", notes):
        assert f"{pin[0]}=={pin[1]}" in pinned, (
            f"{pin[0]}=={pin[1]} in the notes is not the version pinned in binder/ or workshop/"
        )


@pytest.mark.parametrize("doc", [GUIDE, HUB], ids=lambda p: p.name)
def test_paths_and_commands_named_in_the_kit_exist(doc: Path):
    text = doc.read_text(encoding="utf-8")
    for path in set(re.findall(r"`((?:course|workshop|scripts|binder|site)/[\w./-]*)`", text)):
        if path.endswith("/") or not Path(path).suffix:
            assert (ROOT / path).is_dir(), f"{doc.name} names {path}, which does not exist"
        elif path == "course/dashboard.ipynb" and not (ROOT / path).exists():
            continue  # written last, once the section explorers exist
        else:
            assert (ROOT / path).exists(), f"{doc.name} names {path}, which does not exist"
    run_py = (ROOT / "run.py").read_text()
    for command in set(re.findall(r"python3 run\.py (\w+)", text)):
        assert f'"{command}"' in run_py, f"{doc.name} names `python3 run.py {command}`"


def test_local_urls_in_the_kit_open_files_under_the_root_run_py_lab_serves():
    run_py = load_script("run.py", "run_py")
    args = run_py.lab_command([])
    root = Path(next(a for a in args if a.startswith("--ServerApp.root_dir=")).split("=", 1)[1])
    assert root == ROOT, "run.py lab should serve the repository root, as Binder does"
    default = next(a for a in args if a.startswith("--LabApp.default_url=")).split("=", 1)[1]
    # It opens the learner's copy (my-course/, made from course/ on first run).
    copy = default.removeprefix("/lab/tree/")
    assert copy.startswith(f"{run_py.WORKDIR.name}/"), default
    assert (root / "course" / copy.split("/", 1)[1]).is_file(), default
    dashboard = json.loads((COURSE / "dashboard.ipynb").read_text(encoding="utf-8"))
    texts = [GUIDE.read_text(encoding="utf-8")]
    texts += ["".join(c["source"]) for c in dashboard["cells"] if c["cell_type"] == "markdown"]
    urls = [u for t in texts for u in re.findall(r"http://localhost:\d+/([^\s`)]+)", t)]
    assert urls, "the guide and the dashboard give a local address"
    for url in urls:
        path = re.sub(r"^(voila/render|lab/tree)/", "", url.split("?")[0])
        assert (root / path).is_file(), f"http://localhost/{url} opens nothing under {root}"
