"""The two pinned environments: the learner set (binder/) and the test set on top of it.

binder/requirements.txt is what a learner runs (Binder, ``run.py lab``) and
holds nothing for testing; tests/requirements.txt adds the test tools. Both are
fully pinned, they do not overlap, and pyproject.toml declares the same names.
run.py installs both with ``--no-deps`` and leaves out the learner lines marked
"Binder only", each with its reason on the line and in the README; everything
else that an installed package requires must be there (``pip check``, less those
lines: .venv has no pip of its own).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "binder" / "requirements.txt"
TEST_PINS = ROOT / "tests" / "requirements.txt"
LOCAL_LINES = {".", "./serving"}
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "ruff", "playwright", "jupyterhub", "coverage"}


def _pins(path: Path = PINS, *, local: bool = False) -> dict[str, str]:
    """Name -> version; ``local`` leaves out the lines run.py skips ("Binder only")."""
    pins = {}
    for line in path.read_text().splitlines():
        if local and "# Binder only" in line:
            continue
        line = line.split("#")[0].strip()
        if not line or line in LOCAL_LINES:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name} line {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = version
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _declared(*extras: str) -> list[Requirement]:
    project = _project()
    reqs = [] if "test" in extras and len(extras) == 1 else list(project["dependencies"])
    for extra in extras:
        reqs += project.get("optional-dependencies", {})[extra]
    return [Requirement(r) for r in reqs]


def test_requirements_end_by_installing_the_repository_and_its_kernel_client():
    lines = [ln.strip() for ln in PINS.read_text().splitlines() if ln.strip()]
    assert lines[-1] == ".", "Binder ignores pyproject.toml when binder/ exists: end with '.'"
    assert "./serving" in lines, "the dashboard's kernel client (serving/) must be installed"


def test_runtime_is_python_311_or_newer():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[1-9])", runtime), runtime


def test_learner_set_holds_nothing_for_testing():
    learner = set(_pins())
    assert not learner & TEST_TOOLS, f"test tools in binder/: {learner & TEST_TOOLS}"
    assert not learner & set(_pins(TEST_PINS)), "a package is pinned in both sets"


def test_every_declared_dependency_is_pinned_in_its_set_to_a_version_it_allows():
    sets = {"binder/requirements.txt": (_pins(), ("dashboard",))}
    sets["tests/requirements.txt"] = (_pins(TEST_PINS), ("test",))
    for where, (pins, extras) in sets.items():
        for req in _declared(*extras):
            name = canonicalize_name(req.name)
            assert name in pins, f"{req.name} is in pyproject.toml but not pinned in {where}"
            assert req.specifier.contains(pins[name], prereleases=True), (
                f"{req.name}=={pins[name]} in {where} violates pyproject.toml's {req.specifier}"
            )


def _left_out() -> dict[str, str]:
    """Name -> reason of the learner lines run.py leaves out ("Binder only: REASON")."""
    found = {}
    for line in PINS.read_text().splitlines():
        if "# Binder only" in line:
            name = canonicalize_name(line.split("==")[0].strip())
            found[name] = line.partition("# Binder only")[2].lstrip(": ").strip()
    return found


def test_every_line_run_py_leaves_out_says_why_here_and_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, reason in _left_out().items():
        assert len(reason.split()) >= 3, f"binder/requirements.txt: say why {name} is Binder only"
        assert f"**{name}**" in readme, f"README's Dependencies should say why {name} is left out"


def test_installed_packages_have_what_they_require_but_the_lines_left_out():
    """``pip check`` of the running environment, less what run.py leaves out on purpose."""
    from importlib.metadata import PackageNotFoundError, distributions, version

    left_out = set(_left_out())
    unmet = []
    for dist in distributions():
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            name = canonicalize_name(req.name)
            try:
                installed = version(name)
            except PackageNotFoundError:
                if name not in left_out:
                    unmet.append(f"{dist.metadata['Name']} requires {req}: not installed")
                continue
            if not req.specifier.contains(installed, prereleases=True):
                unmet.append(f"{dist.metadata['Name']} requires {req}: {installed} installed")
    assert not unmet, "\n".join(unmet)


def test_pinned_versions_are_the_installed_ones():
    from importlib.metadata import PackageNotFoundError, version

    for name, pinned in {**_pins(local=True), **_pins(TEST_PINS)}.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            raise AssertionError(f"{name} is pinned but not installed") from None
        assert installed == pinned, f"{name}: pinned {pinned}, installed {installed}"


def test_hub_pins_are_the_test_sets_and_the_other_python_hub_has_no_course_stack():
    hub = _pins(ROOT / "workshop" / "hub-requirements.txt")
    tests = _pins(TEST_PINS)
    assert hub.get("jupyterhub") and all(tests.get(n) == v for n, v in hub.items()), (
        "workshop/hub-requirements.txt must repeat tests/requirements.txt's pins"
    )
    other = _pins(ROOT / "workshop" / "hub-requirements-py310.txt")
    assert {"jupyterhub", "jupyterlab", "voila", "jupyterlab-widgets"} <= set(other)
    assert not {"numpy", "pandas", "matplotlib", "perpmath"} & set(other)
    assert "./serving" in (ROOT / "workshop" / "hub-requirements-py310.txt").read_text()


def test_kernel_client_distribution_runs_on_a_hub_python_without_the_course_stack():
    serving = tomllib.loads((ROOT / "serving" / "pyproject.toml").read_text())["project"]
    assert serving["requires-python"] == ">=3.10"
    names = {canonicalize_name(Requirement(r).name) for r in serving["dependencies"]}
    assert names == {"jupyter-client", "traitlets"}, names
    code = (
        "import sys, sliced_poll\n"
        "heavy = ('numpy', 'pandas', 'matplotlib', 'perpmath', 'ipywidgets')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_imports_no_jupyter_or_matplotlib():
    code = (
        "import sys, perpmath, perpmath.exercises\n"
        "gui = ('matplotlib', 'ipywidgets', 'IPython', 'ipykernel', 'jupyter_client')\n"
        "bad = [m for m in gui if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert not (ROOT / "perpmath" / "kernel_client.py").exists(), "serving code lives in serving/"
