#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 60) on the stable toolchain and print, per
# target, the executions and the crashes found. Inputs that crash are kept in fuzz/artifacts/
# <target>/; once fixed, copy them into fuzz/corpus/<target>/ with a descriptive name (the
# corpus is replayed by `cargo test`).
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-60}"
shift || true
triple="$(rustc -vV | sed -n 's/^host: //p')"
# libFuzzer's coverage instrumentation without cargo-fuzz (which needs nightly); --target keeps
# the flags away from build scripts.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo build --release --target "$triple" --bins >&2
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v '^estreamer-fuzz$')
fi
printf '%-14s %12s %8s %8s\n' target executions crashes corpus
total_crashes=0
for t in "${targets[@]}"; do
    work="$(mktemp -d)"
    mkdir -p "artifacts/$t" "corpus/$t"
    log="$work/log"
    # The committed corpus seeds the run; new inputs go to the scratch directory.
    "./target/$triple/release/$t" -max_total_time="$secs" -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" "$work" "corpus/$t" ../testdata/vectors >"$log" 2>&1 || true
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    crashes="$(find "artifacts/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)"
    corpus="$(find "$work" -maxdepth 1 -type f | wc -l)"
    printf '%-14s %12s %8s %8s\n' "$t" "${execs:-?}" "$crashes" "$corpus"
    total_crashes=$((total_crashes + crashes))
    rm -rf "$work"
done
echo "crashes in total: $total_crashes (inputs in fuzz/artifacts/)"
[ "$total_crashes" -eq 0 ]
