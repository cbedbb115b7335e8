"""Memory per seat and time to the first figure for a room of learners on one JupyterHub.

Builds the hub of workshop/jupyterhub.md recipe A with ``workshop/hub.py`` in
``_build/hub-bench`` (kept between runs; ``--fresh`` rebuilds it), starts it on
loopback and rehearses ``--users`` learners at once: each starts a server,
opens section 01 and runs it to its first explorer through a real kernel. With
every learner's server and kernel still running it then sums, per learner, the
memory of the server and kernel processes (RSS, and PSS, which splits shared
pages fairly between processes), and prints the median seat and the total.

Run: .venv/bin/python benchmarks/workshop_hub.py [--users 30] [--fresh]
Needs configurable-http-proxy (``python3 run.py test`` installs it in .venv/hub-proxy).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import secrets
import shutil
import statistics
import sys
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "_build" / "hub-bench"
PROXY = ROOT / ".venv" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"


def _hub():
    spec = importlib.util.spec_from_file_location("workshop_hub", ROOT / "workshop" / "hub.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seat_memory() -> dict[str, dict[str, float]]:
    """MB of RSS and PSS per learner: every process whose environment names a hub user."""
    seats: dict[str, dict[str, float]] = {}
    for proc in psutil.process_iter():
        try:
            user = proc.environ().get("JUPYTERHUB_USER")
            if not user:
                continue
            info = proc.memory_full_info()
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        seat = seats.setdefault(user, {"rss": 0.0, "pss": 0.0, "processes": 0})
        seat["rss"] += info.rss / 2**20
        seat["pss"] += getattr(info, "pss", info.rss) / 2**20
        seat["processes"] += 1
    return seats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--fresh", action="store_true", help="rebuild the hub's environment")
    args = parser.parse_args()
    hub = _hub()
    if args.fresh and TARGET.exists():
        shutil.rmtree(TARGET)
    if not (TARGET / "hub.json").exists():
        print(f"installing the hub in {TARGET} (about a minute)", flush=True)
        TARGET.mkdir(parents=True, exist_ok=True)
        with (TARGET.parent / "hub-bench-install.log").open("w") as log:
            python = getattr(sys, "_base_executable", sys.executable)
            hub.install(TARGET, python, python, str(PROXY) if PROXY.exists() else None, log=log)
    for home in (TARGET / "homes").glob("*"):
        shutil.rmtree(home)
    hub.config(TARGET, port=hub._free_port(), password=secrets.token_hex(4))
    token = secrets.token_hex(16)
    with hub.running(TARGET, token, TARGET / "jupyterhub.log") as url:
        results = hub.rehearse(url, token, args.users)
        seats = seat_memory()
        asyncio.run(hub.stop_servers(url, token, [r["user"] for r in results]))
    print(hub.summary(results))
    rss = [s["rss"] for s in seats.values()]
    pss = [s["pss"] for s in seats.values()]
    print(
        f"memory per seat (server + kernel, {len(seats)} seats): "
        f"median RSS {statistics.median(rss):.0f} MB, median PSS {statistics.median(pss):.0f} MB; "
        f"all seats: PSS {sum(pss) / 1024:.1f} GB"
    )


if __name__ == "__main__":
    main()
