"""How big the pinned environments are: download and on disk, each set measured the same way.

    python3 benchmarks/env_size.py                 # the learner set, then learner + test
    python3 benchmarks/env_size.py --before-split  # and the single set of before the split
    python3 benchmarks/env_size.py --top 30        # more rows in the per-package table
    python3 benchmarks/env_size.py --after-course  # and the learner set once the course ran

Each set goes into a fresh virtual environment in a temporary folder through
run.py's own functions, as ``python3 run.py lab`` and ``python3 run.py test``
build .venv (no copy of pip when the running Python's pip can serve it, the
pins with ``--no-deps``, no bytecode, perpmath and serving/ editable). Printed,
in MiB (2**20 bytes):

- download: the wheel files of those pins (``pip download``, from pip's cache
  when it is warm), this repository's two small packages left out;
- on disk: the blocks the environment's files take, as ``du -sk`` counts them;
- with bytecode: the same after ``compileall`` of every module, which is what
  pip writes by default (Binder installs that way, and so did run.py before the
  split); it bounds what Python adds later as a course imports its modules;
- the largest installed distributions (the files their RECORD lists, with the
  packages that require each) and share/jupyter by folder;
- with ``--after-course``, the learner set once every notebook and the
  dashboard have run in it and JupyterLab and Voila have served them, with the
  bytecode Python wrote on the way (several more minutes).

The set of before the split is binder/requirements.txt at commit 1dcc228^,
read with ``git show``. Run this with the Python that runs run.py (3.11); it
needs the package index or a warm pip cache, and takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import run  # noqa: E402  (run.py builds the environments; it lives at the root)

KERNEL_MANAGER = "sliced_poll.SlicedPollKernelManager"  # as run.py execute: see serving/
VOILA_PAGE = "voila/render/course/dashboard.ipynb"
BEFORE_SPLIT = "1dcc228^"  # the last commit with one pinned set for learners and tests
MIB = 2**20

# Run inside the measured environment: every distribution, its RECORD's blocks, who requires it.
_DISTRIBUTIONS = r"""
import json, os
from importlib.metadata import distributions
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
sizes, required_by = {}, {}
for dist in distributions():
    name = canonicalize_name(dist.metadata["Name"])
    total = 0
    for file in dist.files or []:
        try:
            total += os.lstat(dist.locate_file(file)).st_blocks * 512
        except OSError:
            pass
    sizes[name] = total
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            required_by.setdefault(canonicalize_name(req.name), []).append(name)
print(json.dumps({n: [s, sorted(required_by.get(n, []))] for n, s in sizes.items()}))
"""


def disk_bytes(path: Path) -> int:
    """The blocks the files under PATH take, as ``du -sk`` counts them."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) * 1024


def download_bytes(lines: list[str], venv: Path) -> int:
    """Size of the files pip fetches for these pinned lines (local and option lines left out)."""
    pins = [line for line in lines if "==" in line.split("#")[0]]
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "pins.txt"
        listing.write_text("\n".join(pins) + "\n")
        fetch = [*run.pip_command(venv), "download", "--quiet", "--no-deps", "-d", folder]
        fetch += ["-r", str(listing)]
        done = subprocess.run(fetch, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"pip download failed:\n{done.stdout}{done.stderr}")
        return sum(p.stat().st_size for p in Path(folder).iterdir() if p != listing)


def with_bytecode(venv: Path) -> int:
    """On-disk size of a copy of VENV once every module is compiled (pip's default)."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "venv"
        shutil.copytree(venv, copy, symlinks=True)
        python = run._python(copy)
        sites = sorted(str(p) for p in copy.glob("lib/python3*/site-packages"))
        # Some packages ship files that are not Python 3 on purpose: compileall skips them.
        subprocess.run([python, "-m", "compileall", "-q", *sites], capture_output=True)
        return disk_bytes(copy)


def after_a_course(venv: Path) -> int:
    """On-disk size of a copy of VENV once the course has run in it, as a learner runs it.

    Python writes bytecode for what it imports (PYTHONDONTWRITEBYTECODE is
    dropped for this): every notebook of course/ and the dashboard execute (into
    a temporary folder), then JupyterLab serves the welcome notebook's page and
    Voila renders the dashboard.
    """
    drop = ("PYTHONDONTWRITEBYTECODE", "MPLBACKEND")
    env = {k: v for k, v in os.environ.items() if k not in drop} | {"PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "venv"
        shutil.copytree(venv, copy, symlinks=True)
        python = str(run._python(copy))
        course = ROOT / "course"
        notebooks = [*sorted(course.glob("[0-9]*.ipynb")), course / "dashboard.ipynb"]
        execute = [python, "-m", "nbconvert", "--to", "notebook", "--execute"]
        execute += ["--output-dir", f"{folder}/executed", "--ExecutePreprocessor.timeout=900"]
        execute += ["--ExecutePreprocessor.kernel_manager_class=" + KERNEL_MANAGER]
        subprocess.run([*execute, *map(str, notebooks)], env=env, capture_output=True, check=True)
        _serve_the_two_pages(python, env)
        return disk_bytes(copy)


def _serve_the_two_pages(python: str, env: dict[str, str]) -> None:
    """JupyterLab from PYTHON's environment serves the welcome notebook and the dashboard app."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    command = [python, "-m", "jupyterlab", "--no-browser", f"--port={port}"]
    command += ["--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def get(path: str) -> None:
        url = f"http://127.0.0.1:{port}/{path}?token={token}"
        with urllib.request.urlopen(url, timeout=300) as page:  # Voila runs the dashboard first
            page.read()

    try:
        for _ in range(240):
            try:
                get("api/status")
                break
            except OSError:
                time.sleep(0.5)
        get("lab/tree/course/00_welcome.ipynb")
        get(VOILA_PAGE)
    finally:
        server.terminate()
        server.wait(timeout=60)


def distributions(venv: Path) -> dict[str, tuple[int, list[str]]]:
    code = subprocess.run(
        [run._python(venv), "-I", "-c", _DISTRIBUTIONS], capture_output=True, text=True, check=True
    )
    return {name: (size, who) for name, (size, who) in json.loads(code.stdout).items()}


def report(label: str, venv: Path, lines: list[str], top: int) -> dict[str, float]:
    row = {
        "download": download_bytes(lines, venv) / MIB,
        "on disk": disk_bytes(venv) / MIB,
        "with bytecode": with_bytecode(venv) / MIB,
    }
    print(f"\n== {label}: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in row.items()), flush=True)
    dists = distributions(venv)
    if top:
        print(f"largest of {len(dists)} distributions (MiB on disk, required by):")
    for name, (size, who) in sorted(dists.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"  {size / MIB:6.1f}  {name:26s} {', '.join(who) or '-'}")
    share = venv / "share" / "jupyter"
    if share.exists():
        parts = ", ".join(
            f"{p.name} {disk_bytes(p) / MIB:.1f}" for p in sorted(share.iterdir()) if p.is_dir()
        )
        print(f"share/jupyter {disk_bytes(share) / MIB:.1f} MiB: {parts}")
    return row


def before_split_lines() -> list[str]:
    text = subprocess.run(
        ["git", "show", f"{BEFORE_SPLIT}:binder/requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in text.splitlines() if line.strip() not in (".", "./serving")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before-split", action="store_true", help="also the set of 1dcc228^")
    parser.add_argument("--top", type=int, default=15, help="rows of the per-package table")
    parser.add_argument(
        "--after-course", action="store_true", help="also the learner set once the course ran"
    )
    args = parser.parse_args()
    pip = " ".join(map(str, run.pip_command(Path("VENV"))))
    print(f"Python {sys.version.split()[0]}; installing with: {pip}")
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        venv = Path(folder) / "venv"
        learner = run.learner_requirements()
        run.install_learner_set(venv)
        run.install_server_config(venv)
        rows["learner"] = report("learner (run.py lab)", venv, learner, args.top)
        if args.after_course:
            used = after_a_course(venv) / MIB
            print(f"learner once the course ran: {used:.0f} MiB on disk", flush=True)
        run.install_test_set(venv)
        tests = run.TEST_PINS.read_text().splitlines()
        rows["learner + test"] = report("learner + test (run.py test)", venv, learner + tests, 0)
    if args.before_split:
        with tempfile.TemporaryDirectory() as folder:
            venv = Path(folder) / "venv"
            old = before_split_lines()
            run.create_venv(venv)
            run._pip_install(old, compile_=False, venv=venv)
            rows["before the split"] = report(f"before the split ({BEFORE_SPLIT})", venv, old, 0)
    print("\nset                 download  on disk  with bytecode   (MiB)")
    for label, row in rows.items():
        widths = {"download": 9, "on disk": 8, "with bytecode": 14}
        print(f"{label:18s} " + " ".join(f"{row[k]:{w}.0f}" for k, w in widths.items()))


if __name__ == "__main__":
    main()
