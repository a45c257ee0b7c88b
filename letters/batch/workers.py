"""A batch's worker processes: tasks (lists of cases) done in order by processes that end with
the batch, however it ends, and with the process that started them, however it ends.

A worker that dies while it works (killed, the out-of-memory killer, a crash in a library)
takes its tasks in hand with it. They are done again one at a time, and a task that kills
its worker alone again is halved until the case that does it is found: that case alone
fails, and the batch goes on.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

J = TypeVar("J")
T = TypeVar("T")


class Workers:
    """``count`` worker processes, started (``fork`` or ``spawn``) with ``initializer``.

    ``grace``: when a batch is abandoned (a stop signal, a caller that stops reading), None
    kills the workers at once (they hold nothing that needs cleaning up); a number asks them
    to end (SIGTERM, on which they clean up) and kills those still there after that many
    seconds.
    """

    def __init__(
        self,
        count: int,
        *,
        start: str = "fork",
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        grace: float | None = None,
    ):
        self.count = max(1, count)
        self.start = start
        self.initializer = initializer
        self.initargs = initargs
        self.grace = grace
        self.pids: set[int] = set()  # every worker process started
        self.lost = False  # whether a worker died, or was ended, with work in hand

    def run(
        self,
        function: Callable[..., list[T]],
        tasks: Sequence[list[J]],
        arguments: tuple[Any, ...] = (),
        *,
        ahead: int,
        died: Callable[[J], T],
    ) -> Generator[T, None, None]:
        """``function(task, *arguments)``'s results for each task, in order, with up to
        ``ahead`` tasks in hand; ``died(case)`` is the result of a case that kills its worker."""
        # deferred: start-up speed (multiprocessing, for a batch with -j only)
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

        pending: deque[tuple[list[J], bool]] = deque((task, False) for task in tasks)
        while pending:  # one pool of workers, and a new one after a worker dies
            executor = self._executor()
            flight: deque[tuple[list[J], bool, Future[list[T]]]] = deque()
            finished = False
            try:
                while pending or flight:
                    while pending and len(flight) < max(1, ahead):
                        task, alone = pending[0]
                        if flight and (alone or flight[-1][1]):
                            break  # a task done alone is in hand with no other
                        future = executor.submit(function, task, *arguments)
                        pending.popleft()
                        flight.append((task, alone, future))
                    self.pids.update(getattr(executor, "_processes", None) or ())
                    task, alone, future = flight[0]
                    results = _result(future, executor)
                    flight.popleft()
                    yield from results
                else:
                    finished = True
            except BrokenProcessPool:  # a worker died: what it may have had in hand, again
                self.lost = True
                again = [(t, a) for t, a, _ in flight] or [pending.popleft()]
                task, alone = again[0]
                if len(again) == 1 and alone and len(task) == 1:
                    yield died(task[0])
                elif len(again) == 1 and alone:
                    half = len(task) // 2
                    pending.extendleft([(task[half:], True), (task[:half], True)])
                else:
                    pending.extendleft(reversed([(t, True) for t, _ in again]))
            finally:
                self._end(executor, abandoned=not finished)

    def _executor(self) -> Any:
        # deferred: start-up speed (multiprocessing, for a batch with -j only)
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415
        from multiprocessing import get_context  # noqa: PLC0415

        executor = ProcessPoolExecutor(
            self.count,
            mp_context=get_context(self.start),
            initializer=self.initializer,
            initargs=self.initargs,
        )
        _widen(executor)
        return executor

    def _end(self, executor: Any, *, abandoned: bool) -> None:
        """Shut a pool down: its workers done and gone when this returns."""
        if abandoned:
            self.lost = True
            processes = list((getattr(executor, "_processes", None) or {}).values())
            manager = getattr(executor, "_executor_manager_thread", None)  # it reaps them
            results = getattr(getattr(executor, "_result_queue", None), "_writer", None)
            executor.shutdown(wait=False)  # (cancelled futures would trip up a broken pool)
            if self.grace is not None:
                for process in processes:
                    with contextlib.suppress(OSError, ValueError):
                        process.terminate()
                _wait(processes, self.grace)
            for process in processes:
                with contextlib.suppress(OSError, ValueError):
                    if not _ended(process):
                        process.kill()
            _wait(processes, 10.0)
            if results is not None:
                # a worker killed while it sent its results left half a message, whose rest
                # the pool's reader would wait for for ever: with no writer left, it reads
                # the end of the pipe instead, and the pool ends
                with contextlib.suppress(OSError):
                    results.close()
            if manager is not None:  # once it has seen them go, they are reaped
                manager.join(30.0)
            return
        executor.shutdown(wait=True)


def die_with_parent(number: int) -> None:
    """This process gets signal ``number`` when the process that started it ends (Linux),
    even by SIGKILL; it exits at once if that process is gone already."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes  # noqa: PLC0415 - deferred: start-up speed (ctypes, in a worker process only)

        ctypes.CDLL(None, use_errno=True).prctl(1, number)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:
        os._exit(128 + number)


def ended_quietly(stop: SystemExit) -> None:
    """A worker asked to end (SIGTERM, raised as SystemExit), its clean-ups run on the way
    here, exits without taking more work."""
    os._exit(stop.code if isinstance(stop.code, int) else 128 + signal.SIGTERM)


def _widen(executor: Any) -> None:
    """A wider pipe for what workers send back (Linux), so that a worker does not wait for
    this process to read one task's results before it goes on to the next."""
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # noqa: PLC0415 - deferred: not on every platform (Windows has no fcntl)

        writer = executor._result_queue._writer
        fcntl.fcntl(writer.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)


def _result(future: Future[list[T]], executor: Any) -> list[T]:
    """A task's results; BrokenProcessPool should a worker die. A worker that dies while it
    sends its results leaves the pool waiting for the rest of them, never to say it broke: so
    the workers are looked at each second of the wait."""
    # deferred: start-up speed (multiprocessing, for a batch with -j only)
    from concurrent.futures import wait  # noqa: PLC0415 - deferred: start-up speed (a -j batch only)
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    while not wait([future], timeout=1.0).done:
        processes = (getattr(executor, "_processes", None) or {}).values()
        if any(_ended(process) for process in list(processes)):
            raise BrokenProcessPool("a worker process died")
    return future.result()


def _ended(process: Any) -> bool:
    from multiprocessing import connection  # noqa: PLC0415 - deferred: start-up speed (multiprocessing)

    return bool(connection.wait([process.sentinel], 0))


def _wait(processes: list[Any], seconds: float) -> None:
    from multiprocessing import connection  # noqa: PLC0415 - deferred: start-up speed (multiprocessing)

    deadline = time.monotonic() + seconds
    waiting = [process.sentinel for process in processes]
    while waiting and (left := deadline - time.monotonic()) > 0:
        for ready in connection.wait(waiting, left):
            waiting.remove(ready)


__all__ = ["Workers", "die_with_parent", "ended_quietly"]
