"""Build the whole course as a static, offline HTML site.

    python3 run.py site                 # executes the notebooks, writes _build/site/
    .venv/bin/python scripts/build_site.py --out DIR [--stored] [--jobs N]

Every numbered notebook in ``course/`` (and ``course/dashboard.ipynb`` when it
exists) is executed from a clean kernel with ``course/`` as the working
directory, its widget state is kept, and it is rendered with nbconvert's lab
template made offline (``site/templates/perpmath``): require.js, the widget
renderer and MathJax come from ``site/vendor/`` copied beside the pages, so the
site needs no network to build or to read. ``--stored`` renders the committed
outputs instead of executing again (they are executed outputs too: the
notebook tests keep them current). The site also has a contents page
(``index.html``) and the glossary (``course/glossary.md``).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from sliced_poll import SlicedPollKernelManager

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "course"
SITE_SRC = ROOT / "site"
CJK_FONT = ROOT / "perpmath" / "plots" / "fonts" / "NotoSansCJKsc-course.otf"
DEFAULT_OUT = ROOT / "_build" / "site"
TITLE = "perpmath: leverage, liquidation and negative balance in perpetual futures"


def course_notebooks(course: Path = COURSE) -> list[Path]:
    """The section notebooks in course order, then the dashboard if it exists."""
    found = sorted(course.glob("[0-9][0-9]_*.ipynb"))
    dashboard = course / "dashboard.ipynb"
    return found + ([dashboard] if dashboard.exists() else [])


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of the notebook (``# 02 Leverage``), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return fallback


def notebook_questions(nb: nbformat.NotebookNode) -> list[str]:
    """The questions listed under **Questions** in the header cell (may be empty)."""
    for cell in nb.cells[:2]:
        if cell.cell_type != "markdown" or "**Questions**" not in cell.source:
            continue
        found, inside = [], False
        for line in cell.source.splitlines():
            text = line.lstrip("> ").strip()
            if text.startswith("**Questions**"):
                inside = True
                rest = text.removeprefix("**Questions**").lstrip(":* ").strip()
                if rest:
                    found.append(rest)
            elif inside and text.startswith("**"):
                break
            elif inside and text.startswith(("- ", "* ")):
                found.append(text[2:].strip())
        return found
    return []


def kernel_env() -> dict[str, str]:
    """The kernels' environment: inline figures (no MPLBACKEND) and a fixed hash seed."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    return {**env, "PYTHONHASHSEED": "0"}


async def _execute(path: Path, gate: asyncio.Semaphore) -> nbformat.NotebookNode:
    async with gate:
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            kernel_manager_class=SlicedPollKernelManager,  # see sliced_poll
            store_widget_state=True,
            resources={"metadata": {"path": str(path.parent)}},
        )
        await client.async_execute(env=kernel_env())
        return nb


def execute_all(paths: list[Path], jobs: int = 2) -> list[nbformat.NotebookNode]:
    """Run each notebook from a fresh kernel in its folder, ``jobs`` kernels at a time.

    Kernels are separate processes, so one event loop drives several at once.
    """

    async def run() -> list[nbformat.NotebookNode]:
        gate = asyncio.Semaphore(max(1, jobs))
        return list(await asyncio.gather(*(_execute(p, gate) for p in paths)))

    return asyncio.run(run())


def _exporter() -> HTMLExporter:
    return HTMLExporter(
        template_name="perpmath",
        extra_template_basedirs=[str(SITE_SRC / "templates")],
        require_js_url="vendor/require.js",
        widget_renderer_url="vendor/embed-amd.js",
        mathjax_url="vendor/tex-svg.js",
        anchor_link_text="",
    )


def _link_pages(body: str, pages: set[str]) -> str:
    """Point links to course notebooks at their pages (``02_leverage.ipynb`` -> ``.html``)."""

    def swap(match: re.Match[str]) -> str:
        target, anchor = match.group(2), match.group(3) or ""
        name = Path(target).name
        if name.removesuffix(".ipynb") + ".html" in pages and "/" not in target.lstrip("./"):
            return f'{match.group(1)}{name.removesuffix(".ipynb")}.html{anchor}"'
        return match.group(0)

    return re.sub(r'(href=")([^"#:]+\.ipynb)(#[^"]*)?"', swap, body)


def _render(
    nb: nbformat.NotebookNode, name: str, nav: dict | None, pages: set[str], course: Path
) -> str:
    resources = {"metadata": {"name": name, "path": str(course)}, "perpmath_nav": nav}
    body, _ = _exporter().from_notebook_node(nb, resources=resources)
    return _link_pages(body, pages)


def _markdown_page(title: str, markdown: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["title"] = title
    nb.cells.append(nbformat.v4.new_markdown_cell(markdown))
    return nb


def contents_markdown(entries: list[dict], has_glossary: bool) -> str:
    """The contents page: each notebook's title, then the questions it answers."""
    lines = [
        f"# {TITLE}",
        "",
        "A course on leveraged perpetual futures, computed with the `perpmath` package. "
        "Every page below was executed to produce its numbers, figures and explorers; "
        "the explorers show the state they were saved in (sliders move the controls "
        "but only a running kernel recomputes: open the notebook in JupyterLab or on "
        "Binder for that).",
        "",
        "## Sections",
        "",
    ]
    for entry in entries:
        lines.append(f"- [{entry['title']}]({entry['href']})")
        lines += [f"  - {question}" for question in entry["questions"]]
    if has_glossary:
        lines += ["", "## Reference", "", "- [Glossary (English and Chinese terms)](glossary.html)"]
    return "\n".join(lines) + "\n"


def build(
    out: Path = DEFAULT_OUT,
    *,
    course: Path = COURSE,
    run: bool = True,
    jobs: int = 2,
    quiet: bool = False,
) -> list[Path]:
    """Build the site into ``out`` (emptied first); return the written HTML pages."""
    started = time.perf_counter()
    notebooks = course_notebooks(course)
    if not notebooks:
        raise SystemExit(f"no notebooks in {course}")
    if run:
        executed = execute_all(notebooks, jobs)
    else:
        executed = [nbformat.read(p, as_version=4) for p in notebooks]

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(SITE_SRC / "vendor", out / "vendor")
    shutil.copy(CJK_FONT, out / "vendor" / CJK_FONT.name)  # the Chinese terms, offline
    # The SIL Open Font License asks that every copy of the font carries the licence.
    shutil.copy(CJK_FONT.parent / "OFL.txt", out / "vendor" / "LICENSE.noto-cjk.txt")

    entries = [
        {
            "href": p.with_suffix(".html").name,
            "title": notebook_title(nb, p.stem),
            "questions": notebook_questions(nb),
        }
        for p, nb in zip(notebooks, executed, strict=True)
    ]
    glossary = course / "glossary.md"
    pages = {e["href"] for e in entries} | {"index.html", "glossary.html"}
    written = []
    for i, (entry, nb) in enumerate(zip(entries, executed, strict=True)):
        nav = {
            "prev": entries[i - 1] if i > 0 else None,
            "next": entries[i + 1] if i + 1 < len(entries) else None,
        }
        nb.metadata["title"] = entry["title"]
        target = out / entry["href"]
        target.write_text(_render(nb, target.stem, nav, pages, course), encoding="utf-8")
        written.append(target)
        if not quiet:
            print(f"[site] {target.name}: {entry['title']}", flush=True)

    index = _markdown_page("Contents", contents_markdown(entries, glossary.exists()))
    nav = {"prev": None, "next": entries[0]}
    (out / "index.html").write_text(_render(index, "index", nav, pages, course), encoding="utf-8")
    written.insert(0, out / "index.html")
    if glossary.exists():
        page = _markdown_page("Glossary", glossary.read_text(encoding="utf-8"))
        target = out / "glossary.html"
        target.write_text(_render(page, "glossary", {}, pages, course), encoding="utf-8")
        written.append(target)
    (out / "manifest.json").write_text(
        json.dumps({"pages": [p.name for p in written]}, indent=1), encoding="utf-8"
    )
    if not quiet:
        seconds = time.perf_counter() - started
        print(
            f"[site] {len(written)} pages in {out} ({seconds:.0f} s); open "
            f"{html.escape(str(out / 'index.html'))} in a browser",
            flush=True,
        )
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (emptied)")
    parser.add_argument("--course", type=Path, default=COURSE, help=argparse.SUPPRESS)
    parser.add_argument(
        "--stored", action="store_true", help="render the committed outputs, do not execute"
    )
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    args = parser.parse_args(argv)
    build(args.out.resolve(), course=args.course.resolve(), run=not args.stored, jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
