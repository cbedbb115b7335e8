"""From a key press on a slider to the explorer's new figure on screen, in a real browser.

Starts JupyterLab from ``.venv`` on loopback with one throwaway notebook per
explorer of ``perpmath.widgets`` (a course notebook shows one or two), opens
each in Debian's headless Chromium (Playwright), runs it, and presses
ArrowRight on the explorer's first slider REPEATS times (alternating with
ArrowLeft). Each time is measured in the page: from the keydown event to the
first animation frame after the explorer's image has its new PNG decoded (the
next paint shows it). A press waits for the previous figure, so the times do
not overlap. Prints the median and the slowest press per explorer; the goal
is 100 ms or less.

Options: ``--split`` also splits each press into its parts (to the kernel,
render, draw+png, send, to the browser, decode, paint; the kernel logs its
side through ``perpmath.widgets._common.REDRAW_TIMES``); ``--fresh`` turns
off the explorers' memory of settings already computed, so that 05, 06 and 09
run their computation on every press (alternating presses otherwise revisit
remembered settings); ``--only=TEXT`` measures the explorers whose name
contains TEXT.

Run: .venv/bin/python benchmarks/explorer_latency.py [REPEATS] [--split] [--fresh]
Seen here (2 cores shared with other builds, REPEATS 9): before the static
layer, glyph cache, unfiltered PNG and spare figures (load average 3-3.6),
medians 90-289 ms; after them, see the README ("Explorers that follow the
hand"), which gives the numbers and the load they were measured at.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_explorers import explorers

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"]

MEASURE = """
([index, key]) => new Promise((resolve, reject) => {
  const box = document.querySelectorAll('.perpmath-explorer')[index];
  const img = box.querySelector('.widget-image');
  const handle = box.querySelector('.widget-slider .noUi-handle');
  let t0 = null, wall = null, src = null, decoded = null;
  const observer = new MutationObserver(() => {
    observer.disconnect();
    src = performance.now();
    img.decode().then(() => {
      decoded = performance.now();
      requestAnimationFrame(() => {
        const paint = performance.now();
        resolve({total: paint - t0, wall, src: src - t0, decoded: decoded - t0});
      });
    });
  });
  observer.observe(img, {attributes: true, attributeFilter: ['src']});
  const start = () => { t0 = performance.now(); wall = Date.now(); };
  handle.addEventListener('keydown', start, {once: true, capture: true});
  handle.focus();
  handle.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true}));
  setTimeout(() => { observer.disconnect(); reject(new Error('no new figure in 10 s')); }, 10000);
})
"""

#: With --split, the kernel logs each redraw's times to this file (epoch ms).
_LOG_CELL = """import json, perpmath.widgets._common as c
class Log(list):
    def append(self, item):
        super().append(item)
        with open("redraw_times.json", "w") as f:
            json.dump(self, f)
c.REDRAW_TIMES = Log()"""


def _notebook(folder: Path, names: list[str], fresh: bool = False, split: bool = False) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    if fresh:  # explorers remember nothing: every press recomputes its setting
        nb.cells.append(
            nbformat.v4.new_code_cell("import perpmath.widgets._common as c\nc.MEMO_SIZE = 0")
        )
    if split:
        nb.cells.append(nbformat.v4.new_code_cell(_LOG_CELL))
    for name in names:
        module, function = name.split(".")
        code = f"from perpmath.widgets.{module} import {function}\n{function}()"
        nb.cells.append(nbformat.v4.new_code_cell(code))
    path = folder / "explorers.ipynb"
    nbformat.write(nb, path)
    return path


def _lab(folder: Path) -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    settings = folder / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    args = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={folder / 'settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
        "--allow-root",
    ]
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    log = (folder / "lab.log").open("w")
    server = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5).close()
            return server, url, token
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("JupyterLab did not start")


def _open_and_run(page, url: str, token: str, notebook: str) -> None:
    page.goto(f"{url}/lab/tree/{notebook}?token={token}&reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp", timeout=120_000)
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('.jp-Notebook-ExecutionIndicator') !== null",
        timeout=120_000,
    )
    page.wait_for_timeout(2000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_selector(".perpmath-explorer .widget-image", timeout=300_000)
    page.wait_for_timeout(1500)


_PARTS = ["to kernel", "render", "draw+png", "send", "to browser", "decode", "paint"]


def _parts(press: dict, redraws: list) -> list[float] | None:
    """Split one press into its parts, with the kernel's redraw that followed it."""
    after = [r for r in redraws if r[0] >= press["wall"] - 1]
    if not after:
        return None
    start, rendered, drawn, sent = min(after)
    src, decoded = press["wall"] + press["src"], press["wall"] + press["decoded"]
    return [start - press["wall"], rendered - start, drawn - rendered, sent - drawn,
            src - sent, decoded - src, press["total"] - press["decoded"]]  # fmt: skip


def _measure(page, repeats: int) -> list[dict]:
    presses = []
    for press in range(repeats):
        key = "ArrowRight" if press % 2 == 0 else "ArrowLeft"
        presses.append(page.evaluate(MEASURE, [0, key]))
        page.wait_for_timeout(150)
    return presses


def main(repeats: int = 15, fresh: bool = False, split: bool = False, only: str = "") -> None:
    names = sorted(n for n in explorers() if only in n)
    rows, parts = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, name in enumerate(names):  # one notebook per explorer, as in the course
            _notebook(folder, [name], fresh, split).rename(folder / f"explorer{i:02d}.ipynb")
        server, url, token = _lab(folder)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for i, name in enumerate(names):
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    _open_and_run(page, url, token, f"explorer{i:02d}.ipynb")
                    presses = _measure(page, repeats)
                    times = [p["total"] for p in presses]
                    rows.append((statistics.median(times), max(times), name))
                    if split:
                        log = json.loads((folder / "redraw_times.json").read_text())
                        split_presses = [_parts(p, log) for p in presses]
                        parts[name] = [
                            statistics.median(c)
                            for c in zip(*filter(None, split_presses), strict=True)
                        ]
                    page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{'explorer':45} {'median':>8} {'slowest':>8}  (key press to new pixels)")
    for median, slowest, name in sorted(rows, reverse=True):
        print(f"{name:45} {median:5.0f} ms {slowest:5.0f} ms")
    if split:
        print(f"\nmedian parts (ms): {', '.join(_PARTS)}")
        for name, values in sorted(parts.items()):
            print(f"{name:45} " + " ".join(f"{v:6.1f}" for v in values))


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(
        int(numbers[0]) if numbers else 15,
        fresh="--fresh" in sys.argv,
        split="--split" in sys.argv,
        only=next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")), ""),
    )
