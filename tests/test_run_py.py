"""run.py as a reader and an instructor use it: help, lab, the working copy, publishing."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


def _run_py(root: Path = ROOT):
    return load_script("run.py", "run_py_under_test", root=root)


def test_help_exits_0_and_lists_reader_commands_apart_from_maintainer_ones():
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    readers, maintainers = text.split("For maintainers and instructors:")
    assert "For readers and learners:" in readers
    for command in ("lab", "site"):
        assert f"python3 run.py {command}" in readers, command
    for command in ("test", "execute", "exercises", "publish", "wheelhouse", "server-config"):
        assert f"python3 run.py {command}" in maintainers, command
    assert "Extra arguments go to\n        JupyterLab unchanged" in readers


def test_an_unknown_command_fails_with_the_help():
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "nonsense"], capture_output=True, text=True
    )
    assert result.returncode != 0 and "unknown command 'nonsense'" in result.stderr


def test_lab_passes_extra_arguments_to_jupyterlab_and_asks_nothing_about_news():
    args = _run_py().lab_command(["--port=8890", "--no-browser"])
    assert args[1] == "lab" and args[-2:] == ["--port=8890", "--no-browser"]
    assert "--LabApp.news_url=None" in args
    overrides = json.loads((ROOT / "jupyter-config" / "lab-overrides.json").read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}


def test_jupyterlab_leaves_its_debugger_off_where_debugpy_is_missing(tmp_path: Path):
    """Without debugpy the debugger extension logs two console errors per notebook opened."""
    run_py = _run_py()
    run_py.install_server_config(tmp_path)
    probe = (
        "from jupyterlab_server.config import get_page_config\n"
        "print('@jupyterlab/debugger-extension' in get_page_config([])['disabledExtensions'])"
    )
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(tmp_path / "etc" / "jupyter")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")
    seen = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert seen.returncode == 0, seen.stderr[-2000:]
    assert seen.stdout.split()[-1] == "True", "JupyterLab reads the switch"
    (tmp_path / "lib" / "python3.11" / "site-packages" / "debugpy").mkdir(parents=True)
    run_py.install_server_config(tmp_path)  # Binder and hub environments have debugpy
    page = json.loads((tmp_path / "etc" / "jupyter" / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"] == {"@jupyterlab/debugger-extension": False}


def test_the_working_copy_is_made_once_and_never_overwrites_a_learners_work(tmp_path: Path):
    run_py = _run_py()
    run_py.WORKDIR = tmp_path / "my-course"
    copy = run_py.working_copy()
    welcome = copy / "00_welcome.ipynb"
    assert welcome.read_bytes() == (ROOT / "course" / "00_welcome.ipynb").read_bytes()
    assert (copy / "exercises" / "01_spot_vs_contract.ipynb").exists()
    welcome.write_text("my answers")
    (copy / "glossary.md").unlink()
    run_py.working_copy()
    assert welcome.read_text() == "my answers", "a learner's notebook was overwritten"
    assert (copy / "glossary.md").exists(), "files new in course/ are copied on the next run"
    ignored = (ROOT / ".gitignore").read_text().split()
    assert f"{run_py.WORKDIR.name}/" in ignored or "my-course/" in ignored


def _published_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for rel in tracked:
        if (ROOT / rel).is_file():
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, copy / rel)
    return copy


@pytest.mark.parametrize(("ref", "branch"), [("v1.2", None), (None, "spring-course")])
def test_publish_points_every_link_at_the_repository_and_leaves_no_placeholder(
    tmp_path: Path, ref: str | None, branch: str | None
):
    copy = _published_copy(tmp_path)
    args = [sys.executable, "run.py", "publish", "alice/perp-course"]
    args += ["--ref", ref] if ref else []
    args += ["--branch", branch] if branch else []
    result = subprocess.run(args, cwd=copy, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    texts = {rel: (copy / rel).read_text(encoding="utf-8") for rel in _run_py(copy).PUBLISHED_FILES}
    every = "\n".join(texts.values())
    prose = every.replace("publish OWNER/NAME", "")  # the command's own syntax, as documented
    assert "OWNER" not in prose and not re.search(r"\bREPO\b", prose), "a placeholder is left"
    binder = re.findall(r"https://mybinder\.org/v2/gh/[^\s)\"'\]]+", every)
    assert binder, "no Binder link"
    wanted = f"https://mybinder.org/v2/gh/alice/perp-course/{ref or 'HEAD'}?urlpath="
    assert all(link.startswith(wanted) for link in binder), binder
    assert any("urlpath=lab/tree/course/exercises/" in link for link in binder), (
        "a link should open the exercise copies"
    )
    pullers = re.findall(r"git-pull\?[^\s`)]+", every)
    assert pullers, "no nbgitpuller link"
    for link in pullers:
        # nbgitpuller's form: repo, then the branch it merges on later clicks (never a
        # tag: it runs `git merge origin/BRANCH`), then urlpath under the clone's folder.
        query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
        assert query["repo"] == "https://github.com/alice/perp-course", link
        assert query["branch"] == (branch or "main"), link
        assert query["urlpath"].startswith("lab/tree/perp-course/course/exercises/"), link
    hub_guide = texts["workshop/jupyterhub.md"]
    assert "/hub/user-redirect/voila/render/perp-course/course/dashboard.ipynb" in hub_guide
    assert "/user/NAME/" not in hub_guide, "one link for every learner: user-redirect"
    assert "git clone https://github.com/alice/perp-course" in texts["workshop/jupyterhub.md"]
    again = subprocess.run(
        [sys.executable, "run.py", "publish", "bob/other", "--ref", "v2"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0
    readme = (copy / "README.md").read_text(encoding="utf-8")
    assert "bob/other/v2?urlpath=" in readme and "alice" not in readme


def test_publish_refuses_a_malformed_name(tmp_path: Path):
    copy = _published_copy(tmp_path)
    for args in (["alice"], ["alice/x", "--ref"], ["alice/x y"], ["alice/x", "--branch", "a b"]):
        result = subprocess.run(
            [sys.executable, "run.py", "publish", *args], cwd=copy, capture_output=True, text=True
        )
        assert result.returncode != 0 and "usage" in result.stderr, args


def test_a_wheelhouse_makes_installs_use_no_network(tmp_path: Path, monkeypatch):
    run_py = _run_py()
    calls: list[list[str]] = []
    monkeypatch.setattr(run_py, "_run", lambda *args, **kwargs: calls.append(list(map(str, args))))
    monkeypatch.setattr(run_py, "WHEELHOUSE", tmp_path / "wheelhouse")
    run_py._pip_install(["numpy==2.4.6"])
    assert "--no-index" not in calls[-1], "without a wheelhouse pip uses the index"
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "README.txt").write_text("wheels")
    run_py._pip_install(["numpy==2.4.6"], compile_=False)
    args = calls[-1]
    assert "--no-index" in args and args[args.index("--find-links") + 1] == str(
        tmp_path / "wheelhouse"
    )
    assert "--no-compile" in args


def _probe_wheel(folder: Path, version: str) -> None:
    """A one-module wheel, pm_probe VERSION, written by hand (no build, no download)."""
    import base64
    import hashlib
    import zipfile

    info = f"pm_probe-{version}.dist-info"
    files = {
        "pm_probe.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: pm-probe\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f"pm_probe-{version}-py3-none-any.whl", "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)


def test_a_wheelhouse_installs_with_the_network_cut(tmp_path: Path, monkeypatch):
    """run.py's own install steps, for real, from a wheelhouse with pip's network cut
    (an unreachable proxy, no cache): the pinned wheel it holds installs; a pin it
    lacks fails at once instead of reaching for the index."""
    run_py = _run_py()
    monkeypatch.setattr(run_py, "WHEELHOUSE", tmp_path / "wheelhouse")
    _probe_wheel(tmp_path / "wheelhouse", "1.0")
    (tmp_path / "wheelhouse" / "README.txt").write_text("wheels")
    monkeypatch.setenv("PIP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    venv = tmp_path / "venv"
    run_py.create_venv(venv)
    run_py._pip_install(["pm-probe==1.0"], compile_=False, venv=venv)
    found = subprocess.run(
        [str(run_py._python(venv)), "-c", "import pm_probe; print(pm_probe.VERSION)"],
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip() == "1.0", found.stderr
    with pytest.raises(SystemExit):
        run_py._pip_install(["pm-probe==2.0"], compile_=False, venv=venv)


def test_wheelhouse_passes_its_arguments_to_pip_download(tmp_path: Path, monkeypatch):
    """Another platform's wheels go to the same folder: run.py wheelhouse --platform ..."""
    run_py = _run_py()
    calls: list[list[str]] = []
    monkeypatch.setattr(run_py, "_run", lambda *args, **kwargs: calls.append(list(map(str, args))))
    monkeypatch.setattr(run_py, "WHEELHOUSE", tmp_path / "wheelhouse")
    monkeypatch.setattr(run_py, "_outer_pip_version", lambda: (23, 2))
    monkeypatch.setattr(run_py, "ensure_environment", lambda **kw: calls.append(["installed"]))
    extra = ["--platform", "win_amd64", "--python-version", "3.11", "--only-binary=:all:"]
    run_py.wheelhouse(extra)
    assert ["installed"] not in calls, "a download needs no .venv (nor a wheelhouse of new pins)"
    args = calls[-1]
    assert args[:3] == [sys.executable, "-m", "pip"]
    assert args[args.index("download") :][:3] == ["download", "--quiet", "--no-deps"]
    assert " ".join(extra) in " ".join(args) and args[-2] == "-r"
