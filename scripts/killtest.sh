#!/usr/bin/env bash
# killtest.sh N — kill a real `estreamer serve --ingest` and the sensor feeding it with SIGKILL
# N times during ingest, restart both, and check after each restart that every acknowledged
# batch (the sensor's --ack-log) is in the store exactly once and intact, and that the store
# holds nothing else (`estreamer store batches`).
#
# Everything runs on 127.0.0.1 in a temporary directory; every wait is bounded. Set ESTREAMER
# to a built binary to skip the build; KEEP=1 keeps the directory.
set -euo pipefail

N=${1:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${ESTREAMER:-}" ]]; then
    cargo build --quiet -p estreamer --manifest-path "$ROOT/Cargo.toml"
    ESTREAMER="${CARGO_TARGET_DIR:-$ROOT/target}/debug/estreamer"
fi
B=$ESTREAMER
W=$(mktemp -d -t estreamer-killtest-XXXXXX)
SERVE=""
SENSOR=""
cleanup() {
    # A clean stop at the end (SIGTERM: the service finishes and exits).
    [[ -n "$SENSOR" ]] && kill "$SENSOR" 2>/dev/null || true
    [[ -n "$SERVE" ]] && kill "$SERVE" 2>/dev/null || true
    wait 2>/dev/null || true
    if [[ -z "${KEEP:-}" ]]; then rm -rf "$W"; else echo "kept $W"; fi
}
trap cleanup EXIT

"$B" ca init --dir "$W/pki" >/dev/null 2>&1
"$B" ca add-sensor --dir "$W/pki" --host 127.0.0.1 --out "$W/sensor.pkcs12" --password pw >/dev/null 2>&1
touch "$W/acks.log"

start_serve() {
    : >"$W/serve.log"
    "$B" serve --data "$W/store" --pki "$W/pki" --listen 127.0.0.1:0 --ingest 127.0.0.1:0 >"$W/serve.log" 2>&1 &
    SERVE=$!
    for _ in $(seq 200); do
        ADDR=$(sed -n 's/^serve: ingest endpoint on \(127\.0\.0\.1:[0-9]*\)$/\1/p' "$W/serve.log")
        [[ -n "$ADDR" ]] && return 0
        kill -0 "$SERVE" 2>/dev/null || { cat "$W/serve.log"; echo "serve died" >&2; exit 1; }
        sleep 0.05
    done
    echo "serve did not start in 10 s" >&2
    exit 1
}

start_sensor() {
    "$B" sensor --ingest "$ADDR" --pkcs12 "$W/sensor.pkcs12" --password pw --seed 7 --count 100000000 \
        --batch 40 --rate 20000 --ack-log "$W/acks.log" --reconnect-for 30 >"$W/sensor.log" 2>&1 &
    SENSOR=$!
}

# Every acked batch stored once and intact, nothing stored outside batches.
check() {
    "$B" store batches --data "$W/store" >"$W/batches.txt"
    local stored acked dups damaged missing loose records
    stored=$(grep -c '^batch ' "$W/batches.txt" || true)
    dups=$(grep '^batch ' "$W/batches.txt" | awk '{print $2, $3}' | sort | uniq -d | wc -l)
    damaged=$(grep -c ' DAMAGED$' "$W/batches.txt" || true)
    loose=$(sed -n 's/.*loose-records=\([0-9]*\)$/\1/p' "$W/batches.txt")
    records=$(sed -n 's/^total .* records=\([0-9]*\) .*/\1/p' "$W/batches.txt")
    # An acked batch must be stored with the same record count and CRC.
    awk '/^acked /{print $2, $3, $4, $5}' "$W/acks.log" | sort -u >"$W/acked.txt"
    awk '/^batch /{print $2, $3, $4, $5}' "$W/batches.txt" | sort -u >"$W/stored.txt"
    acked=$(wc -l <"$W/acked.txt")
    missing=$(comm -23 "$W/acked.txt" "$W/stored.txt" | wc -l)
    local ok=OK
    if [[ "$dups" != 0 || "$damaged" != 0 || "$missing" != 0 || "$loose" != 0 ]]; then ok=FAILED; fi
    printf 'round %5s: %6d batches acked so far; after the restart: %6d batches (%7d records) stored, duplicates %d, damaged %d, acked but missing %d, loose records %d: %s\n' \
        "$1" "$acked" "$stored" "$records" "$dups" "$damaged" "$missing" "$loose" "$ok"
    [[ $ok == OK ]]
}

start_serve
for round in $(seq "$N"); do
    start_sensor
    before=$(wc -l <"$W/acks.log")
    # Let it ingest: at least 25 more acknowledged batches (bounded to 30 s), then a random moment.
    for _ in $(seq 600); do
        [[ $(wc -l <"$W/acks.log") -ge $((before + 25)) ]] && break
        kill -0 "$SENSOR" 2>/dev/null || { cat "$W/sensor.log"; echo "sensor died" >&2; exit 1; }
        sleep 0.05
    done
    sleep "0.$((RANDOM % 400))"
    kill -9 "$SENSOR" "$SERVE"
    wait "$SENSOR" "$SERVE" 2>/dev/null || true
    SENSOR=""
    start_serve
    check "$round"
done
# One last producer run finishes cleanly after all the kills: it resumes and every batch is acked.
"$B" sensor --ingest "$ADDR" --pkcs12 "$W/sensor.pkcs12" --password pw --seed 7 --count 40000 --batch 40 \
    --ack-log "$W/acks.log" >"$W/sensor.log" 2>&1
tail -1 "$W/sensor.log" | cut -c1-200
check final
echo "killtest: $N rounds of kill -9 on serve and sensor: every acknowledged batch stored exactly once"
