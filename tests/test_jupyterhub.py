"""The workshop recipe of workshop/jupyterhub.md, run for real on this machine.

For each of the guide's two recipes the test runs ``workshop/hub.py`` as the
guide does: ``install`` builds the hub's environments from the pinned files
(recipe A: a hub on the course's Python 3.11, one environment; recipe B: a hub
on Python 3.10 without numpy, with the course in a Python 3.11 environment
registered as its ``python3`` kernel), ``config`` writes a hub with a dummy
authenticator and the simple local-process spawner, JupyterHub starts behind
configurable-http-proxy (from npm: ``python3 run.py test`` installs it into
``.venv/hub-proxy``), and ``rehearse`` plays ten learners at once. Each learner
starts a server, opens section 01 through the server's contents API, starts a
kernel through a session (as JupyterLab does) and runs every code cell up to
the first explorer over the kernel's websocket; the explorer must come back as
a widget view with its figure. The first learner also opens the dashboard under
Voila, which runs in the hub's environment through the kernel client of
``serving/``. Timings go to ``artifacts/hub/``.

Recipe B needs a Python 3.10 (pyenv's /root/.pyenv/versions/3.10.13, or
``python3.10`` on PATH); without one it is skipped with a message. Each recipe
takes one to three minutes (two environments installed from the package index
with a warm pip cache, ten servers and kernels on two cores).
"""

from __future__ import annotations

import importlib.util
import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "hub"
LEARNERS = 10
PROXY = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PYENV_310 = Path("/root/.pyenv/versions/3.10.13/bin/python")


def _hub_module():
    spec = importlib.util.spec_from_file_location("workshop_hub", ROOT / "workshop" / "hub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hub = _hub_module()


def _course_python() -> str:
    """The interpreter of the course's Python (the one .venv was made from)."""
    return getattr(sys, "_base_executable", sys.executable)


def _python_310() -> str | None:
    if PYENV_310.exists():
        return str(PYENV_310)
    return shutil.which("python3.10")


def _proxy() -> str | None:
    if PROXY.exists():
        return str(PROXY)
    if shutil.which("npm") is None:
        pytest.skip("configurable-http-proxy is not installed and npm is missing (install node)")
    return None  # hub.py installs it with npm


def _explorers_in_dashboard() -> int:
    nb = json.loads((ROOT / "course" / "dashboard.ipynb").read_text(encoding="utf-8"))
    return sum(
        "_explorer(" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    )


@pytest.mark.parametrize("recipe", ["A same Python", "B Python 3.10 hub"])
def test_ten_learners_run_a_notebook_to_its_first_explorer(recipe: str, tmp_path: Path):
    same = recipe.startswith("A")
    hub_python = _course_python() if same else _python_310()
    if hub_python is None:
        pytest.skip("recipe B needs a Python 3.10 (pyenv 3.10.13 or python3.10 on PATH)")
    target = tmp_path / "hub"
    log = tmp_path / "install.log"
    with log.open("w") as out:
        try:
            built = hub.install(target, hub_python, _course_python(), _proxy(), log=out)
        except SystemExit as err:
            raise AssertionError(f"{err}\n{log.read_text()[-3000:]}") from None
    assert built["same_python"] is same
    if not same:  # the hub itself carries no scientific stack: the course is a kernel
        probe = subprocess.run([f"{built['hub']}/bin/python", "-c", "import numpy"], check=False)
        assert probe.returncode != 0, "recipe B's hub environment should not have numpy"
        spec = json.loads((target / "hub/share/jupyter/kernels/python3/kernel.json").read_text())
        assert spec["argv"][0].startswith(str(target / "course")), spec["argv"]
    hub.config(target, port=hub._free_port(), password="rehearsal")
    token = secrets.token_hex(16)
    server_log = tmp_path / "jupyterhub.log"
    try:
        with hub.running(target, token, server_log) as url:
            results = hub.rehearse(url, token, LEARNERS)
            import asyncio

            asyncio.run(hub.stop_servers(url, token, [r["user"] for r in results]))
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = "same-python" if same else "python-3.10"
        if server_log.exists():
            shutil.copy(server_log, ARTIFACTS / f"{name}.log")
    assert len(results) == LEARNERS
    for result in results:
        shown = result["explorer_shows"]
        assert "application/vnd.jupyter.widget-view+json" in shown, result
        assert "image/png" in shown, f"{result['user']}: the explorer came back without a figure"
    assert results[0]["voila_widget_views"] >= _explorers_in_dashboard(), results[0]
    (ARTIFACTS / f"{name}.txt").write_text(hub.summary(results) + "\n")
    text = server_log.read_text()
    assert "Traceback" not in text, text[text.index("Traceback") - 2000 :][:4000]


def test_the_guide_runs_the_same_script_as_this_test():
    guide = (ROOT / "workshop" / "jupyterhub.md").read_text(encoding="utf-8")
    for step in ("workshop/hub.py install", "workshop/hub.py config", "workshop/hub.py rehearse"):
        assert step in guide, f"workshop/jupyterhub.md should run `{step}`"
    assert "--hub-python" in guide and "--course-python" in guide, "both recipes"
    assert "jupyterhub -f" in guide
