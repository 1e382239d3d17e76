"""HTTP API load benchmark: `vigia serve` on 127.0.0.1, 32 concurrent keep-alive clients, 5,000 requests over a
mix of series and ranking queries. Prints p50/p95/p99 latency, throughput and errors; target p95 ≤ 50 ms with
zero errors. Loopback only and bounded (a timeout per request and for the whole run).

    python bench/api.py [--store PATH] [--requests 5000] [--clients 32] [--distinct 240] [--write-docs]

Before the measured run every distinct query is asked once (the "first ask" figures: computed, then cached);
the measured run draws its 5,000 requests at random from those queries, as a dashboard's visitors would.
The client is a minimal asyncio HTTP/1.1 client, so that on a small machine the load generator itself
costs little of the CPU the server needs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "## HTTP API load"

INDICATORS = ("homicidio_doloso", "homicidio_doloso_victimas", "feminicidio", "feminicidio_victimas",
              "violencia_letal_victimas", "homicidio_culposo", "secuestro", "extorsion", "robo_con_violencia",
              "robo_vehiculo", "robo_casa_habitacion", "robo_negocio", "robo_transeunte", "violacion",
              "narcomenudeo", "lesiones_dolosas", "violencia_familiar", "alto_impacto")
GEOS = ("00", "02", "06", "09", "14", "15", "17", "19", "25", "CDMX", "Guanajuato")
YEARS = ("2019", "2020", "2021", "2022", "2023")


def query_mix(distinct: int, seed: int = 7) -> list[str]:
    """`distinct` different API paths: two thirds series (indicator × geography × frequency × unit, some at an
    older vintage), one third rankings (indicator × year × unit)."""
    rng = random.Random(seed)
    paths: set[str] = set()
    while len(paths) < distinct:
        ind = rng.choice(INDICATORS)
        if rng.random() < 2 / 3:
            q = (f"/api/series?indicator={ind}&geo={rng.choice(GEOS)}&freq={rng.choice(('year', 'month'))}"
                 f"&unit={rng.choice(('count', 'rate'))}")
            if rng.random() < 0.15:
                q += f"&vintage={rng.choice(('2021-02', '2023-12', '2024-11'))}"
            elif rng.random() < 0.2:
                q += f"&start={rng.choice(YEARS)}"
        else:
            q = f"/api/rankings?indicator={ind}&period={rng.choice(YEARS)}&unit={rng.choice(('rate', 'count'))}"
        paths.add(q)
    return sorted(paths)


# -- a small HTTP/1.1 client ------------------------------------------------------------------------------

class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/json\r\n"
                          "\r\n".encode("ascii"))
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        if close:
            await self.close()
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def run_load(host: str, port: int, paths: list[str], clients: int, timeout: float) -> tuple[list, list]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    latencies: list[float] = []
    errors: list[str] = []

    async def worker() -> None:
        conn = Connection(host, port)
        while True:
            try:
                path = queue.get_nowait()
            except asyncio.QueueEmpty:
                break
            start = time.perf_counter()
            try:
                status = await asyncio.wait_for(conn.get(path), timeout)
                if status != 200:
                    errors.append(f"{status} {path}")
            except (OSError, asyncio.TimeoutError, ConnectionError, ValueError, IndexError) as exc:
                errors.append(f"{exc.__class__.__name__} {path}")
                await conn.close()
            latencies.append((time.perf_counter() - start) * 1000)
        await conn.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, errors


# -- the server -----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, store: str | None, home: str | None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "vigia", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-warm"]
    if store:
        cmd += ["--store", store]
    env = {**os.environ, **({"VIGIA_HOME": home} if home else {})}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


async def wait_ready(port: int, proc: subprocess.Popen, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read() if proc.stderr else ''}")
        conn = Connection("127.0.0.1", port)
        try:
            if await conn.get("/api/status") == 200:
                return
        except OSError:
            await asyncio.sleep(0.2)
        finally:
            await conn.close()
    raise SystemExit("server did not answer within the time limit")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summary(name: str, lat: list[float], errors: list[str], seconds: float) -> dict:
    return {"name": name, "requests": len(lat), "errors": len(errors), "seconds": seconds,
            "rps": len(lat) / seconds if seconds else 0.0, "p50": pct(lat, 50), "p95": pct(lat, 95),
            "p99": pct(lat, 99), "max": max(lat), "mean": statistics.fmean(lat)}


def print_table(rows: list[dict]) -> None:
    print(f"{'run':<34}{'requests':>9}{'errors':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for r in rows:
        print(f"{r['name']:<34}{r['requests']:>9}{r['errors']:>8}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
              f"{r['p99']:>9.1f}{r['max']:>9.1f}")


def write_docs(rows: list[dict], args, distinct: int) -> None:
    table = ["| run | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        table.append(f"| {r['name']} | {r['requests']:,} | {r['errors']} | {r['rps']:,.0f} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} |")
    cores = os.cpu_count()
    text = f"""{SECTION}

`python bench/api.py{' --store ' + args.store_label if args.store_label else ''}` starts `vigia serve` on 127.0.0.1
and sends {args.requests:,} requests from {args.clients} concurrent keep-alive clients, drawn at random from {distinct}
distinct queries (two thirds `/api/series` — indicator × geography × frequency × unit, some at an older
vintage — and one third `/api/rankings`). Each distinct query is first asked once ("first ask": computed
from the store, then cached — the store is read-only while the server runs, so a computed answer never goes
stale). Target: p95 ≤ 50 ms, zero errors. Client and server share the machine ({cores} cores, shared with other work).

{chr(10).join(table)}

Measured {time.strftime('%Y-%m-%d')}; store: {args.store_description}.
"""
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    updated = pattern.sub(text + "\n", current) if pattern.search(current) else current.rstrip("\n") + "\n\n" + text
    DOCS.write_text(updated, encoding="utf-8")
    print(f"wrote {DOCS}")


async def main_async(args) -> list[dict]:
    port = args.port or free_port()
    proc = start_server(port, args.store, args.home)
    try:
        await wait_ready(port, proc)
        paths = query_mix(args.distinct)
        t0 = time.perf_counter()
        first_lat, first_err = await run_load("127.0.0.1", port, paths, min(args.clients, 4), args.timeout)
        first = summary(f"first ask ({len(paths)} distinct, 4 clients)", first_lat, first_err,
                        time.perf_counter() - t0)
        rng = random.Random(11)
        mix = [rng.choice(paths) for _ in range(args.requests)]
        t0 = time.perf_counter()
        lat, err = await run_load("127.0.0.1", port, mix, args.clients, args.timeout)
        measured = summary(f"mixed load ({args.clients} clients)", lat, err, time.perf_counter() - t0)
        for e in (first_err + err)[:10]:
            print("error:", e)
        return [first, measured]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="store file to serve (default: your store, else the embedded snapshot)")
    parser.add_argument("--home", help="VIGIA_HOME for the server (default: inherited)")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--distinct", type=int, default=240)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--write-docs", action="store_true", help=f"update the '{SECTION}' section of {DOCS.name}")
    parser.add_argument("--store-description", default=None, help="how docs/benchmarks.md names the store")
    args = parser.parse_args(argv)
    args.store_label = "PATH" if args.store else ""
    args.store_description = args.store_description or (args.store or "default (user store or embedded snapshot)")
    rows = asyncio.run(asyncio.wait_for(main_async(args), timeout=1800))
    print_table(rows)
    measured = rows[-1]
    verdict = "met" if measured["p95"] <= 50 and measured["errors"] == 0 else "NOT met"
    print(f"target p95 <= 50 ms with zero errors: {verdict}")
    if args.write_docs:
        write_docs(rows, args, args.distinct)


if __name__ == "__main__":
    main()
