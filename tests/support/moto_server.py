"""moto_server on a free local port, for tests and benchmarks that run whole processes against it."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO


class MotoServerError(RuntimeError):
    """moto_server exited, or did not listen in time."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server(
    executable: Path, env: Mapping[str, str], *, output: IO[bytes] | int = subprocess.DEVNULL, start_within: float = 30
) -> Iterator[str]:
    """moto_server for the block, its endpoint URL; stopped (its own pid) however the block ends."""
    port = free_port()
    server = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)], env=dict(env), stdout=output, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + start_within
        while True:
            if server.poll() is not None:
                raise MotoServerError(f"moto_server exited with status {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise MotoServerError(f"moto_server did not start listening within {start_within:.0f} s") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
