"""Benchmark `letters serve` with a real HTTP client, and batch PDFs against LibreOffice itself.

Run on demand, never in the tests:

    .venv/bin/python benchmarks/serve.py            # about two minutes
    .venv/bin/python benchmarks/serve.py --quick    # fewer requests and letters

It starts the server (two workers) on a free port and measures: one letter's latency (median
and 95th percentile) as .docx and as PDF from the warm LibreOffice; throughput with 1 and with 4
concurrent clients; and, as benchmarks/pdf_batch.py does, `letters render --format pdf -j 2`
over N cases against two `soffice --convert-to pdf` calls at once over half the .docx each.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from pdf_batch import batch_pdf, report  # beside this file

ROOT = Path(__file__).resolve().parent.parent
CASE = (ROOT / "examples" / "cpc-report-defamation.json").read_bytes()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "letters", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def client(timeout: float) -> httpx.Client:
    """An HTTP client that sends each request at once (TCP_NODELAY), as production clients do:
    otherwise a request's headers and body wait on each other for the kernel's delayed ACK."""
    options = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    return httpx.Client(timeout=timeout, transport=httpx.HTTPTransport(socket_options=options))


def latency(url: str, output_format: str, count: int) -> list[float]:
    times = []
    with client(120) as session:
        for _ in range(count):
            started = time.perf_counter()
            response = session.post(f"{url}/render", content=CASE, params={"format": output_format})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    return times


def throughput(url: str, clients: int, seconds: float) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def run(index: int) -> None:
        with client(60) as session:
            while time.monotonic() < stop:
                response = session.post(f"{url}/render", content=CASE, params={"format": "docx"})
                assert response.status_code == 200
                done[index] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    quick = parser.parse_args().quick
    requests, seconds, batch = (30, 3.0, 60) if quick else (100, 8.0, 200)

    process, url = start(workers=2)
    try:
        latency(url, "docx", 5)  # both workers warm
        docx = latency(url, "docx", requests)
        latency(url, "pdf", 4)  # each worker's LibreOffice started
        pdf = latency(url, "pdf", max(10, requests // 3))
        one = throughput(url, 1, seconds)
        four = throughput(url, 4, seconds)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    print(
        f"letters serve benchmark ({'quick' if quick else 'full'} run), 2 workers, one letter a request"
    )
    print(
        f".docx latency: median {statistics.median(docx) * 1000:.1f} ms, p95 {percentile(docx, 0.95) * 1000:.1f} ms over {len(docx)} (target median < 15 ms)"
    )
    print(
        f"PDF latency:   median {statistics.median(pdf) * 1000:.1f} ms, p95 {percentile(pdf, 0.95) * 1000:.1f} ms over {len(pdf)} (target median < 150 ms)"
    )
    print(
        f"throughput: 1 client {one:.1f} letters/s, 4 clients {four:.1f} letters/s: {four / one:.2f}x (target 1.6x)"
    )
    report(batch, batch_pdf(batch))  # benchmarks/pdf_batch.py: -j 2 against the ceiling
    if os.environ.get("CI"):
        return


if __name__ == "__main__":
    main()
