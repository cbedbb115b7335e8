"""The Binder environment, built as Binder builds it, runs the whole course and the dashboard.

mybinder.org builds an image with repo2docker. Given a ``binder/`` folder it
ignores ``pyproject.toml``: it creates a conda environment of the Python that
``binder/runtime.txt`` names, with a base set of Jupyter packages at the
versions of repo2docker's own lock file (jupyterlab, notebook,
jupyterhub-singleuser, ...); copies the repository; runs
``pip install -r binder/requirements.txt`` from its root, where the last line
``.`` installs perpmath itself (not editable); then runs ``binder/postBuild``.

These tests install the pinned repo2docker (``tests/requirements-repo2docker.txt``)
in a throwaway environment and

- check the Dockerfile it prints with ``--no-build`` (no Docker engine is
  needed) does those steps in that order;
- rebuild the same layers in a fresh virtual environment: Binder's base
  packages at their locked versions, then the pins, then ``postBuild``;
  ``pip check`` must find no conflict between the layers; the notebooks must
  import the installed copy of perpmath (not the source tree);
- run every notebook there under strict nbval (pytest and nbval from the test
  set added on top, since the learner set holds no test tool), and start a Jupyter server from
  that environment to load the two pages the README's Binder links open (the
  welcome notebook in JupyterLab and the dashboard under Voila).

They need the package index (about two minutes in all with a warm pip cache;
the time of each step goes to ``artifacts/binder/timings.txt``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
COURSE = ROOT / "course"
ARTIFACTS = ROOT / "artifacts" / "binder"
REPO2DOCKER_PINS = ROOT / "tests" / "requirements-repo2docker.txt"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb")) + sorted(COURSE.glob("dashboard.ipynb"))
BADGE = "https://mybinder.org/badge_logo.svg"
LAB_PATH = "lab/tree/course/00_welcome.ipynb"
VOILA_PATH = "voila/render/course/dashboard.ipynb"
# Conda package names in repo2docker's base environment whose PyPI name differs.
CONDA_TO_PYPI = {"jupyterhub-singleuser": "jupyterhub"}
NOT_FROM_PYPI = {"python", "nodejs", "pip"}
R2D_USER = ["--user-id", "1000", "--user-name", "jovyan"]  # as mybinder.org runs it
NBVAL_RUNNER = {"pytest", "nbval", "coverage", "iniconfig", "pluggy"}


def _runtime_version() -> str:
    return (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")


def _runtime_python() -> str:
    """An interpreter of the version binder/runtime.txt names (as repo2docker would use)."""
    wanted = _runtime_version()
    if f"{sys.version_info.major}.{sys.version_info.minor}" == wanted:
        return getattr(sys, "_base_executable", sys.executable)
    found = shutil.which(f"python{wanted}")
    if found is None:
        pytest.skip(f"binder/runtime.txt asks for Python {wanted}, which is not installed here")
    return found


def _environ(venv: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "VIRTUAL_ENV")}
    env["PYTHONHASHSEED"] = "0"
    if venv is not None:  # as in the image: the environment's bin/ comes first on PATH
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _run(
    args: list[str | Path], cwd: Path, log: Path, timeout: float, venv: Path | None = None
) -> float:
    started = time.monotonic()
    args = [str(a) for a in args]
    with log.open("a") as out:
        out.write(f"$ {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(
            args,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_environ(venv),
            timeout=timeout,
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-60:])
        raise AssertionError(f"{args[:4]} failed ({result.returncode}):\n{tail}")
    return time.monotonic() - started


@pytest.fixture(scope="module")
def repo2docker(tmp_path_factory) -> Path:
    """The pinned jupyter-repo2docker in a throwaway virtual environment; returns that venv."""
    venv = tmp_path_factory.mktemp("repo2docker") / "venv"
    log = venv.parent / "install.log"
    _run([_runtime_python(), "-m", "venv", str(venv)], venv.parent, log, timeout=300)
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r", REPO2DOCKER_PINS],
        venv.parent,
        log,
        timeout=900,
    )
    return venv


def _dockerfile(repo2docker: Path) -> tuple[str, str]:
    """(Dockerfile, log) that ``repo2docker --no-build`` prints for this repository."""
    result = subprocess.run(
        [repo2docker / "bin" / "repo2docker", "--no-build", "--debug", *R2D_USER, "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_environ(),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, result.stderr


def _binder_base(repo2docker: Path) -> dict[str, str]:
    """Binder's base packages (top level) at their versions in repo2docker's lock, by PyPI name."""
    found = list(repo2docker.glob("lib/python3*/site-packages/repo2docker/buildpacks/conda"))
    assert found, "repo2docker's conda buildpack was not found"
    conda = found[0]
    version = _runtime_version()
    spec = (conda / f"environment.py-{version}.yml").read_text()
    lock = (conda / f"environment.py-{version}-linux-64.lock").read_text()
    base = {}
    for name in re.findall(r"^- ([A-Za-z0-9_.-]+)\s*[=<>]", spec, flags=re.MULTILINE):
        if name in NOT_FROM_PYPI:
            continue
        locked = re.search(rf"/{re.escape(name)}-(\d[^-/#]*)-[^-/#]+\.(?:conda|tar\.bz2)", lock)
        assert locked, f"{name} is in repo2docker's base environment but not in its lock file"
        base[CONDA_TO_PYPI.get(name, name)] = locked.group(1)
    return base


def test_repo2docker_builds_the_image_from_the_binder_folder(repo2docker: Path):
    dockerfile, log = _dockerfile(repo2docker)
    assert f"python={_runtime_version()}" in log, log[-2000:]
    steps = [
        "WORKDIR ${REPO_DIR}",
        "COPY --chown=1000:1000 src/ ${REPO_DIR}/",
        'pip install --no-cache-dir -r "binder/requirements.txt"',
        "RUN ./binder/postBuild",
    ]
    where = [dockerfile.find(step) for step in steps]
    missing = [step for step, at in zip(steps, where, strict=True) if at < 0]
    assert not missing, f"the Dockerfile lacks {missing}:\n{dockerfile[-3000:]}"
    assert where == sorted(where), f"the Dockerfile runs {steps} out of order"
    base = _binder_base(repo2docker)
    assert {"jupyterlab", "notebook", "jupyterhub", "ipywidgets"} <= set(base), base


@pytest.mark.skipif(not NOTEBOOKS, reason="course/ has no notebooks yet")
def test_binder_environment_runs_the_whole_course(repo2docker: Path, tmp_path: Path):
    venv = tmp_path / "binder-env"
    python = str(venv / "bin" / "python")
    log = tmp_path / "binder.log"
    timings = {}
    base = _binder_base(repo2docker)
    timings["create venv"] = _run([_runtime_python(), "-m", "venv", str(venv)], tmp_path, log, 300)
    timings["Binder's base packages"] = _run(
        [python, "-m", "pip", "install", "--quiet"] + [f"{n}=={v}" for n, v in base.items()],
        tmp_path,
        log,
        timeout=1200,
    )
    # From the repository root, as repo2docker does: the '.' line installs the repo.
    timings["pip install -r binder/requirements.txt"] = _run(
        [python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
        ROOT,
        log,
        timeout=1200,
    )
    _run([python, "-m", "pip", "check"], ROOT, log, timeout=300)
    timings["binder/postBuild"] = _run(
        [str(BINDER / "postBuild")], ROOT, log, timeout=300, venv=venv
    )
    server_config = venv / "etc" / "jupyter" / "jupyter_server_config.json"
    assert "sliced_poll.SlicedPollKernelClient" in server_config.read_text()
    where = subprocess.run(
        [python, "-c", "import perpmath; print(perpmath.__file__)"],
        cwd=COURSE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"the notebooks would import {where}"
    # Binder's image has no test runner: put pytest and nbval (at the test set's pins)
    # on top, after `pip check` has judged the learner's layers on their own.
    runner = [
        line.split("#")[0].strip()
        for line in (ROOT / "tests" / "requirements.txt").read_text().splitlines()
        if line.split("==")[0].strip().lower() in NBVAL_RUNNER
    ]
    _run([python, "-m", "pip", "install", "--quiet", *runner], tmp_path, log, timeout=600)
    timings["strict nbval over the course"] = _run(
        [
            python,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(COURSE / "nbval_sanitize.cfg"),
            "-q",
            "-p",
            "no:cacheprovider",
            *[str(p) for p in NOTEBOOKS],
        ],
        tmp_path,
        log,
        timeout=3600,
    )
    started = time.monotonic()
    _check_binder_links_load(venv, tmp_path)
    timings["the two Binder pages"] = time.monotonic() - started
    shutil.rmtree(venv)  # about 0.6 GB; pytest keeps its last temporary folders
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(log, ARTIFACTS / "binder.log")
    (ARTIFACTS / "timings.txt").write_text(
        "".join(f"{step}\t{seconds:.1f} s\n" for step, seconds in timings.items())
    )


def _check_binder_links_load(venv: Path, tmp_path: Path) -> None:
    """A Jupyter server from the Binder environment serves both pages the Binder links open."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    base = f"http://127.0.0.1:{port}"
    server_log = tmp_path / "server.log"
    command = [
        str(venv / "bin" / "jupyter-server"),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")

    def get(path: str, timeout: float = 30) -> str:
        url = f"{base}/{path}{'&' if '?' in path else '?'}token={token}"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            assert response.status == 200, (path, response.status)
            return response.read().decode()

    with server_log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=_environ())
    try:
        for _ in range(240):
            try:
                get("api/status", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the server did not start:\n" + server_log.read_text()[-3000:])
        page = get(LAB_PATH)
        assert "jupyter-config-data" in page, "JupyterLab's page did not come back"
        # Voila executes the dashboard before answering; heartbeats keep the
        # connection alive, so the read timeout is per chunk, not for the page.
        page = get(VOILA_PATH, timeout=120)
        explorers = sum(
            "_explorer(" in "".join(cell["source"])
            for cell in json.loads((COURSE / "dashboard.ipynb").read_text())["cells"]
            if cell["cell_type"] == "code"
        )
        views = page.count("application/vnd.jupyter.widget-view+json")
        assert views >= explorers, f"Voila rendered {views} widgets for {explorers} explorers"
        assert "Traceback" not in page and "jupyter.stderr" not in page
        for kernel in json.loads(get("api/kernels")):
            request = urllib.request.Request(
                f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE"
            )
            urllib.request.urlopen(request, timeout=30).close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(server_log, ARTIFACTS / "server.log")
    log = server_log.read_text()
    assert "Traceback" not in log, log[-3000:]


def _binder_links(readme: str) -> list[str]:
    return re.findall(r"https://mybinder\.org/v2/gh/[^\s)\"'>\]]+", readme)


def _urlpath(link: str) -> str:
    match = re.search(r"[?&]urlpath=([^&#]+)", link)
    return match.group(1).replace("%2F", "/").replace("%2f", "/") if match else ""


def test_readme_binder_badge_opens_the_welcome_notebook_in_jupyterlab():
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8") if readme_path.exists() else ""
    links = _binder_links(readme)
    if not links:
        pytest.skip("README.md has no Binder link yet")
    assert BADGE in readme, "the README should show the Binder badge image"
    badge = re.search(r"\[!\[[^\]]*\]\(" + re.escape(BADGE) + r"\)\]\(([^)]+)\)", readme)
    assert badge, "the badge image should be a link: [![Binder](badge_logo.svg)](launch link)"
    for link in [badge.group(1), *links]:
        assert re.fullmatch(
            r"https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w./-]+\?urlpath=[\w%./-]+", link
        ), f"unexpected Binder link form: {link}"
    assert _urlpath(badge.group(1)) == LAB_PATH, badge.group(1)
    for link in links:
        target = _urlpath(link).split("/", 2)[-1]
        assert (ROOT / target).is_file(), f"{link} opens a file that does not exist"
    if (COURSE / "dashboard.ipynb").exists() and VOILA_PATH.split("/")[0] in readme:
        assert any(_urlpath(link) == VOILA_PATH for link in links), "dashboard app link"
