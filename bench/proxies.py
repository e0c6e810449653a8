#!/usr/bin/env python3
"""The proxy (apps/proxy) against twemproxy and against no proxy at all.

Starts one redis-server, twemproxy (Debian's `nutcracker`, one server
connection) in front of it, and the proxy (release build) in front
of it, all on free loopback ports. Runs the same redis-benchmark tests
straight at redis-server, through twemproxy and through the proxy,
interleaved, for several rounds, 50 clients, and keeps each one's best
round per test. Prints requests per second and the ratio to direct.

Run from bench/:  python3 proxies.py [rounds]
Writes proxies.md. Needs redis-server, redis-benchmark and nutcracker.
"""
import datetime
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile

# The same ports, waits and redis-benchmark runs as the server comparison.
from servers import REQUESTS, ROOT, benchmark, free_port, wait_for

TESTS = [  # (label, redis-benchmark arguments)
    ("GET -P 1", ["-t", "get", "-P", "1"]),
    ("SET -P 1", ["-t", "set", "-P", "1"]),
    ("GET -P 16", ["-t", "get", "-P", "16"]),
    ("SET -P 16", ["-t", "set", "-P", "16"]),
    ("LRANGE_100 -P 1", ["-t", "lrange_100", "-P", "1"]),
]
ROUTES = ("direct", "twemproxy", "resp proxy")


def spawn(command, port):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(port)
    return process


def start_all(workdir):
    """redis-server, then both proxies in front of it: {route: (process, port)}."""
    redis_port = free_port()
    redis = spawn(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"], redis_port)
    twem_port = free_port()
    config = pathlib.Path(workdir) / "nutcracker.yml"
    config.write_text(
        "bench:\n"
        f"  listen: 127.0.0.1:{twem_port}\n"
        "  redis: true\n"
        "  server_connections: 1\n"
        "  auto_eject_hosts: false\n"
        "  servers:\n"
        f"   - 127.0.0.1:{redis_port}:1\n")
    twemproxy = spawn(["nutcracker", "-c", str(config), "-s", str(free_port())], twem_port)
    proxy_port = free_port()
    proxy = spawn([str(ROOT / "target/release/proxy"), "--port", str(proxy_port),
                   "--upstream", f"127.0.0.1:{redis_port}"], proxy_port)
    return {"direct": (redis, redis_port), "twemproxy": (twemproxy, twem_port),
            "resp proxy": (proxy, proxy_port)}


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for program in ("redis-server", "redis-benchmark", "nutcracker"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is not installed (apt-get install redis-server redis-tools nutcracker)")
    subprocess.run(["cargo", "build", "--release", "-p", "proxy"],
                   cwd=ROOT, check=True)
    best = {route: {} for route in ROUTES}
    with tempfile.TemporaryDirectory() as workdir:
        running = start_all(workdir)
        try:
            for round_number in range(rounds):
                for label, args in TESTS:
                    # Interleaved: each test runs all three ways before the next.
                    for route in ROUTES:
                        rps = benchmark(running[route][1], args)
                        best[route][label] = max(best[route].get(label, 0), rps)
                        print(f"round {round_number + 1} {label} {route}: {rps:,.0f}/s", flush=True)
        finally:
            for process, _ in reversed(list(running.values())):
                process.terminate()
                process.wait()
    lines = [
        f"Measured on {platform.processor() or platform.machine()}, {platform.system()} "
        f"{platform.machine()}, {datetime.date.today()}, with `python3 proxies.py {rounds}`: "
        f"redis-benchmark, 50 clients, {REQUESTS['-P 1']:,} requests at -P 1 and "
        f"{REQUESTS['-P 16']:,} at -P 16, best of {rounds} interleaved rounds. redis-server, "
        f"the proxy and redis-benchmark share the machine's {os.cpu_count()} cores.",
        "",
        "| test | direct | twemproxy | resp proxy | twemproxy / direct | resp proxy / direct "
        "| resp proxy / twemproxy |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, _ in TESTS:
        direct, twem, ours = (best[route][label] for route in ROUTES)
        lines.append(f"| {label} | {direct:,.0f}/s | {twem:,.0f}/s | {ours:,.0f}/s "
                     f"| {twem / direct:.2f}x | {ours / direct:.2f}x | {ours / twem:.2f}x |")
    pathlib.Path(__file__).with_name("proxies.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
