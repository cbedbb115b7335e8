"""How often does Voila's first render of the dashboard hang, with and without the fix?

Starts a Jupyter server from ``.venv`` on loopback, keeps ``BUSY`` processes
spinning to load the machine as a shared Binder node or a CI run does, and
requests ``/voila/render/course/dashboard.ipynb`` ``LOADS`` times. A load that
has not finished after ``--deadline`` seconds counts as hung (Voila's heartbeats
keep the connection open, so it would wait for ever); the run stops there.
Every kernel is shut down after each load.

``--plain`` overrides the server configuration back to jupyter_client's
``AsyncKernelClient`` (Voila as shipped); the default uses the configuration
that ``python3 run.py`` installs, ``sliced_poll.SlicedPollKernelClient``.

Run: .venv/bin/python benchmarks/voila_first_render.py [--loads 30] [--busy 2] [--plain]
Seen here (2 cores, --busy 2): plain hung on its first load in each of 3 runs
of 10 loads; with the sliced client, 30 loads of 30 rendered (median 2.4 s).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = "voila/render/course/dashboard.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=30)
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes beside it")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds before 'hung'")
    parser.add_argument("--plain", action="store_true", help="Voila's own kernel client")
    args = parser.parse_args()

    port, token = _free_port(), secrets.token_hex(8)
    base = f"http://127.0.0.1:{port}"
    command = [
        str(Path(sys.executable).parent / "jupyter-server"),
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={ROOT}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    if args.plain:
        command.append(
            "--ServerKernelManager.client_factory=jupyter_client.asynchronous.AsyncKernelClient"
        )
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)
    ]

    def api(path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(f"{base}/{path}?token={token}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    times: list[float] = []
    hung = False
    try:
        for _ in range(240):
            try:
                api("api/status")
                break
            except OSError:
                time.sleep(0.5)
        for i in range(args.loads):
            result: dict[str, object] = {}

            def load(result: dict[str, object] = result) -> None:
                try:
                    result["body"] = api(PAGE).decode()
                except Exception as err:  # reported below
                    result["error"] = err

            started = time.monotonic()
            worker = threading.Thread(target=load, daemon=True)
            worker.start()
            worker.join(args.deadline)
            if worker.is_alive():
                print(f"load {i + 1}: still executing after {args.deadline:.0f} s (hung)")
                hung = True
                break
            if "error" in result:
                print(f"load {i + 1}: failed: {result['error']}")
                return 2
            times.append(time.monotonic() - started)
            views = str(result["body"]).count("application/vnd.jupyter.widget-view+json")
            print(f"load {i + 1}: {times[-1]:.1f} s, {views} widget views", flush=True)
            for kernel in json.loads(api("api/kernels")):
                api(f"api/kernels/{kernel['id']}", method="DELETE")
    finally:
        for process in [*spinners, server]:
            process.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a hung render can hold the shutdown
            server.kill()
            server.wait()
    client = "AsyncKernelClient (plain)" if args.plain else "SlicedPollKernelClient"
    median = f", median {statistics.median(times):.1f} s" if times else ""
    print(
        f"{client}, {args.busy} busy processes: {len(times)} of {args.loads} loads rendered"
        f"{median}; {'HUNG' if hung else 'no hang'}; server log {log.name}"
    )
    return 1 if hung else 0


if __name__ == "__main__":
    sys.exit(main())
