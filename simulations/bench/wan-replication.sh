#!/usr/bin/env bash
# Initial replication over a shaped WAN (not a test: nothing here asserts a timing).
# A Grove node (child JVM) replicates a commit made from files of this machine from an in-process seeder through a
# shaped loopback relay (token-bucket rate + fixed one-way delay each way); a stock `ostree pull` fetches the same
# repo from nginx through a relay of the same shape, in the same run. Prints a Markdown table on stdout.
#
# usage: simulations/bench/wan-replication.sh
# env:   RATE_MBIT=20  RTT_MS=40,600  MAX_MB=120  NODE_HEAP=256m
#        STOCK_RTT_MS=40 (the stock pull only at these RTTs; default: every RTT; it takes ~23 min at 600 ms)
#        NODE_JAVA_OPTS="..." (more JVM options for the node, e.g. -Dorg.slf4j.simpleLogger.log.CLASS=debug)
#        DIRS="/usr/sbin /usr/lib/x86_64-linux-gnu/perl /usr/share/perl /usr/lib/python3.11 /usr/share/man"
#        (binaries, Perl and Python sources, man pages: ~18,000 objects, ~53 MB as an archive repo here)
#        BENCH_TMP=DIR (default: mktemp -d)  KEEP=1 (keep the work dir)  GROVE_BENCH_CP=classpath
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
for tool in ostree java nginx; do
    command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install -y ostree nginx-light)" >&2; exit 1; }
done
tmp="${BENCH_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/grove-wan.XXXXXX")}"
chmod 755 "$tmp" # nginx started as root serves the repo from its workers, which run unprivileged
cleanup() { [[ "${KEEP:-0}" == 1 ]] || rm -rf "$tmp"; }
trap cleanup EXIT

if [[ -z "${GROVE_BENCH_CP:-}" ]]; then
    (cd "$here" && mvn -q -o -B -pl simulations -am install -Dmaven.test.skip=true) >&2
fi
cp="${GROVE_BENCH_CP:-$here/simulations/target/lib/*:$here/simulations/target/classes}"
java -Xmx1g -Dorg.slf4j.simpleLogger.defaultLogLevel="${GROVE_LOG_LEVEL:-info}" \
    -Djava.library.path="$here/simulations/target/native" \
    -Dorg.slf4j.simpleLogger.logFile=System.err -cp "$cp" dev.grove.simulations.bench.WanReplicationBench \
    --work "$tmp" --rate-mbit "${RATE_MBIT:-20}" --rtt-ms "${RTT_MS:-40,600}" \
    --dirs "${DIRS:-/usr/sbin /usr/lib/x86_64-linux-gnu/perl /usr/share/perl /usr/lib/python3.11 /usr/share/man}" \
    --max-mb "${MAX_MB:-120}" --node-heap "${NODE_HEAP:-256m}" ${STOCK_RTT_MS+--stock-rtt-ms "$STOCK_RTT_MS"}
