#!/usr/bin/env python3
"""kv-server against redis-server, end to end, with redis-benchmark.

Starts a real redis-server and kv-server (apps/kv-server, release build) on free
loopback ports, runs the same redis-benchmark tests against each,
interleaved, for several rounds, 50 clients, and keeps each server's best
round per test. Then loads 1,000,000 keys of 16 bytes with 32-byte values
into each and reads their resident memory.

Run from bench/:  python3 servers.py [rounds]
Writes servers.md.
"""
import csv
import datetime
import io
import os
import pathlib
import platform
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TESTS = [  # (label, redis-benchmark arguments)
    ("GET -P 1", ["-t", "get", "-P", "1"]),
    ("SET -P 1", ["-t", "set", "-P", "1"]),
    ("GET -P 16", ["-t", "get", "-P", "16"]),
    ("SET -P 16", ["-t", "set", "-P", "16"]),
    ("LPUSH -P 1", ["-t", "lpush", "-P", "1"]),
    ("LRANGE_100 -P 1", ["-t", "lrange_100", "-P", "1"]),
    ("MSET -P 1", ["-t", "mset", "-P", "1"]),
]
REQUESTS = {"-P 1": 100_000, "-P 16": 1_000_000}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def start(name):
    port = free_port()
    if name == "redis-server":
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]
    else:
        command = [str(ROOT / "target/release/kv-server"), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return process, port


def benchmark(port, args):
    """Requests per second of one redis-benchmark run."""
    requests = REQUESTS["-P 16" if "16" in args else "-P 1"]
    done = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests), "--csv", "-q"] + args,
        capture_output=True, text=True, check=True)
    rows = [row for row in csv.reader(io.StringIO(done.stdout)) if row and row[0] != "test"]
    return float(rows[-1][1])


def resident_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise SystemExit("no VmRSS")


def load_million(port):
    """SET of 1,000,000 keys of 16 bytes with 32-byte values, pipelined."""
    def command(i):
        key = b"key:%012d" % i
        value = b"value:%026d" % i
        return b"*3\r\n$3\r\nSET\r\n$16\r\n" + key + b"\r\n$32\r\n" + value + b"\r\n"
    payload = b"".join(command(i) for i in range(1_000_000))
    done = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload,
                          capture_output=True, check=True)
    assert b"errors: 0" in done.stdout, done.stdout


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    subprocess.run(["cargo", "build", "--release", "-p", "kv-server"],
                   cwd=ROOT, check=True)
    servers = {name: start(name) for name in ("redis-server", "kv-server")}
    best = {name: {} for name in servers}
    try:
        for round_number in range(rounds):
            for label, args in TESTS:
                # Interleaved: each test runs against both before the next.
                for name, (_, port) in servers.items():
                    rps = benchmark(port, args)
                    best[name][label] = max(best[name].get(label, 0), rps)
                    print(f"round {round_number + 1} {label} {name}: {rps:,.0f}/s", flush=True)
        memory = {}
        for name, (process, port) in servers.items():
            subprocess.run(["redis-cli", "-p", str(port), "FLUSHALL"], check=True, capture_output=True)
            time.sleep(0.5)
            before = resident_kib(process.pid)
            load_million(port)
            time.sleep(1)
            memory[name] = (before, resident_kib(process.pid))
            print(f"{name}: {before} KiB -> {memory[name][1]} KiB", flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    lines = [
        f"Measured on {platform.processor() or platform.machine()}, {platform.system()} "
        f"{platform.machine()}, {datetime.date.today()}, with `python3 servers.py {rounds}`: "
        f"redis-benchmark, 50 clients, {REQUESTS['-P 1']:,} requests at -P 1 and "
        f"{REQUESTS['-P 16']:,} at -P 16, best of {rounds} interleaved rounds. "
        f"Both servers and redis-benchmark share the machine's {os.cpu_count()} cores.",
        "",
        "| test | redis-server | kv-server | kv-server / redis-server |",
        "|---|---|---|---|",
    ]
    for label, _ in TESTS:
        theirs, ours = best["redis-server"][label], best["kv-server"][label]
        lines.append(f"| {label} | {theirs:,.0f}/s | {ours:,.0f}/s | {ours / theirs:.2f}x |")
    (redis_before, redis_after), (kv_before, kv_after) = memory["redis-server"], memory["kv-server"]
    lines += [
        "",
        "Resident memory after `SET` of 1,000,000 keys of 16 bytes with 32-byte values: "
        f"redis-server {redis_after / 1024:,.0f} MiB (from {redis_before / 1024:,.0f} MiB), "
        f"kv-server {kv_after / 1024:,.0f} MiB (from {kv_before / 1024:,.0f} MiB), "
        f"{kv_after / redis_after:.2f}x.",
    ]
    pathlib.Path(__file__).with_name("servers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
