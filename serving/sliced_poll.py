"""A kernel client that never waits on a lost wake-up, for Voila and for executing notebooks.

Voila executes ``course/dashboard.ipynb`` on the server through nbclient, which
waits for each cell's reply with ``channel.get_msg(timeout=None)``: a single
``zmq.asyncio`` poll with no deadline. On a loaded machine (two busy cores, a
Binder container), the socket's edge-triggered wake-up is sometimes lost: the
reply sits unread in the socket, the kernel is idle, and the page keeps saying
"voila is still executing" for ever. Measured with two busy cores beside the
server (``benchmarks/voila_first_render.py``): without this client each of 3
runs hung on its first load; with it, 30 loads of 30 rendered. The hang was
also seen with ipykernel 6.31 and 7.4 and with pyzmq 26.4 and 27.3.

:class:`SlicedPollKernelClient` waits in slices of :data:`SLICE_SECONDS`: every
slice polls the socket afresh, which reads a stranded reply at once, and an
explicit ``timeout`` is still honoured. Nothing else changes.

The same wait is in every notebook run through nbclient's asynchronous client,
where a finite cell timeout turns the hang into a delay: when the poll times
out, pyzmq polls once more and finds the stranded reply. A full test run once
spent about 15 minutes in the test that builds the offline site, whose cell
timeout is 900 s. The site builder, ``python3 run.py execute`` and the exercise test
therefore run notebooks with :class:`SlicedPollKernelManager`. nbval, which
uses the blocking client, is not affected.

It lives outside ``perpmath`` in its own distribution (``serving/``, named
``sliced-poll``) and imports only ``jupyter_client`` and ``traitlets``, which
every Jupyter server has: a JupyterHub whose user environment is another
Python (3.10 or newer) and lacks numpy can install it on its own
(``pip install ./serving``) and configure it without the course's stack.

For Voila it is switched on by configuration:
``jupyter-config/jupyter_server_config.json`` sets
``ServerKernelManager.client_factory`` to this class, and ``python run.py
server-config`` merges that file into the environment's
``etc/jupyter/jupyter_server_config.json`` (``binder/postBuild`` runs it on
Binder; ``python3 run.py`` does it for ``.venv``). Voila's executor asks the server's
kernel manager for a client, so only the dashboard uses this class; JupyterLab
talks to kernels through its own websocket streams. ``perpmath`` never imports
this module and stays domain code.
"""

from __future__ import annotations

import time
from queue import Empty
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.manager import AsyncKernelManager
from traitlets import Type

__all__ = [
    "SLICE_SECONDS",
    "SlicedPollChannel",
    "SlicedPollKernelClient",
    "SlicedPollKernelManager",
]

SLICE_SECONDS = 0.5
"""Longest single poll (s). A stranded reply is read at most this late."""


class SlicedPollChannel(AsyncZMQSocketChannel):
    """An asyncio ZMQ channel whose ``get_msg`` polls in slices instead of once."""

    async def get_msg(self, timeout: float | None = None) -> dict[str, Any]:
        """Return the next message; raise ``queue.Empty`` once ``timeout`` (s) has passed.

        ``timeout=None`` waits for ever, as the base class does, but in polls of
        at most ``SLICE_SECONDS`` each.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE_SECONDS if deadline is None else deadline - time.monotonic()
            try:
                return await super().get_msg(timeout=max(0.0, min(SLICE_SECONDS, left)))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollKernelClient(AsyncKernelClient):
    """``AsyncKernelClient`` whose shell, iopub, stdin and control channels poll in slices."""

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)
    stdin_channel_class = Type(SlicedPollChannel)
    control_channel_class = Type(SlicedPollChannel)


class SlicedPollKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` whose clients are :class:`SlicedPollKernelClient`.

    For nbclient, ``NotebookClient(nb, kernel_manager_class=SlicedPollKernelManager)``;
    for nbconvert, ``--ExecutePreprocessor.kernel_manager_class=`` with this class's
    dotted name.
    """

    client_factory = Type(SlicedPollKernelClient, klass=AsyncKernelClient, config=True)
