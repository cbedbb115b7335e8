"""The static site: built by one command, offline, every page with its figures and no errors."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
# PERPMATH_COURSE points the test at another folder of notebooks (e.g. a subset).
COURSE = Path(os.environ.get("PERPMATH_COURSE", ROOT / "course")).resolve()
CHROMIUM = Path("/usr/bin/chromium")


def _load_builder():
    return load_script("scripts/build_site.py", "build_site", register=True)


build_site = _load_builder()
NOTEBOOKS = build_site.course_notebooks(COURSE)

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="course/ has no notebooks yet")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site.build(out, course=COURSE, quiet=True)
    return out


def _stored(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _figures(nb: dict) -> int:
    """Figures stored as images; an explorer's PNG travels in its widget state instead
    (stored, it is an image marked as the explorer's before-run figure)."""
    return sum(
        "image/png" in out.get("data", {})
        and "application/vnd.jupyter.widget-view+json" not in out.get("data", {})
        and out.get("metadata", {}).get("perpmath") != "explorer before run"
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
    )


def _explorer_cells(nb: dict) -> int:
    return sum(
        cell["cell_type"] == "code" and "_explorer(" in "".join(cell["source"])
        for cell in nb["cells"]
    )


def test_every_notebook_has_a_page_plus_contents_and_glossary(site: Path):
    names = {p.name for p in site.glob("*.html")}
    expected = {p.with_suffix(".html").name for p in NOTEBOOKS} | {"index.html"}
    if (COURSE / "glossary.md").exists():
        expected.add("glossary.html")
    assert expected <= names, f"missing pages: {sorted(expected - names)}"
    index = (site / "index.html").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f'href="{path.with_suffix(".html").name}"' in index, f"contents lacks {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_page_has_its_figures_and_no_error_output(site: Path, path: Path):
    page = (site / path.with_suffix(".html").name).read_text(encoding="utf-8")
    images = len(re.findall(r'<img[^>]+src="data:image/png;base64,', page))
    assert images >= _figures(_stored(path)), f"{path.name}: {images} figures on the page"
    if path.name[:2].isdigit() and path.name[:2] != "00":
        assert images >= 1, f"{path.name}: a section page without a figure"
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page, f"{path.name}: stderr"
    assert "jp-OutputArea-error" not in page and "Traceback (most recent call last)" not in page


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_explorers_keep_their_saved_widget_state(site: Path, path: Path):
    explorers = _explorer_cells(_stored(path))
    if not explorers:
        pytest.skip(f"{path.name} shows no explorer")
    page = (site / path.with_suffix(".html").name).read_text(encoding="utf-8")
    assert 'type="application/vnd.jupyter.widget-state+json"' in page
    views = page.count('type="application/vnd.jupyter.widget-view+json"')
    assert views >= explorers, f"{path.name}: {views} widget views for {explorers} explorers"
    state = re.search(
        r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>', page, re.S
    )
    models = json.loads(state.group(1))["state"]
    figures = [m for m in models.values() if m["model_name"] == "ImageModel" and m.get("buffers")]
    outputs = [
        m for m in models.values() if m["model_name"] == "OutputModel" and m["state"]["outputs"]
    ]
    assert figures or outputs, f"{path.name}: no explorer saved a figure"
    assert page.count('class="perpmath-frozen"') >= explorers, "each explorer says it is frozen"


def test_pages_load_nothing_from_the_network(site: Path):
    remote = re.compile(r"""(?:https?:)?//[^"'\s)]+""")
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>|<link\b[^>]*>", text):
            src = re.search(r"""(?:src|href)=["']([^"']+)""", tag)
            if src:
                assert not remote.match(src.group(1)), f"{page.name}: {tag}"
        for url in re.findall(r"""@import\s+(?:url\()?["']?([^"')\s]+)""", text):
            assert not remote.match(url), f"{page.name}: @import {url}"
        for url in re.findall(r"""(?:widgetRendererSrc|require_js_url)\s*=\s*'([^']*)'""", text):
            assert not remote.match(url), f"{page.name}: loads {url}"
        for src in re.findall(r"""<script\b[^>]*\bsrc=["']([^"']+)""", text):
            assert (site / src).is_file(), f"{page.name}: script {src} is not in the site"


def test_the_shipped_font_travels_with_its_licence(site: Path):
    """The pages draw the Chinese terms with the course's font subset, an SIL OFL font."""
    assert (site / "vendor" / build_site.CJK_FONT.name).is_file()
    licence = (site / "vendor" / "LICENSE.noto-cjk.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence


def test_local_links_resolve(site: Path):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a\b[^>]*href="([^"#]+)(?:#[^"]*)?"', text):
            if re.match(r"[a-z]+:", href):
                continue
            assert (site / href).exists(), f"{page.name} links to missing {href}"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (run.py installs it)")
def test_a_page_renders_its_explorer_offline_in_a_browser(site: Path, tmp_path: Path):
    """Open a page from disk with every non-file request blocked: the explorer still shows."""
    pages = [p for p in NOTEBOOKS if _explorer_cells(_stored(p))]
    if not pages:
        pytest.skip("no notebook shows an explorer yet")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    page_file = site / pages[0].with_suffix(".html").name
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1200})

            def gate(route):
                if route.request.url.startswith(("file:", "data:", "blob:")):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", gate)
            page.goto(page_file.as_uri())
            page.wait_for_selector(".perpmath-explorer .widget-image", timeout=60_000)
            page.locator(".perpmath-explorer .widget-image").first.scroll_into_view_if_needed()
            shot = ROOT / "artifacts" / "site" / f"{page_file.stem}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert not blocked, f"the page asked the network for {blocked}"


# A fontconfig that hides every CJK font the machine has (Debian's fonts-noto-cjk,
# WenQuanYi, AR PL, Droid Sans Fallback): the pages must draw Chinese with the font
# they ship, as on a laptop that has none.
NO_CJK_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <glob>*CJK*</glob><glob>*cjk*</glob><glob>*wqy*</glob><glob>*arphic*</glob>
    <glob>*droid*</glob><glob>*Droid*</glob>
  </rejectfont></selectfont>
</fontconfig>
"""

# Marks each element whose own text holds a Chinese character; returns how many.
MARK_CJK = r"""() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let marked = 0;
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (/[\u2e80-\u9fff]/.test(walker.currentNode.data) && parent &&
        !parent.closest('script, style')) {
      parent.setAttribute('data-pm-cjk', '');
      marked += 1;
    }
  }
  return marked;
}"""


def _chinese_drawn_without_the_shipped_font(page) -> list[str]:
    """Elements with Chinese text that Chromium drew with no web font (boxes here)."""
    page.evaluate(MARK_CJK)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    found = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "[data-pm-cjk]"})
    missing = []
    for node in found["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        if not any(font["isCustomFont"] for font in fonts):
            html = cdp.send("DOM.getOuterHTML", {"nodeId": node})["outerHTML"]
            missing.append(f"{html[:80]} drawn with {[f['familyName'] for f in fonts]}")
    cdp.detach()
    return missing


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (run.py installs it)")
def test_no_page_throws_or_asks_the_network_and_chinese_terms_have_a_font(
    site: Path, tmp_path: Path
):
    """Every page opened from disk: no uncaught error (page.on('pageerror')), no console
    error, no request that leaves the machine, every explorer rendered with its visible
    "frozen" notice, and every Chinese character drawn with the shipped CJK font while
    the machine's own CJK fonts are hidden."""
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    fontconfig = tmp_path / "fonts.conf"
    fontconfig.write_text(NO_CJK_FONTCONFIG)
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu"],
            env={**os.environ, "FONTCONFIG_FILE": str(fontconfig)},
        )
        try:
            for html_page in sorted(site.glob("*.html")):
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(f"pageerror: {e}"))
                page.on(
                    "console",
                    lambda m, errors=errors: (
                        errors.append(f"console: {m.text[:200]}") if m.type == "error" else None
                    ),
                )

                def gate(route, errors=errors):
                    if route.request.url.startswith(("file:", "data:", "blob:")):
                        route.continue_()
                    else:
                        errors.append(f"asked the network for {route.request.url[:200]}")
                        route.abort()

                page.route("**/*", gate)
                page.goto(html_page.as_uri(), wait_until="load")
                views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]')
                if views.count():
                    page.wait_for_function(
                        "(n) => document.querySelectorAll('.perpmath-explorer').length >= n",
                        arg=views.count(),
                        timeout=60_000,
                    )
                    frozen = page.locator(".perpmath-frozen:visible")
                    if frozen.count() < views.count():
                        errors.append(f"{views.count()} widget views, {frozen.count()} say frozen")
                    elif "Frozen" not in frozen.first.inner_text():
                        errors.append(f"frozen notice reads {frozen.first.inner_text()!r}")
                page.evaluate("() => document.fonts.ready.then(() => true)")
                page.wait_for_timeout(500)
                errors += _chinese_drawn_without_the_shipped_font(page)
                problems += [f"{html_page.name}: {e}" for e in errors]
                if html_page.name == "glossary.html":
                    shot = ROOT / "artifacts" / "site" / "glossary.png"
                    shot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shot))
                page.close()
        finally:
            browser.close()
    assert not problems, "\n".join(problems[:20])


def test_build_command_is_wired_into_run_py():
    assert '"site"' in (ROOT / "run.py").read_text(), "run.py has no site command"
