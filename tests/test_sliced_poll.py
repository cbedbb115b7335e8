"""sliced_poll: Voila's kernel client that waits in slices, and how it is configured."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from queue import Empty

import pytest
import sliced_poll as kernel_client
from _scripts import load_script
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from sliced_poll import SlicedPollChannel, SlicedPollKernelClient

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "jupyter-config" / "jupyter_server_config.json"


def _run_py():
    return load_script("run.py", "run_py")


class _Scripted(AsyncZMQSocketChannel):
    """A channel whose base ``get_msg`` plays a script: Empty a few times, then a message."""

    def __init__(self, empties: int | None):
        self.empties = empties  # None: never a message
        self.waits: list[float | None] = []

    async def get_msg(self, timeout=None):
        self.waits.append(timeout)
        if self.empties is None or self.empties > 0:
            if self.empties is not None:
                self.empties -= 1
            await asyncio.sleep(timeout or 0)
            raise Empty
        return {"msg": "reply"}


class _Sliced(SlicedPollChannel, _Scripted):
    pass


def test_every_socket_channel_of_the_client_polls_in_slices():
    for name in ("shell", "iopub", "stdin", "control"):
        assert getattr(SlicedPollKernelClient, f"{name}_channel_class").default_value is (
            SlicedPollChannel
        ), name


def test_no_timeout_keeps_waiting_past_empty_slices(monkeypatch):
    monkeypatch.setattr(kernel_client, "SLICE_SECONDS", 0.01)
    channel = _Sliced(empties=3)
    assert asyncio.run(channel.get_msg()) == {"msg": "reply"}
    assert channel.waits == [0.01] * 4, "each wait is one slice; a stranded reply is read next"


def test_a_timeout_is_still_honoured(monkeypatch):
    monkeypatch.setattr(kernel_client, "SLICE_SECONDS", 0.01)
    channel = _Sliced(empties=None)
    with pytest.raises(Empty):
        asyncio.run(channel.get_msg(timeout=0.05))
    assert len(channel.waits) >= 2 and all(0 <= w <= 0.01 for w in channel.waits)
    zero = _Sliced(empties=None)
    with pytest.raises(Empty):
        asyncio.run(zero.get_msg(timeout=0))
    assert zero.waits == [0.0]


def test_a_real_kernel_answers_through_the_sliced_client(monkeypatch):
    monkeypatch.setattr(kernel_client, "SLICE_SECONDS", 0.05)

    async def round_trip() -> tuple[dict, list[dict]]:
        km = AsyncKernelManager(kernel_name="python3", client_factory=SlicedPollKernelClient)
        await km.start_kernel()
        kc = km.client()
        assert isinstance(kc, SlicedPollKernelClient)
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            msg_id = kc.execute("import time; time.sleep(0.2); 6 * 7")
            reply = await kc.get_shell_msg(timeout=120)
            outputs = []
            while True:
                msg = await kc.get_iopub_msg(timeout=120)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                outputs.append(msg)
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    break
            return reply, outputs
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    reply, outputs = asyncio.run(round_trip())
    assert reply["content"]["status"] == "ok"
    results = [m["content"] for m in outputs if m["msg_type"] == "execute_result"]
    assert [r["data"]["text/plain"] for r in results] == ["42"]


def test_server_config_names_the_client_and_merges_into_an_environment(tmp_path):
    config = json.loads(CONFIG.read_text())
    assert config["ServerKernelManager"] == {"client_factory": "sliced_poll.SlicedPollKernelClient"}
    # Voila skips the JupyterLab extensions it cannot use, uses the offline page
    # template, and typesets with its bundled MathJax (no CDN).
    voila = config["VoilaConfiguration"]
    assert voila["template"] == "perpmath"
    assert "@jupyter-notebook/lab-extension" in voila["extension_denylist"]
    assert "@jupyter-widgets/jupyterlab-manager" not in voila["extension_denylist"]
    assert config["ServerApp"]["tornado_settings"] == {
        "mathjax_url": "null",
        "mathjax_config": "null",
    }
    run_py = _run_py()
    target = tmp_path / "etc" / "jupyter" / "jupyter_server_config.json"
    target.parent.mkdir(parents=True)
    existing = {"ServerApp": {"shutdown_no_activity_timeout": 600}}
    target.write_text(json.dumps(existing))
    run_py.install_server_config(tmp_path)
    run_py.install_server_config(tmp_path)  # a second run changes nothing
    merged = json.loads(target.read_text())
    assert merged["ServerApp"] == {**existing["ServerApp"], **config["ServerApp"]}, "kept"
    assert {k: v for k, v in merged.items() if k != "ServerApp"} == {
        k: v for k, v in config.items() if k != "ServerApp"
    }
    template = tmp_path / "share" / "jupyter" / "voila" / "templates" / "perpmath"
    assert "cdn.jsdelivr.net" in (template / "index.html.j2").read_text()  # what it drops
    assert (template / "conf.json").exists()
    overrides = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    notification = json.loads(overrides.read_text())["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}, "no news pop-up"


def test_a_jupyter_server_reading_that_config_gives_voila_the_sliced_client(tmp_path):
    _run_py().install_server_config(tmp_path)
    probe = (
        "from jupyter_server.serverapp import ServerApp\n"
        "from jupyter_server.services.kernels.kernelmanager import ServerKernelManager\n"
        "app = ServerApp()\n"
        "app.initialize(argv=['--ServerApp.ip=127.0.0.1', '--port=0', '--allow-root'],"
        " find_extensions=False, new_httpserver=False)\n"
        "km = ServerKernelManager(parent=app.kernel_manager)\n"
        "print(km.client_factory.__module__ + '.' + km.client_factory.__name__)\n"
    )
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(tmp_path / "etc" / "jupyter")}
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "user-config")
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == ("sliced_poll.SlicedPollKernelClient")


def test_binder_post_build_installs_the_same_config():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK), "repo2docker runs it directly"
    assert "python run.py server-config" in post_build


def test_notebooks_run_through_the_sliced_kernel_manager():
    import nbformat
    from nbclient import NotebookClient
    from sliced_poll import SlicedPollKernelManager

    assert isinstance(SlicedPollKernelManager().client(), SlicedPollKernelClient)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 6"), nbformat.v4.new_code_cell("x * 7")]
    client = NotebookClient(nb, kernel_name="python3", kernel_manager_class=SlicedPollKernelManager)
    client.execute()
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "42"
