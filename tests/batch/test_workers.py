"""The worker pool: tasks done in order by processes that end with the batch, however it ends,
and a task that kills its worker narrowed down to the one case that does it."""

from __future__ import annotations

from typing import Any

import pytest


def _deaf() -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _slowly(task: list[int]) -> list[int]:
    import time

    time.sleep(60)
    return task


def test_a_worker_that_misses_its_signal_is_killed() -> None:
    import multiprocessing

    from letters.batch.workers import Workers

    workers = Workers(2, initializer=_deaf, grace=1)
    results = workers.run(_slowly, [[1], [2]], ahead=2, died=lambda case: case)
    with pytest.raises(TimeoutError):  # a stop while the workers work, deaf to SIGTERM
        _first_within(results, 1.5)
    # asked to end, then killed after a second: the batch ends (were they not killed, it
    # would wait for ever on workers deaf to SIGTERM), and none is left
    assert workers.lost
    assert multiprocessing.active_children() == []


def _first_within(results: Any, seconds: float) -> Any:
    import signal

    def late(number: int, _: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, late)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return next(results)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _deadly(task: list[int]) -> list[int]:
    import os
    import signal

    if 13 in task:
        os.kill(os.getpid(), signal.SIGKILL)
    return [n * 10 for n in task]


def test_a_case_that_kills_its_worker_fails_alone_and_the_batch_goes_on() -> None:
    """The tasks in hand when a worker dies are done again, one at a time, and the one that
    kills its worker again is halved until its case is found."""
    import multiprocessing

    from letters.batch.workers import Workers

    workers = Workers(2)
    tasks = [list(range(start, start + 8)) for start in range(0, 40, 8)]
    results = list(workers.run(_deadly, tasks, ahead=3, died=lambda case: -case))
    assert results == [n * 10 for n in range(40) if n != 13][:13] + [-13] + [
        n * 10 for n in range(14, 40)
    ]
    assert workers.lost
    assert multiprocessing.active_children() == []


def test_a_worker_killed_while_it_sends_its_results_does_not_hang_the_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Half a message in the pool's pipe: its reader would wait for the rest for ever, and
    the pool never learn that it broke. The batch sees the worker gone and goes on."""
    import multiprocessing
    import os
    import signal
    import struct
    from concurrent.futures import process

    from letters.batch.workers import Workers

    send = process._sendback_result

    def half_sent(result_queue: Any, work_id: int, result: Any = None, **rest: Any) -> None:
        if result is not None and 130 in result:
            result_queue._writer._send(struct.pack("!i", 1 << 20) + b"half a message")
            os.kill(os.getpid(), signal.SIGKILL)
        send(result_queue, work_id, result, **rest)

    monkeypatch.setattr(process, "_sendback_result", half_sent)  # the workers are forked
    workers = Workers(2)
    tasks = [list(range(start, start + 8)) for start in range(0, 24, 8)]
    results = list(workers.run(_deadly_later, tasks, ahead=3, died=lambda case: -case))
    assert results == [n * 10 for n in range(13)] + [-13] + [n * 10 for n in range(14, 24)]
    assert multiprocessing.active_children() == []


def _deadly_later(task: list[int]) -> list[int]:
    return [n * 10 for n in task]
