"""Load benchmark of the web server: a flood of small runs, then credit-file look-ups on a large run.

Everything stays on this machine: the server is started as ``scslab serve`` on 127.0.0.1
(a free port), the clients are asyncio tasks in this process, and every loop is bounded in
count and in time, so the benchmark stops by itself.

1. **Flood**: ``--flood-clients`` clients each submit small runs (court-blacklist, 500
   persons, 0.2 years) as fast as answers come, ``--flood-requests`` in all. The server
   accepts up to its ``max_jobs`` queued or running and answers ``429`` with ``Retry-After``
   beyond; every accepted run must finish (nothing accepted is lost) and the server must
   still answer.
2. **Look-ups**: one large run (rongcheng, ``--n`` persons, ``--years``) is submitted and
   waited for; then ``--clients`` clients fetch credit files
   (``GET /api/runs/{id}/subjects/{subject_id}``) for ``--seconds`` seconds, half of them of
   listed subjects (the files with chains) and half of random subjects. Throughput and
   latency percentiles are reported; the target of issue 11 is p99 <= 200 ms with 20 clients
   on a 1,000,000-person run.

    .venv/bin/python benchmarks/bench_web.py                 # the full benchmark (1 M persons)
    .venv/bin/python benchmarks/bench_web.py --quick         # reduced: 50,000 persons, short
    .venv/bin/python benchmarks/bench_web.py --out DIR --lookups-on RUN_ID   # look-ups only, on a stored run
    make bench-web BENCH_WEB_ARGS=--quick

Timings are wall-clock and only meaningful on a quiet machine; the load average at the
start and end is printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SMALL = {"scenario": "court-blacklist", "n": 500, "years": 0.2, "seed": 1}


def start_server(
    out: Path, max_n: int, max_jobs: int, lookup_threads: int | None = None
) -> tuple[subprocess.Popen, str]:
    cmd = [
        sys.executable,
        "-c",
        "import sys; from scslab.cli import main; sys.exit(main())",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--out",
        str(out),
        "--max-n",
        str(max_n),
        "--max-jobs",
        str(max_jobs),
        *([] if lookup_threads is None else ["--lookup-threads", str(lookup_threads)]),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if "http://127.0.0.1:" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split(" at ", 1)[1].split()[0].rstrip("/")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux ``/proc``; None elsewhere).

    Why: on a shared machine wall-clock latency says as much about the neighbours as about
    the server; CPU time per request is what the server costs, whatever the load.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


async def wait_done(client: httpx.AsyncClient, run_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = (await client.get(f"/api/runs/{run_id}")).json()
        if body.get("status") in ("done", "failed"):
            return body
        await asyncio.sleep(0.5)
    return {"status": "timeout"}


async def flood(base: str, clients: int, requests: int, timeout: float) -> dict:
    """Submit small runs concurrently; count accepted and refused; wait for every accepted run."""
    accepted: list[str] = []
    codes: dict[int, int] = {}
    latencies: list[float] = []
    retry_after_ok = True
    left = [requests]

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def one_client() -> None:
            nonlocal retry_after_ok
            while left[0] > 0:
                left[0] -= 1
                t0 = time.perf_counter()
                r = await client.post("/api/runs", json=SMALL)
                latencies.append(time.perf_counter() - t0)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                if r.status_code == 202:
                    accepted.append(r.json()["run_id"])
                elif r.status_code == 429:
                    retry_after_ok &= int(r.headers.get("retry-after", "0")) > 0
                    await asyncio.sleep(0.2)  # a polite client waits (shorter than asked, to keep pressure on)

        t0 = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        submit_s = time.perf_counter() - t0
        results = [await wait_done(client, rid, timeout) for rid in accepted]
        total_s = time.perf_counter() - t0
        done = sum(1 for b in results if b.get("status") == "done")
        health = (await client.get("/api/health")).json()
        listed = {x["run_id"] for x in (await client.get("/api/runs")).json()["runs"]}
    return {
        "requests": requests,
        "clients": clients,
        "status_codes": codes,
        "accepted": len(accepted),
        "accepted_done": done,
        "accepted_listed": sum(1 for rid in accepted if rid in listed),
        "retry_after_on_every_429": retry_after_ok,
        "submit_s": round(submit_s, 2),
        "all_done_s": round(total_s, 2),
        "runs_per_s": round(done / total_s, 2) if total_s else None,
        "post_p99_ms": round(1000 * pct(latencies, 99), 1),
        "health_after": health,
    }


async def lean_get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, base: str) -> int:
    """One GET on a kept-alive HTTP/1.1 connection; returns the status, reads the body whole.

    Why not httpx: it cost 4-9 ms of CPU per request (docs/performance.md), taken from the
    same two cores as the server's, so the benchmark slowed what it measured. This reads the
    status line, ``Content-Length`` and that many bytes: tens of microseconds.
    """
    host = base.split("://", 1)[1]
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"no Content-Length in the answer to {path}: {head[:200]!r}")
    length = int(lower[at + 17 : lower.index(b"\r\n", at + 2)])
    body = await reader.readexactly(length)
    if status == 200 and not body.startswith(b"{"):
        raise RuntimeError(f"not a JSON object: {body[:80]!r}")
    return status


async def lookups(base: str, run_id: str, clients: int, seconds: float, sample: int, server_pid: int) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=clients)) as client:
        listed, page = [], 0
        while len(listed) < sample // 2:
            params = {"which": "listed", "limit": 200, "offset": page}
            r = (await client.get(f"/api/runs/{run_id}/subjects", params=params)).json()
            listed += [x["id"] for x in r["subjects"]]
            page += 200
            if page >= r["total"]:
                break
        total = (await client.get(f"/api/runs/{run_id}/subjects", params={"which": "all", "limit": 1})).json()["total"]
        rng = random.Random(1)
        randoms = []
        for off in rng.sample(range(total), min(sample // 2, total) // 50 or 1):
            params = {"which": "all", "limit": 50, "offset": off}
            r = (await client.get(f"/api/runs/{run_id}/subjects", params=params)).json()
            randoms += [x["id"] for x in r["subjects"]]
        ids = listed + randoms
        rng.shuffle(ids)
        # warm-up: the server opens the database and reads the run's credit-file tables
        t_first = time.perf_counter()
        await client.get(f"/api/runs/{run_id}/subjects/{ids[0]}")
        first_s = time.perf_counter() - t_first
        for sid in ids[1:20]:
            await client.get(f"/api/runs/{run_id}/subjects/{sid}")

    latencies: list[float] = []
    errors: dict[int, int] = {}
    k = [0]
    host, port = base.split("://", 1)[1].rsplit(":", 1)
    conns = [await asyncio.open_connection(host, int(port)) for _ in range(clients)]
    deadline = time.monotonic() + seconds

    async def one_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while time.monotonic() < deadline:
            sid = ids[k[0] % len(ids)]
            k[0] += 1
            t0 = time.perf_counter()
            status = await lean_get(reader, writer, f"/api/runs/{run_id}/subjects/{sid}", base)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors[status] = errors.get(status, 0) + 1

    t0, server0, client0 = time.perf_counter(), cpu_seconds(server_pid), time.process_time()
    await asyncio.gather(*(one_client(r, w) for r, w in conns))
    wall = time.perf_counter() - t0
    server1, client1 = cpu_seconds(server_pid), time.process_time()
    for _, w in conns:
        w.close()
    n = max(len(latencies), 1)
    server_ms = None if server0 is None or server1 is None else round(1000 * (server1 - server0) / n, 2)
    return {
        "clients": clients,
        "client": "asyncio, raw HTTP/1.1, one kept-alive connection per client",
        "first_lookup_s": round(first_s, 2),
        "seconds": round(wall, 1),
        "subjects_sampled": len(ids),
        "listed_share_of_sample": round(len(listed) / max(len(ids), 1), 2),
        "requests": len(latencies),
        "errors": errors,
        "throughput_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * pct(latencies, 95), 1),
        "p99_ms": round(1000 * pct(latencies, 99), 1),
        "max_ms": round(1000 * max(latencies), 1) if latencies else None,
        "server_cpu_ms_per_request": server_ms,
        "client_cpu_ms_per_request": round(1000 * (client1 - client0) / n, 2),
        "load_during": os.getloadavg(),
    }


async def main_async(args: argparse.Namespace) -> dict:
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="scslab-bench-web-"))
    proc, base = start_server(out, max_n=max(args.n, 1000), max_jobs=args.max_jobs, lookup_threads=args.lookup_threads)
    report: dict = {"load_before": os.getloadavg(), "n": args.n, "years": args.years, "out": str(out)}
    try:
        if args.lookups_on:  # look-ups only, on a run the server folder already holds
            report["lookups"] = await lookups(base, args.lookups_on, args.clients, args.seconds, args.sample, proc.pid)
            return report
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            # the large run first: its worker then serves the flood warm
            t0 = time.perf_counter()
            big_run = {"scenario": "rongcheng", "n": args.n, "years": args.years, "seed": 1}
            r = await client.post("/api/runs", json=big_run)
            r.raise_for_status()
            big = r.json()["run_id"]
            body = await wait_done(client, big, timeout=args.run_timeout)
            if body.get("status") != "done":
                raise SystemExit(f"the large run did not finish: {body}")
            s = body["summary"]
            report["large_run"] = {
                "run_id": big,
                "wall_s_submit_to_done": round(time.perf_counter() - t0, 1),
                "persons": s["persons"],
                "days": s["days"],
                "records": s["records"],
                "ever_listed": s["ever_listed"],
                "sanctions_applied": s["sanctions_applied"],
                "db_mb": round((out / "runs" / big / "results.duckdb").stat().st_size / 2**20, 1),
            }
        report["lookups"] = await lookups(base, big, args.clients, args.seconds, args.sample, proc.pid)
        report["flood"] = await flood(base, args.flood_clients, args.flood_requests, timeout=args.run_timeout)
    finally:
        report["load_after"] = os.getloadavg()
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="reduced: 50,000 persons, 10 s of look-ups, 40 flood requests")
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--years", type=float, default=1.0)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--sample", type=int, default=2000, help="subject ids to cycle through")
    p.add_argument("--flood-clients", type=int, default=20)
    p.add_argument("--flood-requests", type=int, default=200)
    p.add_argument("--max-jobs", type=int, default=8)
    p.add_argument("--run-timeout", type=float, default=900.0)
    p.add_argument("--out", help="server folder (default: a new temporary folder)")
    p.add_argument("--json-out", help="also write the results here")
    p.add_argument("--lookup-threads", type=int, help="the server's --lookup-threads (default: the server's own)")
    p.add_argument(
        "--lookups-on",
        metavar="RUN_ID",
        help="only the look-ups, on this run already stored under --out (no large run, no flood)",
    )
    args = p.parse_args()
    if args.lookups_on and not args.out:
        p.error("--lookups-on needs --out (the server folder holding the run)")
    if args.quick:
        args.n, args.seconds, args.flood_requests, args.sample = 50_000, 10.0, 40, 600
    report = asyncio.run(main_async(args))
    text = json.dumps(report, indent=2)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
