#!/usr/bin/env bash
# test/run-tests.sh: build schemaver and run its whole test suite on
# PostgreSQL 15, 17 and 18
#
#   bash test/run-tests.sh [--pg VERSIONS] [--no-apt] [--keep] [TEST...]
#
# For each PostgreSQL major version, in turn: copy the tree to a scratch
# directory, make a private copy of that version's PostgreSQL installation
# there (test/lib/common.sh, sv_private_pg: the installed PostgreSQL is
# never touched, and two runs on one machine never share an installed
# schemaver.so), `make` (warnings are errors) and `make install` into that
# copy, then, as the "postgres" user (PostgreSQL refuses to run as root),
# start a throw-away cluster from it (initdb and pg_ctl, Unix socket in the
# scratch directory only) in which `make installcheck` runs the pg_regress
# tests (test/regress_schedule), the isolation specs
# (test/isolation/specs) and the TAP tests (test/t/*.pl).  The three kinds
# run as three `make installcheck` phases so that a failure in one does not
# hide the results of the others, and a version that fails does not stop
# the next one.
#
# Where each version comes from: 15 is the machine's own (Debian 12); the
# Debian packages it needs are installed when missing (apt-get is called
# only then).  17 and 18 run inside Debian chroots (trixie and forky) kept
# in /var/lib/schemaver/chroots, which test/lib/chroot.sh makes with
# debootstrap when they are missing (a few minutes, once per machine; while
# the first version's tests run) and reuses afterwards; each run uses them
# in namespaces of its own, so overlapping runs do not disturb each other
# and nothing stays mounted.  The chroots need root.
#
# Options:
#   --pg VERSIONS  the versions to test, comma-separated, or the option
#                  repeated (default: 15,17,18; also SCHEMAVER_PG=...)
#   --no-apt       never call apt-get on this machine (same as
#                  SCHEMAVER_SKIP_APT=1); missing chroots are still made
#   --keep         keep the scratch directories (same as
#                  SCHEMAVER_KEEP_TMP=1)
# Arguments: test names to run a subset (a pg_regress test such as
# seed_migrations, an isolation spec name, or a TAP file such as
# 001_crash_recovery or test/t/001_crash_recovery.pl), on every version
# chosen; the same list can be given in the environment as
# SCHEMAVER_TESTS="a b c".  Default: everything.
#
# After the run, results/, output_iso/, regression.diffs, regression.out and
# tmp_check/log are copied back into the source tree (when it is writable)
# so they can be read there: those of the version tested when only one was,
# else those of the first version that failed (or of the last one when all
# passed); the run says which.  The summary has one line per version with
# its pg_regress, isolation and TAP counts and its time (waiting for its
# chroot included); the last line printed is
# "N passed, N failed" over all versions; the exit status is non-zero when
# anything failed on any version, or when no test ran.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/common.sh
. "$ROOT/test/lib/common.sh"
# shellcheck source=test/lib/chroot.sh
. "$ROOT/test/lib/chroot.sh"

# The versions tested by default, and so in CI.
SV_DEFAULT_MAJORS="15 17 18"

# ---------------------------------------------------------------------------
# Inner mode: run by run_version below as the postgres user, in the scratch
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

declare -a requested=() majors=()
pg_list=""
while [ $# -gt 0 ]; do
    case $1 in
        --no-apt) export SCHEMAVER_SKIP_APT=1 ;;
        --keep) export SCHEMAVER_KEEP_TMP=1 ;;
        --pg)
            [ $# -ge 2 ] || { echo "--pg needs a list of versions, such as 15 or 15,17" >&2; exit 2; }
            pg_list="$pg_list ${2//,/ }"; shift ;;
        --pg=*) pg_list="$pg_list ${1#--pg=}"; pg_list=${pg_list//,/ } ;;
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
if [ -z "${pg_list// /}" ]; then
    pg_list=${SCHEMAVER_PG:-$SV_DEFAULT_MAJORS}
    pg_list=${pg_list//,/ }
fi
for m in $pg_list; do
    case $m in
        15|17|18) ;;
        16) echo "PostgreSQL 16 is built by the same code (src/compat.h) but cannot be tested here: Debian has no suite that packages it for this machine" >&2; exit 2 ;;
        *) echo "unsupported PostgreSQL version: $m (tested: $SV_DEFAULT_MAJORS)" >&2; exit 2 ;;
    esac
    # each once, in the order given
    case " ${majors[*]} " in *" $m "*) ;; *) majors+=("$m") ;; esac
done

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
if [ "$SV_RUN_REGRESS$SV_RUN_ISOLATION$SV_RUN_TAP" = 000 ]; then
    echo "no tests found (test/regress_schedule, test/isolation/specs, test/t are empty)" >&2
    echo "0 passed, 0 failed"
    exit 1
fi

# ---------------------------------------------------------------------------
# Counting
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

# ---------------------------------------------------------------------------
# One version on this system: run_version MAJOR OUT
# ---------------------------------------------------------------------------
# Builds and tests against /usr/lib/postgresql/MAJOR of the system it runs
# on (the machine, or a chroot), as described at the top.  Leaves in the
# directory OUT:
#   counts     "version <server version>", then one line per phase:
#              "<phase> <passed> <failed> [note]" (phase: regress,
#              isolation, tap, or setup for a failure before the tests)
#   products/  results/, output_iso/, regression.diffs, regression.out and
#              tmp_check/log of the run, to copy back into the tree
# A failure is recorded in counts, never returned.
declare -a SV_SCRATCH_DIRS=()
run_version() {
    local major=$1 out=$2
    local tmp work logdir priv inner_rc=0
    mkdir -p "$out/products"
    : >"$out/counts"
    sv_set_pg_major "$major"

    tmp=$(sv_mktemp)
    SV_SCRATCH_DIRS+=("$tmp")
    work="$tmp/schemaver"
    logdir="$tmp/logs"
    mkdir -p "$work" "$logdir" "$tmp/tmp"
    sv_say "PostgreSQL $major: copying the tree to $work"
    sv_copy_tree "$ROOT" "$work"
    sv_say "PostgreSQL $major: private copy of the installation in $tmp/pg"
    if ! priv=$(sv_private_pg "$tmp/pg" "$major"); then
        echo "setup 0 1 could not copy the PostgreSQL installation" >>"$out/counts"
        return 0
    fi
    echo "version $("$priv" --version | sed 's/^PostgreSQL //')" >>"$out/counts"
    if ! sv_build_and_install "$work" "$priv"; then
        echo "setup 0 1 build or install failed" >>"$out/counts"
        return 0
    fi
    # The released 1.0, from the repository's history, for the update test
    # (test/t/060_update_from_1_0.pl; built for PostgreSQL 15 only)
    local release_1_0=""
    if [ "$SV_RUN_TAP" = 1 ]; then
        sv_say "PostgreSQL $major: building schemaver 1.0 (${SV_RELEASE_1_0:0:7}) for the update test"
        if ! release_1_0=$(sv_build_release_1_0 "$ROOT" "$tmp/release_1_0" "$major"); then
            echo "setup 0 1 could not build schemaver 1.0" >>"$out/counts"
            return 0
        fi
    fi
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres:postgres "$tmp"
    fi
    sv_ensure_socket_dir

    sv_say "PostgreSQL $major: running the tests as $(sv_test_user) in a throw-away cluster"
    sv_as_test_user "$tmp/tmp" \
        "SV_LOGDIR=$logdir" "SV_SUBSET=$SV_SUBSET" "SV_SCRATCH=$tmp" \
        "SV_PRIV_PG_CONFIG=$priv" "SV_RELEASE_1_0_INSTALL=$release_1_0" \
        "SV_RUN_REGRESS=$SV_RUN_REGRESS" "SV_RUN_ISOLATION=$SV_RUN_ISOLATION" "SV_RUN_TAP=$SV_RUN_TAP" \
        "SV_REGRESS=${sel_regress[*]}" "SV_ISOLATION=${sel_isolation[*]}" "SV_PROVE=${sel_tap[*]}" \
        bash "$work/test/run-tests.sh" --inner || inner_rc=$?

    local p
    for p in results output_iso regression.diffs regression.out; do
        if [ -e "$work/$p" ]; then
            cp -a "$work/$p" "$out/products/$p"
        fi
    done
    if [ -d "$work/tmp_check/log" ]; then
        mkdir -p "$out/products/tmp_check"
        cp -a "$work/tmp_check/log" "$out/products/tmp_check/log"
    fi

    # count, and show why each failed phase failed
    local phase want label log rc f note
    printf '\n==> PostgreSQL %s: results\n' "$major"
    for phase in regress isolation tap; do
        case $phase in
            regress) want=$SV_RUN_REGRESS; label="pg_regress" ;;
            isolation) want=$SV_RUN_ISOLATION; label="isolation" ;;
            tap) want=$SV_RUN_TAP; label="TAP files" ;;
        esac
        [ "$want" = 1 ] || continue
        log="$logdir/$phase.log"
        if [ ! -f "$log" ] || [ ! -f "$logdir/$phase.rc" ]; then
            printf '  %-11s did not run\n' "$label"
            echo "$phase 0 1 did not run" >>"$out/counts"
            continue
        fi
        rc=$(cat "$logdir/$phase.rc")
        if [ "$phase" = tap ]; then
            read -r p f < <(count_prove "$log")
        else
            read -r p f < <(count_pg_regress "$log")
        fi
        note=""
        if [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
            # make failed without a test failing: count the phase as one failure
            f=1
            note="make installcheck exited $rc"
        fi
        if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
            f=1
            note="no test ran"
        fi
        printf '  %-11s %d ok, %d not ok%s\n' "$label" "$p" "$f" "${note:+ ($note)}"
        echo "$phase $p $f $note" >>"$out/counts"
        if [ "$f" -gt 0 ]; then
            show_failures "$phase" "$work" "$logdir"
        fi
    done
    if [ "$inner_rc" != 0 ] && ! awk '$1 != "version" && $3 > 0 { bad = 1 } END { exit !bad }' "$out/counts"; then
        # no phase failed, so the cluster setup did
        echo "setup 0 1 the test cluster could not be set up (status $inner_rc)" >>"$out/counts"
    fi

    sv_cleanup_tmp "$tmp"
}

# show_failures PHASE WORK LOGDIR: print why PHASE failed: the diffs of
# pg_regress and isolation, the logs of the failed TAP files.
show_failures() {
    local phase=$1 work=$2 logdir=$3
    show_head() { # FILE LINES
        printf '\n----- %s (first %d lines) -----\n' "${1#"$work"/}" "$2"
        head -n "$2" "$1"
    }
    show_tail() { # FILE LINES
        printf '\n----- %s (last %d lines) -----\n' "${1#"$work"/}" "$2"
        tail -n "$2" "$1"
    }
    case $phase in
        regress)
            if [ -s "$work/regression.diffs" ]; then
                show_head "$work/regression.diffs" 400
            fi
            ;;
        isolation)
            if [ -s "$work/output_iso/regression.diffs" ]; then
                show_head "$work/output_iso/regression.diffs" 400
            fi
            ;;
        tap)
            local logs="$work/tmp_check/log" t name l
            [ -d "$logs" ] || return 0
            local -a bad=()
            # the files prove reported as failed, else every log
            mapfile -t bad < <(awk '/^Test Summary Report/{r=1;next} r && /^[^ ]+\.pl +\(Wstat:/{print $1}' "$logdir/tap.log")
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
}

# ---------------------------------------------------------------------------
# Inside a chroot: test/run-tests.sh run by run_in_chroot below, for one
# version, natively; the outer run reads $SV_OUT and prints the summary.
# ---------------------------------------------------------------------------
if [ -n "${SV_OUT:-}" ]; then
    [ "${#majors[@]}" -eq 1 ] || sv_die "inside a chroot, one version at a time"
    sv_set_pg_major "${majors[0]}"
    sv_ensure_packages
    trap 'for d in "${SV_SCRATCH_DIRS[@]}"; do sv_cleanup_tmp "$d"; done' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    run_version "${majors[0]}" "$SV_OUT"
    exit 0
fi

# ---------------------------------------------------------------------------
# The outer run: every version, then the summary
# ---------------------------------------------------------------------------
# native MAJOR: true when MAJOR runs on this machine rather than in a chroot.
native() {
    [ "$1" = "$SV_PG_MAJOR" ]
}

declare -a chroot_majors=()
for m in "${majors[@]}"; do
    native "$m" || chroot_majors+=("$m")
done

if [ "${#chroot_majors[@]}" -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
    sv_die "PostgreSQL ${chroot_majors[*]} run in chroots, which need root: run as root, or choose --pg $SV_PG_MAJOR"
fi

# Packages of this machine: those of its own PostgreSQL when it is tested,
# debootstrap and util-linux when a chroot is used.
declare -a pkg_checks=()
for m in "${majors[@]}"; do
    if native "$m"; then
        pkg_checks+=(sv_missing_packages)
        break
    fi
done
[ "${#chroot_majors[@]}" -gt 0 ] && pkg_checks+=(sv_chroot_missing_tools)
sv_ensure_packages "${pkg_checks[@]}"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/schemaver-run.XXXXXXXX")
chmod 755 "$RUN"
bg_pid=""
chroot_pid=""
cleanup() {
    local d
    if [ -n "$chroot_pid" ]; then
        # unshare --kill-child: its PID namespace, servers included, goes
        kill "$chroot_pid" 2>/dev/null || true
        wait "$chroot_pid" 2>/dev/null || true
    fi
    if [ -n "$bg_pid" ] && kill -0 "$bg_pid" 2>/dev/null; then
        # the background chroot maker and everything it started
        kill -TERM -- "-$bg_pid" 2>/dev/null || true
        wait "$bg_pid" 2>/dev/null || true
    fi
    for d in "${SV_SCRATCH_DIRS[@]}"; do
        sv_cleanup_tmp "$d"
    done
    if [ "${SCHEMAVER_KEEP_TMP:-0}" = 1 ]; then
        sv_say "kept scratch directory $RUN"
    else
        # (a process of a killed chroot run may still be dying: try twice)
        rm -rf --one-file-system -- "$RUN" 2>/dev/null \
            || { sleep 2; rm -rf --one-file-system -- "$RUN"; }
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Chroots that are missing are made in the background while the versions
# before them are tested, one after the other, in the order of the
# versions (the locks of test/lib/chroot.sh make the tests of a version
# wait until its chroot is ready).  Their output goes to chroots.log.
declare -a to_make=()
for m in "${chroot_majors[@]}"; do
    s=$(sv_pg_suite "$m")
    sv_chroot_ready "$s" "$m" || to_make+=("$m:$s")
done
if [ "${#to_make[@]}" -gt 0 ] && ! native "${majors[0]}"; then
    # the first version needs the first chroot: nothing to overlap with it
    m=${to_make[0]%%:*}; s=${to_make[0]#*:}
    sv_chroot_ensure "$s" "$m" || true
    to_make=("${to_make[@]:1}")
fi
if [ "${#to_make[@]}" -gt 0 ]; then
    sv_say "making the chroots of ${to_make[*]} in the background (log: $RUN/chroots.log)"
    # setsid: its own process group, so that cleanup stops all of it
    setsid bash -c '
        . "$1/test/lib/common.sh"; . "$1/test/lib/chroot.sh"; shift
        for ms in "$@"; do
            sv_chroot_ensure "${ms#*:}" "${ms%%:*}" || echo "making the ${ms#*:} chroot failed" >&2
        done
    ' sv-chroots "$ROOT" "${to_make[@]}" >"$RUN/chroots.log" 2>&1 </dev/null &
    bg_pid=$!
fi

# run_in_chroot MAJOR OUT: run_version MAJOR inside its chroot, with this
# tree, leaving OUT as run_version does.
run_in_chroot() {
    local major=$1 out=$2 suite dir rc=0
    suite=$(sv_pg_suite "$major")
    mkdir -p "$out"
    : >"$out/counts"
    mkdir -p "$SV_CHROOT_BASE"
    if ! flock -s -n "$SV_CHROOT_BASE/$suite.lock" true; then
        sv_say "PostgreSQL $major: waiting for the $suite chroot (being made)"
    fi
    if ! sv_chroot_ensure "$suite" "$major"; then
        if [ -s "$RUN/chroots.log" ]; then
            printf '\n----- chroots.log (last 30 lines) -----\n'
            tail -n 30 "$RUN/chroots.log"
        fi
        echo "setup 0 1 the $suite chroot could not be made" >>"$out/counts"
        return 0
    fi
    if ! sv_chroot_hold "$suite" "$major"; then
        sv_chroot_release
        echo "setup 0 1 the $suite chroot is not ready" >>"$out/counts"
        return 0
    fi
    # The chroot's /tmp is this directory: the tree, the scratch space of
    # the run inside, and OUT (/tmp/out inside)
    dir="$RUN/pg$major"
    mkdir -p "$dir/tree" "$dir/out"
    chmod 1777 "$dir"
    sv_copy_tree "$ROOT" "$dir/tree"
    local -a envs=(
        "SV_OUT=/tmp/out" "SCHEMAVER_SKIP_APT=1"
        "SCHEMAVER_KEEP_TMP=${SCHEMAVER_KEEP_TMP:-0}" "CI=${CI:-}"
    )
    local v
    for v in PG_TEST_EXTRA PG_TEST_NOCLEAN PG_TEST_TIMEOUT_DEFAULT; do
        if [ -n "${!v:-}" ]; then
            envs+=("$v=${!v}")
        fi
    done
    sv_say "PostgreSQL $major: running in the $suite chroot ($SV_CHROOT_BASE/$suite)"
    sv_chroot_in "$suite" "$dir" env "${envs[@]}" \
        bash /tmp/tree/test/run-tests.sh --pg "$major" -- "${requested[@]}" &
    chroot_pid=$!
    wait "$chroot_pid" || rc=$?
    chroot_pid=""
    sv_chroot_release
    if [ -s "$dir/out/counts" ]; then
        cp "$dir/out/counts" "$out/counts"
        cp -a "$dir/out/products" "$out/products" 2>/dev/null || true
    else
        echo "setup 0 1 the run in the $suite chroot ended without results (status $rc)" >>"$out/counts"
    fi
}

# fmt_secs N: N seconds as "1m05s"
fmt_secs() {
    printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

declare -A elapsed=()
for m in "${majors[@]}"; do
    printf '\n==> PostgreSQL %s\n' "$m"
    started=$SECONDS
    if native "$m"; then
        run_version "$m" "$RUN/out-$m"
    else
        run_in_chroot "$m" "$RUN/out-$m"
    fi
    elapsed[$m]=$((SECONDS - started))
done

# ---------------------------------------------------------------------------
# Summary: one line per version, then the total
# ---------------------------------------------------------------------------
total_pass=0
total_fail=0
first_failed=""
printf '\n==> summary\n'
for m in "${majors[@]}"; do
    counts="$RUN/out-$m/counts"
    IFS=$'\t' read -r name vp vf parts < <(awk -v m="$m" '
        $1 == "version" { v = $2; next }
        {
            note = ""; for (i = 5; i <= NF; i++) note = note (i > 5 ? " " : "") $i
            p += $2; f += $3
            if ($1 == "setup") part = note
            else {
                label = ($1 == "regress") ? "pg_regress" : ($1 == "isolation") ? "isolation" : "TAP files"
                part = sprintf("%s %d ok, %d not ok%s", label, $2, $3, note != "" ? " (" note ")" : "")
            }
            parts = parts (parts != "" ? "; " : "") part
        }
        END {
            if (parts == "") { parts = "no result"; f++ }
            printf "%s\t%d\t%d\t%s\n", (v != "") ? v : m, p, f, parts
        }
    ' "$counts" 2>/dev/null || printf '%s\t0\t1\tno result\n' "$m")
    printf '  PostgreSQL %-6s %s (%s)\n' "$name" "$parts" "$(fmt_secs "${elapsed[$m]}")"
    total_pass=$((total_pass + vp))
    total_fail=$((total_fail + vf))
    if [ "$vf" -gt 0 ] && [ -z "$first_failed" ]; then
        first_failed=$m
    fi
done

# Copy the products of one version back into the source tree, where
# developers look for them.
copy_back() {
    local m=$1 src="$RUN/out-$1/products" p
    [ -w "$ROOT" ] || return 0
    rm -rf "$ROOT/results" "$ROOT/output_iso" "$ROOT/tmp_check" \
        "$ROOT/regression.diffs" "$ROOT/regression.out"
    [ -d "$src" ] || return 0
    for p in results output_iso regression.diffs regression.out tmp_check; do
        if [ -e "$src/$p" ]; then
            cp -a "$src/$p" "$ROOT/$p"
        fi
    done
    if [ "$(id -u)" -eq 0 ]; then
        # give them to the owner of the tree, not to postgres
        local owner
        owner=$(stat -c %u:%g "$ROOT")
        chown -R "$owner" "$ROOT/results" "$ROOT/output_iso" "$ROOT/tmp_check" \
            "$ROOT/regression.diffs" "$ROOT/regression.out" 2>/dev/null || true
    fi
    if [ "${#majors[@]}" -gt 1 ]; then
        printf '  (results/, regression.diffs, output_iso/ and tmp_check/log in the tree are those of PostgreSQL %s)\n' "$m"
    fi
}
copy_back "${first_failed:-${majors[${#majors[@]}-1]}}" \
    || echo "warning: could not copy the results back into $ROOT" >&2

if [ -f "$RUN/chroots.log" ]; then
    # what the background job did
    sed -n 's/^==> /  (background) /p' "$RUN/chroots.log"
fi
printf '  (whole run: %s)\n' "$(fmt_secs "$SECONDS")"

echo
echo "$total_pass passed, $total_fail failed"
if [ "$total_fail" -gt 0 ] || [ "$total_pass" -eq 0 ]; then
    exit 1
fi
exit 0
