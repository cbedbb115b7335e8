#!/usr/bin/env python3
"""Set up the course environment and launch it, or run every test.

    python3 run.py lab     install (first time only) and open the course in JupyterLab
    python3 run.py test    install (first time only) and run lint, unit tests and nbval

Maintainers also have ``python3 run.py execute [NOTEBOOK ...]``, which
re-executes the course notebooks in place so their stored outputs are current,
``python3 run.py site``, which builds the course as an offline HTML site in
``_build/site`` (``scripts/build_site.py``), ``python3 run.py exercises``,
which regenerates the exercise notebooks in ``course/exercises``, and
``python run.py server-config``, which merges ``jupyter-config/`` into the
Jupyter configuration of the environment of the Python running it (Binder's
``postBuild`` calls it; ``.venv`` gets it on every run).

The tests include an end-to-end test in a real browser (JupyterLab driven by
Playwright in Debian's ``chromium``). When ``/usr/bin/chromium`` is missing
and this runs as root (as CI does), ``test`` installs it with apt-get first;
otherwise that test is skipped with a message saying how to install it.

Both create a virtual environment in ``.venv`` from the pinned
``binder/requirements.txt`` (the same pins Binder builds from) and reuse it
while the pins are unchanged, so only the first run downloads anything.
Only the Python standard library is used here, so a machine with Python 3.11
or newer needs nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".perpmath-installed"
PINS = ROOT / "binder" / "requirements.txt"


def _say(message: str) -> None:
    print(f"[run.py] {message}", flush=True)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (PINS, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def _run(*args: str | Path, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_environment() -> None:
    """Create .venv and install the pinned requirements unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py may be started by an older Python)
        sys.exit(f"perpmath needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        install_server_config(VENV)
        _say("environment .venv is up to date")
        return
    if not PYTHON.exists():
        _say("creating virtual environment in .venv")
        _run(sys.executable, "-m", "venv", VENV)
    _say("installing the pinned requirements (first run: about a minute)")
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # The pins end with a line '.' that installs the repository itself (as
    # Binder needs); locally it is installed editable so changes apply at once.
    lines = ["-e ." if line.strip() == "." else line for line in PINS.read_text().splitlines()]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    try:
        _run(PYTHON, "-m", "pip", "install", "--quiet", "-r", handle.name)
    finally:
        os.unlink(handle.name)
    install_server_config(VENV)
    STAMP.write_text(wanted)
    _say("environment ready")


SERVER_CONFIG = ROOT / "jupyter-config" / "jupyter_server_config.json"


def install_server_config(prefix: Path) -> None:
    """Merge jupyter-config/jupyter_server_config.json into PREFIX/etc/jupyter.

    It makes Voila serve the dashboard through perpmath.kernel_client. Keys
    already in that file are kept unless this one sets them; running it again
    changes nothing. binder/postBuild runs it for Binder's environment.
    """

    def merge(base: dict, update: dict) -> dict:
        for key, value in update.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value
        return base

    target = Path(prefix) / "etc" / "jupyter" / "jupyter_server_config.json"
    current = json.loads(target.read_text()) if target.exists() else {}
    merged = merge(current, json.loads(SERVER_CONFIG.read_text()))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(merged, indent=2) + "\n")


def lab_command(extra: list[str]) -> list[str]:
    """The JupyterLab command line of ``run.py lab``.

    It serves the repository root, as Binder does, so the same paths work in
    both (the dashboard app is /voila/render/course/dashboard.ipynb), and opens
    the welcome notebook.
    """
    args = [
        str(BIN / "jupyter"),
        "lab",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.default_url=/lab/tree/course/00_welcome.ipynb",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args + extra


def lab(extra: list[str]) -> None:
    args = lab_command(extra)
    _say("starting JupyterLab (stop it with Ctrl-C)")
    os.chdir(ROOT)
    os.execv(args[0], args)


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """Install Debian's chromium for the browser test when missing and allowed to (root)."""
    if CHROMIUM.exists():
        return
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not is_root or not Path("/usr/bin/apt-get").exists():
        _say(f"{CHROMIUM} not found: the browser test will be skipped (install 'chromium')")
        return
    _say("installing Debian's chromium for the browser test (about 20 s)")
    quiet = {
        "stdout": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    }
    _run("apt-get", "update", "-qq", **quiet)
    _run("apt-get", "install", "-y", "-qq", "chromium", **quiet)


def test(extra: list[str]) -> None:
    lint = ["perpmath", "tests", "benchmarks", "scripts", "run.py"]
    _say("lint: ruff check and ruff format --check over " + " ".join(lint))
    _run(BIN / "ruff", "check", *lint)
    _run(BIN / "ruff", "format", "--check", *lint)
    ensure_chromium()
    _say("pytest: unit tests, then strict nbval over every notebook in course/")
    _run(
        PYTHON,
        "-m",
        "pytest",
        "tests",
        "course",
        "--nbval",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        "course/nbval_sanitize.cfg",
        *extra,
        env=_kernel_env(),
    )


def execute(notebooks: list[str]) -> None:
    """Re-execute notebooks in place (maintainers: after changing perpmath or the pins)."""
    targets = notebooks or sorted(
        str(p.relative_to(ROOT)) for p in ROOT.glob("course/[0-9]*.ipynb")
    )
    _say(f"executing {len(targets)} notebook(s) in place")
    _run(
        BIN / "jupyter",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--inplace",
        "--ExecutePreprocessor.timeout=600",
        # nbclient's asynchronous client can miss a reply; see perpmath/kernel_client.py.
        "--ExecutePreprocessor.kernel_manager_class=perpmath.kernel_client.SlicedPollKernelManager",
        *targets,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )


def site(extra: list[str]) -> None:
    """Build the course as an offline HTML site (``_build/site/index.html``)."""
    _run(PYTHON, ROOT / "scripts" / "build_site.py", *extra, env=_kernel_env())


def exercises(extra: list[str]) -> None:
    """Regenerate course/exercises/ from the solution cells of the course notebooks."""
    _run(PYTHON, ROOT / "scripts" / "make_exercises.py", *extra)


def _kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    return {**env, "PYTHONHASHSEED": "0"}


def main(argv: list[str]) -> None:
    commands = {
        "lab": lab,
        "test": test,
        "execute": execute,
        "site": site,
        "exercises": exercises,
    }
    if argv[:1] == ["server-config"]:  # binder/postBuild: this interpreter's environment
        install_server_config(Path(sys.prefix))
        return
    if not argv or argv[0] not in commands:
        sys.exit(__doc__)
    ensure_environment()
    commands[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
