#!/usr/bin/env bash
# test/bench/run.sh: schemaver's benchmarks (`make bench`)
#
#   test/bench/run.sh            or   make bench
#   BENCH_N=200 BENCH_LONG_N=500 BENCH_REPEAT=3 BENCH_SCALES="1000 10000" \
#       BENCH_PEERS=0 test/bench/run.sh        (a quick run, about 2 minutes)
#
# One command: installs the Debian packages that are missing, builds and
# installs the extension (make && make install in the repo root), starts a
# throw-away PostgreSQL 15 server as the "postgres" user (Unix socket only,
# in a scratch directory, stopped and removed on exit), generates the
# workloads into test/bench/out/work/, runs every workload side by side with
# its floor in alternating pairs (floor first in odd rounds, schemaver first
# in even ones), and prints medians, ratios and the targets of the issue
# with PASS/FAIL.  The table is also written to test/bench/out/results.md,
# the raw samples to test/bench/out/raw.tsv.
#
# Workloads (see the "Performance" section of README.md):
#   W1        N revisions, each CREATE TABLE t_i (...) + CREATE INDEX; floor:
#             the same statements in one file, psql -1 -f.  schemaver:
#             revisions registered beforehand (untimed), then
#             psql -c "SELECT count(*) FROM schemaver_upgrade('head')".
#             Then downgrade to base against DROP TABLE in reverse order.
#   W1 long   BENCH_LONG_N revisions through CALL schemaver_upgrade_stepwise()
#             against the floor with BEGIN; ...; COMMIT; per revision.
#   W1 ovh    the same as W1 with SELECT 1 revisions.
#   W2        no-op upgrade head with BENCH_NOOP_N (DDL) revisions registered
#             and stamped: server-side time per call, first call of a new
#             session and repeated calls, from EXPLAIN ANALYZE (planning +
#             execution time).
#   W3        BENCH_SCALES revision counts of SELECT 1: registration (one
#             transaction) against plain INSERTs, upgrade (whole process),
#             schemaver_history() (server side), backend memory growth.
#   LT        the W1 DDL revisions (and the W1 ovh SELECT 1 revisions)
#             upgraded with schemaver.lock_timeout set (and with
#             schemaver.lock_retries too) against the same upgrade without:
#             what a lock timeout costs when nothing contends.
#   peers     Alembic and Sqitch on W1 (and Alembic on W1 ovh), and the
#             no-op "upgrade head" at N of the three tools, whole processes.
#   ag        autogenerate: schemaver_diff of BENCH_AG_N tables (10 columns,
#             2 indexes and a foreign key each) against a desired copy with
#             a tenth of them changed, and against an equal copy; floor:
#             psql -1 -f of the desired text into an empty database.  Also
#             the backend's peak private memory growth during the diff.
#   lint      BENCH_LINT_N revisions of eleven statements altering live
#             tables (lint_big: 100,000 rows), registered, not applied:
#             schemaver_lint() of all of them, server side, first call of a
#             new session and repeated calls; the figure is per revision.
#   cli       the schemaver command: "schemaver upgrade head" with N revision
#             files, already at head, as a whole process, against Alembic's
#             "alembic upgrade head" at head on the same N revisions; and
#             "schemaver --fleet upgrade head" on BENCH_FLEET_N databases of
#             the seed's revisions (migrations/) with -j 2 against -j 1.
#
# Timing: whole processes are timed by benchtool.c (CLOCK_MONOTONIC around
# fork/exec/wait, nothing of the shell inside); server-side times come from
# EXPLAIN (ANALYZE) "Planning Time" + "Execution Time".  Every measured run
# uses a fresh database (CREATE DATABASE ... TEMPLATE template0 + CREATE
# EXTENSION schemaver), and a CHECKPOINT before each timed command.
#
# Environment knobs (defaults in brackets):
#   BENCH_N [1000]             W1 revisions
#   BENCH_LONG_N [5000]        W1 long revisions
#   BENCH_REPEAT [5]           rounds (pairs) per workload
#   BENCH_NOOP_N [10000]       revisions for W2
#   BENCH_SESSIONS [10]        new sessions sampled for W2 and history()
#   BENCH_CALLS [10]           calls per session for W2 / history()
#   BENCH_SCALES ["1000 10000 100000"]
#   BENCH_PEERS [1]            0: skip Alembic and Sqitch
#   BENCH_SQITCH_REPEAT [1]    Sqitch runs (each ~5 minutes: deploy + revert)
#   BENCH_NOOP_REPEAT [5]      whole-process no-op samples per round
#   BENCH_AG_N [1000]          tables of the autogenerate workload
#   BENCH_AG_REPEAT [3]        rounds of the autogenerate workload
#   BENCH_LINT_N [1000]        revisions for the lint workload
#   BENCH_ONLY ["w1 long ovh w2 w3 lt ag lint cli"]  subset of workloads
#   BENCH_FLEET_N [50]         databases of the cli fleet workload
#   BENCH_PORT [5477]          port number of the private server (socket only)
#   BENCH_TIMEOUT [1800]       seconds before one timed command is killed
#   BENCH_SKIP_BUILD [0]       1: do not run make && make install
#   BENCH_KEEP [0]             1: keep the scratch directory (server data)
#   SCHEMAVER_SKIP_APT [0]     1: never call apt-get
#
# The default run (all workloads, 100,000 scale, 5 rounds, peers with one
# Sqitch run) takes about 25-30 minutes on the 2-core machine; the Sqitch run
# is about 5 of them, the 100,000 scale about 7.  BENCH_PEERS=0 and
# BENCH_SCALES="1000 10000" make it much shorter.  Other work on the machine
# (load average above ~1) makes the figures noisy: the table prints the load.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)
# shellcheck source=test/lib/common.sh
. "$ROOT/test/lib/common.sh"

case ${1:-} in
    -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    "") ;;
    *) echo "unknown argument: $1 (settings are environment variables, see --help)" >&2; exit 2 ;;
esac

BENCH_N=${BENCH_N:-1000}
BENCH_LONG_N=${BENCH_LONG_N:-5000}
BENCH_REPEAT=${BENCH_REPEAT:-5}
BENCH_NOOP_N=${BENCH_NOOP_N:-10000}
BENCH_SESSIONS=${BENCH_SESSIONS:-10}
BENCH_CALLS=${BENCH_CALLS:-10}
BENCH_SCALES=${BENCH_SCALES:-"1000 10000 100000"}
BENCH_PEERS=${BENCH_PEERS:-1}
BENCH_SQITCH_REPEAT=${BENCH_SQITCH_REPEAT:-1}
BENCH_NOOP_REPEAT=${BENCH_NOOP_REPEAT:-5}
BENCH_ONLY=${BENCH_ONLY:-"w1 long ovh w2 w3 lt ag lint cli"}
BENCH_AG_N=${BENCH_AG_N:-1000}
BENCH_AG_REPEAT=${BENCH_AG_REPEAT:-3}
BENCH_LINT_N=${BENCH_LINT_N:-1000}
BENCH_FLEET_N=${BENCH_FLEET_N:-50}
BENCH_PORT=${BENCH_PORT:-5477}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
BENCH_KEEP=${BENCH_KEEP:-0}

OUT="$BENCH_DIR/out"
WORK="$OUT/work"
LOGS="$OUT/logs"
RAW="$OUT/raw.tsv"
META="$OUT/meta.tsv"
TOOL="$OUT/benchtool"
PY=/usr/bin/python3             # Debian's: the one python3-alembic is for

want() { [[ " $BENCH_ONLY " == *" $1 "* ]]; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }

# ---------------------------------------------------------------------------
# Packages (apt-get update once, then install, only when something is missing)
# ---------------------------------------------------------------------------
ensure_bench_packages() {
    local -a missing=()
    mapfile -t missing < <(sv_missing_packages)
    sv_pkg_installed python3 && [ -x "$PY" ] || missing+=(python3)
    if [ "$BENCH_PEERS" = 1 ] || want cli; then
        # the cli workload measures against Alembic too
        "$PY" -c 'import alembic' >/dev/null 2>&1 || missing+=(python3-alembic)
        "$PY" -c 'import psycopg2' >/dev/null 2>&1 || missing+=(python3-psycopg2)
    fi
    if [ "$BENCH_PEERS" = 1 ]; then
        command -v sqitch >/dev/null 2>&1 || missing+=(sqitch)
        perl -MDBD::Pg -e 1 >/dev/null 2>&1 || missing+=(libdbd-pg-perl)
    fi
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    if [ "${SCHEMAVER_SKIP_APT:-0}" = 1 ]; then
        sv_die "missing packages: ${missing[*]} (SCHEMAVER_SKIP_APT=1)"
    fi
    [ "$(id -u)" -eq 0 ] || sv_die "missing packages: ${missing[*]}; run as root or install them"
    log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------
TMP=""
PGBIN_PRIV="$SV_PGBIN"
cleanup() {
    if [ -n "$TMP" ]; then
        if [ -d "$TMP/data" ]; then
            sv_as_test_user "$TMP" "$PGBIN_PRIV/pg_ctl" -D "$TMP/data" -m fast stop \
                >/dev/null 2>&1 || true
        fi
        if [ "$BENCH_KEEP" = 1 ]; then
            log "kept $TMP"
        else
            sv_cleanup_tmp "$TMP"
        fi
    fi
}

# private_install: a private copy of the PostgreSQL 15 installation in
# $TMP/root with the build of the repo root installed into it (DESTDIR), as
# test/asan.sh does.  The bench server runs from it, so that another
# `make install` into the system directories (other engineers' test runs)
# cannot swap schemaver.so or its scripts in the middle of a run.  bin/ is
# copied (PostgreSQL finds $libdir and its share directory relative to the
# real path of the postgres executable); lib/ and share/ are symlink farms
# of the system ones except for schemaver's own files.
private_install() {
    local lib share
    lib=$("$SV_PG_CONFIG" --pkglibdir)
    share=$("$SV_PG_CONFIG" --sharedir)
    PRIV="$TMP/root"
    PGBIN_PRIV="$PRIV$SV_PGBIN"
    mkdir -p "$(dirname "$PRIV$SV_PGBIN")" "$(dirname "$PRIV$share")"
    cp -a "$SV_PGBIN" "$PGBIN_PRIV"
    cp -rs "$lib" "$PRIV$lib"
    cp -rs "$share" "$PRIV$share"
    rm -f "$PRIV$lib/schemaver.so" "$PRIV$lib/bitcode/schemaver.index.bc"
    rm -rf "$PRIV$lib/bitcode/schemaver"
    rm -f "$PRIV$share"/extension/schemaver*
    make -C "$ROOT" PG_CONFIG="$SV_PG_CONFIG" DESTDIR="$PRIV" install >"$LOGS/install-private.log" 2>&1 \
        || { tail -20 "$LOGS/install-private.log"; sv_die "private install failed"; }
    [ -f "$PRIV$lib/schemaver.so" ] && [ ! -L "$PRIV$lib/schemaver.so" ] \
        || sv_die "schemaver.so is missing from the private tree"
    chown -R postgres: "$PRIV"
}

start_server() {
    SOCK="$TMP/sock"
    sv_as_test_user "$TMP" mkdir -p "$SOCK"
    sv_as_test_user "$TMP" "$PGBIN_PRIV/initdb" -D "$TMP/data" -A trust -U postgres \
        -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
        || { cat "$LOGS/initdb.log"; sv_die "initdb failed"; }
    # the server's defaults, except where it listens and where it logs
    sv_as_test_user "$TMP" "$PGBIN_PRIV/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
        -o "-p $BENCH_PORT -c listen_addresses='' -k $SOCK" start >"$LOGS/pg_ctl.log" 2>&1 \
        || { cat "$LOGS/pg_ctl.log" "$TMP/server.log" 2>/dev/null; sv_die "server did not start"; }
    export PGHOST="$SOCK" PGPORT="$BENCH_PORT" PGUSER=postgres
    unset PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
}

# the psql binary itself, not Debian's pg_wrapper (a Perl script that adds
# ~35 ms to every start here); Sqitch is configured to use it too
PSQL=("$SV_PGBIN/psql" -X -q -v ON_ERROR_STOP=1)

# sql DB STATEMENT: run one statement, print its unaligned result
sql() {
    local db=$1; shift
    "${PSQL[@]}" -At -d "$db" -c "$1"
}

# newdb DB: a fresh database with the extension
newdb() {
    local db=$1
    sql postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    sql postgres "CREATE DATABASE $db TEMPLATE template0" >/dev/null
    sql "$db" "CREATE EXTENSION schemaver" >/dev/null
}

dropdb_() {
    sql postgres "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

checkpoint() {
    sql postgres "CHECKPOINT" >/dev/null
}

# register DB DIR: run DIR/register.sql in one transaction (untimed)
register() {
    "${PSQL[@]}" -d "$1" -1 -f "$2/register.sql" >/dev/null 2>"$LOGS/register.log" \
        || { tail -5 "$LOGS/register.log" >&2; sv_die "registration failed"; }
}

# ---------------------------------------------------------------------------
# Recording
# ---------------------------------------------------------------------------
# record KEY VALUE [STATUS]
record() {
    printf '%s\t%s\t%s\n' "$1" "$2" "${3:-0}" >>"$RAW"
}

# timed KEY LOGNAME CMD...: time one whole process; stdout is discarded,
# stderr goes to $LOGS/LOGNAME.log.  A failure is recorded (and shown), not
# fatal: the table reports it.
timed() {
    local key=$1 logname=$2; shift 2
    local tfile="$OUT/.time" line secs status
    rm -f "$tfile"
    "$TOOL" time "$tfile" "$BENCH_TIMEOUT" "$@" >/dev/null 2>"$LOGS/$logname.log" || true
    line=$(tail -1 "$tfile")
    secs=${line% *}
    status=${line#* }
    record "$key" "$secs" "$status"
    # the machine's load when the command ended: other work on the 2 cores
    # makes the figures noisy, and the table says so
    record load1 "$(cut -d' ' -f1 /proc/loadavg)"
    if [ "$status" != 0 ]; then
        log "  $key FAILED (status $status), last lines of $LOGS/$logname.log:"
        tail -5 "$LOGS/$logname.log" | sed 's/^/      /'
    else
        log "  $key ${secs}s"
    fi
    return 0
}

# explain_times DB FILE KEY_FIRST KEY_REST: run FILE (EXPLAIN ANALYZE
# statements) in one new session and record planning + execution time of
# the first statement under KEY_FIRST and of the others under KEY_REST (ms)
explain_times() {
    local db=$1 file=$2 kfirst=$3 krest=$4
    "${PSQL[@]}" -At -d "$db" -f "$file" 2>>"$LOGS/explain.log" | awk -v kf="$kfirst" -v kr="$krest" '
        /^Planning Time:/ { p = $3 }
        /^Execution Time:/ { n++; printf "%s\t%.3f\t0\n", (n == 1 ? kf : kr), p + $3 }
    ' >>"$RAW"
}

# explain_file FILE N STATEMENT: N EXPLAIN ANALYZE of a query
explain_file() {
    local file=$1 n=$2 q=$3
    : >"$file"
    for ((i = 0; i < n; i++)); do
        echo "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $q;" >>"$file"
    done
}


has_stepwise() {
    [ "$(sql "$1" "SELECT count(*) FROM pg_catalog.pg_proc WHERE proname = 'schemaver_upgrade_stepwise'")" != 0 ]
}

# ---------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------

# W1 (and W1 ovh: the same with SELECT 1 revisions) for one side, one round
w1_side() {
    local wl=$1 dir=$2 side=$3 round=$4 n=$5
    local db="b_${wl}_${side}_$round"
    local url="postgresql+psycopg2://postgres@/$db?host=$SOCK&port=$BENCH_PORT"
    local -a alembic=("$PY" -m alembic -c "$dir/alembic/alembic.ini")
    newdb "$db"
    case $side in
        floor)
            checkpoint
            timed "$wl.up.floor" "$wl.up.floor" "${PSQL[@]}" -d "$db" -1 -f "$dir/floor_up.sql"
            if [ "$wl" = w1 ]; then
                checkpoint
                timed "$wl.down.floor" "$wl.down.floor" "${PSQL[@]}" -d "$db" -1 -f "$dir/floor_down.sql"
            fi
            ;;
        sv)
            register "$db" "$dir"
            checkpoint
            timed "$wl.up.sv" "$wl.up.sv" "${PSQL[@]}" -d "$db" \
                -c "SELECT count(*) FROM schemaver_upgrade('head')"
            if [ "$wl" = w1 ]; then
                for ((k = 0; k < BENCH_NOOP_REPEAT; k++)); do
                    timed "noop.sv" "noop.sv" "${PSQL[@]}" -d "$db" \
                        -c "SELECT count(*) FROM schemaver_upgrade('head')"
                    # the least a psql -c process costs on this machine
                    timed "noop.psql" "noop.psql" "${PSQL[@]}" -d "$db" -c "SELECT 1"
                done
                checkpoint
                timed "$wl.down.sv" "$wl.down.sv" "${PSQL[@]}" -d "$db" \
                    -c "SELECT count(*) FROM schemaver_downgrade('base')"
            fi
            ;;
        alembic)
            checkpoint
            BENCH_ALEMBIC_URL=$url timed "$wl.up.alembic" "$wl.up.alembic" "${alembic[@]}" upgrade head
            if [ "$wl" = w1 ]; then
                for ((k = 0; k < BENCH_NOOP_REPEAT; k++)); do
                    BENCH_ALEMBIC_URL=$url timed "noop.alembic" "noop.alembic" "${alembic[@]}" upgrade head
                done
                checkpoint
                BENCH_ALEMBIC_URL=$url timed "$wl.down.alembic" "$wl.down.alembic" "${alembic[@]}" downgrade base
            fi
            ;;
        sqitch)
            checkpoint
            timed "$wl.up.sqitch" "$wl.up.sqitch" sqitch -C "$dir/sqitch" deploy "db:pg:$db"
            for ((k = 0; k < BENCH_NOOP_REPEAT; k++)); do
                timed "noop.sqitch" "noop.sqitch" sqitch -C "$dir/sqitch" deploy "db:pg:$db"
            done
            checkpoint
            timed "$wl.down.sqitch" "$wl.down.sqitch" sqitch -C "$dir/sqitch" revert -y "db:pg:$db"
            ;;
    esac
    dropdb_ "$db"
}

run_w1() {
    local wl=$1 kind=$2 n=$3 peers=$4
    local dir="$WORK/${kind}_$n"
    local -a sides
    log "$wl: $n $kind revisions, $BENCH_REPEAT rounds"
    for ((r = 1; r <= BENCH_REPEAT; r++)); do
        if ((r % 2)); then sides=(floor sv); else sides=(sv floor); fi
        if [ "$peers" = 1 ]; then
            sides+=(alembic)
            if [ "$wl" = w1 ] && ((r <= BENCH_SQITCH_REPEAT)); then
                sides+=(sqitch)
            fi
        fi
        for side in "${sides[@]}"; do
            w1_side "$wl" "$dir" "$side" "$r" "$n"
        done
    done
}

run_long() {
    local n=$BENCH_LONG_N dir="$WORK/ddl_$BENCH_LONG_N" db
    local -a sides
    log "W1 long: $n DDL revisions, committing per revision, $BENCH_REPEAT rounds"
    local stepwise=1
    newdb b_long_probe
    if ! has_stepwise b_long_probe; then
        stepwise=0
        log "  schemaver_upgrade_stepwise is missing: only the floor is run"
        record long.sv.missing 1
    fi
    dropdb_ b_long_probe
    for ((r = 1; r <= BENCH_REPEAT; r++)); do
        if ((r % 2)); then sides=(floor sv); else sides=(sv floor); fi
        for side in "${sides[@]}"; do
            db="b_long_${side}_$r"
            if [ "$side" = floor ]; then
                newdb "$db"
                checkpoint
                timed long.floor long.floor "${PSQL[@]}" -d "$db" -f "$dir/floor_up_commit.sql"
                dropdb_ "$db"
            elif [ "$stepwise" = 1 ]; then
                newdb "$db"
                register "$db" "$dir"
                checkpoint
                timed long.sv long.sv "${PSQL[@]}" -d "$db" -c "CALL schemaver_upgrade_stepwise()"
                dropdb_ "$db"
            fi
        done
    done
}

# LT: one kind of revisions (ddl, select1), upgraded without a lock timeout,
# with schemaver.lock_timeout, and with lock_retries as well (a
# subtransaction per revision), in rotating order, each on a fresh database
run_lt() {
    local kind=$1 n=$2 dir="$WORK/${1}_$2" db opts
    local -a sides
    log "LT: $n $kind revisions, schemaver.lock_timeout off / on / on with retries, $BENCH_REPEAT rounds"
    for ((r = 1; r <= BENCH_REPEAT; r++)); do
        case $((r % 3)) in
            1) sides=(off on retries) ;;
            2) sides=(on retries off) ;;
            0) sides=(retries off on) ;;
        esac
        for side in "${sides[@]}"; do
            db="b_lt_${kind}_${side}_$r"
            case $side in
                off) opts="" ;;
                on) opts="-c schemaver.lock_timeout=5s" ;;
                retries) opts="-c schemaver.lock_timeout=5s -c schemaver.lock_retries=3" ;;
            esac
            newdb "$db"
            register "$db" "$dir"
            checkpoint
            PGOPTIONS="$opts" timed "lt.$kind.$side" "lt.$kind.$side" "${PSQL[@]}" -d "$db" \
                -c "SELECT count(*) FROM schemaver_upgrade('head')"
            dropdb_ "$db"
        done
    done
}

run_w2() {
    local n=$BENCH_NOOP_N dir="$WORK/ddl_$BENCH_NOOP_N" db=b_w2
    log "W2: no-op upgrade head with $n revisions (registered and stamped)"
    newdb "$db"
    register "$db" "$dir"
    sql "$db" "SELECT count(*) FROM schemaver_stamp('head')" >/dev/null 2>"$LOGS/w2.stamp.log"
    sql "$db" "VACUUM ANALYZE" >/dev/null
    checkpoint
    explain_file "$OUT/w2.sql" "$BENCH_CALLS" "SELECT count(*) FROM schemaver_upgrade('head')"
    explain_file "$OUT/trivial.sql" "$BENCH_CALLS" "SELECT count(*) FROM pg_catalog.generate_series(1, 1)"
    # what the least a no-op call must do costs: take the lock, read the
    # version rows (first query on the schemaver tables in a new session)
    explain_file "$OUT/lockread.sql" "$BENCH_CALLS" \
        "SELECT pg_catalog.pg_advisory_xact_lock($((0x73766572)), $((0x6c6f636b))), (SELECT pg_catalog.array_agg(v.revision) FROM schemaver.version v)"
    for ((s = 0; s < BENCH_SESSIONS; s++)); do
        explain_times "$db" "$OUT/w2.sql" w2.first_ms w2.repeat_ms
        explain_times "$db" "$OUT/trivial.sql" trivial.first_ms trivial.repeat_ms
        explain_times "$db" "$OUT/lockread.sql" lockread.first_ms lockread.repeat_ms
    done
    # the rows it must find: still at head, nothing done
    [ "$(sql "$db" "SELECT count(*) FROM schemaver_upgrade('head')")" = 0 ] \
        || log "  warning: the no-op upgrade did something"
    dropdb_ "$db"
}

# W3, one scale, one round
w3_round() {
    local n=$1 r=$2 dir="$WORK/select1_$1"
    local dbs="b_w3_${n}_sv_$r" dbp="b_w3_${n}_plain_$r"
    local first second
    if ((r % 2)); then first=sv; second=plain; else first=plain; second=sv; fi
    for side in $first $second; do
        if [ "$side" = sv ]; then
            newdb "$dbs"
            checkpoint
            timed "w3.$n.reg.sv" "w3.reg.sv" "${PSQL[@]}" -d "$dbs" -1 -f "$dir/register.sql"
        else
            newdb "$dbp"
            sql "$dbp" "CREATE TABLE public.bench_plain (LIKE schemaver.revision INCLUDING ALL)" >/dev/null
            checkpoint
            timed "w3.$n.reg.plain" "w3.reg.plain" "${PSQL[@]}" -d "$dbp" -1 -f "$dir/plain_insert.sql"
            dropdb_ "$dbp"
        fi
    done

    # upgrade, whole process; the script also tells its backend's pid and
    # its /proc status before and after, for the memory figures
    local pidf="$OUT/.pid" before="$OUT/.status_before" after="$OUT/.status_after" samp="$OUT/.sample"
    rm -f "$pidf" "$before" "$after" "$samp"
    cat >"$OUT/w3_upgrade.sql" <<EOF
\\o $pidf
SELECT pg_catalog.pg_backend_pid();
\\o $before
SELECT pg_catalog.pg_read_file('/proc/self/status');
\\o
SELECT count(*) FROM schemaver_upgrade('head');
\\o $after
SELECT pg_catalog.pg_read_file('/proc/self/status');
\\o
EOF
    checkpoint
    "$TOOL" sample "$pidf" "$samp" 5 &
    local sampler=$!
    timed "w3.$n.up" "w3.up" "${PSQL[@]}" -At -d "$dbs" -f "$OUT/w3_upgrade.sql"
    wait "$sampler" || true
    if [ -s "$before" ] && [ -s "$after" ] && [ -s "$samp" ]; then
        local anon0 hwm0 hwm1 peak_anon
        anon0=$(awk '/^RssAnon:/ {print $2}' "$before")
        hwm0=$(awk '/^VmHWM:/ {print $2}' "$before")
        hwm1=$(awk '/^VmHWM:/ {print $2}' "$after")
        peak_anon=$(awk '{print $1}' "$samp")
        # the sampler may miss the last moments: the status read after the
        # upgrade counts too
        local anon1
        anon1=$(awk '/^RssAnon:/ {print $2}' "$after")
        ((anon1 > peak_anon)) && peak_anon=$anon1
        record "w3.$n.mem_anon_kb" $((peak_anon - anon0))
        record "w3.$n.mem_hwm_kb" $((hwm1 - hwm0))
        record "w3.$n.mem_samples" "$(awk '{print $4}' "$samp")"
    fi

    # history(), server side, in new sessions on the database at head; for
    # reference, the floor of any set-returning function that returns those
    # rows: a PL/pgSQL RETURN QUERY of the same stored columns, in table
    # order (no graph, no ordering), materialized the same way
    sql "$dbs" "CREATE FUNCTION public.bench_history_floor()
        RETURNS TABLE (revision text, down_revision text[], message text,
                       branch_labels text[], depends_on text[], is_head boolean,
                       is_current boolean, applied boolean,
                       applied_at timestamptz, applied_by name)
        LANGUAGE plpgsql AS \$f\$ BEGIN RETURN QUERY
        SELECT r.revision, r.down_revision, r.message, r.branch_labels,
               r.depends_on, false, false, a.revision IS NOT NULL,
               a.applied_at, a.applied_by
          FROM schemaver.revision r
          LEFT JOIN schemaver.applied a ON a.revision = r.revision; END \$f\$" >/dev/null
    explain_file "$OUT/hist.sql" 2 "SELECT count(*) FROM schemaver_history()"
    explain_file "$OUT/histref.sql" 2 "SELECT count(*) FROM public.bench_history_floor()"
    for ((s = 0; s < (BENCH_SESSIONS + 1) / 2; s++)); do
        explain_times "$dbs" "$OUT/hist.sql" "w3.$n.hist.first_ms" "w3.$n.hist.repeat_ms"
        explain_times "$dbs" "$OUT/histref.sql" "w3.$n.histref.first_ms" "w3.$n.histref.repeat_ms"
    done
    dropdb_ "$dbs"
}

run_w3() {
    for n in $BENCH_SCALES; do
        log "W3: $n SELECT 1 revisions, $BENCH_REPEAT rounds"
        for ((r = 1; r <= BENCH_REPEAT; r++)); do
            w3_round "$n" "$r"
        done
    done
}


# autogenerate, one figure ("changed" or "equal"), one round: the floor is
# psql -1 -f of the desired text into an empty database; schemaver's side
# is schemaver_diff of that text on a database that holds schema.sql
# (loaded untimed), run by a psql script that also reports its backend's
# pid and /proc status (memory figure, as W3)
ag_round() {
    local fig=$1 r=$2 dir="$WORK/autogen_$BENCH_AG_N"
    local src=schema.sql dbf="b_ag_${fig}_floor_$r" dbs="b_ag_${fig}_sv_$r" first second
    [ "$fig" = changed ] && src=changed.sql
    if ((r % 2)); then first=floor; second=sv; else first=sv; second=floor; fi
    for side in $first $second; do
        if [ "$side" = floor ]; then
            newdb "$dbf"
            checkpoint
            timed "ag.$fig.floor" "ag.$fig.floor" "${PSQL[@]}" -d "$dbf" -1 -f "$dir/$src"
            dropdb_ "$dbf"
        else
            newdb "$dbs"
            "${PSQL[@]}" -d "$dbs" -1 -f "$dir/schema.sql" >/dev/null 2>"$LOGS/ag.load.log" \
                || { tail -5 "$LOGS/ag.load.log" >&2; sv_die "loading the autogenerate schema failed"; }
            sql "$dbs" "VACUUM ANALYZE" >/dev/null
            rm -f "$dir/.pid" "$dir/.status_before" "$dir/.status_after" "$OUT/.sample"
            checkpoint
            "$TOOL" sample "$dir/.pid" "$OUT/.sample" 5 &
            local sampler=$!
            timed "ag.$fig.sv" "ag.$fig.sv" "${PSQL[@]}" -At -d "$dbs" -f "$dir/diff_$fig.sql"
            wait "$sampler" || true
            if [ -s "$dir/.status_before" ] && [ -s "$dir/.status_after" ] && [ -s "$OUT/.sample" ]; then
                local anon0 anon1 peak
                anon0=$(awk '/^RssAnon:/ {print $2}' "$dir/.status_before")
                anon1=$(awk '/^RssAnon:/ {print $2}' "$dir/.status_after")
                peak=$(awk '{print $1}' "$OUT/.sample")
                ((anon1 > peak)) && peak=$anon1
                record "ag.$fig.mem_anon_kb" $((peak - anon0))
            fi
            dropdb_ "$dbs"
        fi
    done
}

run_ag() {
    log "autogenerate: $BENCH_AG_N tables, $BENCH_AG_REPEAT rounds"
    for ((r = 1; r <= BENCH_AG_REPEAT; r++)); do
        ag_round changed "$r"
        ag_round equal "$r"
    done
}

# lint: schemaver_lint() of BENCH_LINT_N registered revisions against live
# tables, server side (EXPLAIN ANALYZE), in new sessions: the first call and
# the repeated ones
run_lint() {
    local n=$BENCH_LINT_N dir="$WORK/lint_$BENCH_LINT_N" db=b_lint
    local calls=3 sessions=$(((BENCH_SESSIONS + 1) / 2))
    log "lint: schemaver_lint() of $n revisions, $sessions sessions x $calls calls"
    newdb "$db"
    "${PSQL[@]}" -d "$db" -f "$dir/lint_setup.sql" >/dev/null 2>"$LOGS/lint.setup.log" \
        || { tail -5 "$LOGS/lint.setup.log" >&2; sv_die "lint setup failed"; }
    register "$db" "$dir"
    sql "$db" "VACUUM ANALYZE" >/dev/null
    checkpoint
    explain_file "$OUT/lint.sql" "$calls" "SELECT count(*) FROM schemaver_lint()"
    for ((s = 0; s < sessions; s++)); do
        explain_times "$db" "$OUT/lint.sql" lint.first_ms lint.repeat_ms
    done
    record lint.findings "$(sql "$db" "SELECT count(*) FROM schemaver_lint()")"
    record load1 "$(cut -d' ' -f1 /proc/loadavg)"
    dropdb_ "$db"
}

# fleet_floor_script SQLFILE STEP FIRST: a psql script that runs SQLFILE in
# one transaction in every STEP-th database of the fleet from the FIRST on
# (b_fleet_FIRST, b_fleet_FIRST+STEP, ...), going from one to the next with \c
fleet_floor_script() {
    local file=$1 step=$2 first=$3 i
    for ((i = first; i <= BENCH_FLEET_N; i += step)); do
        printf "\\\\c b_fleet_%d\\nBEGIN;\\n\\\\i '%s'\\nCOMMIT;\\n" "$i" "$file"
    done
}

# cli: the schemaver command as a whole process.
#  1. no-op: N revision files (gen.py --files), a database stamped at head
#     by the command itself; "schemaver upgrade head" (read and hash the
#     files, one round trip to find them registered, then the no-op
#     upgrade) against "alembic upgrade head" at head on the same N
#     revisions (gen.py --alembic), in alternating rounds;
#  2. fleet: BENCH_FLEET_N databases, each taken back to base (untimed),
#     then "schemaver --fleet FILE upgrade head" of migrations/ with -j 1,
#     -j 2 and -j 4, in an order that turns each round; and the floor of
#     that parallelism, the same DDL run by psql (one process that goes
#     through the databases with \c, BEGIN, the upgrade SQL, COMMIT), once
#     alone and once as two such processes at once, each on half of the
#     databases.  The floor's own two-at-once / one-at-a-time ratio is what
#     the machine allows any client.
run_cli() {
    local n=$BENCH_N dir="$WORK/ddl_$BENCH_N" sv="$PGBIN_PRIV/schemaver"
    local url="postgresql+psycopg2://postgres@/b_cli_al?host=$SOCK&port=$BENCH_PORT"
    local -a alembic=("$PY" -m alembic -c "$dir/alembic/alembic.ini")
    local -a sides
    log "cli: no-op upgrade head at head with $n revision files, schemaver and Alembic, $BENCH_REPEAT rounds"
    newdb b_cli_sv
    newdb b_cli_al
    "$sv" -d b_cli_sv --dir "$dir/files" -q stamp head >/dev/null 2>"$LOGS/cli.setup.log" \
        || { tail -5 "$LOGS/cli.setup.log"; sv_die "schemaver stamp head failed"; }
    BENCH_ALEMBIC_URL=$url "${alembic[@]}" stamp head >/dev/null 2>>"$LOGS/cli.setup.log" \
        || { tail -5 "$LOGS/cli.setup.log"; sv_die "alembic stamp head failed"; }
    for ((r = 1; r <= BENCH_REPEAT; r++)); do
        if ((r % 2)); then sides=(sv alembic); else sides=(alembic sv); fi
        for side in "${sides[@]}"; do
            for ((k = 0; k < BENCH_NOOP_REPEAT; k++)); do
                if [ "$side" = sv ]; then
                    timed cli.noop.sv cli.noop.sv "$sv" -d b_cli_sv --dir "$dir/files" upgrade head
                else
                    BENCH_ALEMBIC_URL=$url timed cli.noop.alembic cli.noop.alembic "${alembic[@]}" upgrade head
                fi
            done
        done
        timed cli.noop.psql cli.noop.psql "${PSQL[@]}" -d b_cli_sv -c "SELECT 1"
    done
    dropdb_ b_cli_sv
    dropdb_ b_cli_al

    local m=$BENCH_FLEET_N fleet="$OUT/fleet.conf" order k
    log "cli: upgrade head on $m databases of migrations/, -j 1, 2, 4 and the psql floor, $BENCH_REPEAT rounds"
    newdb b_fleet_tmpl
    : >"$fleet"
    for ((i = 1; i <= m; i++)); do
        sql postgres "DROP DATABASE IF EXISTS b_fleet_$i WITH (FORCE)" >/dev/null 2>&1 || true
        sql postgres "CREATE DATABASE b_fleet_$i TEMPLATE b_fleet_tmpl" >/dev/null
        echo "b_fleet_$i" >>"$fleet"
    done
    # register the files everywhere once (each timed run then finds them)
    "$sv" --fleet "$fleet" --dir "$ROOT/migrations" -j 2 -q upgrade head >/dev/null 2>"$LOGS/cli.fleet.setup.log" \
        || { tail -5 "$LOGS/cli.fleet.setup.log"; sv_die "fleet setup failed"; }
    # the floor's scripts: the revisions' SQL in the order the setup applied
    # them (schemaver.log), and their downgrades in the reverse order
    sql b_fleet_1 "SELECT string_agg(r.upgrade_sql, E'\n;\n' ORDER BY l.id)
                     FROM schemaver.log l JOIN schemaver.revision r USING (revision)
                    WHERE l.operation = 'upgrade'" >"$OUT/fleet_up.sql"
    sql b_fleet_1 "SELECT string_agg(r.downgrade_sql, E'\n;\n' ORDER BY l.id DESC)
                     FROM schemaver.log l JOIN schemaver.revision r USING (revision)
                    WHERE l.operation = 'upgrade'" >"$OUT/fleet_down.sql"
    fleet_floor_script "$OUT/fleet_up.sql" 1 1 >"$OUT/fleet_up_all.psql"
    fleet_floor_script "$OUT/fleet_up.sql" 2 1 >"$OUT/fleet_up_odd.psql"
    fleet_floor_script "$OUT/fleet_up.sql" 2 2 >"$OUT/fleet_up_even.psql"
    fleet_floor_script "$OUT/fleet_down.sql" 1 1 >"$OUT/fleet_down_all.psql"
    local -a runs=(j1 j2 j4 p1 p2)
    for ((r = 1; r <= BENCH_REPEAT; r++)); do
        # turn the order each round, so that no kind always runs first
        for ((k = 0; k < ${#runs[@]}; k++)); do
            local run=${runs[$(((k + r) % ${#runs[@]}))]}
            "$sv" --fleet "$fleet" --dir "$ROOT/migrations" -j 2 -q downgrade base >/dev/null 2>>"$LOGS/cli.fleet.setup.log" \
                || { tail -5 "$LOGS/cli.fleet.setup.log"; sv_die "fleet downgrade failed"; }
            checkpoint
            case $run in
                j*) timed "cli.fleet.$run" "cli.fleet.$run" "$sv" --fleet "$fleet" --dir "$ROOT/migrations" -j "${run#j}" -q upgrade head ;;
                p1) timed cli.fleet.p1 cli.fleet.p1 bash -c '"$@" -f "$0"' "$OUT/fleet_up_all.psql" "${PSQL[@]}" -d postgres ;;
                p2) timed cli.fleet.p2 cli.fleet.p2 bash -c '"$@" -f "${0%%|*}" & p=$!; "$@" -f "${0#*|}"; s=$?; wait $p && exit $s' \
                        "$OUT/fleet_up_odd.psql|$OUT/fleet_up_even.psql" "${PSQL[@]}" -d postgres ;;
            esac
            # the floor left the tables without schemaver knowing: take them away
            if [[ $run == p* ]]; then
                "${PSQL[@]}" -d postgres -f "$OUT/fleet_down_all.psql" >/dev/null 2>>"$LOGS/cli.fleet.setup.log" \
                    || { tail -5 "$LOGS/cli.fleet.setup.log"; sv_die "fleet floor downgrade failed"; }
            fi
        done
    done
    for ((i = 1; i <= m; i++)); do dropdb_ "b_fleet_$i"; done
    dropdb_ b_fleet_tmpl
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
mkdir -p "$OUT" "$WORK" "$LOGS"
: >"$RAW"
ensure_bench_packages
sv_ensure_socket_dir

# what is measured: the tree as it is when the build starts
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || commit="$commit + uncommitted changes in src/"
if [ "$BENCH_SKIP_BUILD" != 1 ]; then
    log "make && make install"
    (make -C "$ROOT" PG_CONFIG="$SV_PG_CONFIG" && make -C "$ROOT" install PG_CONFIG="$SV_PG_CONFIG") \
        >"$LOGS/build.log" 2>&1 || { tail -20 "$LOGS/build.log"; sv_die "build failed"; }
fi
gcc -O2 -Wall -o "$TOOL" "$BENCH_DIR/benchtool.c"

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TMP=$(sv_mktemp)
private_install
start_server
started=$(date +%s)
log "server: PostgreSQL $(sql postgres 'SHOW server_version'), socket $SOCK port $BENCH_PORT"

log "generating workloads into $WORK"
# generated files are kept between runs while gen.py is unchanged
genhash=$(md5sum "$BENCH_DIR/gen.py" | cut -d' ' -f1)
if [ "$(cat "$WORK/.genhash" 2>/dev/null)" != "$genhash" ]; then
    rm -rf "$WORK"
    mkdir -p "$WORK"
    echo "$genhash" >"$WORK/.genhash"
fi
gen() {  # gen KIND N [--alembic] [--sqitch]: what is not there yet
    local d="$WORK/$1_$2" f
    local -a need=()
    [ -f "$d/.done" ] || need+=(--sql)
    for f in "${@:3}"; do
        [ -f "$d/${f#--}/.done" ] || need+=("$f")
    done
    if [ "${#need[@]}" -gt 0 ]; then
        BENCH_PSQL="$SV_PGBIN/psql" "$PY" "$BENCH_DIR/gen.py" "$1" "$2" "$d" "${need[@]}"
    fi
}
peerflags=()
[ "$BENCH_PEERS" = 1 ] && peerflags=(--alembic --sqitch)
want w1 && gen ddl "$BENCH_N" "${peerflags[@]}"
want cli && gen ddl "$BENCH_N" --alembic --files
want ovh && gen select1 "$BENCH_N" "${peerflags[@]}"
if want lt; then
    want w1 || gen ddl "$BENCH_N"
    want ovh || gen select1 "$BENCH_N"
fi
want long && gen ddl "$BENCH_LONG_N"
want w2 && gen ddl "$BENCH_NOOP_N"
if want w3; then
    for n in $BENCH_SCALES; do gen select1 "$n"; done
fi
# (cheap: always written again)
want ag && "$PY" "$BENCH_DIR/gen_autogen.py" "$BENCH_AG_N" "$WORK/autogen_$BENCH_AG_N"
want lint && gen lint "$BENCH_LINT_N"
if [ "$BENCH_PEERS" = 1 ] || want cli; then
    # compile the Alembic revision files once, as an installed project has
    for d in "$WORK"/*/alembic; do
        "$PY" -m compileall -q "$d" >/dev/null
    done
fi
if [ "$BENCH_PEERS" = 1 ]; then
    export SQITCH_FULLNAME=Bench SQITCH_EMAIL=bench@example.invalid
fi

want w1 && run_w1 w1 ddl "$BENCH_N" "$BENCH_PEERS"
want ovh && run_w1 ovh select1 "$BENCH_N" "$BENCH_PEERS"
want long && run_long
want w2 && run_w2
want w3 && run_w3
if want lt; then
    run_lt ddl "$BENCH_N"
    run_lt select1 "$BENCH_N"
fi
want ag && run_ag
want lint && run_lint
want cli && run_cli

finished=$(date +%s)
{
    printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'duration_s\t%s\n' $((finished - started))
    printf 'commit\t%s\n' "$commit"
    printf 'server\t%s\n' "$(sql postgres 'SELECT version()')"
    printf 'machine\t%s cores, %s\n' "$(nproc)" "$(free -g | awk '/^Mem:/ {print $2 " GB"}')"
    printf 'fleet_n\t%s\n' "$BENCH_FLEET_N"
    printf 'n\t%s\nlong_n\t%s\nnoop_n\t%s\nrepeat\t%s\nsqitch_repeat\t%s\n' \
        "$BENCH_N" "$BENCH_LONG_N" "$BENCH_NOOP_N" "$BENCH_REPEAT" "$BENCH_SQITCH_REPEAT"
    printf 'ag_n\t%s\n' "$BENCH_AG_N"
    printf 'scales\t%s\npeers\t%s\nonly\t%s\nsessions\t%s\ncalls\t%s\n' \
        "$BENCH_SCALES" "$BENCH_PEERS" "$BENCH_ONLY" "$BENCH_SESSIONS" "$BENCH_CALLS"
    printf 'lint_n\t%s\n' "$BENCH_LINT_N"
} >"$META"
"$PY" "$BENCH_DIR/report.py" "$RAW" "$META" "$OUT/results.md"
