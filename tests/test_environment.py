"""The pinned Binder environment and pyproject.toml agree, and the core stays Jupyter-free."""

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


def _pins() -> dict[str, str]:
    pins = {}
    for line in PINS.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line or line == ".":
            continue
        name, sep, version = line.partition("==")
        assert sep, f"binder/requirements.txt line {line!r} is not pinned with =="
        pins[canonicalize_name(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_requirements_end_by_installing_the_repository_itself():
    lines = [ln.strip() for ln in PINS.read_text().splitlines() if ln.strip()]
    assert lines[-1] == ".", "Binder ignores pyproject.toml when binder/ exists: end with '.'"


def test_runtime_is_python_311_or_newer():
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.(1[1-9])", runtime), runtime


def test_every_declared_dependency_is_pinned_to_a_version_it_allows():
    pins = _pins()
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not pinned in binder/"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}=={pins[name]} in binder/ violates pyproject.toml's {req.specifier}"
        )


def test_pinned_versions_are_the_installed_ones():
    from importlib.metadata import PackageNotFoundError, version

    for name, pinned in _pins().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            raise AssertionError(f"{name} is pinned but not installed") from None
        assert installed == pinned, f"{name}: pinned {pinned}, installed {installed}"


def test_core_imports_no_jupyter_or_matplotlib():
    code = (
        "import sys, perpmath, perpmath.exercises\n"
        "gui = ('matplotlib', 'ipywidgets', 'IPython', 'ipykernel')\n"
        "bad = [m for m in gui if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
