#!/usr/bin/env bash
# test/run-tests.sh: build schemaver and run its whole test suite
#
#   bash test/run-tests.sh [--no-apt] [--keep] [TEST...]
#
# Steps: install the Debian packages that are missing (apt-get is called only
# then), copy the tree to a scratch directory, make a private copy of the
# PostgreSQL 15 installation there (test/lib/common.sh, sv_private_pg: the
# system's PostgreSQL is never touched, and two runs on one machine never
# share an installed schemaver.so), `make` (warnings are errors) and
# `make install` into that copy, then, as the "postgres" user (PostgreSQL
# refuses to run as root), start a throw-away cluster from it (initdb and
# pg_ctl, Unix socket in the scratch directory only) in which
# `make installcheck` runs the pg_regress tests (test/regress_schedule), the
# isolation specs (test/isolation/specs) and the TAP tests (test/t/*.pl).
# The three kinds run as three `make installcheck` phases so that a failure
# in one does not hide the results of the others.
#
# Arguments: test names to run a subset (a pg_regress test such as
# seed_migrations, an isolation spec name, or a TAP file such as
# 001_crash_recovery or test/t/001_crash_recovery.pl); the same list can be
# given in the environment as SCHEMAVER_TESTS="a b c".  Default: everything.
#   --no-apt   never call apt-get (same as SCHEMAVER_SKIP_APT=1)
#   --keep     keep the scratch directory (same as SCHEMAVER_KEEP_TMP=1)
#
# After the run, results/, output_iso/, regression.diffs, regression.out and
# tmp_check/log are copied back into the source tree (when it is writable) so
# they can be read there.  The last line printed is "N passed, N failed"; the
# exit status is non-zero when anything failed or when no test ran.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/common.sh
. "$ROOT/test/lib/common.sh"

# ---------------------------------------------------------------------------
# Inner mode: run by the outer script as the postgres user, in the scratch
# copy.  Starts a throw-away cluster from the private installation
# ($SV_PRIV_PG_CONFIG), runs the requested make installcheck phases against it,
# logging each to $SV_LOGDIR/<phase>.log and its exit status to
# $SV_LOGDIR/<phase>.rc, and stops the cluster.  Exits 1 when a phase
# failed, after printing the tail of the server log.
# ---------------------------------------------------------------------------
if [ "${1:-}" = "--inner" ]; then
    cd "$ROOT"
    pgbin=$("$SV_PRIV_PG_CONFIG" --bindir)
    export PATH="$pgbin:$PATH"
    data="$SV_SCRATCH/data"
    sock="$SV_SCRATCH/sock"
    mkdir -p "$sock"
    initdb -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
        >"$SV_LOGDIR/initdb.log" 2>&1 \
        || { cat "$SV_LOGDIR/initdb.log" >&2; exit 1; }
    pg_ctl -D "$data" -l "$SV_LOGDIR/server.log" -w \
        -o "-c listen_addresses='' -k $sock -p 5432 -c fsync=off" start >/dev/null \
        || { cat "$SV_LOGDIR/server.log" >&2; exit 1; }
    trap 'pg_ctl -D "$data" -m immediate stop >/dev/null 2>&1 || true' EXIT
    export PGHOST="$sock" PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
    unset PGPASSWORD PGSERVICE PGOPTIONS PGSSLMODE
    run_phase() {
        local phase=$1; shift
        local rc=0
        printf '\n==> %s tests\n' "$phase"
        make installcheck PG_CONFIG="$SV_PRIV_PG_CONFIG" "$@" 2>&1 | tee "$SV_LOGDIR/$phase.log" || rc=${PIPESTATUS[0]}
        echo "$rc" >"$SV_LOGDIR/$phase.rc"
    }
    if [ "${SV_RUN_REGRESS:-0}" = 1 ]; then
        if [ "${SV_SUBSET:-0}" = 1 ]; then
            run_phase regress "REGRESS=$SV_REGRESS" ISOLATION= TAP_TESTS=
        else
            run_phase regress ISOLATION= TAP_TESTS=
        fi
    fi
    if [ "${SV_RUN_ISOLATION:-0}" = 1 ]; then
        if [ "${SV_SUBSET:-0}" = 1 ]; then
            run_phase isolation REGRESS= "ISOLATION=$SV_ISOLATION" TAP_TESTS=
        else
            run_phase isolation REGRESS= TAP_TESTS=
        fi
    fi
    if [ "${SV_RUN_TAP:-0}" = 1 ]; then
        if [ "${SV_SUBSET:-0}" = 1 ]; then
            run_phase tap REGRESS= ISOLATION= "PROVE_TESTS=$SV_PROVE"
        else
            run_phase tap REGRESS= ISOLATION=
        fi
    fi
    if grep -qvx 0 "$SV_LOGDIR"/*.rc 2>/dev/null; then
        printf '\n----- server log (last 40 lines) -----\n'
        tail -n 40 "$SV_LOGDIR/server.log"
        exit 1
    fi
    exit 0
fi

# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------
usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$ROOT/test/run-tests.sh"
}

declare -a requested=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-apt) export SCHEMAVER_SKIP_APT=1 ;;
        --keep) export SCHEMAVER_KEEP_TMP=1 ;;
        -h|--help) usage; exit 0 ;;
        --) shift; requested+=("$@"); break ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) requested+=("$1") ;;
    esac
    shift
done
if [ "${#requested[@]}" -eq 0 ] && [ -n "${SCHEMAVER_TESTS:-}" ]; then
    read -r -a requested <<<"$SCHEMAVER_TESTS"
fi

cd "$ROOT"

# The suite, as the Makefile sees it.
declare -a all_regress=() all_isolation=() all_tap=()
if [ -f test/regress_schedule ]; then
    read -r -d '' -a all_regress < test/regress_schedule || true
fi
shopt -s nullglob
for f in test/isolation/specs/*.spec; do
    all_isolation+=("$(basename "$f" .spec)")
done
for f in test/t/*.pl; do
    all_tap+=("$f")
done
shopt -u nullglob

# contains WORD LIST...: true when WORD is one of LIST.
contains() {
    local w=$1; shift
    local x
    for x in "$@"; do
        [ "$x" = "$w" ] && return 0
    done
    return 1
}

SV_SUBSET=0
declare -a sel_regress=() sel_isolation=() sel_tap=()
if [ "${#requested[@]}" -gt 0 ]; then
    SV_SUBSET=1
    for name in "${requested[@]}"; do
        found=0
        if contains "$name" "${all_regress[@]}"; then
            sel_regress+=("$name"); found=1
        fi
        if contains "$name" "${all_isolation[@]}"; then
            sel_isolation+=("$name"); found=1
        fi
        for t in "${all_tap[@]}"; do
            if [ "$name" = "$t" ] || [ "$name" = "$(basename "$t")" ] \
                || [ "$name" = "$(basename "$t" .pl)" ] || [ "$name" = "./$t" ]; then
                sel_tap+=("$t"); found=1
            fi
        done
        if [ "$found" = 0 ]; then
            echo "unknown test: $name (not in test/regress_schedule, test/isolation/specs or test/t)" >&2
            exit 2
        fi
    done
else
    sel_regress=("${all_regress[@]}")
    sel_isolation=("${all_isolation[@]}")
    sel_tap=("${all_tap[@]}")
fi

SV_RUN_REGRESS=0; SV_RUN_ISOLATION=0; SV_RUN_TAP=0
[ "${#sel_regress[@]}" -gt 0 ] && SV_RUN_REGRESS=1
[ "${#sel_isolation[@]}" -gt 0 ] && SV_RUN_ISOLATION=1
[ "${#sel_tap[@]}" -gt 0 ] && SV_RUN_TAP=1

# ---------------------------------------------------------------------------
# Packages, scratch copy, build, install
# ---------------------------------------------------------------------------
sv_ensure_packages

TMP=$(sv_mktemp)
trap 'sv_cleanup_tmp "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
WORK="$TMP/schemaver"
LOGDIR="$TMP/logs"
mkdir -p "$WORK" "$LOGDIR" "$TMP/tmp"
sv_say "copying the tree to $WORK"
sv_copy_tree "$ROOT" "$WORK"

sv_say "private copy of PostgreSQL ${SV_PG_MAJOR} in $TMP/pg"
if ! PRIV_PG_CONFIG=$(sv_private_pg "$TMP/pg"); then
    echo "could not copy the PostgreSQL installation" >&2
    exit 1
fi
if ! sv_build_and_install "$WORK" "$PRIV_PG_CONFIG"; then
    echo "build or install failed" >&2
    exit 1
fi
# The released 1.0, from the repository's history, for the update test
SV_RELEASE_1_0_INSTALL=""
if [ "$SV_RUN_TAP" = 1 ]; then
    sv_say "building schemaver 1.0 (${SV_RELEASE_1_0:0:7}) for the update test"
    SV_RELEASE_1_0_INSTALL=$(sv_build_release_1_0 "$ROOT" "$TMP/release_1_0") \
        || { echo "could not build schemaver 1.0" >&2; exit 1; }
fi

if [ "$SV_RUN_REGRESS$SV_RUN_ISOLATION$SV_RUN_TAP" = 000 ]; then
    echo "no tests found (test/regress_schedule, test/isolation/specs, test/t are empty)" >&2
    echo "0 passed, 0 failed"
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$TMP"
fi
sv_ensure_socket_dir

# ---------------------------------------------------------------------------
# Run: a throw-away cluster + make installcheck, as the test user
# ---------------------------------------------------------------------------
sv_say "running the tests as $(sv_test_user) in a throw-away cluster"
inner_rc=0
sv_as_test_user "$TMP/tmp" \
    "SV_LOGDIR=$LOGDIR" "SV_SUBSET=$SV_SUBSET" "SV_SCRATCH=$TMP" \
    "SV_PRIV_PG_CONFIG=$PRIV_PG_CONFIG" "SV_RELEASE_1_0_INSTALL=$SV_RELEASE_1_0_INSTALL" \
    "SV_RUN_REGRESS=$SV_RUN_REGRESS" "SV_RUN_ISOLATION=$SV_RUN_ISOLATION" "SV_RUN_TAP=$SV_RUN_TAP" \
    "SV_REGRESS=${sel_regress[*]}" "SV_ISOLATION=${sel_isolation[*]}" "SV_PROVE=${sel_tap[*]}" \
    bash "$WORK/test/run-tests.sh" --inner || inner_rc=$?

# Copy the results back into the source tree, where developers look for them.
copy_back() {
    [ -w "$ROOT" ] || return 0
    rm -rf "$ROOT/results" "$ROOT/output_iso" "$ROOT/tmp_check" \
        "$ROOT/regression.diffs" "$ROOT/regression.out"
    local p
    for p in results output_iso regression.diffs regression.out; do
        if [ -e "$WORK/$p" ]; then
            cp -a "$WORK/$p" "$ROOT/$p"
        fi
    done
    if [ -d "$WORK/tmp_check/log" ]; then
        mkdir -p "$ROOT/tmp_check"
        cp -a "$WORK/tmp_check/log" "$ROOT/tmp_check/log"
    fi
    if [ "$(id -u)" -eq 0 ]; then
        # give them to the owner of the tree, not to postgres
        local owner
        owner=$(stat -c %u:%g "$ROOT")
        chown -R "$owner" "$ROOT/results" "$ROOT/output_iso" "$ROOT/tmp_check" \
            "$ROOT/regression.diffs" "$ROOT/regression.out" 2>/dev/null || true
    fi
}
copy_back || echo "warning: could not copy the results back into $ROOT" >&2

# ---------------------------------------------------------------------------
# Count
# ---------------------------------------------------------------------------
# count_pg_regress LOG: print "passed failed" for a pg_regress or
# pg_isolation_regress log.  Understands both the PostgreSQL <= 15 format
# ("test name ... ok  12 ms", "     name ... FAILED" in parallel groups)
# and the TAP-like format of 16 and later ("ok 1 - name  12 ms",
# "not ok 2 + name").  "failed (ignored)" counts as passed, as pg_regress
# itself does.
count_pg_regress() {
    awk '
        /^(test +| +)[^ ]+ +\.\.\. +ok( |$)/              { p++; next }
        /^(test +| +)[^ ]+ +\.\.\. +failed \(ignored\)/   { p++; next }
        /^(test +| +)[^ ]+ +\.\.\. +FAILED/               { f++; next }
        /^ok +[0-9]+ +[-+] +[^ ]/                         { p++; next }
        /^not ok +[0-9]+ +[-+] +[^ ]/                     { f++; next }
        END { printf "%d %d\n", p, f }
    ' "$1"
}

# count_prove LOG: print "passed failed" test files for a prove log, from
# its "Files=N, Tests=M" line and its "Test Summary Report".
count_prove() {
    awk '
        /^Test Summary Report/            { report = 1; next }
        report && /^[^ ]+\.pl +\(Wstat:/  { failed[$1] = 1 }
        /^Files=[0-9]+, Tests=[0-9]+/     { split($1, a, "[=,]"); files = a[2] }
        / \.\.+ ok$/                      { ok++ }
        END {
            nf = 0; for (k in failed) nf++
            if (files != "") printf "%d %d\n", files - nf, nf
            else printf "%d %d\n", ok, nf
        }
    ' "$1"
}

total_pass=0
total_fail=0
declare -a failed_phases=()
printf '\n==> summary\n'
for phase in regress isolation tap; do
    case $phase in
        regress) want=$SV_RUN_REGRESS; label="pg_regress" ;;
        isolation) want=$SV_RUN_ISOLATION; label="isolation" ;;
        tap) want=$SV_RUN_TAP; label="TAP files" ;;
    esac
    [ "$want" = 1 ] || continue
    log="$LOGDIR/$phase.log"
    if [ ! -f "$log" ] || [ ! -f "$LOGDIR/$phase.rc" ]; then
        printf '  %-11s did not run\n' "$label"
        total_fail=$((total_fail + 1))
        failed_phases+=("$phase")
        continue
    fi
    rc=$(cat "$LOGDIR/$phase.rc")
    if [ "$phase" = tap ]; then
        read -r p f < <(count_prove "$log")
    else
        read -r p f < <(count_pg_regress "$log")
    fi
    note=""
    if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
        # make failed without a test failing: count the phase as one failure
        f=1
        note=" (make installcheck exited $rc)"
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        f=1
        note=" (no test ran)"
    fi
    printf '  %-11s %d ok, %d not ok%s\n' "$label" "$p" "$f" "$note"
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$f" -gt 0 ]; then
        failed_phases+=("$phase")
    fi
done

# ---------------------------------------------------------------------------
# Explain failures: diffs and TAP logs, so CI output shows why
# ---------------------------------------------------------------------------
show_head() { # FILE LINES
    printf '\n----- %s (first %d lines) -----\n' "${1#"$WORK"/}" "$2"
    head -n "$2" "$1"
}
show_tail() { # FILE LINES
    printf '\n----- %s (last %d lines) -----\n' "${1#"$WORK"/}" "$2"
    tail -n "$2" "$1"
}
for phase in "${failed_phases[@]}"; do
    case $phase in
        regress)
            if [ -s "$WORK/regression.diffs" ]; then
                show_head "$WORK/regression.diffs" 400
            fi
            ;;
        isolation)
            if [ -s "$WORK/output_iso/regression.diffs" ]; then
                show_head "$WORK/output_iso/regression.diffs" 400
            fi
            ;;
        tap)
            logs="$WORK/tmp_check/log"
            [ -d "$logs" ] || continue
            # the files prove reported as failed, else every log
            mapfile -t bad < <(awk '/^Test Summary Report/{r=1;next} r && /^[^ ]+\.pl +\(Wstat:/{print $1}' "$LOGDIR/tap.log")
            shopt -s nullglob
            if [ "${#bad[@]}" -eq 0 ]; then
                for l in "$logs"/regress_log_*; do
                    bad+=("${l##*/regress_log_}")
                done
            fi
            for t in "${bad[@]}"; do
                name=$(basename "$t" .pl)
                [ -f "$logs/regress_log_$name" ] && show_tail "$logs/regress_log_$name" 80
                for l in "$logs/${name}"_*.log; do
                    show_tail "$l" 40
                done
            done
            shopt -u nullglob
            ;;
    esac
done

if [ "$inner_rc" != 0 ] && [ "$total_fail" -eq 0 ]; then
    # no phase failed, so the cluster setup did
    echo "the test cluster could not be set up (status $inner_rc)" >&2
    total_fail=$((total_fail + 1))
fi

echo
echo "$total_pass passed, $total_fail failed"
if [ "$total_fail" -gt 0 ] || [ "$total_pass" -eq 0 ]; then
    exit 1
fi
exit 0
