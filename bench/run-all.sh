#!/bin/sh
# Every number in the README's speed section, from bench/:  sh run-all.sh [runs]
# Runs the side-by-side benchmark `runs` times (default 5; the report keeps
# each contestant's fastest run), once more with fat LTO, counts
# instructions with callgrind, then writes results.md and results.svg.
# About 3 minutes per run on 2 cores, 4 for the LTO run, 5 for the instruction counts.
set -eu
runs=${1:-5}
rm -rf target/runs target/criterion target/lto/criterion
mkdir -p target/runs
n=1
while [ "$n" -le "$runs" ]; do
    cargo bench --bench compare
    cp -r target/criterion "target/runs/$n"
    n=$((n + 1))
done
CARGO_TARGET_DIR=target/lto cargo bench --profile lto --bench compare
python3 instructions.py
python3 report.py
