#!/usr/bin/env bash
# Site swarm benchmark (not a test: nothing here asserts a timing).
# For N nodes on one site (in-process, one in-memory site registry) behind ONE shaped loopback relay (the site's WAN
# uplink: token-bucket rate shared by all connections + fixed one-way delay each way) to an in-process seeder:
# seeder egress and time until all N published the release, with the site swarm and with each node pulling directly
# (no swarm), in one run. Prints a Markdown table on stdout and writes an SVG plot.
#
# usage: simulations/bench/swarm-bench.sh [SVG_OUT]      (default SVG_OUT: $BENCH_TMP/swarm-bench.svg)
# env:   NODES=1,3,5,10  MODES=swarm,direct  RATE_MBIT=20  RTT_MS=40  FILES=2000  LIMIT_S=900
#        WARMUP_NODES=3 (one unmeasured swarm run first, warming the shared JVM; 0: none)
#        BENCH_TMP=DIR (default: mktemp -d)  KEEP=1 (keep the work dir)  GROVE_BENCH_CP=classpath  HEAP=3g
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
command -v java >/dev/null || { echo "needs java" >&2; exit 1; }
tmp="${BENCH_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/grove-swarm.XXXXXX")}"
mkdir -p "$tmp"
svg="${1:-$tmp/swarm-bench.svg}"
cleanup() { [[ "${KEEP:-0}" == 1 ]] || rm -rf "$tmp/work"; }
trap cleanup EXIT

# Build once (offline), then run the JVM directly on the module's classes and copied dependencies.
if [[ -z "${GROVE_BENCH_CP:-}" ]]; then
    (cd "$here" && mvn -q -o -B -pl simulations -am install -Dmaven.test.skip=true) >&2
fi
cp="${GROVE_BENCH_CP:-$here/simulations/target/lib/*:$here/simulations/target/classes}"
java -Xmx"${HEAP:-3g}" -Dorg.slf4j.simpleLogger.defaultLogLevel="${GROVE_LOG_LEVEL:-info}" \
    -Djava.library.path="$here/simulations/target/native" \
    -Dorg.slf4j.simpleLogger.logFile=System.err -cp "$cp" dev.grove.simulations.bench.SwarmBench \
    --work "$tmp/work" --nodes "${NODES:-1,3,5,10}" --modes "${MODES:-swarm,direct}" \
    --rate-mbit "${RATE_MBIT:-20}" --rtt-ms "${RTT_MS:-40}" --files "${FILES:-2000}" --limit-s "${LIMIT_S:-900}" \
    --warmup-nodes "${WARMUP_NODES:-3}" \
    --svg "$svg"
