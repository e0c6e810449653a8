#!/usr/bin/env python3
"""Instructions per frame for every contestant on every workload, counted by
callgrind. Unlike times, these counts come out the same on a busy machine, so
they back up the criterion ratios where those move between runs. They do not
see cache misses, atomics or branch mispredictions, so they complement the
times rather than replace them.

Run from bench/ (needs valgrind):  python3 instructions.py
Writes instructions.md, which report.py then adds to results.md.
"""
import pathlib
import re
import subprocess
import tempfile

WORKLOADS = {  # profile's name -> the criterion group it stands for
    "w1": "W1 small replies", "w2": "W2 SET commands", "w3": "W3 16 x 1 MiB bulks",
    "w4": "W4 array of 100k bulks", "w5": "W5 RESP3 mix", "w6": "W6 W2 in 64 B reads",
    "w7": "W7 W4 in 16 KiB reads", "w8": "W8 1 MiB bulk in 1 B reads",
}
CONTESTANTS = {  # profile's name -> the row label
    "decoder": "resp-core Decoder", "reader": "resp-core Reader", "commands": "resp-core CommandDecoder",
    "resp-rs": "resp-rs", "redis-protocol": "redis-protocol", "redis-rs": "redis-rs",
    "memchr": "memchr per line",
}
PEERS = ("redis-protocol", "resp-rs", "redis-rs")


def runs_for(contestant, workload):
    """Which contestants run on a workload: the same as in benches/compare.rs."""
    if workload == "w8":
        return contestant in ("decoder", "reader")
    if contestant == "commands":
        return workload in ("w2", "w6")
    if contestant == "redis-rs" and workload == "w5":
        return False
    if contestant == "memchr":
        return workload not in ("w6", "w7")
    return True


def count(contestant, workload, times):
    """Instructions of a whole `profile` process and the frames it decoded."""
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}",
             "target/release/profile", contestant, workload, str(times)],
            capture_output=True, text=True, check=True)
    instructions = int(re.search(r"Collected : (\d+)", done.stderr).group(1))
    return instructions, int(done.stdout.split()[0])


def per_frame(contestant, workload):
    """The cost of two more runs over one: setup and workload generation cancel out."""
    one, frames_one = count(contestant, workload, 1)
    three, frames_three = count(contestant, workload, 3)
    return (three - one) / (frames_three - frames_one)


def main():
    subprocess.run(["cargo", "build", "--release", "--bin", "profile"], check=True)
    lines = ["| workload | " + " | ".join(CONTESTANTS.values()) + " |",
             "|---|" + "---|" * len(CONTESTANTS)]
    for workload, group in WORKLOADS.items():
        cells = []
        for contestant in CONTESTANTS:
            if runs_for(contestant, workload):
                cells.append(f"{per_frame(contestant, workload):,.0f}")
            else:
                cells.append("-")
        lines.append(f"| {group} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    ours, theirs = per_frame("pack", "w1"), per_frame("redis-rs-pack", "w1")
    lines += ["", f"E1, per command packed: resp-core pack_command {ours:,.0f}, "
              f"redis-rs write_packed_command {theirs:,.0f}."]
    pathlib.Path("instructions.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
