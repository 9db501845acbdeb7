#!/usr/bin/env python3
"""A small bounded load client: N concurrent streaming POSTs to one loopback URL (stdlib only).

Each client opens its own HTTP/1.1 connection, sends one POST with `Connection: close` and reads the
response to its end (the terminating chunk of a chunked body, Content-Length bytes, or the server's
close). The whole run stops after --timeout seconds whatever happens. While it runs, the server's
CPU time (utime+stime from /proc/PID/stat, before and after) and peak RSS (VmRSS every 0.2 s) are
measured for the given process ids. Prints one line of key=value figures for bench.sh.

Usage: streams.py --url http://127.0.0.1:PORT/ask --body JSON --clients 500 --timeout 60
                  --cpu-pids PID[,PID] --rss-pids PID[,PID]
"""
import argparse
import asyncio
import os
import time
from urllib.parse import urlsplit

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            pass
    return total / TICKS


def rss_kb(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


async def read_body(reader, headers):
    """Reads the body to its end and returns it."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            line = await reader.readuntil(b"\r\n")
            n = int(line.split(b";")[0], 16)
            if n == 0:
                await reader.readuntil(b"\r\n")  # no trailers expected
                return bytes(body)
            body += (await reader.readexactly(n + 2))[:n]
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    body = bytearray()
    while chunk := await reader.read(65536):
        body += chunk
    return bytes(body)


async def one(host, port, request, results):
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        status_line = await reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        headers = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await read_body(reader, headers)
        # A 200 stream that carries an error event (parley's SSE errors) is not a completed answer.
        outcome = f"http{status}" if status != 200 else ("sse_error" if b"event: error" in body else "ok")
        results.append((outcome, len(body)))
    except asyncio.CancelledError:
        results.append(("timeout", 0))
        raise
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
        results.append((type(e).__name__, 0))
    finally:
        if writer is not None:
            writer.close()


async def sample_rss(pids, peak):
    while True:
        peak[0] = max(peak[0], rss_kb(pids))
        await asyncio.sleep(0.2)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--body", required=True)
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--cpu-pids", default="")
    p.add_argument("--rss-pids", default="")
    a = p.parse_args()
    url = urlsplit(a.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("streams.py: loopback URLs only")
    body = a.body.encode()
    request = (f"POST {url.path or '/'} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
               f"Accept: text/event-stream\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    cpu_pids = [int(x) for x in a.cpu_pids.split(",") if x]
    rss_pids = [int(x) for x in a.rss_pids.split(",") if x]

    peak = [rss_kb(rss_pids)]
    sampler = asyncio.create_task(sample_rss(rss_pids, peak))
    cpu_before = cpu_seconds(cpu_pids)
    results = []
    start = time.monotonic()
    tasks = [asyncio.create_task(one(url.hostname, url.port, request, results)) for _ in range(a.clients)]
    _, pending = await asyncio.wait(tasks, timeout=a.timeout)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    wall = time.monotonic() - start
    cpu = cpu_seconds(cpu_pids) - cpu_before
    sampler.cancel()
    peak[0] = max(peak[0], rss_kb(rss_pids))

    outcomes = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    ok_sizes = sorted(size for outcome, size in results if outcome == "ok")
    completed = outcomes.pop("ok", 0)
    others = ",".join(f"{k}:{v}" for k, v in sorted(outcomes.items())) or "-"
    median = ok_sizes[len(ok_sizes) // 2] if ok_sizes else 0
    print(f"completed={completed} clients={a.clients} wall={wall:.1f} cpu={cpu:.2f} "
          f"peak_rss_mb={peak[0] / 1024:.1f} median_bytes={median} failed={others}")


if __name__ == "__main__":
    asyncio.run(main())
