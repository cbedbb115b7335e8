"""The Binder environment, built as Binder builds it, runs the whole course under strict nbval.

repo2docker, given a ``binder/`` folder, ignores ``pyproject.toml``: it takes the
Python version from ``binder/runtime.txt``, copies the repository and runs
``pip install -r binder/requirements.txt`` from its root, where the last line
``.`` installs perpmath itself (not editable). This test does the same in a
fresh virtual environment in a temporary folder, checks that the notebooks
import that installed copy (not the source tree), and runs every notebook in
it under strict nbval. It needs the package index (about 40 s with a warm pip
cache; the time of each step goes to ``artifacts/binder/timings.txt``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
COURSE = ROOT / "course"
ARTIFACTS = ROOT / "artifacts" / "binder"
NOTEBOOKS = sorted(COURSE.glob("[0-9][0-9]_*.ipynb")) + sorted(COURSE.glob("dashboard.ipynb"))
BADGE = "https://mybinder.org/badge_logo.svg"
LAB_PATH = "lab/tree/course/00_welcome.ipynb"
VOILA_PATH = "voila/render/course/dashboard.ipynb"


def _runtime_python() -> str:
    """An interpreter of the version binder/runtime.txt names (as repo2docker would use)."""
    wanted = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    if f"{sys.version_info.major}.{sys.version_info.minor}" == wanted:
        return getattr(sys, "_base_executable", sys.executable)
    found = shutil.which(f"python{wanted}")
    if found is None:
        pytest.skip(f"binder/runtime.txt asks for Python {wanted}, which is not installed here")
    return found


def _run(args: list[str], cwd: Path, log: Path, timeout: float) -> float:
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "VIRTUAL_ENV")}
    env["PYTHONHASHSEED"] = "0"
    with log.open("a") as out:
        out.write(f"$ {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(
            args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=timeout
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-60:])
        raise AssertionError(f"{args[:4]} failed ({result.returncode}):\n{tail}")
    return time.monotonic() - started


@pytest.mark.skipif(not NOTEBOOKS, reason="course/ has no notebooks yet")
def test_binder_environment_runs_the_whole_course(tmp_path: Path):
    venv = tmp_path / "binder-env"
    python = venv / "bin" / "python"
    log = tmp_path / "binder.log"
    timings = {}
    timings["create venv"] = _run(
        [_runtime_python(), "-m", "venv", str(venv)], tmp_path, log, timeout=300
    )
    # From the repository root, as repo2docker does: the '.' line installs the repo.
    timings["pip install -r binder/requirements.txt"] = _run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
        ROOT,
        log,
        timeout=1200,
    )
    where = subprocess.run(
        [str(python), "-c", "import perpmath; print(perpmath.__file__)"],
        cwd=COURSE,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), f"the notebooks would import {where}"
    timings["strict nbval over the course"] = _run(
        [
            str(python),
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
    shutil.rmtree(venv)  # about 0.5 GB; pytest keeps its last temporary folders
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(log, ARTIFACTS / "binder.log")
    (ARTIFACTS / "timings.txt").write_text(
        "".join(f"{step}\t{seconds:.1f} s\n" for step, seconds in timings.items())
    )


@pytest.mark.skipif(shutil.which("repo2docker") is None, reason="repo2docker is not installed")
def test_repo2docker_dockerfile_uses_the_binder_folder():  # pragma: no cover - optional tool
    dockerfile = subprocess.run(
        ["repo2docker", "--no-build", "--debug", "--user-id", "1000", "--user-name", "jovyan", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    text = dockerfile.stdout + dockerfile.stderr
    wanted = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    assert f"python={wanted}" in text or f"python{wanted}" in text, text[-3000:]
    assert "binder/requirements.txt" in text


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
