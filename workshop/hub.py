#!/usr/bin/env python3
"""A JupyterHub for a workshop on one machine, built from the course's pinned environments.

Run from the root of a clone (workshop/jupyterhub.md explains each step):

    python3 workshop/hub.py install DIR [--hub-python PY] [--course-python PY] [--proxy PATH]
    python3 workshop/hub.py config DIR [--port 8000] [--ip 127.0.0.1] [--password WORD]
    DIR/hub/bin/jupyterhub -f DIR/jupyterhub_config.py
    DIR/hub/bin/python workshop/hub.py rehearse http://127.0.0.1:8000 --users 10

``install`` builds DIR/hub, the environment JupyterHub and every learner's
server run in. When ``--hub-python`` is the course's Python (binder/runtime.txt,
3.11) the course is installed into it as well (recipe A). When it is another
Python (recipe B; pins for it in workshop/hub-requirements-pyXY.txt), DIR/hub
gets only JupyterHub, JupyterLab, Voila and the kernel client, and the course
goes into DIR/course, a second environment of ``--course-python`` registered in
DIR/hub as the kernel named ``python3`` (the notebooks ask for that name). It
also installs JupyterHub's proxy, configurable-http-proxy, from npm into
DIR/proxy (or uses ``--proxy``).

``config`` writes DIR/jupyterhub_config.py: a dummy authenticator (any user
name, one shared password), the simple local-process spawner (each learner's
server is a process of the user running the hub, with its own home folder
DIR/homes/NAME holding a copy of course/ made at its first start) and the
course's welcome notebook as the landing page. ``rehearse`` plays N learners:
each logs in through the REST API, starts a server, opens a notebook and runs
it to its first explorer through a real kernel, and reports how long that took;
it exits with status 1, saying what went wrong, unless every explorer came back
with its figure and the dashboard rendered under Voila.

The install and config steps use only the standard library (Python 3.10 or
newer); ``rehearse`` needs tornado, which every hub environment has.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROXY_PACKAGE = "configurable-http-proxy@5.1.0"
FIRST_NOTEBOOK = "course/01_spot_vs_contract.ipynb"


def course_python_version() -> str:
    """The course's Python (binder/runtime.txt), as ``3.11``."""
    return (ROOT / "binder" / "runtime.txt").read_text().strip().removeprefix("python-")


def python_version(python: str) -> str:
    code = "import sys; print('%d.%d' % sys.version_info[:2])"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def _run(args: list[str], log=None) -> None:
    print("$ " + " ".join(args), file=log or sys.stdout, flush=True)
    result = subprocess.run(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT if log else None)
    if result.returncode != 0:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(args)}")


def _venv(python: str, target: Path, log=None) -> str:
    _run([python, "-m", "venv", str(target)], log)
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    _run([*pip, "--upgrade", "pip"], log)
    return str(target / "bin" / "python")


def hub_requirements(version: str) -> Path:
    """The pins of a hub environment of Python ``version`` that is not the course's."""
    path = ROOT / "workshop" / f"hub-requirements-py{version.replace('.', '')}.txt"
    if not path.exists():
        raise SystemExit(
            f"no pins for a Python {version} hub: make {path.relative_to(ROOT)} as "
            "workshop/hub-requirements-py310.txt says, or use a Python "
            f"{course_python_version()} hub"
        )
    return path


def install(
    target: Path,
    hub_python: str = sys.executable,
    course_python: str | None = None,
    proxy: str | None = None,
    log=None,
) -> dict:
    """Build DIR/hub (and DIR/course for another Python) and the proxy; return what was built."""
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    wanted = course_python_version()
    same = python_version(hub_python) == wanted
    hub = _venv(hub_python, target / "hub", log)
    pip = [hub, "-m", "pip", "install", "--quiet"]
    if same:  # recipe A: one environment, the learners' pins plus JupyterHub
        _run([*pip, "-r", "binder/requirements.txt", "-r", "workshop/hub-requirements.txt"], log)
    else:  # recipe B: a hub without the course's stack, and the course as its kernel
        _run([*pip, "-r", str(hub_requirements(python_version(hub_python)))], log)
        if course_python is None or python_version(course_python) != wanted:
            raise SystemExit(f"--course-python must be a Python {wanted} (binder/runtime.txt)")
        course = _venv(course_python, target / "course", log)
        _run([course, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"], log)
        kernel = ["-m", "ipykernel", "install", "--prefix", str(target / "hub"), "--name"]
        _run([course, *kernel, "python3", "--display-name", "Python 3 (perpmath)"], log)
    # As binder/postBuild: Voila's kernel client and JupyterLab's settings.
    _run([hub, "run.py", "server-config"], log)
    if proxy is None:
        _run(["npm", "install", "--silent", "--no-fund", "--no-audit", "--prefix",
              str(target / "proxy"), PROXY_PACKAGE], log)  # fmt: skip
        proxy = str(target / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")
    built = {"hub": str(target / "hub"), "same_python": same, "proxy": str(Path(proxy).resolve())}
    (target / "hub.json").write_text(json.dumps(built, indent=1))
    return built


CONFIG = """\
# Written by `python3 workshop/hub.py config`: a workshop hub on one machine.
# Start it with: {hub}/bin/jupyterhub -f {config}
import os
import shutil

c = get_config()  # noqa: F821
c.JupyterHub.bind_url = "http://{ip}:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = "sqlite:///{db}"
c.JupyterHub.cookie_secret_file = {cookie!r}

# Log-in: any name with the shared password (write it on the board). For a
# course, use your organisation's OAuth or the NativeAuthenticator instead.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {{"instructor"}}

# Every learner's server is a local process of the user running the hub,
# with its own home folder holding a copy of course/ made at its first start.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.cmd = ["{hub}/bin/jupyterhub-singleuser"]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab/tree/course/00_welcome.ipynb"
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.concurrent_spawn_limit = 200
c.JupyterHub.active_server_limit = 0
COURSE = {course!r}


def copy_course(spawner):
    home = spawner.home_dir_template.format(username=spawner.user.name)
    os.makedirs(home, exist_ok=True)
    if not os.path.exists(os.path.join(home, "course")):
        shutil.copytree(COURSE, os.path.join(home, "course"))


c.Spawner.pre_spawn_hook = copy_course

# A token for `workshop/hub.py rehearse` (and the instructor's scripts): it may
# create users, start their servers and use them.
token = os.environ.get("WORKSHOP_HUB_TOKEN")
if token:
    c.JupyterHub.services = [{{"name": "rehearsal", "api_token": token}}]
    c.JupyterHub.load_roles = [
        {{
            "name": "rehearsal",
            "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
            "services": ["rehearsal"],
        }}
    ]
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(
    target: Path, port: int = 8000, ip: str = "127.0.0.1", password: str | None = None
) -> Path:
    """Write DIR/jupyterhub_config.py for the environments ``install`` built in DIR."""
    target = Path(target).resolve()
    built = json.loads((target / "hub.json").read_text())
    args = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    path = target / "jupyterhub_config.py"
    text = CONFIG.format(
        hub=built["hub"],
        config=path,
        ip=ip,
        port=port,
        hub_port=_free_port(),
        proxy_api_port=_free_port(),
        proxy=built["proxy"],
        pid_file=str(target / "proxy.pid"),
        db=target / "jupyterhub.sqlite",
        cookie=str(target / "jupyterhub_cookie_secret"),
        password=password or secrets.token_urlsafe(8),
        homes=target / "homes",
        args=args,
        course=str(ROOT / "course"),
    )
    path.write_text(text)
    built["url"] = f"http://{'127.0.0.1' if ip == '0.0.0.0' else ip}:{port}"
    (target / "hub.json").write_text(json.dumps(built, indent=1))
    return path


@contextmanager
def running(target: Path, token: str, log: Path, timeout: float = 180) -> Iterator[str]:
    """Start the hub configured in DIR (with the rehearsal ``token``); yield its URL; stop it.

    Stopping the hub stops every learner's server and the proxy it started.
    """
    import urllib.request

    target = Path(target).resolve()
    built = json.loads((target / "hub.json").read_text())
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["WORKSHOP_HUB_TOKEN"] = token
    command = [f"{built['hub']}/bin/jupyterhub", "-f", str(target / "jupyterhub_config.py")]
    with open(log, "w") as out:
        hub = subprocess.Popen(command, cwd=target, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{built['url']}/hub/api", timeout=5):
                    break
            except OSError:
                if hub.poll() is not None or time.monotonic() > deadline:
                    tail = Path(log).read_text()[-3000:]
                    raise RuntimeError("the hub did not start:\n" + tail) from None
                time.sleep(0.5)
        yield built["url"]
    finally:
        hub.terminate()
        try:
            hub.wait(timeout=90)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()


# ---------------------------------------------------------------- rehearsal


def _code_to_first_explorer(notebook: dict) -> list[str]:
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        cells.append(source)
        if "_explorer(" in source:
            return cells
    raise ValueError("the notebook shows no explorer")


def _decode(raw: str | bytes) -> dict:
    """A kernel message from Jupyter's websocket: JSON text, or binary with buffers after it."""
    if isinstance(raw, str):
        return json.loads(raw)
    parts = int.from_bytes(raw[:4], "big")
    offsets = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(parts)]
    end = offsets[1] if parts > 1 else len(raw)
    return json.loads(raw[offsets[0] : end].decode("utf-8"))


async def _learner(base: str, token: str, name: str, notebook: str, voila: bool) -> dict:
    """One learner: start a server, open NOTEBOOK, run it to its first explorer."""
    import uuid

    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    http = AsyncHTTPClient()
    headers = {"Authorization": f"token {token}"}

    async def call(method: str, path: str, body: object = None, timeout: float = 300):
        request = HTTPRequest(
            f"{base}{path}",
            method=method,
            headers=headers,
            body=None if body is None and method == "GET" else json.dumps(body or {}),
            request_timeout=timeout,
            allow_nonstandard_methods=True,
        )
        response = await http.fetch(request, raise_error=False)
        done = response.code == 409 or b"is already running" in response.body
        if response.code >= 400 and not done:
            raise RuntimeError(f"{name}: {method} {path}: {response.code} {response.body[:300]!r}")
        return json.loads(response.body) if response.body else None

    import asyncio

    started = time.monotonic()
    await call("POST", f"/hub/api/users/{name}")  # 409 when the learner exists already
    await call("POST", f"/hub/api/users/{name}/server")
    while not ((await call("GET", f"/hub/api/users/{name}"))["servers"].get("", {}).get("ready")):
        await asyncio.sleep(0.5)
    spawned = time.monotonic() - started
    user = f"/user/{name}"
    content = (await call("GET", f"{user}/api/contents/{notebook}"))["content"]
    session = await call(
        "POST",
        f"{user}/api/sessions",
        {"path": notebook, "type": "notebook", "name": "", "kernel": {"name": "python3"}},
    )
    kernel = session["kernel"]["id"]
    ws_url = base.replace("http", "ws", 1) + f"{user}/api/kernels/{kernel}/channels"
    socket = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    shown: list[str] = []
    for source in _code_to_first_explorer(content):
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "session": msg_id,
                  "username": name, "version": "5.3", "date": ""}  # fmt: skip
        request = {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
                   "content": {"code": source, "silent": False, "store_history": True,
                               "user_expressions": {}, "allow_stdin": False}}  # fmt: skip
        await socket.write_message(json.dumps(request))
        replied = idle = False
        while not (replied and idle):
            raw = await asyncio.wait_for(socket.read_message(), timeout=600)
            if raw is None:
                raise RuntimeError(f"{name}: the kernel's websocket closed")
            msg = _decode(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = msg["msg_type"], msg["content"]
            if kind == "execute_reply":
                if body["status"] != "ok":
                    raise RuntimeError(f"{name}: {body.get('ename')}: {body.get('evalue')}")
                replied = True
            elif kind == "status" and body["execution_state"] == "idle":
                idle = True
            elif kind in ("execute_result", "display_data"):
                shown = list(body["data"])
    socket.close()
    figure = time.monotonic() - started
    result = {"user": name, "spawn_s": spawned, "first_figure_s": figure, "explorer_shows": shown}
    if voila:
        page = await _voila(base, headers, user)
        result["voila_widget_views"] = page.count("application/vnd.jupyter.widget-view+json")
    return result


async def _voila(base: str, headers: dict, user: str) -> str:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    request = HTTPRequest(
        f"{base}{user}/voila/render/course/dashboard.ipynb", headers=headers, request_timeout=600
    )
    response = await AsyncHTTPClient().fetch(request)
    return response.body.decode()


async def rehearse_async(
    base: str, token: str, users: int, notebook: str = FIRST_NOTEBOOK, prefix: str = "learner"
) -> list[dict]:
    """N learners at once; the first also opens the dashboard under Voila."""
    import asyncio

    from tornado.httpclient import AsyncHTTPClient

    AsyncHTTPClient.configure(None, max_clients=4 * users + 10)
    names = [f"{prefix}{i:02d}" for i in range(1, users + 1)]
    jobs = [
        _learner(base.rstrip("/"), token, n, notebook, voila=(i == 0)) for i, n in enumerate(names)
    ]
    return list(await asyncio.gather(*jobs))


async def stop_servers(base: str, token: str, names: list[str]) -> None:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest

    http = AsyncHTTPClient()
    for name in names:
        request = HTTPRequest(
            f"{base.rstrip('/')}/hub/api/users/{name}/server",
            method="DELETE",
            headers={"Authorization": f"token {token}"},
            request_timeout=120,
        )
        await http.fetch(request, raise_error=False)


def rehearse(base: str, token: str, users: int, notebook: str = FIRST_NOTEBOOK) -> list[dict]:
    import asyncio

    return asyncio.run(rehearse_async(base, token, users, notebook))


def summary(results: list[dict]) -> str:
    """Median and slowest time to a running server and to the first explorer's figure."""
    import statistics

    lines = [f"{len(results)} learners"]
    for key, label in (("spawn_s", "server ready"), ("first_figure_s", "first explorer")):
        values = sorted(r[key] for r in results)
        lines.append(
            f"{label}: median {statistics.median(values):.1f} s, slowest {values[-1]:.1f} s"
        )
    return "\n".join(lines)


def dashboard_explorers() -> int:
    """How many explorers course/dashboard.ipynb shows (Voila must render as many)."""
    nb = json.loads((ROOT / "course" / "dashboard.ipynb").read_text(encoding="utf-8"))
    return sum(
        "_explorer(" in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"
    )


def failures(results: list[dict]) -> list[str]:
    """What a rehearsal saw go wrong: an explorer without its widget view or its figure,
    a dashboard under Voila with fewer widget views than explorers."""
    found = []
    for result in results:
        shown = result["explorer_shows"]
        if "application/vnd.jupyter.widget-view+json" not in shown or "image/png" not in shown:
            found.append(f"{result['user']}: the first explorer came back as {shown}")
        views = result.get("voila_widget_views")
        if views is not None and views < dashboard_explorers():
            found.append(f"{result['user']}: Voila rendered {views} widget views of the dashboard")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("install", help="build the hub's environments and its proxy in DIR")
    p.add_argument("dir", type=Path)
    p.add_argument("--hub-python", default=sys.executable, help="Python of the hub (default: this)")
    p.add_argument(
        "--course-python", help=f"a Python {course_python_version()} for the course kernel"
    )
    p.add_argument("--proxy", help="an installed configurable-http-proxy (default: npm install)")
    p = sub.add_parser("config", help="write DIR/jupyterhub_config.py")
    p.add_argument("dir", type=Path)
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--ip", default="127.0.0.1", help="0.0.0.0 to serve the room's network")
    p.add_argument("--password", help="the shared password (default: a random one, printed)")
    p = sub.add_parser("rehearse", help="play N learners against a running hub")
    p.add_argument("url")
    p.add_argument("--users", type=int, default=10)
    p.add_argument("--notebook", default=FIRST_NOTEBOOK)
    p.add_argument("--token", default=os.environ.get("WORKSHOP_HUB_TOKEN"))
    args = parser.parse_args(argv)
    if args.command == "install":
        print(json.dumps(install(args.dir, args.hub_python, args.course_python, args.proxy)))
    elif args.command == "config":
        password = args.password or secrets.token_urlsafe(8)
        path = config(args.dir, args.port, args.ip, password)
        print(f"wrote {path}; shared password: {password}")
    else:
        if not args.token:
            raise SystemExit("rehearse needs the hub's WORKSHOP_HUB_TOKEN (or --token)")
        results = rehearse(args.url, args.token, args.users, args.notebook)
        print(summary(results))
        wrong = failures(results)
        if wrong:
            raise SystemExit("the rehearsal failed:\n" + "\n".join(wrong))
        print("every learner saw the first explorer with its figure; Voila drew the dashboard")


if __name__ == "__main__":
    main()
