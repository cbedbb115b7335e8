"""From a key press on a slider to the explorer's new figure on screen, in a real browser.

Starts JupyterLab from ``.venv`` on loopback with one throwaway notebook per
explorer of ``perpmath.widgets`` (a course notebook shows one or two), opens
each in Debian's headless Chromium (Playwright), runs it, and presses
ArrowRight on the explorer's first slider REPEATS times (alternating with
ArrowLeft). Each time is
measured in the page: from the keydown event to the first animation frame
after the explorer's image has its new PNG decoded (the next paint shows it).
A press waits for the previous figure, so the times do not overlap. Prints
the median and the slowest press per explorer; the goal is 100 ms or less.

Run: .venv/bin/python benchmarks/explorer_latency.py [REPEATS]
Seen here (2 cores shared with other builds, load average 2-4, REPEATS 9):
medians 119-222 ms, stop_gap 119, leverage 125, margin 198, liquidation_fill
222; a trivial 2 x 1 in figure in the same pipeline: 61 ms.
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
  let t0 = null;
  const observer = new MutationObserver(() => {
    observer.disconnect();
    img.decode().then(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
  });
  observer.observe(img, {attributes: true, attributeFilter: ['src']});
  const start = () => { t0 = performance.now(); };
  handle.addEventListener('keydown', start, {once: true, capture: true});
  handle.focus();
  handle.dispatchEvent(new KeyboardEvent('keydown', {key, code: key, bubbles: true}));
  setTimeout(() => { observer.disconnect(); reject(new Error('no new figure in 10 s')); }, 10000);
})
"""


def _notebook(folder: Path, names: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
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


def main(repeats: int = 15) -> None:
    names = sorted(explorers())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i, name in enumerate(names):  # one notebook per explorer, as in the course
            _notebook(folder, [name]).rename(folder / f"explorer{i:02d}.ipynb")
        server, url, token = _lab(folder)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for i, name in enumerate(names):
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    _open_and_run(page, url, token, f"explorer{i:02d}.ipynb")
                    times = []
                    for press in range(repeats):
                        key = "ArrowRight" if press % 2 == 0 else "ArrowLeft"
                        times.append(page.evaluate(MEASURE, [0, key]))
                        page.wait_for_timeout(150)
                    rows.append((statistics.median(times), max(times), name))
                    page.evaluate("() => window.jupyterapp.commands.execute('kernelmenu:shutdown')")
                    page.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{'explorer':45} {'median':>8} {'slowest':>8}  (key press to new pixels)")
    for median, slowest, name in sorted(rows, reverse=True):
        print(f"{name:45} {median:5.0f} ms {slowest:5.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
