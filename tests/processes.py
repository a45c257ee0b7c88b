"""Processes the tests start (`letters serve`, `letters preview`): their standard error kept in a
file (a pipe that fills would stall them), and stopped as an operator would stop them."""

from __future__ import annotations

import signal
import subprocess
import tempfile
from typing import IO, Any


class LoggedProcess:
    """A process whose standard error goes to ``self.log``; subclasses start ``self.process``."""

    process: subprocess.Popen[Any]
    stop_timeout = 30.0

    def __init__(self) -> None:
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.final_log = ""

    def logged(self) -> str:
        """What the process has written to standard error so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> str:
        """SIGTERM, then a kill should it not end in time; what it logged, in all."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not self.log.closed:
            self.final_log = self.logged()
            self.log.close()
        return self.final_log
