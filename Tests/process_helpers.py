"""Helpers shared by the Python suites (Tests/browser, Tests/deploy): a free loopback port, polling
with a bound, and stopping a process this suite started. Each suite's conftest.py puts Tests/ on
sys.path so `from process_helpers import ...` works whichever suite pytest runs."""

from __future__ import annotations

import signal
import socket
import subprocess
import time

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A port on loopback nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Polls `predicate` until it returns something truthy; bounded in time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s; only a process the suite started."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
