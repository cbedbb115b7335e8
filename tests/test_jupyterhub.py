"""The workshop recipe of workshop/jupyterhub.md, run for real on this machine.

For each of the guide's two recipes the test reads the guide's own command
lines (its ``bash`` blocks under "Recipe A" or "Recipe B" and "Rehearse") and
runs them as written, with a temporary folder for ``/srv/hub``, a free port on
127.0.0.1 for ``0.0.0.0:8000`` and this machine's Pythons. ``install`` builds
the hub's environments from the pinned files (recipe A: a hub on the course's
Python 3.11, one environment; recipe B: a hub on Python 3.10 without numpy,
with the course in a Python 3.11 environment registered as its ``python3``
kernel); ``config`` writes a hub with a dummy authenticator and the simple
local-process spawner; JupyterHub starts behind configurable-http-proxy (from
npm: ``python3 run.py test`` installs it into ``.venv/hub-proxy``, passed as
``--proxy``); ``rehearse``, run with the hub's own Python as the guide says,
plays ten learners at once and exits non-zero on anything it found wrong. Each
learner starts a server, opens section 01 through the server's contents API,
starts a kernel through a session (as JupyterLab does) and runs every code cell
up to the first explorer over the kernel's websocket; the explorer must come
back as a widget view with its figure. The first learner also opens the
dashboard under Voila, which runs in the hub's environment through the kernel
client of ``serving/``. Timings go to ``artifacts/hub/``.

Recipe B needs a Python 3.10 (pyenv's /root/.pyenv/versions/3.10.13, or
``python3.10`` on PATH); without one it is skipped with a message. Each recipe
takes one to three minutes (two environments installed from the package index
with a warm pip cache, ten servers and kernels on two cores).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "hub"
LEARNERS = 10
PROXY = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PYENV_310 = Path("/root/.pyenv/versions/3.10.13/bin/python")


def _hub_module():
    return load_script("workshop/hub.py", "workshop_hub")


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


GUIDE = ROOT / "workshop" / "jupyterhub.md"


def _guide_lines(heading: str) -> list[str]:
    """The shell lines of the guide's section HEADING (its ```bash blocks), as written."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index(f"### {heading}") :]
    section = section[: section.find("\n##", 4) if "\n##" in section[4:] else None]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        lines += [line.strip() for line in block.splitlines() if line.strip()]
    return lines


def _as_run_here(line: str, target: Path, port: int, pythons: dict[str, str]) -> list[str]:
    """One guide line with this machine's values: DIR, a free port on 127.0.0.1 (not the
    room's network), the interpreters, and the python3 running this test."""
    line = line.replace("/srv/hub", str(target)).replace(":8000", f":{port}")
    line = line.replace("--port 8000", f"--port {port}").replace("--ip 0.0.0.0", "--ip 127.0.0.1")
    words = shlex.split(line.rstrip("&").strip())
    for flag in ("--hub-python", "--course-python"):
        if flag in words:
            at = words.index(flag) + 1
            words[at] = pythons[words[at]]
    return [sys.executable, *words[1:]] if words[0] == "python3" else words


@pytest.mark.parametrize("recipe", ["A same Python", "B Python 3.10 hub"])
def test_ten_learners_run_a_notebook_to_its_first_explorer(recipe: str, tmp_path: Path):
    """The guide's commands, line by line, with this machine's paths, port and Pythons."""
    same = recipe.startswith("A")
    python_310 = _python_310()
    if not same and python_310 is None:
        pytest.skip("recipe B needs a Python 3.10 (pyenv 3.10.13 or python3.10 on PATH)")
    pythons = {"python3.11": _course_python(), "python3.10": python_310 or ""}
    target, port = tmp_path / "hub", hub._free_port()
    install, config, start = _guide_lines("Recipe A" if same else "Recipe B")
    export, start_again, rehearse = _guide_lines("Rehearse")
    assert start == start_again.rstrip("&").strip() and "jupyterhub -f" in start
    assert export.startswith("export WORKSHOP_HUB_TOKEN=")
    log = tmp_path / "install.log"
    command = _as_run_here(install, target, port, pythons)
    if _proxy():  # run.py test's copy of the proxy, instead of a second npm install
        command += ["--proxy", _proxy()]
    with log.open("w") as out:
        done = subprocess.run(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    assert done.returncode == 0, f"{install}\n{log.read_text()[-3000:]}"
    built = json.loads((target / "hub.json").read_text())
    assert built["same_python"] is same
    if not same:  # the hub itself carries no scientific stack: the course is a kernel
        probe = subprocess.run([f"{built['hub']}/bin/python", "-c", "import numpy"], check=False)
        assert probe.returncode != 0, "recipe B's hub environment should not have numpy"
        spec = json.loads((target / "hub/share/jupyter/kernels/python3/kernel.json").read_text())
        assert spec["argv"][0].startswith(str(target / "course")), spec["argv"]
    done = subprocess.run(
        _as_run_here(config, target, port, pythons), cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    token = secrets.token_hex(16)
    server_log = tmp_path / "jupyterhub.log"
    name = "same-python" if same else "python-3.10"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with hub.running(target, token, server_log) as url:
            # hub.running starts exactly the guide's `DIR/hub/bin/jupyterhub -f ...` line.
            assert _as_run_here(start, target, port, pythons) == [
                f"{built['hub']}/bin/jupyterhub",
                "-f",
                str(target / "jupyterhub_config.py"),
            ]
            command = _as_run_here(rehearse, target, port, pythons)
            assert command[-2:] == ["--users", str(LEARNERS)], rehearse
            played = subprocess.run(
                command,
                cwd=ROOT,
                capture_output=True,
                text=True,
                env={**os.environ, "WORKSHOP_HUB_TOKEN": token},
            )
            names = [f"learner{i:02d}" for i in range(1, LEARNERS + 1)]
            asyncio.run(hub.stop_servers(url, token, names))
    finally:
        if server_log.exists():
            shutil.copy(server_log, ARTIFACTS / f"{name}.log")
    (ARTIFACTS / f"{name}.txt").write_text(played.stdout + played.stderr)
    assert played.returncode == 0, played.stdout + played.stderr
    assert f"{LEARNERS} learners" in played.stdout
    assert "every learner saw the first explorer with its figure" in played.stdout
    text = server_log.read_text()
    assert "Traceback" not in text, text[text.index("Traceback") - 2000 :][:4000]


def test_a_rehearsal_fails_when_an_explorer_or_the_dashboard_is_missing():
    fine = {"user": "a", "explorer_shows": ["application/vnd.jupyter.widget-view+json",
            "image/png", "text/plain"]}  # fmt: skip
    assert hub.failures([fine]) == []
    text_only = {"user": "b", "explorer_shows": ["text/plain"]}
    assert hub.failures([fine, text_only]) == ["b: the first explorer came back as ['text/plain']"]
    few = {**fine, "voila_widget_views": hub.dashboard_explorers() - 1}
    assert "Voila rendered" in hub.failures([few])[0]


def test_the_guide_runs_the_same_script_as_this_test():
    guide = GUIDE.read_text(encoding="utf-8")
    for step in ("workshop/hub.py install", "workshop/hub.py config", "workshop/hub.py rehearse"):
        assert step in guide, f"workshop/jupyterhub.md should run `{step}`"
    assert "--hub-python" in guide and "--course-python" in guide, "both recipes"
    assert "jupyterhub -f" in guide
