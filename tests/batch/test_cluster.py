"""A batch on a real Dask distributed cluster: a LocalCluster of two worker processes on
127.0.0.1, reached by address as a cluster of several machines would be."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from distributed import Client, LocalCluster

from letters.batch import cluster as cluster_module
from letters.batch.running import render_files
from letters.rendering import Renderer
from tests.batch.cluster_hazards import STALLED
from tests.conftest import EXAMPLES, ROOT

ALL = sorted(str(path) for path in EXAMPLES.glob("*.json"))
LETTERS = [sys.executable, "-m", "letters"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a cluster of two worker processes, one thread each."""
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as running:
        yield running.scheduler_address


def _render(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LETTERS, "render", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def _bad_case(folder: Path) -> str:
    bad = folder / "bad.json"
    bad.write_text('{"complainant": {"name": "Mrs X", "pronouns": "it"}}', encoding="utf-8")
    return str(bad)


def test_cluster_letters_are_the_local_letters_byte_for_byte(
    scheduler: str, tmp_path: Path
) -> None:
    here = list(render_files(ALL, out_dir=tmp_path / "here"))
    there = list(render_files(ALL, out_dir=tmp_path / "there", cluster=scheduler))
    assert [outcome.is_ok for outcome in there] == [True] * len(ALL)
    assert [outcome.case for outcome in there] == [outcome.case for outcome in here]
    for outcome in here:
        assert outcome.output is not None
        name = Path(outcome.output).name
        assert (tmp_path / "there" / name).read_bytes() == Path(outcome.output).read_bytes()


def test_a_bad_case_is_that_cases_error_on_a_cluster_as_locally(
    scheduler: str, tmp_path: Path
) -> None:
    cases = [ALL[0], _bad_case(tmp_path), ALL[1]]
    local = _render(*cases, "--out-dir", str(tmp_path / "local"), "--json", "-q")
    remote = _render(
        *cases, "--out-dir", str(tmp_path / "remote"), "--json", "-q", "--cluster", scheduler
    )
    assert (remote.returncode, local.returncode) == (1, 1)
    assert remote.stderr == local.stderr
    assert "bad.json: complainant.pronouns: expected one of she, he, they" in remote.stderr
    results = json.loads(remote.stdout)
    assert (results["rendered"], results["failed"]) == (2, 1)
    expected = json.loads(local.stdout)
    for result in expected["results"]:
        if result["output"]:
            result["output"] = result["output"].replace("/local/", "/remote/")
    assert results == expected
    assert sorted(p.name for p in (tmp_path / "remote").iterdir()) == sorted(
        Path(case).stem + ".docx" for case in (ALL[0], ALL[1])
    )


def test_a_clause_problem_found_by_a_worker_names_the_clients_file(
    scheduler: str, tmp_path: Path
) -> None:
    library = tmp_path / "clauses"
    shutil.copytree(ROOT / "clauses", library)
    (library / "broken").mkdir()
    (library / "broken" / "clause.txt").write_text(
        "---\ntitle: A clause that names what no case gives\n---\nIt says {{ no_such_thing }}.\n",
        encoding="utf-8",
    )
    case = json.loads(Path(ALL[0]).read_text(encoding="utf-8"))
    case["add"] = [{"section": "assessment", "clause": "broken/clause"}]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    arguments = [str(path), "--clauses", str(library), "-q"]
    local = _render(*arguments, "--out-dir", str(tmp_path / "local"))
    remote = _render(*arguments, "--out-dir", str(tmp_path / "remote"), "--cluster", scheduler)
    assert remote.returncode == local.returncode == 1
    assert f"{library}/broken/clause.txt: line " in remote.stderr
    assert remote.stderr == local.stderr


def test_each_worker_reads_the_library_and_template_once(scheduler: str, tmp_path: Path) -> None:
    for batch in ("first", "second", "third"):
        outcomes = list(render_files(ALL, out_dir=tmp_path / batch, cluster=scheduler))
        assert all(outcome.is_ok for outcome in outcomes)
    key = cluster_module.Bundle.of(Renderer()).key
    with Client(scheduler, set_as_default=False) as client:
        loads = client.run(lambda: cluster_module.loads.get(key))
    assert list(loads.values()) == [1, 1]  # read once on each of the two workers, for 3 batches


def test_a_cluster_renders_archival_pdfs(scheduler: str, tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    done = _render(
        *ALL[:4],
        "--out-dir",
        str(out),
        "--format",
        "pdf",
        "--pdf-profile",
        "pdfa-2b",
        "--cluster",
        scheduler,
        "--json",
        "-q",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rendered"] == 4
    for case in ALL[:4]:
        with pikepdf.open(io.BytesIO((out / f"{Path(case).stem}.pdf").read_bytes())) as pdf:
            assert "/StructTreeRoot" in pdf.Root
            with pdf.open_metadata() as xmp:
                assert xmp.get("pdfaid:part") == "2"


def test_workers_write_the_letters_into_a_shared_folder(scheduler: str, tmp_path: Path) -> None:
    done = _render(
        *ALL[:3],
        "--out-dir",
        "shared",
        "--cluster",
        scheduler,
        "--workers-write",
        "--json",
        "-q",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    outputs = [result["output"] for result in json.loads(done.stdout)["results"]]
    assert outputs == [str(tmp_path / "shared" / f"{Path(case).stem}.docx") for case in ALL[:3]]
    assert all(Path(output).read_bytes().startswith(b"PK") for output in outputs)


def test_the_progress_summary_counts_the_clusters_letters(scheduler: str, tmp_path: Path) -> None:
    done = _render(*ALL, _bad_case(tmp_path), "--out-dir", str(tmp_path), "--cluster", scheduler)
    assert done.returncode == 1
    assert done.stderr.endswith(f"rendered {len(ALL)} of {len(ALL) + 1} letters, 1 failed\n")


def test_an_unreachable_scheduler_is_one_error(tmp_path: Path) -> None:
    done = _render(ALL[0], "--out-dir", str(tmp_path), "--cluster", "tcp://127.0.0.1:9")
    assert done.returncode == 1
    assert done.stderr.startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9 (")
    assert len(done.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_without_distributed_the_cluster_says_what_to_install(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['distributed'] = None; from letters.cli import main; "
        f"sys.argv = ['letters', 'render', {ALL[0]!r}, '--cluster', 'tcp://127.0.0.1:9']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert (done.returncode, done.stderr) == (
        2,
        "--cluster needs Dask's distributed: pip install 'letters[cluster]'\n",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-j", "2"], "--cluster renders with the cluster's workers; it does not go with -j"),
        (["-o", "-"], "--workers-write is for --cluster, with files the workers can write"),
    ],
)
def test_cluster_usage_errors(arguments: list[str], message: str, tmp_path: Path) -> None:
    extra = ["--workers-write"] if "-o" in arguments else []
    done = subprocess.run(
        [*LETTERS, "render", ALL[0], "--cluster", "tcp://127.0.0.1:9", *arguments, *extra],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def impostor(request: pytest.FixtureRequest) -> Iterator[str]:
    """The address of a TCP server that accepts connections but is no Dask scheduler: it
    answers as a web server does (``http``) or says nothing at all (``silent``)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            held.append(connection)
            if request.param == "http":
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize(
    ("impostor", "message"),
    [
        ("http", "something answers there, but not as a Dask scheduler does"),
        ("silent", "(no answer within 2 s)"),
    ],
    indirect=["impostor"],
)
def test_an_address_that_is_no_dask_scheduler_is_one_error(
    impostor: str, message: str, tmp_path: Path
) -> None:
    """Before, an address that answered but was no scheduler hung the command (a silent one
    for ever; a web server's answer read as a frame of exabytes, then 20 s closing)."""
    done = subprocess.run(
        [*LETTERS, "render", ALL[0], "--out-dir", str(tmp_path / "out"), "--cluster", impostor],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "LETTERS_CLUSTER_TIMEOUT": "2"},
    )
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert impostor in done.stderr
    assert list((tmp_path / "out").glob("*")) == []


def test_a_cluster_timeout_that_is_no_number_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [*LETTERS, "render", ALL[0], "--cluster", "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "LETTERS_CLUSTER_TIMEOUT": "soon"},
    )
    assert (done.returncode, done.stderr) == (
        2,
        "LETTERS_CLUSTER_TIMEOUT: expected a number of seconds, not 'soon'\n",
    )


def _cases(folder: Path, count: int, hazard: int, reference: str) -> list[str]:
    """``count`` case files, the one at ``hazard`` with ``reference`` (see cluster_hazards)."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for number in range(count):
        data = json.loads(Path(ALL[number % len(ALL)]).read_text(encoding="utf-8"))
        data["reference"] = reference if number == hazard else f"R{number}"
        path = folder / f"case-{number:02d}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        cases.append(str(path))
    return cases


def test_a_cluster_whose_workers_are_all_killed_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """Every worker killed mid-batch (a worker's machine gone): before, the batch waited for
    ever for a worker to come; now one error once the cluster has had none for the timeout."""
    stalled = tmp_path / "stalled"
    environment = {**os.environ, STALLED: str(stalled), "PYTHONPATH": str(ROOT)}
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as running:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "distributed.cli.dask_worker"),
                running.scheduler_address,
                *("--no-nanny", "--nthreads", "1", "--no-dashboard"),
                *("--preload", "tests.batch.cluster_hazards"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with Client(running.scheduler_address, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=120)
            cases = _cases(tmp_path / "cases", 4, 1, "stall")
            render = subprocess.Popen(
                [*LETTERS, "render", *cases, "--cluster", running.scheduler_address],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**environment, "LETTERS_CLUSTER_TIMEOUT": "2"},
                cwd=tmp_path,
            )
            while not stalled.exists():  # the worker holds the stalling case: the batch is on
                assert render.poll() is None and worker.poll() is None
                threading.Event().wait(0.05)
            worker.send_signal(signal.SIGKILL)
            _, stderr = render.communicate(timeout=120)
            assert not (tmp_path / "case-01.docx").exists()  # the stalled case
        finally:
            worker.kill()
            worker.wait()
    assert render.returncode == 1
    assert stderr.splitlines()[-1] == (
        f"the Dask cluster at {running.scheduler_address} has had no workers for 2 s (every "
        "worker ended or killed); the letters not yet rendered were not: start workers with "
        "'dask worker ADDRESS' and run again"
    )
    assert "Traceback" not in stderr


def test_a_case_that_kills_its_worker_fails_alone_on_a_cluster(tmp_path: Path) -> None:
    """A case that kills the worker rendering it (as the out-of-memory killer would) fails
    alone: its chunk is halved and done again until that case is found; before, the good cases
    of its chunk failed with it."""
    cases = _cases(tmp_path / "cases", 24, 5, "deadly")  # chunks of 3 cases on two workers
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        preload=["tests.batch.cluster_hazards"],
    ) as running:
        outcomes = list(
            render_files(cases, out_dir=tmp_path / "out", cluster=running.scheduler_address)
        )
    failed = {
        n: str(outcome.problems[0]) for n, outcome in enumerate(outcomes) if not outcome.is_ok
    }
    assert list(failed) == [5], failed
    assert "stopped abruptly" in str(outcomes[5].problems[0])
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert written == [f"case-{n:02d}.docx" for n in range(24) if n != 5]
