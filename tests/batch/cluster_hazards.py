"""A Dask worker preload (``--preload tests.batch.cluster_hazards``) for the cluster's failure
tests: a case whose reference is ``deadly`` kills its worker outright (as the out-of-memory
killer does), and one whose reference is ``stall`` makes the file that
``LETTERS_TEST_STALLED`` names, then holds its worker for good."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from letters.rendering import Renderer

STALLED = "LETTERS_TEST_STALLED"


def dask_setup(worker: Any = None) -> None:
    """Make this worker's renderer meet the hazards (run by Dask as the worker starts)."""
    render_as = Renderer.render_as
    if getattr(render_as, "is_hazardous", False):
        return

    def hazardous(self: Renderer, case: Any, *arguments: Any, **options: Any) -> bytes:
        if case.reference == "deadly":
            os.kill(os.getpid(), signal.SIGKILL)
        if case.reference == "stall":
            Path(os.environ[STALLED]).touch()
            threading.Event().wait()  # held until the worker is killed
        return render_as(self, case, *arguments, **options)

    hazardous.is_hazardous = True  # type: ignore[attr-defined]
    Renderer.render_as = hazardous  # type: ignore[method-assign]
