"""Serving prepared roads over HTTP with ``osrm-routed``, for tools and services that speak OSRM's HTTP API."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from routing.roads import dataset_path
from waste.errors import ConfigError


@contextmanager
def serve_roads(
    roads: Path, *, log: Path, max_table_size: int | None = None, start_timeout_s: float = 30.0
) -> Iterator[str]:
    """Run ``osrm-routed`` on ``roads`` at a free loopback port and yield its base URL; stop it on exit.

    Parameters
    ----------
    roads
        Folder prepared by ``waste roads build``.
    log
        File that receives the server's output (read back into the error if it fails to start).
    max_table_size
        Largest table the server answers (points), beyond OSRM's default of 100.
    start_timeout_s
        How long to wait for the server to listen (s).

    Raises
    ------
    ConfigError
        When the server exits or does not listen in time.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = [sys.executable, "-m", "osrm", "routed", "--algorithm", "mld", "--ip", "127.0.0.1", "--port", str(port)]
    if max_table_size is not None:
        cmd += ["--max-table-size", str(max_table_size)]
    with log.open("wb") as sink:
        server = subprocess.Popen([*cmd, str(dataset_path(roads))], stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if server.poll() is not None:
                msg = f"osrm-routed exited: {log.read_text()[-2000:]}"
                raise ConfigError(msg)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    msg = f"osrm-routed did not listen within {start_timeout_s:g} s"
                    raise ConfigError(msg) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
