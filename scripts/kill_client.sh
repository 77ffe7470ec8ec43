#!/usr/bin/env bash
# Exactly-once acceptance run at full size: 100 000 sensor events, the client killed with
# SIGKILL at 20 random points while it streams into a file, then run to the end; the file must
# hold every record exactly once. Prints "kill -9: N kills, R records expected, ... M missing,
# D duplicates". The same test runs smaller in `cargo test` (3 000 events).
#
#   scripts/kill_client.sh [EVENTS] [KILLS]
set -euo pipefail
cd "$(dirname "$0")/.."
export KILL_EVENTS="${1:-100000}" KILL_COUNT="${2:-20}"
cargo test -p estreamer --test client kill_minus_9 -- --nocapture --test-threads=1 2>&1 | grep -E "kill -9:|test result|panicked|FAILED"
