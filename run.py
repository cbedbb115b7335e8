#!/usr/bin/env python3
"""perpmath: the course's commands. Only the Python standard library is used here.

For readers and learners:
  python3 run.py lab [JUPYTERLAB ARGS ...]
        install the learner environment (first run only) and open the course in
        JupyterLab, in my-course/ (your copy of course/, made once and never
        overwritten: the tracked notebooks stay clean). Extra arguments go to
        JupyterLab unchanged, e.g. --port=8890 or --no-browser.
  python3 run.py site       build the course as an offline HTML site (_build/site)

For maintainers and instructors:
  python3 run.py test [PYTEST ARGS ...]
        install the learner and the test environment (first run only) and run
        lint, unit tests, strict nbval, and the browser, site, Binder and
        JupyterHub tests (Debian's chromium and the npm configurable-http-proxy
        are installed when missing)
  python3 run.py execute [NOTEBOOK ...]    re-execute course notebooks in place
  python3 run.py exercises                 regenerate course/exercises/
  python3 run.py publish OWNER/NAME [--ref TAG] [--branch BRANCH]
        rewrite every Binder, nbgitpuller and Voila link to the published repository
        (Binder opens TAG, default HEAD; nbgitpuller follows BRANCH, default main)
  python3 run.py wheelhouse [PIP DOWNLOAD ARGS ...]
        download every pinned wheel into wheelhouse/; later installs then use it
        and need no network (for a room without one). The wheels fit this machine;
        add another platform's with e.g. --platform macosx_11_0_arm64
        --python-version 3.11 --only-binary=:all:
  python3 run.py server-config
        merge jupyter-config/ into the Jupyter configuration of the Python running
        it (binder/postBuild; .venv gets it on every run)

The learner environment is binder/requirements.txt (what Binder installs);
the test environment adds tests/requirements.txt on top. Both go to .venv and
are reused while their pins are unchanged. Python 3.11 or newer is needed.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
PINS = ROOT / "binder" / "requirements.txt"
TEST_PINS = ROOT / "tests" / "requirements.txt"
LEARNER_STAMP = VENV / ".perpmath-learner"
TEST_STAMP = VENV / ".perpmath-test"
WHEELHOUSE = ROOT / "wheelhouse"
WORKDIR = ROOT / "my-course"
HUB_NODE = VENV / "hub-proxy"
PROXY_VERSION = "5.1.0"  # configurable-http-proxy, the npm package JupyterHub's proxy is
SERVER_CONFIG = ROOT / "jupyter-config" / "jupyter_server_config.json"
LAB_OVERRIDES = ROOT / "jupyter-config" / "lab-overrides.json"
VOILA_TEMPLATE = ROOT / "jupyter-config" / "voila-template"
PIP_WITH_PYTHON = (22, 3)  # the first pip with --python: it installs into another environment


def _say(message: str) -> None:
    print(f"[run.py] {message}", flush=True)


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def _run(*args: str | Path, **kwargs) -> None:
    result = subprocess.run([str(a) for a in args], cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@functools.cache
def _outer_pip_version() -> tuple[int, ...]:
    """The version of the pip of the Python running run.py, () when it has none."""
    found = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, text=True
    ).stdout.split()
    numbers = re.match(r"\d+(\.\d+)*", found[1]) if found[:1] == ["pip"] else None
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else ()


def pip_command(venv: Path = VENV) -> list[str]:
    """The pip that installs into VENV.

    The pip of the Python running run.py, pointed at VENV with ``--python``
    (pip 22.3 or newer), so VENV holds no copy of pip or of the setuptools that
    Python 3.11's venv adds with it (16 MiB no learner runs); otherwise VENV's own.
    """
    own_pip = any(_python(venv).parent.glob("pip*"))
    if not own_pip and _outer_pip_version() >= PIP_WITH_PYTHON:
        return [sys.executable, "-m", "pip", "--python", str(_python(venv))]
    return [str(_python(venv)), "-m", "pip"]


def create_venv(venv: Path = VENV) -> None:
    """A virtual environment in VENV, without pip when the running Python's pip can serve it."""
    if _outer_pip_version() >= PIP_WITH_PYTHON:
        _run(sys.executable, "-m", "venv", "--without-pip", venv)
        return
    _run(sys.executable, "-m", "venv", venv)
    if not (WHEELHOUSE / "README.txt").exists():
        _run(*pip_command(venv), "install", "--quiet", "--no-compile", "--upgrade", "pip")


def _pip_install(requirements: list[str], *, compile_: bool = True, venv: Path = VENV) -> None:
    """pip install exactly these pinned lines into VENV (from wheelhouse/ when it exists).

    ``--no-deps``: both sets are complete freezes, so pip adds nothing they do not
    name, and the lines run.py leaves out ("Binder only") stay out.
    """
    source = []
    if (WHEELHOUSE / "README.txt").exists():
        _say(f"installing from {WHEELHOUSE.name}/ only (no network)")
        source = ["--no-index", "--find-links", str(WHEELHOUSE)]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(requirements) + "\n")
    try:
        flags = ["--no-deps"] + ([] if compile_ else ["--no-compile"])
        _run(*pip_command(venv), "install", "--quiet", *flags, *source, "-r", handle.name)
    finally:
        os.unlink(handle.name)


def learner_requirements() -> list[str]:
    """binder/requirements.txt as run.py installs it: no "Binder only" line, local ones editable.

    The pins end with local lines ('./serving', '.') that Binder installs as they
    are; here they are editable so that changes apply at once.
    """
    return [
        f"-e {line.strip()}" if line.strip() in (".", "./serving") else line
        for line in PINS.read_text().splitlines()
        if "# Binder only" not in line
    ]


def install_learner_set(venv: Path = VENV) -> None:
    """Create VENV when missing and install the learner set, without bytecode.

    Python compiles each module when it is first imported; compiling all of them
    up front (pip's default) costs more than a course ever imports.
    """
    if not _python(venv).exists():
        _say(f"creating virtual environment in {venv}")
        create_venv(venv)
    _pip_install(learner_requirements(), compile_=False, venv=venv)


def install_test_set(venv: Path = VENV) -> None:
    """Install tests/requirements.txt into VENV, on top of the learner set."""
    _pip_install(TEST_PINS.read_text().splitlines(), compile_=False, venv=venv)


def require_python() -> None:
    """Stop with a message unless run.py runs on the course's Python, 3.11 or newer."""
    if sys.version_info < (3, 11):  # noqa: UP036 (run.py may be started by an older Python)
        sys.exit(f"perpmath needs Python 3.11 or newer; this is {sys.version.split()[0]}.")


def ensure_environment(tests: bool = False) -> None:
    """Create .venv with the learner set (and the test set when ``tests``) unless done."""
    require_python()
    learner = _fingerprint(PINS, ROOT / "pyproject.toml", ROOT / "serving" / "pyproject.toml")
    if not (LEARNER_STAMP.exists() and LEARNER_STAMP.read_text() == learner and PYTHON.exists()):
        _say("installing the learner environment, binder/requirements.txt (first run: ~1 min)")
        install_learner_set(VENV)
        TEST_STAMP.unlink(missing_ok=True)
        LEARNER_STAMP.write_text(learner)
    if tests:
        wanted = _fingerprint(TEST_PINS, PINS)
        if not (TEST_STAMP.exists() and TEST_STAMP.read_text() == wanted):
            _say("installing the test environment on top, tests/requirements.txt")
            install_test_set(VENV)
            TEST_STAMP.write_text(wanted)
    install_server_config(VENV)
    _say("environment .venv is ready")


def _merge(base: dict, update: dict) -> dict:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _merge_json(target: Path, update: dict) -> None:
    current = json.loads(target.read_text()) if target.exists() else {}
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(_merge(current, update), indent=2) + "\n")


DEBUGGER_EXTENSION = "@jupyterlab/debugger-extension"


def has_debugpy(prefix: Path) -> bool:
    """Whether the environment under PREFIX holds debugpy, the backend of ipykernel's debugger."""
    prefix = Path(prefix)
    return (
        any(prefix.glob("lib/python3*/site-packages/debugpy"))
        or (prefix / "Lib" / "site-packages" / "debugpy").exists()
    )


def install_server_config(prefix: Path) -> None:
    """Merge jupyter-config/ into the Jupyter configuration under PREFIX.

    ``jupyter_server_config.json`` goes to PREFIX/etc/jupyter (Voila's kernel
    client from ``serving/sliced_poll.py`` and the extensions it loads);
    ``lab-overrides.json`` to PREFIX/share/jupyter/lab/settings/overrides.json
    (JupyterLab asks no question about news or updates), and Voila's offline
    page template ``perpmath`` (``voila-template/``) to
    PREFIX/share/jupyter/voila/templates. Where PREFIX has no debugpy (run.py's
    .venv: it is "Binder only"), JupyterLab's debugger extension is switched off
    in PREFIX/etc/jupyter/labconfig/page_config.json: ipykernel then offers no
    debugger, and the extension would log two console errors ("Could not restore
    the debugger state") for every notebook opened. Keys already there are
    kept unless these files set them; running it again changes nothing.
    binder/postBuild runs it for Binder's environment.
    """
    prefix = Path(prefix)
    _merge_json(
        prefix / "etc" / "jupyter" / "jupyter_server_config.json",
        json.loads(SERVER_CONFIG.read_text()),
    )
    _merge_json(
        prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json",
        json.loads(LAB_OVERRIDES.read_text()),
    )
    _merge_json(
        prefix / "etc" / "jupyter" / "labconfig" / "page_config.json",
        {"disabledExtensions": {DEBUGGER_EXTENSION: not has_debugpy(prefix)}},
    )
    template = prefix / "share" / "jupyter" / "voila" / "templates" / "perpmath"
    template.mkdir(parents=True, exist_ok=True)
    for name in ("conf.json", "index.html.j2"):
        shutil.copy(VOILA_TEMPLATE / name, template / name)


def working_copy() -> Path:
    """my-course/: the learner's copy of course/, made once; later runs add new files only.

    Nothing in it is tracked by git, so autosave never changes the course itself
    and ``git pull`` never conflicts with a learner's answers.
    """
    source = ROOT / "course"
    for path in sorted(source.rglob("*")):
        if ".ipynb_checkpoints" in path.parts or path.is_dir():
            continue
        target = WORKDIR / path.relative_to(source)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return WORKDIR


def lab_command(extra: list[str]) -> list[str]:
    """The JupyterLab command line of ``run.py lab``: ``extra`` arguments come last.

    It serves the repository root, as Binder does, so the same paths work in
    both (the dashboard app is /voila/render/course/dashboard.ipynb), and opens
    the welcome notebook of the working copy (my-course/).
    """
    args = [
        str(BIN / "jupyter"),
        "lab",
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.default_url=/lab/tree/{WORKDIR.name}/00_welcome.ipynb",
        "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    return args + extra


def lab(extra: list[str]) -> None:
    copy = working_copy()
    # Trusted: their stored outputs show, and Voila's preview asks nothing.
    notebooks = [*sorted(copy.glob("*.ipynb")), ROOT / "course" / "dashboard.ipynb"]
    subprocess.run(
        [str(BIN / "jupyter"), "trust", *map(str, notebooks)], cwd=ROOT, capture_output=True
    )
    args = lab_command(extra)
    _say(f"starting JupyterLab on your copy {copy.name}/ (stop it with Ctrl-C)")
    os.chdir(ROOT)
    os.execv(args[0], args)


CHROMIUM = Path("/usr/bin/chromium")


def _apt_install(package: str, why: str) -> None:
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if not is_root or not Path("/usr/bin/apt-get").exists():
        _say(f"{package} is not installed: {why} (install the Debian package '{package}')")
        return
    _say(f"installing Debian's {package}: {why}")
    quiet = {
        "stdout": subprocess.DEVNULL,
        "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    }
    _run("apt-get", "update", "-qq", **quiet)
    _run("apt-get", "install", "-y", "-qq", package, **quiet)


def ensure_test_tools() -> None:
    """Debian's chromium for the browser tests; JupyterHub's proxy from npm."""
    if not CHROMIUM.exists():
        _apt_install("chromium", "the browser and site tests drive it")
    proxy = HUB_NODE / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists() and shutil.which("npm"):
        _say(f"installing configurable-http-proxy {PROXY_VERSION} from npm into {HUB_NODE}")
        HUB_NODE.mkdir(parents=True, exist_ok=True)
        _run(
            "npm",
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            HUB_NODE,
            f"configurable-http-proxy@{PROXY_VERSION}",
        )
    elif not proxy.exists():
        _say("npm not found: the JupyterHub test will be skipped (install node and npm)")


def test(extra: list[str]) -> None:
    lint = ["perpmath", "tests", "benchmarks", "scripts", "serving", "workshop", "run.py"]
    _say("lint: ruff check and ruff format --check over " + " ".join(lint))
    _run(BIN / "ruff", "check", *lint)
    _run(BIN / "ruff", "format", "--check", *lint)
    ensure_test_tools()
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
    """Re-execute notebooks in place (maintainers: after changing perpmath or the pins).

    Each explorer is then stored in its before-run form (``scripts/static_explorers.py``):
    its line and first figure, and a widget view JupyterLab hides until the cell runs.
    """
    targets = notebooks or sorted(
        str(p.relative_to(ROOT))
        for p in [*ROOT.glob("course/[0-9]*.ipynb"), ROOT / "course" / "dashboard.ipynb"]
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
        # nbclient's asynchronous client can miss a reply; see serving/sliced_poll.py.
        "--ExecutePreprocessor.kernel_manager_class=sliced_poll.SlicedPollKernelManager",
        *targets,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    _run(PYTHON, ROOT / "scripts" / "static_explorers.py", *targets)


def site(extra: list[str]) -> None:
    """Build the course as an offline HTML site (``_build/site/index.html``)."""
    _run(PYTHON, ROOT / "scripts" / "build_site.py", *extra, env=_kernel_env())


def exercises(extra: list[str]) -> None:
    """Regenerate course/exercises/ from the solution cells of the course notebooks."""
    _run(PYTHON, ROOT / "scripts" / "make_exercises.py", *extra)


def wheelhouse(extra: list[str]) -> None:
    """Download every pinned wheel (learner and test sets) into wheelhouse/ for offline use.

    The wheels are those of this machine's platform and Python. Extra arguments go
    to ``pip download``, so that one folder can also serve the learners' laptops:
    ``--platform macosx_11_0_arm64 --python-version 3.11 --only-binary=:all:``
    adds their wheels beside these (pip installs the ones that fit).
    ``--no-deps``: both sets are complete freezes. It needs no .venv: the pip of
    the Python running run.py downloads for that Python, the one .venv is made
    from, so it also refreshes a wheelhouse that lacks new pins (with .venv's own
    pip only when that Python has none).
    """
    require_python()
    if _outer_pip_version():
        pip = [sys.executable, "-m", "pip"]
    else:
        ensure_environment()
        pip = [str(PYTHON), "-m", "pip"]
    WHEELHOUSE.mkdir(exist_ok=True)
    pins = [
        line
        for path in (PINS, TEST_PINS)
        for line in path.read_text().splitlines()
        if "==" in line.split("#")[0]
    ]
    pins += ["setuptools>=68", "pip"]  # to build perpmath and serving/ without the index
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(pins) + "\n")
    try:
        download = ["download", "--quiet", "--no-deps", "-d", str(WHEELHOUSE), *extra]
        _run(*pip, *download, "-r", handle.name)
    finally:
        os.unlink(handle.name)
    (WHEELHOUSE / "README.txt").write_text(
        "Wheels of binder/requirements.txt and tests/requirements.txt, from\n"
        "`python3 run.py wheelhouse`. While this file exists, run.py installs from\n"
        "this folder only (pip --no-index). Delete the folder to use the index again.\n"
    )
    size = sum(p.stat().st_size for p in WHEELHOUSE.iterdir()) / 1e6
    _say(f"{len(list(WHEELHOUSE.glob('*.whl')))} wheels, {size:.0f} MB in {WHEELHOUSE}")


# Files whose links name the published repository.
PUBLISHED_FILES = (
    "README.md",
    "course/dashboard.ipynb",
    "workshop/instructor_guide.md",
    "workshop/jupyterhub.md",
)
_SLUG = r"[\w.-]+"


def published_links(text: str, owner: str, name: str, ref: str, branch: str = "main") -> str:
    """``text`` with every link to the repository pointed at OWNER/NAME.

    Binder launch links (``mybinder.org/v2/gh/O/N/REF?urlpath=...``) open REF, a
    tag or ``HEAD``. nbgitpuller links
    (``repo=https://github.com/O/N&branch=BRANCH&urlpath=lab/tree/N/...``) name
    BRANCH: nbgitpuller clones it on the first click and, on every later click,
    merges ``origin/BRANCH`` into the learner's copy, which a tag does not have
    (https://nbgitpuller.readthedocs.io/en/latest/topic/url-options.html; its
    ``branch`` defaults to ``master`` in older releases, so it is always given).
    Hub Voila links (``voila/render/N/course/...``) and ``git clone`` /
    ``repo2docker`` lines (``https://github.com/O/N``) name the repository too.
    Placeholders (``OWNER/REPO``) and an earlier publication are rewritten alike.
    """
    text = re.sub(
        rf"(https://mybinder\.org/v2/gh/){_SLUG}/{_SLUG}/{_SLUG}\?",
        lambda m: f"{m.group(1)}{owner}/{name}/{ref}?",
        text,
    )
    text = re.sub(
        rf"(repo=https://github\.com/){_SLUG}/{_SLUG}(?:&branch={_SLUG})?"
        rf"(&urlpath=(?:lab/tree|voila/render)/){_SLUG}/",
        lambda m: f"{m.group(1)}{owner}/{name}&branch={branch}{m.group(2)}{name}/",
        text,
    )
    text = re.sub(
        rf"(/(?:voila/render|lab/tree)/){_SLUG}(/course/)",
        lambda m: f"{m.group(1)}{name}{m.group(2)}",
        text,
    )
    return re.sub(
        rf"((?:git clone|repo2docker)\b[^\n]*?https://github\.com/){_SLUG}/{_SLUG}\b",
        lambda m: f"{m.group(1)}{owner}/{name}",
        text,
    )


def publish(extra: list[str]) -> None:
    """Point every Binder, nbgitpuller and Voila link at OWNER/NAME (and --ref, --branch)."""
    parser = argparse.ArgumentParser(
        prog="python3 run.py publish",
        description="Point every Binder, nbgitpuller and Voila link at OWNER/NAME.",
    )
    parser.add_argument("repository", help="OWNER/NAME on GitHub")
    parser.add_argument("--ref", default="HEAD", help="what Binder opens: a tag (default HEAD)")
    parser.add_argument(
        "--branch", default="main", help="what nbgitpuller links follow (default main)"
    )
    args = parser.parse_args(extra)
    if not re.fullmatch(rf"{_SLUG}/{_SLUG}", args.repository):
        parser.error(f"repository must be OWNER/NAME, not {args.repository!r}")
    for option in ("ref", "branch"):
        if not re.fullmatch(_SLUG, getattr(args, option)):
            parser.error(f"--{option} takes a name without spaces or slashes")
    owner, name = args.repository.split("/")
    for rel in PUBLISHED_FILES:
        path = ROOT / rel
        if not path.exists():
            continue
        before = path.read_text(encoding="utf-8")
        after = published_links(before, owner, name, args.ref, args.branch)
        if after != before:
            path.write_text(after, encoding="utf-8")
            _say(f"{rel}: links now name {owner}/{name}")
    _say(f"Binder opens {args.ref}, nbgitpuller follows {args.branch}; commit the change")
    _say("Binder builds the image on the first click of a new ref")


def _kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    return {**env, "PYTHONHASHSEED": "0"}


LEARNER_COMMANDS = {"lab": lab, "site": site}
MAINTAINER_COMMANDS = {"execute": execute, "exercises": exercises}


def main(argv: list[str]) -> None:
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        sys.exit(0 if argv else 2)
    command, rest = argv[0], argv[1:]
    if command == "server-config":  # binder/postBuild: this interpreter's environment
        install_server_config(Path(sys.prefix))
    elif command == "publish":  # text only: needs no environment
        publish(rest)
    elif command == "wheelhouse":  # downloads only: installs .venv only if it must
        wheelhouse(rest)
    elif command == "test":
        ensure_environment(tests=True)
        test(rest)
    elif command in LEARNER_COMMANDS or command in MAINTAINER_COMMANDS:
        ensure_environment()
        {**LEARNER_COMMANDS, **MAINTAINER_COMMANDS}[command](rest)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
