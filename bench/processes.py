"""Child processes the bench times: run with a time limit, killed with their workers when they hang."""

from __future__ import annotations

import os
import signal
import subprocess


class BenchError(Exception):
    """A build under the bench failed; the message carries its stderr."""


def run_child(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, str, str]:
    """Run a command in its own process group; past `timeout` kill the group, forked workers included."""
    # A parallel build can hang for good when a worker fails (see the report), so never wait forever.
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        return -1, stdout, f"{stderr}\nbench: killed after {timeout:.0f} s without finishing"
    return proc.returncode, stdout, stderr
