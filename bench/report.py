#!/usr/bin/env python3
"""Turns criterion's estimates from `cargo bench` into results.md (tables of
throughput and of ratios against each peer) and results.svg (a chart).

Run from bench/ after `cargo bench --bench compare`:  python3 report.py
Times move a lot between runs on a shared machine; copy each run's
target/criterion to target/runs/N and the report takes, per contestant, the
fastest of them.
A second run with fat LTO, if present, adds its ratios:
  CARGO_TARGET_DIR=target/lto cargo bench --profile lto --bench compare
instructions.md, if present (python3 instructions.py), adds instruction counts.
"""
import json
import math
import pathlib
import platform
import subprocess
import datetime

FRAMES = {  # top-level frames per workload, for frames/s
    "W1 small replies": 10_000, "W2 SET commands": 10_000, "W3 16 x 1 MiB bulks": 16,
    "W4 array of 100k bulks": 1, "W5 RESP3 mix": 5_000, "W6 W2 in 64 B reads": 10_000,
    "W7 W4 in 16 KiB reads": 1, "W8 1 MiB bulk in 1 B reads": 1, "E1 pack 10k SET": 10_000,
}
OURS = ("resp-core Decoder", "resp-core Reader", "resp-core CommandDecoder", "resp-core pack_command")


def best(runs):
    """Per contestant, the fastest of several runs: interference from other
    work on the machine only ever adds time, so the least disturbed run is
    the closest to what the code costs."""
    merged = {}
    for results in runs:
        for group, entries in results.items():
            for name, (nanos, size) in entries.items():
                kept = merged.setdefault(group, {}).get(name)
                if kept is None or nanos < kept[0]:
                    merged[group][name] = (nanos, size)
    return merged


def load(root="target/criterion"):
    results = {}
    for bench in pathlib.Path(root).glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        group, name = meta["group_id"], meta["function_id"] or meta["value_str"]
        nanos = estimates["mean"]["point_estimate"]
        size = (meta.get("throughput") or {}).get("Bytes", 0)
        results.setdefault(group, {})[name] = (nanos, size)
    return results


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {platform.system()} {platform.machine()}, {rustc}, {datetime.date.today()}"


BUILDERS = ("redis-protocol", "resp-rs", "redis-rs")


def fastest(entries, names):
    """The fastest of `names` present in `entries`, as (name, nanos)."""
    present = [(entries[name][0], name) for name in names if name in entries]
    return min(present)[::-1] if present else None


def against(mine, row):
    return f"{row[1] / mine:.2f}x ({row[0]})" if row else "-"


def ratios(results):
    lines = ["| workload | resp-core | vs redis-protocol | vs resp-rs | vs redis-rs | vs memchr per line "
             "| vs fastest value builder | vs fastest peer row |",
             "|---|---|---|---|---|---|---|---|"]
    for group in sorted(results):
        entries = results[group]
        peers = {name: value for name, value in entries.items() if not name.startswith("resp-core")}
        if group.startswith("E1"):
            peers = {"redis-rs" if name.startswith("redis-rs") else name: value for name, value in peers.items()}
        for ours in OURS:
            if ours not in entries:
                continue
            mine = entries[ours][0]
            cells = []
            for peer in ("redis-protocol", "resp-rs", "redis-rs", "memchr per line"):
                cells.append(f"{peers[peer][0] / mine:.2f}x" if peer in peers else "-")
            cells.append(against(mine, fastest(peers, BUILDERS)))
            cells.append(against(mine, fastest(peers, peers)))
            lines.append(f"| {group} | {ours.removeprefix('resp-core ')} | " + " | ".join(cells) + " |")
    return lines


CHUNKED = (("W6 / W2", "W6 W2 in 64 B reads", "W2 SET commands"),
           ("W7 / W4", "W7 W4 in 16 KiB reads", "W4 array of 100k bulks"))


def chunked(results):
    """What reading in pieces costs: chunked time over whole-buffer time."""
    lines = ["| ratio | Decoder | Reader | CommandDecoder |", "|---|---|---|---|"]
    for label, pieces, whole in CHUNKED:
        cells = []
        for ours in OURS[:3]:
            a, b = results.get(pieces, {}).get(ours), results.get(whole, {}).get(ours)
            cells.append(f"{a[0] / b[0]:.2f}x" if a and b else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    per_byte = []
    w8, w3 = results.get("W8 1 MiB bulk in 1 B reads", {}), results.get("W3 16 x 1 MiB bulks", {})
    for ours in OURS[:2]:
        if ours in w8 and ours in w3:
            eight = w8[ours][0] / w8[ours][1]
            three = w3[ours][0] / w3[ours][1]
            per_byte.append(f"{ours.removeprefix('resp-core ')} {eight:.1f} ns/byte (W3: {three:.3f} ns/byte)")
    if per_byte:
        lines += ["", "W8, per byte delivered: " + "; ".join(per_byte) + "."]
    return lines


def tables(results, lto=None, runs=1):
    fastest = f" Each time is the fastest of {runs} runs of the whole set." if runs > 1 else ""
    lines = [f"Measured on {machine()}.{fastest}", "",
             "| workload | contestant | time | MB/s | frames/s |", "|---|---|---|---|---|"]
    for group in sorted(results):
        for name, (nanos, size) in sorted(results[group].items(), key=lambda kv: kv[1][0]):
            mbs = size / nanos * 1e9 / 1e6 if size else 0
            fps = FRAMES.get(group, 0) / nanos * 1e9
            lines.append(f"| {group} | {name} | {nanos / 1e6:.3f} ms | {mbs:,.0f} | {fps:,.0f} |")
    lines += ["", "Ratios: how many times faster resp-core is (peer time / resp-core time).", ""]
    lines += ratios(results)
    lines += ["", "Reading in pieces: time over the same bytes read whole.", ""]
    lines += chunked(results)
    counted = pathlib.Path("instructions.md")
    if counted.exists():
        lines += ["", "Instructions per frame, counted by callgrind (`python3 instructions.py`); "
                  "W4 and W7 are one frame of 100,000 elements, W8 one frame of 1 MiB.", ""]
        lines += counted.read_text().splitlines()
    if lto:
        lines += ["", "The same ratios with every crate built with fat LTO and one codegen unit "
                  "(`--profile lto`).", ""]
        lines += ratios(lto)
        lines += [""] + chunked(lto)
    return "\n".join(lines) + "\n"


def svg(results):
    """Horizontal bars of MB/s on a log scale, one block per workload."""
    colors = {"resp-core": "#2b7bb9", "redis-protocol": "#e08a2c", "resp-rs": "#6aa84f",
              "redis-rs": "#c0504d", "memchr": "#999999"}
    rows = []
    for group in sorted(results):
        rows.append((group, None, None))
        for name, (nanos, size) in sorted(results[group].items(), key=lambda kv: kv[1][0]):
            rows.append((group, name, size / nanos * 1e3 if size else 0))
    width, bar_h, left = 900, 16, 330
    height = 30 + bar_h * len(rows) + 30
    top = max(v for _, _, v in rows if v) * 1.2
    low = 1.0
    scale = lambda v: (math.log10(max(v, low)) - math.log10(low)) / (math.log10(top) - math.log10(low)) * (width - left - 20)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="13" font-weight="bold">Decode and pack throughput, MB/s (log scale)</text>']
    y = 30
    for group, name, value in rows:
        if name is None:
            out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{group}</text>')
        else:
            color = next((c for k, c in colors.items() if name.startswith(k)), "#555")
            w = scale(value)
            out.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{name}</text>')
            out.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{bar_h - 4}" fill="{color}"/>')
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{value:,.0f}</text>')
        y += bar_h
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    runs = sorted(pathlib.Path("target/runs").glob("*"))
    results = best(load(run) for run in runs) if runs else load()
    lto = load("target/lto/criterion") or None
    pathlib.Path("results.md").write_text(tables(results, lto, len(runs) or 1))
    pathlib.Path("results.svg").write_text(svg(results))
    print(pathlib.Path("results.md").read_text())
