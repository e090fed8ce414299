#!/usr/bin/env bash
# Grove benchmarks (not tests: nothing here asserts a timing).
#   A. import of an archive repo: `grove node import` vs `ostree pull-local` into a fresh archive repo
#   B. HTTP: `grove node run` vs nginx (sendfile) serving the same store files, measured with wrk
#   C. (fresh) import of the usr base repo, from its tarball and from the directory, each run on a freshly made
#      ext4 filesystem (root only: a loop mount), against what a user does with the same input: extract the
#      tarball and `ostree pull-local --untrusted` it; `ostree pull-local --untrusted` of the directory
# Each measurement is repeated REPS times (default 3) and the median is reported as a Markdown table on stdout;
# progress goes to stderr. Fixtures are made in a temp dir (BENCH_TMP, default: mktemp -d) and removed at the end
# unless KEEP=1.
#
# usage: simulations/bench/run-benchmarks.sh [all|import|http|fresh]
# env:   REPS=3  WRK_ARGS="-t2 -c16 -d10s"  BLOB_MB=272 BLOB_OBJECTS=500  USR_DIRS="..."  CHANGE_PCT=3
#        LARGE_MB=64  SMALL_OBJECTS=4000  PORT_GROVE=18481  PORT_NGINX=18482  WARMUP_ARGS="-t2 -c16 -d10s"
set -euo pipefail

here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
what="${1:-all}"
REPS="${REPS:-3}"
WRK_ARGS="${WRK_ARGS:--t2 -c16 -d10s}"
BLOB_MB="${BLOB_MB:-272}"
BLOB_OBJECTS="${BLOB_OBJECTS:-500}"
USR_DIRS="${USR_DIRS:-/usr/share/doc /usr/share/perl /usr/lib/python3 /usr/lib/python3.11}"
CHANGE_PCT="${CHANGE_PCT:-3}"
LARGE_MB="${LARGE_MB:-64}"
SMALL_OBJECTS="${SMALL_OBJECTS:-4000}"
PORT_GROVE="${PORT_GROVE:-18481}"
PORT_NGINX="${PORT_NGINX:-18482}"
WARMUP_ARGS="${WARMUP_ARGS:--t2 -c16 -d10s}"

for tool in ostree java; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if [[ "$what" != import ]]; then
    for tool in nginx wrk; do
        command -v "$tool" >/dev/null || { echo "needs $tool (Debian: apt-get install -y nginx-light wrk)" >&2; exit 1; }
    done
fi

tmp="${BENCH_TMP:-$(mktemp -d "${TMPDIR:-/tmp}/grove-bench.XXXXXX")}"
chmod 755 "$tmp" # nginx started as root serves files from its workers, which run unprivileged
mkdir -p "$tmp"
pids=()
mounts=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
    [[ "${KEEP:-0}" == 1 ]] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[bench $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }

# Build once (the launcher rebuilds only when sources changed, and prepares its class-data sharing archive), then
# run every command through the launcher, as a user does: the same start-up options, and none of them triggers a
# build. GROVE_BENCH_CP replaces the classpath (e.g. node/target/classes first, to measure a node change alone): the
# JVM is then started directly (with GROVE_JAVA_OPTS, default -Xmx512m), without the launcher's start-up options.
if ! "$here/grove" help >/dev/null; then
    [[ -d "$here/simulations/target/lib" ]] || exit 1
    echo "build failed: measuring the previous build in simulations/target/lib" >&2
fi
grove() { (grove_exec "$@"); }
grove_exec() { # exec: as a background job ( grove_exec ... & ) its pid is the JVM's, so cleanup can stop it
    if [[ -z "${GROVE_BENCH_CP:-}" ]]; then
        GROVE_LOG_LEVEL="${GROVE_LOG_LEVEL:-warn}" exec "$here/grove" "$@"
    fi
    exec java ${GROVE_JAVA_OPTS:--Xmx512m} -Dorg.slf4j.simpleLogger.defaultLogLevel="${GROVE_LOG_LEVEL:-warn}" \
        -Djava.library.path="$here/simulations/target/native" \
        -Dorg.slf4j.simpleLogger.logFile=System.err -cp "$GROVE_BENCH_CP" dev.grove.simulations.cli.Grove "$@"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
median_of() { printf '%s\n' "$@" | median; } # median_of VALUE...
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# ---------------------------------------------------------------------------------------------- fixtures
make_blob_repo() { # BLOB_OBJECTS incompressible files totalling about BLOB_MB, one commit
    local repo="$tmp/blob-repo" tree="$tmp/blob-tree"
    [[ -d "$repo" ]] && return
    log "fixture: $BLOB_OBJECTS random files, ${BLOB_MB} MB"
    mkdir -p "$tree"
    local per=$((BLOB_MB * 1024 / BLOB_OBJECTS)) i
    for ((i = 0; i < BLOB_OBJECTS; i++)); do
        # sizes from 1/2 to 3/2 of the mean
        head -c "$(( (per / 2 + (i * 7919) % per) * 1024 ))" /dev/urandom >"$tree/f$i.bin"
    done
    ostree init --repo="$repo" --mode=archive
    ostree commit --repo="$repo" --branch=bench/blobs --tree=dir="$tree" --no-xattrs -s blobs >/dev/null
    ostree summary --repo="$repo" -u
    rm -rf "$tree"
}

make_usr_repo() { # a real tree (subsets of this machine's /usr), then a child commit with CHANGE_PCT % of files changed
    local repo="$tmp/usr-repo" tree="$tmp/usr-tree" d
    [[ -d "$repo" ]] && return
    log "fixture: /usr subsets: $USR_DIRS"
    mkdir -p "$tree"
    for d in $USR_DIRS; do
        [[ -d "$d" ]] || continue
        mkdir -p "$tree$(dirname "$d")"
        cp -a "$d" "$tree$(dirname "$d")/"
    done
    ostree init --repo="$repo" --mode=archive
    ostree commit --repo="$repo" --branch=bench/usr --tree=dir="$tree" --no-xattrs --owner-uid=0 --owner-gid=0 \
        -s base >/dev/null
    # repo with only the base commit (a release), and the full repo with base + child (the next release)
    ostree init --repo="$tmp/usr-base" --mode=archive
    ostree pull-local --repo="$tmp/usr-base" "$repo" bench/usr >/dev/null
    ostree summary --repo="$tmp/usr-base" -u
    local n=0 f
    while IFS= read -r f; do
        printf 'changed %s\n' "$n" >>"$f"
        n=$((n + 1))
    done < <(find "$tree" -type f | awk -v p="$CHANGE_PCT" 'NR % int(100 / p) == 0')
    echo "$n" >"$tmp/usr-changed"
    ostree commit --repo="$repo" --branch=bench/usr --tree=dir="$tree" --no-xattrs --owner-uid=0 --owner-gid=0 \
        -s child >/dev/null
    ostree summary --repo="$repo" -u
    rm -rf "$tree"
}

objects_of() { find "$1/objects" -type f | wc -l; }
mb_of() { du -sm "$1/objects" | cut -f1; }

# one timed run: prints "grove_wall grove_import_ms new_objects"
run_grove_import() { # SRC [PRELOAD_SRC] [--copy]
    local data="$tmp/import-data" out t0 t1
    rm -rf "$data"
    if [[ -n "${2:-}" ]]; then
        grove node import --data "$data" --distribution bench --from "$2" ${3:-} >/dev/null
    fi
    sync
    t0="$(now)"
    out="$(grove node import --data "$data" --distribution bench --from "$1" ${3:-})"
    t1="$(now)"
    echo "$(secs "$t0" "$t1") $(sed -n 's/.*bytes, \([0-9]*\) ms.*/\1/p' <<<"$out" | head -1) $(sed -n 's/.*: \([0-9]*\) new object.*/\1/p' <<<"$out" | head -1)"
}

run_ostree_pull() { # SRC [PRELOAD_SRC] [--untrusted]
    local repo="$tmp/pull-repo" t0 t1
    rm -rf "$repo"
    ostree init --repo="$repo" --mode=archive
    if [[ -n "${2:-}" ]]; then
        ostree pull-local --repo="$repo" "$2" >/dev/null
    fi
    sync
    t0="$(now)"
    ostree pull-local --repo="$repo" ${3:-} "$1" >/dev/null
    sync -f "$repo" # pull-local syncfs()es its own writes; this only waits for anything still queued
    t1="$(now)"
    secs "$t0" "$t1"
}

import_case() { # NAME SRC [PRELOAD_SRC]
    local name="$1" src="$2" pre="${3:-}" i g=() gi=() gc=() p=() u=() r objs
    for ((i = 0; i < REPS; i++)); do
        log "import $name: run $((i + 1))/$REPS"
        p+=("$(run_ostree_pull "$src" "$pre")")
        u+=("$(run_ostree_pull "$src" "$pre" --untrusted)")
        r="$(run_grove_import "$src" "$pre")"
        g+=("$(cut -d' ' -f1 <<<"$r")")
        gi+=("$(awk '{printf "%.2f", $2 / 1000}' <<<"$r")")
        objs="$(cut -d' ' -f3 <<<"$r")"
        gc+=("$(run_grove_import "$src" "$pre" --copy | cut -d' ' -f1)")
    done
    local mp mu mg mgi mgc
    mp="$(median_of "${p[@]}")"
    mu="$(median_of "${u[@]}")"
    mg="$(median_of "${g[@]}")"
    mgi="$(median_of "${gi[@]}")"
    mgc="$(median_of "${gc[@]}")"
    echo "| $name | $objs | $mp | $mu | $mg | $mgi | $mgc | $(ratio "$mg" "$mp") | $(ratio "$mg" "$mu") | $(ratio "$mgc" "$mu") |"
}

# ---------------------------------------------------------------------------------------------- seeder import
# The seeder is a long-running service: its imports run in a warm JVM. One seeder serves the whole case; each
# run imports the fixture directory into a fresh repository (a task through the admin API), then the repository
# is deleted and gc empties the store again, so every run writes every object.
seeder_admin() { grove seeder "$@" --data "$tmp/seeder-data"; }

iso_secs() { date -d "$1" +%s.%N; }

seeder_import_once() { # N SRC [PRELOAD_SRC]: prints "task_secs cli_wall" of importing SRC (after PRELOAD_SRC)
    local name="bench$1" out t0 t1 started finished
    seeder_admin repo create "$name" >/dev/null
    if [[ -n "${3:-}" ]]; then
        seeder_admin repo import "$name" --dir "$3" >/dev/null
    fi
    t0="$(now)"
    out="$(seeder_admin repo import "$name" --dir "$2" --json)"
    t1="$(now)"
    started="$(sed -n 's/.*"startedAt" *: *"\([^"]*\)".*/\1/p' <<<"$out" | head -1)"
    finished="$(sed -n 's/.*"finishedAt" *: *"\([^"]*\)".*/\1/p' <<<"$out" | head -1)"
    seeder_admin repo delete "$name" >/dev/null
    seeder_admin gc >/dev/null
    echo "$(secs "$(iso_secs "$started")" "$(iso_secs "$finished")") $(secs "$t0" "$t1")"
}

seeder_start() {
    local data="$tmp/seeder-data" i
    rm -rf "$data"
    ( grove_exec seeder serve --data "$data" --admin 127.0.0.1:0 --http 127.0.0.1:0 --peer 127.0.0.1:0 \
        >"$tmp/seeder.log" 2>&1 ) &
    seeder_pid=$!
    pids+=("$seeder_pid")
    for ((i = 0; i < 300; i++)); do
        [[ -s "$data/admin.url" ]] && break
        sleep 0.1
    done
    [[ -s "$data/admin.url" ]] || { cat "$tmp/seeder.log" >&2; echo "seeder did not start" >&2; return 1; }
    log "seeder: 2 warm-up imports (JIT)"
    seeder_import_once w1 "$tmp/usr-base" >/dev/null
    seeder_import_once w2 "$tmp/usr-base" >/dev/null
}

seeder_stop() {
    kill "$seeder_pid" 2>/dev/null || true
    wait "$seeder_pid" 2>/dev/null || true
}

bench_seeder_import() { # SRC NAME [PRELOAD_SRC]: a row; with PRELOAD_SRC, a repository holding it imports SRC
    local src="$1" name="$2" pre="${3:-}" i r st=() sw=() u=()
    for ((i = 0; i < REPS; i++)); do
        log "seeder import $name: run $((i + 1))/$REPS"
        u+=("$(run_ostree_pull "$src" "$pre" --untrusted)")
        r="$(seeder_import_once "$i" "$src" "$pre")"
        st+=("$(cut -d' ' -f1 <<<"$r")")
        sw+=("$(cut -d' ' -f2 <<<"$r")")
    done
    local mu mst msw
    mu="$(median_of "${u[@]}")"
    mst="$(median_of "${st[@]}")"
    msw="$(median_of "${sw[@]}")"
    echo "| $name | $mu | $mst | $msw | $(ratio "$mst" "$mu") | $(ratio "$msw" "$mu") |"
}

bench_import() {
    make_blob_repo
    make_usr_repo
    echo
    echo "### Import vs ostree pull-local (median of $REPS; seconds)"
    echo
    echo "Objects: new objects written by Grove. pull-local: stock \`ostree pull-local\` into a fresh archive repo (trusts"
    echo "the source; hard-links its files); --untrusted: same, verifying every object (and still hard-linking)."
    echo "grove: wall time of \`grove node import\` (cold JVM start included; hard-links like pull-local, verifying"
    echo "every object through its link); grove in-JVM: the importer's own elapsed time, as printed by the command;"
    echo "grove --copy: the same import writing a copy of every object."
    echo
    echo "| case | objects | pull-local | pull-local --untrusted | grove | grove in-JVM | grove --copy | grove/pull-local | grove/--untrusted | grove --copy/--untrusted |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    import_case "blobs: $(objects_of "$tmp/blob-repo") objects, $(mb_of "$tmp/blob-repo") MB" "$tmp/blob-repo"
    import_case "usr base: $(objects_of "$tmp/usr-base") objects, $(mb_of "$tmp/usr-base") MB" "$tmp/usr-base"
    import_case "usr child ($(cat "$tmp/usr-changed") files changed) over base" "$tmp/usr-repo" "$tmp/usr-base"
    echo
    echo "### Seeder import (warm service) vs ostree pull-local --untrusted (median of $REPS; seconds)"
    echo
    echo "A running seeder imports the directory into a fresh repository (\`grove seeder repo import NAME --dir\`,"
    echo "after two warm-up imports); task: the import task's own duration (startedAt..finishedAt: verify, stage,"
    echo "commit, new repository version); cli: wall time of the command, whose client JVM starts cold."
    echo
    echo "The child row imports the next release (the usr repo: base + a child commit with $(cat "$tmp/usr-changed")"
    echo "files changed) into a repository that already holds the base (imported untimed first, as pull-local's"
    echo "destination already holds it): what is timed is the child's import, new repository version included."
    echo
    echo "| case | pull-local --untrusted | seeder task | seeder cli | task/--untrusted | cli/--untrusted |"
    echo "|---|---|---|---|---|---|"
    seeder_start
    bench_seeder_import "$tmp/usr-base" "usr base: $(objects_of "$tmp/usr-base") objects"
    bench_seeder_import "$tmp/usr-repo" "usr child ($(cat "$tmp/usr-changed") files changed) over base" \
        "$tmp/usr-base"
    seeder_stop
}

# ---------------------------------------------------------------------------------------------- HTTP
wait_port() {
    local i
    for ((i = 0; i < 200; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 did not open" >&2
    return 1
}

wrk_rps() { # URL [LUA]
    local out
    if [[ -n "${2:-}" ]]; then
        out="$(wrk $WRK_ARGS -s "$2" "$1")"
    else
        out="$(wrk $WRK_ARGS "$1")"
    fi
    if grep -q "Non-2xx" <<<"$out"; then
        echo "wrk saw errors for $1:" >&2
        echo "$out" >&2
    fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}

wrk_mbs() { # URL  -> MB/s (transfer)
    local out
    out="$(wrk $WRK_ARGS "$1")"
    grep -q "Non-2xx" <<<"$out" && { echo "wrk saw errors for $1" >&2; echo "$out" >&2; }
    awk '/Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0;
        if (u=="GB") n*=1024; else if (u=="KB") n/=1024; else if (u!="MB") n/=1048576; printf "%.1f", n}' <<<"$out"
}

bench_http() {
    local data="$tmp/http-data" small="$tmp/http-small" big="$tmp/http-big"
    log "fixture: one ${LARGE_MB} MiB object and $SMALL_OBJECTS small objects"
    rm -rf "$data" "$small" "$big" "$tmp/http-repo"
    mkdir -p "$small" "$big"
    head -c "$((LARGE_MB * 1024 * 1024))" /dev/urandom >"$big/large.bin"
    local i
    # small objects of 1-16 KiB (the typical size of a .filez in an OS tree); random, so deflate cannot shrink them
    head -c "$((SMALL_OBJECTS * 16))K" /dev/urandom | split -a 6 -b 16K - "$small/s"
    i=0
    for f in "$small"/s*; do
        truncate -s "$((1024 + (i * 7919) % 15360))" "$f"
        i=$((i + 1))
    done
    ostree init --repo="$tmp/http-repo" --mode=archive
    ostree commit --repo="$tmp/http-repo" --branch=bench/http --tree=dir="$small" --tree=dir="$big" --no-xattrs \
        >/dev/null
    ostree summary --repo="$tmp/http-repo" -u
    rm -rf "$small" "$big"
    grove node import --data "$data" --distribution bench --from "$tmp/http-repo" >/dev/null
    local repo="$data/repo"
    local large
    large="$(find "$repo/objects" -name '*.filez' -size +$((LARGE_MB / 2))M | head -1)"
    large="${large#"$repo/"}"
    find "$repo/objects" -name '*.filez' -size -64k | sed "s|^$repo/||" >"$tmp/small-urls.txt"
    log "large object $large; $(wc -l <"$tmp/small-urls.txt") small objects"
    cat >"$tmp/urls.lua" <<LUA
local paths = {}
for line in io.lines("$tmp/small-urls.txt") do paths[#paths + 1] = "/repos/bench/" .. line end
local i = 0
request = function()
    i = i + 1
    if i > #paths then i = 1 end
    return wrk.format("GET", paths[i])
end
LUA
    mkdir -p "$tmp/nginx/logs"
    cat >"$tmp/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
error_log $tmp/nginx/logs/error.log warn;
pid $tmp/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush on;
    access_log off;
    keepalive_requests 1000000;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$PORT_NGINX;
        location /repos/bench/ { alias $repo/; }
    }
}
CONF
    nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" >/dev/null 2>&1 &
    pids+=($!)
    grove_exec node run --data "$data" --http "127.0.0.1:$PORT_GROVE" >/dev/null 2>"$tmp/grove-node.log" &
    pids+=($!)
    wait_port "$PORT_NGINX"
    wait_port "$PORT_GROVE"
    local n
    for n in "$PORT_NGINX" "$PORT_GROVE"; do # sanity + warm-up (JIT: a few hundred thousand requests; page cache)
        curl -sf -o /dev/null "http://127.0.0.1:$n/repos/bench/$large" || { echo "GET large failed on $n" >&2; exit 1; }
        wrk $WARMUP_ARGS -s "$tmp/urls.lua" "http://127.0.0.1:$n" >/dev/null
        wrk -t1 -c4 -d2s "http://127.0.0.1:$n/repos/bench/$large" >/dev/null
    done
    local gl=() nl=() gs=() ns=()
    for ((i = 0; i < REPS; i++)); do
        log "http: run $((i + 1))/$REPS"
        nl+=("$(wrk_mbs "http://127.0.0.1:$PORT_NGINX/repos/bench/$large")")
        gl+=("$(wrk_mbs "http://127.0.0.1:$PORT_GROVE/repos/bench/$large")")
        ns+=("$(wrk_rps "http://127.0.0.1:$PORT_NGINX" "$tmp/urls.lua")")
        gs+=("$(wrk_rps "http://127.0.0.1:$PORT_GROVE" "$tmp/urls.lua")")
    done
    local mnl mgl mns mgs
    mnl="$(median_of "${nl[@]}")"
    mgl="$(median_of "${gl[@]}")"
    mns="$(median_of "${ns[@]}")"
    mgs="$(median_of "${gs[@]}")"
    echo
    echo "### HTTP endpoint vs nginx (median of $REPS; wrk $WRK_ARGS)"
    echo
    echo "| case | nginx | grove | grove/nginx |"
    echo "|---|---|---|---|"
    echo "| one ${LARGE_MB} MiB .filez, MB/s | $mnl | $mgl | $(ratio "$mgl" "$mnl") |"
    echo "| $(wc -l <"$tmp/small-urls.txt") small objects by URL list, requests/s | $mns | $mgs | $(ratio "$mgs" "$mns") |"
}

# ---------------------------------------------------------------------------------------------- C. fresh filesystems
# Creating thousands of files right after deleting thousands (as the other cases do between repetitions) makes ext4
# skip the just-freed inodes one by one (recently_deleted() in the inode allocator, up to minutes after the delete):
# timings that create files then drift by 2x. Here every timed run writes into a new, empty ext4 filesystem.
fresh_fs() { # DIR: mounts a new, empty ext4 filesystem (FS_MB, default 2048) at DIR
    local img="$tmp/fs-$(basename "$1").img"
    truncate -s "${FS_MB:-2048}M" "$img"
    mkfs.ext4 -q -F "$img"
    mkdir -p "$1"
    mount -o loop "$img" "$1"
    mounts+=("$1")
}

drop_fs() { # DIR
    umount "$1"
    rm -f "$tmp/fs-$(basename "$1").img"
}

timed() { # COMMAND...: runs it, prints its wall time in seconds
    local t0 t1
    sync
    t0="$(now)"
    "$@" >/dev/null
    t1="$(now)"
    secs "$t0" "$t1"
}

extract_and_pull() { # TARBALL DIR: what a user does with a tarball: extract, then pull-local --untrusted
    mkdir "$2/x"
    tar -C "$2/x" -xf "$1"
    ostree init --repo="$2/pl" --mode=archive
    ostree pull-local --untrusted --repo="$2/pl" "$2/x/usr-base" >/dev/null
    sync -f "$2/pl"
}

pull_untrusted() { # SRC DIR
    ostree init --repo="$2/pl" --mode=archive
    ostree pull-local --untrusted --repo="$2/pl" "$1" >/dev/null
    sync -f "$2/pl"
}

bench_fresh() {
    [[ "$(id -u)" == 0 ]] && command -v mkfs.ext4 >/dev/null || { echo "fresh: needs root and mkfs.ext4" >&2; exit 1; }
    make_usr_repo
    tar -C "$tmp" -cf "$tmp/usr-base.tar" usr-base
    local i t=() gt=() d=() gd=() out fs
    for ((i = 0; i < REPS; i++)); do
        log "fresh: run $((i + 1))/$REPS"
        fs="$tmp/f-pl-$i"; fresh_fs "$fs"
        t+=("$(timed extract_and_pull "$tmp/usr-base.tar" "$fs")"); drop_fs "$fs"
        fs="$tmp/f-gt-$i"; fresh_fs "$fs"
        out="$(timed grove node import --data "$fs/data" --distribution bench --from "$tmp/usr-base.tar")"
        gt+=("$out")
        drop_fs "$fs"
        # the directory: copied onto the fresh filesystem untimed (hard links need the same filesystem)
        fs="$tmp/f-pd-$i"; fresh_fs "$fs"; cp -a "$tmp/usr-base" "$fs/src"
        d+=("$(timed pull_untrusted "$fs/src" "$fs")"); drop_fs "$fs"
        fs="$tmp/f-gd-$i"; fresh_fs "$fs"; cp -a "$tmp/usr-base" "$fs/src"
        gd+=("$(timed grove node import --data "$fs/data" --distribution bench --from "$fs/src")"); drop_fs "$fs"
    done
    local mt mgt md mgd
    mt="$(median_of "${t[@]}")"
    mgt="$(median_of "${gt[@]}")"
    md="$(median_of "${d[@]}")"
    mgd="$(median_of "${gd[@]}")"
    echo "### Import on fresh filesystems (median of $REPS; seconds, wall, grove's JVM start included)"
    echo
    echo "| input | what a user runs instead | that | \`grove node import\` | grove/that |"
    echo "|---|---|---|---|---|"
    echo "| usr base tarball ($(objects_of "$tmp/usr-base") objects) | tar -xf, then ostree pull-local --untrusted | $mt | $mgt | $(ratio "$mgt" "$mt") |"
    echo "| usr base directory | ostree pull-local --untrusted | $md | $mgd | $(ratio "$mgd" "$md") |"
    echo
    echo "runs: tarball: that ${t[*]}, grove ${gt[*]}; directory: that ${d[*]}, grove ${gd[*]}"
}

echo "## Grove benchmarks $(date -u +%FT%TZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(df -T "$tmp" | awk 'NR==2 {print $2}') at $tmp; $(java -version 2>&1 | head -1); $(ostree --version | sed -n 's/^ Version: //p' | tr -d "'" | sed 's/^/ostree /'); $(nginx -v 2>&1 | sed 's/.*: //'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
case "$what" in
    import) bench_import ;;
    http) bench_http ;;
    fresh) bench_fresh ;;
    all) bench_import; bench_http ;;
    *) echo "usage: $0 [all|import|http|fresh]" >&2; exit 2 ;;
esac
