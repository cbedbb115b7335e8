"""End to end in a real browser: every notebook runs in JupyterLab and its explorers respond.

JupyterLab is started on 127.0.0.1 with a token, serving a copy of ``course/``
(so nothing the browser does can touch the committed notebooks), and driven
by Playwright in Debian's headless ``chromium`` (``/usr/bin/chromium``; no
browser download: ``python3 run.py test`` installs the Debian package when it
is missing and it runs as root). For every notebook the test opens it, clears
all outputs, restarts the kernel and runs all cells, then asserts that no cell
shows an error, that each explorer renders its widget view, and that moving
one of its controls changes its output. A screenshot per notebook goes to
``artifacts/browser/`` with the time each one took (``timings.txt``). The
dashboard is also opened as an app under Voila, as its Binder link does.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# PERPMATH_COURSE points the test at another folder of notebooks (e.g. a subset).
COURSE = Path(os.environ.get("PERPMATH_COURSE", ROOT / "course")).resolve()
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "browser"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb")) + sorted(COURSE.glob("dashboard.ipynb"))
RUN_TIMEOUT_S = 900  # per notebook: restart and run all (Monte Carlo cells included)
UI_TIMEOUT_MS = 120_000
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; "
        "python3 run.py test installs it when run as root)",
    ),
    pytest.mark.skipif(not NOTEBOOKS, reason="course/ has no notebooks yet"),
]

LAB_SETTINGS = {
    # Every cell in the DOM (no virtual scrolling), and nothing saved back to disk.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline figures
    return {**env, "PYTHONHASHSEED": "0"}


class Lab:
    def __init__(self, url: str, token: str, root: Path, log: Path) -> None:
        self.url, self.token, self.root, self.log = url, token, root, log

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def page_url(self, route: str, *query: str) -> str:
        return f"{self.url}/{route}?" + "&".join([*query, f"token={self.token}"])

    def shut_down_kernels(self) -> None:
        """End every session, so each notebook starts alone (2 cores, shared)."""
        headers = {"Authorization": f"token {self.token}"}
        request = urllib.request.Request(f"{self.url}/api/sessions", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as answer:
            sessions = json.load(answer)
        for session in sessions:
            url = f"{self.url}/api/sessions/{session['id']}"
            delete = urllib.request.Request(url, headers=headers, method="DELETE")
            with urllib.request.urlopen(delete, timeout=60):
                pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("lab")
    served = base / "root"
    shutil.copytree(
        COURSE, served / "course", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build")
    )
    settings = base / "settings"
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    args = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={served}",
        "--LabApp.news_url=None",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    log = (base / "lab.log").open("w")
    env = {**_kernel_env(), "JUPYTER_CONFIG_DIR": str(base / "config")}
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=served)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "JupyterLab did not start:\n" + (base / "lab.log").read_text()
                    ) from None
                time.sleep(0.5)
        yield Lab(url, token, served, base / "lab.log")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, float]]:
    measured: dict[str, float] = {}
    yield measured
    if measured:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        lines = [f"{name}\t{seconds:.1f} s" for name, seconds in measured.items()]
        lines.append(f"total\t{sum(measured.values()):.1f} s")
        (ARTIFACTS / "timings.txt").write_text("\n".join(lines) + "\n")


# JavaScript run in the page. `panel(path)` finds the open notebook through the
# application object that --LabApp.expose_app_in_browser puts on window.
FIND_PANEL = """
window.pmPanel = (path) => {
  for (const w of window.jupyterapp.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.content.widgets) return w;
  }
  return null;
};
"""

STATE = """
(path) => {
  const panel = window.pmPanel(path);
  const cells = panel.content.widgets;
  let pending = 0, total = 0;
  const errors = [];
  cells.forEach((cell, i) => {
    cell.node.setAttribute('data-pm-index', String(i));
    if (cell.model.type !== 'code') return;
    total += 1;
    if (cell.model.executionCount === null) pending += 1;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
      if (out.output_type === 'stream' && out.name === 'stderr')
        errors.push(`cell ${i} stderr: ${String(out.text).slice(0, 300)}`);
    }
  });
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const outputs = cells.reduce(
    (n, c) => n + (c.model.type === 'code' ? c.model.outputs.length : 0), 0);
  return {pending, total, errors, outputs, status: kernel ? kernel.status : 'none',
          explorers: cells.map((c, i) => [i, c])
                          .filter(([i, c]) => c.model.type === 'code' &&
                                              c.model.sharedModel.getSource().includes('_explorer('))
                          .map(([i]) => i)};
}
"""


STATE_IDLE = """(path) => window.pmPanel(path).sessionContext.session.kernel.status === 'idle'"""


def _wait(page, predicate_js: str, arg: object, timeout_s: float, what: str) -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(predicate_js, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        page.wait_for_timeout(500)


def _open_notebook(page, lab: Lab, rel: str) -> None:
    # ?reset: a fresh workspace, so notebooks opened by earlier tests stay closed.
    page.goto(lab.page_url(f"lab/tree/{rel}", "reset"), wait_until="domcontentloaded")
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell", timeout=UI_TIMEOUT_MS
    )
    page.evaluate(FIND_PANEL)
    _wait(
        page,
        """(path) => { const p = window.pmPanel(path);
             return p && p.context.isReady && p.sessionContext.session &&
                    p.sessionContext.session.kernel &&
                    p.sessionContext.session.kernel.status === 'idle'; }""",
        rel,
        180,
        f"{rel} to open with an idle kernel",
    )
    page.evaluate("(path) => window.jupyterapp.shell.activateById(window.pmPanel(path).id)", rel)
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")


def _clear_restart_run_all(page, rel: str) -> dict:
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    state = page.evaluate(STATE, rel)
    assert state["outputs"] == 0, f"{rel}: outputs left after clearing"
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) "
        ".jp-OutputArea .jupyter-widgets').length === 0",
        timeout=UI_TIMEOUT_MS,
    )
    # The menu command a person uses; it asks for confirmation in a dialog.
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:restart-run-all'); }")
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=UI_TIMEOUT_MS)
    page.wait_for_timeout(1000)

    def finished():
        state = page.evaluate(STATE, rel)
        if state["errors"]:
            return state
        if state["pending"] == 0 and state["status"] == "idle":
            return state
        return None

    deadline = time.monotonic() + RUN_TIMEOUT_S
    while (state := finished()) is None:
        assert time.monotonic() < deadline, f"{rel}: run all did not finish in {RUN_TIMEOUT_S} s"
        page.wait_for_timeout(1000)
    return state


def _output_signature(explorer) -> str:
    """What the explorer shows (figure, text, tables), to detect a redraw.

    The figure is a PNG in an Image widget, whose src is a fresh blob URL on
    every redraw; the text is in an HTML widget, tables in the Output widget.
    """
    return explorer.evaluate(
        """(node) => Array.from(node.querySelectorAll('.widget-html, .widget-output'))
                          .map(n => n.innerText).join('/') + '|' +
             Array.from(node.querySelectorAll('img')).map(i => i.src).join(',') +
             '|' + node.querySelectorAll('table td').length"""
    )


def _changed(page, explorer, before: str, timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(300)
        try:
            now = _output_signature(explorer)
        except sync_api.Error:
            continue
        if now != before and now.strip("|0"):
            return True
    return False


def _move_a_control(page, explorer) -> str:
    """Move one control of the explorer; return what was moved once the output changed."""
    before = _output_signature(explorer)
    handles = explorer.locator(".widget-slider .noUi-handle")
    for i in range(handles.count()):
        handle = handles.nth(i)
        handle.scroll_into_view_if_needed()
        for key in ("ArrowRight", "ArrowLeft"):
            handle.focus()
            for _ in range(5):
                handle.press(key)
            if _changed(page, explorer, before):
                return f"slider {i} ({key} x5)"
    selects = explorer.locator("select")
    for i in range(selects.count()):
        select = selects.nth(i)
        values = select.locator("option").evaluate_all("(os) => os.map(o => o.value)")
        current = select.input_value()
        for value in values:
            if value != current:
                select.select_option(value)
                if _changed(page, explorer, before):
                    return f"dropdown {i} -> {value}"
                break
    buttons = explorer.locator(".widget-toggle-buttons button:not(.mod-active)")
    for i in range(buttons.count()):
        buttons.nth(i).click()
        if _changed(page, explorer, before):
            return f"toggle button {i}"
    boxes = explorer.locator("input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).click()
        if _changed(page, explorer, before):
            return f"checkbox {i}"
    numbers = explorer.locator(".widget-text input[type=number], .widget-inline-hbox input")
    for i in range(numbers.count()):
        field = numbers.nth(i)
        try:
            value = float(field.input_value())
        except ValueError:
            continue
        field.fill(f"{value * 1.1 + 1:g}")
        field.press("Enter")
        if _changed(page, explorer, before):
            return f"number field {i}"
    raise AssertionError("no control of the explorer changed its output")


def _check_explorers(page, state: dict, rel: str) -> list[str]:
    moved = []
    for index in state["explorers"]:
        cell = page.locator(f'.jp-NotebookPanel:not(.lm-mod-hidden) [data-pm-index="{index}"]')
        cell.scroll_into_view_if_needed()
        explorer = cell.locator(".jp-OutputArea .jupyter-widgets.widget-vbox").first
        explorer.wait_for(state="visible", timeout=UI_TIMEOUT_MS)
        explorer.locator(".widget-image").first.wait_for(state="attached", timeout=UI_TIMEOUT_MS)
        try:
            moved.append(_move_a_control(page, explorer))
        except AssertionError as err:
            raise AssertionError(f"{rel}, explorer in cell {index}: {err}") from None
    return moved


def _no_error_in_page(page, rel: str) -> None:
    shown = page.locator(
        '.jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type="application/vnd.jupyter.stderr"]'
    )
    if shown.count():
        raise AssertionError(f"{rel} shows an error or stderr:\n{shown.first.inner_text()[:2000]}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_in_jupyterlab_and_explorers_respond(lab, browser, timings, path: Path):
    rel = f"course/{path.name}"
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    try:
        _open_notebook(page, lab, rel)
        state = _clear_restart_run_all(page, rel)
        assert not state["errors"], f"{rel}: " + "\n".join(state["errors"])
        assert state["pending"] == 0
        moved = _check_explorers(page, state, rel)
        _no_error_in_page(page, rel)
        state = page.evaluate(STATE, rel)
        assert not state["errors"], f"{rel} after moving controls: " + "\n".join(state["errors"])
        if path.name[:2] not in ("00",) and path.name[:2].isdigit():
            assert moved, f"{rel}: a section notebook without an explorer"
        _wait(page, STATE_IDLE, rel, 120, f"{rel}: the kernel to finish redrawing")
        page.wait_for_timeout(1000)
        if state["explorers"]:
            page.locator(f'[data-pm-index="{state["explorers"][0]}"]').scroll_into_view_if_needed()
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{path.stem}.png"))
        timings[path.name] = time.monotonic() - started
        context.close()
        lab.shut_down_kernels()


def _explorer_count() -> int:
    nb = json.loads((COURSE / "dashboard.ipynb").read_text(encoding="utf-8"))
    return sum(
        "_explorer(" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    )


@pytest.mark.skipif(
    not (COURSE / "dashboard.ipynb").exists(), reason="course/dashboard.ipynb not written yet"
)
def test_dashboard_runs_as_a_voila_app(lab, browser, timings):
    """The Binder app-mode link's target: /voila/render/course/dashboard.ipynb."""
    installed = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.json"
    assert installed.exists() and "SlicedPollKernelClient" in installed.read_text(), (
        f"{installed} lacks jupyter-config/: run `python3 run.py test` (or `run.py server-config`)"
    )
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    # Voila's page template asks public CDNs for icon fonts and MathJax; this test
    # runs offline, so refuse those at once instead of waiting for them to time out.
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith((lab.url, "data:", "blob:"))
            else route.abort()
        ),
    )
    console: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)[:300]))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text[:300]}"))
    page.on("requestfailed", lambda request: console.append(f"failed: {request.url[:200]}"))
    explorers = page.locator(".jp-OutputArea .jupyter-widgets.widget-vbox:has(.widget-output)")
    try:
        # One attempt, no reload: Voila's executor waits through sliced_poll
        # (jupyter-config/), without which a first render hung about one time in four here.
        page.goto(lab.page_url("voila/render/course/dashboard.ipynb"), wait_until="commit")
        try:
            page.wait_for_function(
                "(n) => document.querySelectorAll('.widget-output').length >= n",
                arg=_explorer_count(),
                timeout=120_000,
            )
        except sync_api.TimeoutError:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            (ARTIFACTS / "voila.log").write_text(
                "\n".join(console) + "\n--- server log ---\n" + lab.log_tail(80)
            )
            raise AssertionError(
                "Voila did not render the dashboard's explorers (artifacts/browser/voila.log)"
            ) from None
        explorers.first.wait_for(state="visible")
        page.wait_for_load_state("load", timeout=180_000)
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and "Error" not in text.split("\n")[0]
        assert page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').count() == 0
        assert "_explorer()" not in text and "import " not in text, "the app shows code"
        count = explorers.count()
        assert count >= 1
        for i in range(count):
            explorer = explorers.nth(i)
            if explorer.locator(".jupyter-widgets.widget-vbox:has(.widget-output)").count():
                continue  # an outer box (a tab or accordion) holding other explorers
            explorer.scroll_into_view_if_needed()
            _move_a_control(page, explorer)
        assert not errors, f"the Voila page threw: {errors}"
        # No console error (an extension Voila cannot use), no request leaving the machine
        # (icon fonts, MathJax from a CDN): the page works offline.
        failed = [line for line in console if line.startswith(("error:", "failed:"))]
        assert not failed, f"the Voila page logged errors or asked the network: {failed}"
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-voila.png"), full_page=True)
        timings["dashboard (Voila)"] = time.monotonic() - started
        context.close()
        lab.shut_down_kernels()


@pytest.mark.skipif(
    not (COURSE / "dashboard.ipynb").exists(), reason="course/dashboard.ipynb not written yet"
)
def test_render_with_voila_asks_nothing(lab, browser, timings):
    """JupyterLab's "Render with Voilà" button on the dashboard, as the instructor guide
    says to press it: no dialog (trust or other) opens, and the preview renders the
    explorers beside the notebook. It is pressed in a copy ``run.py lab`` (and Binder's
    postBuild) has trusted: the trust comes from them, not from a signature another
    test or an earlier run left for the same content."""
    rel = "course/dashboard.ipynb"
    _trust(lab.root / rel)
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)[:300]))
    try:
        _open_notebook(page, lab, rel)
        page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) [title="Render with Voilà"]').click()
        preview = 'iframe[src*="voila/render/course/dashboard.ipynb"]'
        page.wait_for_selector(preview)
        page.frame_locator(preview).locator(".widget-image").first.wait_for(timeout=180_000)
        dialogs = page.locator(".jp-Dialog")
        assert dialogs.count() == 0, f"Render with Voilà asked: {dialogs.first.inner_text()}"
        assert not errors, f"JupyterLab threw: {errors}"
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-render-with-voila.png"))
        timings["dashboard (Render with Voilà)"] = time.monotonic() - started
        context.close()
        lab.shut_down_kernels()


# What an explorer cell shows in JupyterLab before anything runs. The broken-link
# mark ipywidgets draws on a view whose kernel is not connected is the ::before of
# .jupyter-widgets-disconnected; a view of a model it cannot find says "Error
# displaying widget"; one still waiting says "Loading widget...".
BEFORE_RUN = """
(path) => {
  const panel = window.pmPanel(path);
  const shown = (n) => n.getClientRects().length > 0 && getComputedStyle(n).visibility !== 'hidden';
  const text = panel.content.node.innerText;
  const cells = panel.content.widgets;
  const explorers = [];
  cells.forEach((cell, i) => {
    if (cell.model.type !== 'code' ||
        !cell.model.sharedModel.getSource().includes('_explorer(')) return;
    cell.node.setAttribute('data-pm-index', String(i));
    const area = cell.node.querySelector('.jp-OutputArea');
    const figures = Array.from(area.querySelectorAll('.jp-RenderedImage img'))
      .filter((img) => shown(img) && img.complete && img.naturalWidth > 200);
    explorers.push({index: i, line: area.innerText.includes('run this notebook to explore'),
                    figures: figures.length,
                    views: Array.from(area.querySelectorAll('.widget-vbox')).filter(shown).length,
                    outputs: cell.model.outputs.toJSON()
                      .map((o) => Object.keys(o.data || {}).sort().join('+'))});
  });
  return {
    trusted: cells.filter((c) => c.model.type === 'code').every((c) => c.model.trusted),
    broken: Array.from(panel.content.node.querySelectorAll('.jupyter-widgets-disconnected'))
      .filter(shown).length,
    errors: (text.match(/Error displaying widget[^\\n]*/g) || []),
    loading: (text.match(/Loading widget/g) || []).length,
    explorers,
  };
}
"""


def _trust(path: Path) -> None:
    """Sign a served notebook as ``run.py lab`` signs the learner's copies (jupyter trust)."""
    jupyter = Path(sys.executable).parent / "jupyter"
    subprocess.run([str(jupyter), "trust", str(path)], check=True, capture_output=True)


def _served_copy(lab: Lab, name: str, trusted: bool) -> str:
    """A copy of course/NAME beside it, signed (trusted) or not: a learner's copy either way."""
    source = lab.root / "course" / name
    nb = json.loads(source.read_text(encoding="utf-8"))
    kind = "trusted" if trusted else "untrusted"
    nb["metadata"]["perpmath_test"] = f"{kind} copy"  # its own digest: no shared signature
    target = source.with_name(f"{kind}-{name}")
    target.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    if trusted:
        _trust(target)
    return f"course/{target.name}"


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
@pytest.mark.parametrize("name", ["02_leverage.ipynb", "dashboard.ipynb"])
def test_explorers_read_before_a_kernel_runs_without_a_broken_widget(
    lab, browser, timings, name: str, trusted: bool
):
    """Opened with stored outputs and nothing run: each explorer shows its saved figure
    and the line saying to run the notebook, and no broken-link mark, "Error displaying
    widget" or "Loading widget..." (scripts/static_explorers.py). Run, the live explorer
    replaces them: the stale figure does not stay beside it."""
    if not (COURSE / name).exists():
        pytest.skip(f"course/{name} not written yet")
    rel = _served_copy(lab, name, trusted)
    started = time.monotonic()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)[:300]))
    shot = ARTIFACTS / f"before-run-{Path(rel).stem}.png"
    try:
        _open_notebook(page, lab, rel)
        page.wait_for_timeout(3000)  # the widget manager restores once the kernel is ready
        seen = page.evaluate(BEFORE_RUN, rel)
        assert seen["trusted"] is trusted, f"{rel}: trusted is {seen['trusted']}"
        assert seen["explorers"], f"{rel}: no explorer cell"
        page.locator(
            f'[data-pm-index="{seen["explorers"][0]["index"]}"]'
        ).scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot))
        assert not seen["errors"], f"{rel} shows {seen['errors']}"
        assert seen["broken"] == 0, f"{rel} shows {seen['broken']} broken-widget marks"
        assert seen["loading"] == 0, f"{rel} still says 'Loading widget...'"
        for explorer in seen["explorers"]:
            where = f"{rel}, explorer in cell {explorer['index']}"
            assert explorer["line"], f"{where}: no line saying to run the notebook"
            assert explorer["figures"] == 1, f"{where}: {explorer['figures']} saved figures shown"
            assert explorer["views"] == 0, f"{where}: a frozen widget view is shown"
        assert not errors, f"JupyterLab threw: {errors}"
        if not trusted or name != "02_leverage.ipynb":
            return
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        index = seen["explorers"][0]["index"]
        _wait(
            page,
            """([path, i]) => window.pmPanel(path).content.widgets[i].node
                 .querySelectorAll('.jp-OutputArea .widget-vbox .widget-image').length > 0""",
            [rel, index],
            RUN_TIMEOUT_S,
            f"{rel}: the live explorer",
        )
        _wait(page, STATE_IDLE, rel, 120, f"{rel}: the kernel to finish")
        live = page.evaluate(BEFORE_RUN, rel)["explorers"][0]
        assert live["views"] >= 1 and live["figures"] == 0 and not live["line"], live
        assert live["outputs"] == [
            "application/vnd.jupyter.widget-view+json+image/png+text/plain"
        ], f"{rel}: after running, the explorer cell holds {live['outputs']}"
        page.locator(f'[data-pm-index="{index}"]').scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"after-run-{Path(rel).stem}.png"))
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if not shot.exists():
            page.screenshot(path=str(shot))
        timings[f"before run: {Path(rel).name}"] = time.monotonic() - started
        context.close()
        lab.shut_down_kernels()
