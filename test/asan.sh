#!/usr/bin/env bash
# test/asan.sh: run the pg_regress suite against a memory-checked schemaver
# (AddressSanitizer, or Valgrind memcheck where ASan cannot run), without
# touching the installed schemaver or any running server.
#
#   bash test/asan.sh [--tool=asan|valgrind|none] [--keep] [--setup-only] [TEST...]
#
# How it stays out of everybody's way:
#   - the tree is copied to a scratch directory and built there, never in
#     the source tree;
#   - the build is installed with DESTDIR into a private copy of the
#     PostgreSQL 15 installation: bin/ is copied (PostgreSQL finds $libdir
#     and its share directory relative to the real path of the postgres
#     executable, so a copied binary loads '$libdir/schemaver' from the
#     private tree), lib/ and share/ are symlink farms of the system ones
#     except for schemaver's own files.  The system-wide schemaver.so, its
#     control file and scripts are not replaced;
#   - a throwaway cluster is initialized in the scratch directory, on its own
#     port (SV_ASAN_PORT, default 5533) and socket directory.
#
# Tools:
#   asan      schemaver built with -fsanitize=address; the (uninstrumented)
#             postgres runs with LD_PRELOAD=libasan.  On Debian 12 the ASan
#             runtime of gcc 12 and clang 14 both deadlock the Debian
#             postgres binary before main() (glibc's _nl_state_lock is left
#             with a negative reader count while the shared libraries start,
#             and set_pglocale_pgservice -> bindtextdomain waits forever),
#             so the script probes `postgres -V` first and falls back to
#             valgrind when ASan hangs.
#   valgrind  schemaver built with -Og -g; the postmaster runs under
#             valgrind memcheck (backends are forked, so they stay under it).
#             Only errors whose stack passes through schemaver.so count as
#             findings; the others (padding bytes PostgreSQL writes to disk,
#             which its own src/tools/valgrind.supp suppresses) are counted
#             and listed by kind.  One known false positive of the server
#             (its regex cache's memmove reported as an overlapping
#             __memcpy_chk) is suppressed.
#   none      no memory checker: the same private build and cluster, to run
#             the suite against a modified tree without installing it.
# Default: asan when it works, else valgrind.
#
# Default tests: every name in test/regress_schedule.  --setup-only leaves
# the cluster running (it prints how to connect and how to stop it);
# --keep keeps the scratch directory.  The script exits non-zero when a
# finding was made, a server process crashed, or a test failed.
#
# Limits, both tools: PostgreSQL's allocator carves palloc chunks out of
# malloc'd blocks (8kB and more), and the Debian server is not built with
# USE_VALGRIND, so an overflow of a palloc chunk is seen only when it leaves
# its block (or the chunk is over 8kB and has a block of its own), and a
# read of a chunk never written is seen only if its block is new.  Stack and
# global overflows (ASan), use of freed malloc'd blocks and wild or NULL
# pointers are seen precisely.
# Leaks are not checked: PostgreSQL frees memory contexts, not chunks.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=15
SYS_PGLIB=/usr/lib/postgresql/$PG_MAJOR
SYS_PGSHARE=/usr/share/postgresql/$PG_MAJOR
PG_CONFIG=$SYS_PGLIB/bin/pg_config
PORT=${SV_ASAN_PORT:-5533}
LIBASAN=$(gcc -print-file-name=libasan.so)
TOOL=auto
KEEP=0
SETUP_ONLY=0
declare -a tests=()

while [ $# -gt 0 ]; do
    case $1 in
        --tool=*) TOOL=${1#--tool=} ;;
        --keep) KEEP=1 ;;
        --setup-only) SETUP_ONLY=1; KEEP=1 ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) tests+=("$1") ;;
    esac
    shift
done
if [ "${#tests[@]}" -eq 0 ]; then
    read -r -d '' -a tests < "$ROOT/test/regress_schedule" || true
fi
[ "$(id -u)" -eq 0 ] || { echo "run as root: the server runs as the postgres user" >&2; exit 2; }

if [ "$TOOL" = auto ] || [ "$TOOL" = asan ]; then
    if [ -e "$LIBASAN" ] && timeout 20 env LD_PRELOAD="$LIBASAN" ASAN_OPTIONS=detect_leaks=0 \
        "$SYS_PGLIB/bin/postgres" -V >/dev/null 2>&1; then
        TOOL=asan
    elif [ "$TOOL" = asan ]; then
        echo "postgres does not start with LD_PRELOAD=$LIBASAN (see the header of $0)" >&2
        exit 2
    else
        echo "==> ASan cannot run the Debian postgres (it hangs before main): using valgrind"
        TOOL=valgrind
    fi
fi
case $TOOL in
    asan) ;;
    valgrind) command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 2; } ;;
    none) ;;
    *) echo "unknown tool $TOOL" >&2; exit 2 ;;
esac

WORK=$(mktemp -d /tmp/schemaver-memcheck.XXXXXX)
chmod 755 "$WORK"
PRIV=$WORK/root                         # private PostgreSQL tree (DESTDIR)
PGBIN=$PRIV$SYS_PGLIB/bin
DATA=$WORK/data
SOCK=$WORK/sock
REPORTS=$WORK/reports
SERVER_STARTED=0

as_pg() { runuser -u postgres -- env -i PATH=/usr/bin:/bin HOME="$WORK" "$@"; }

stop_server() {
    if [ "$SERVER_STARTED" = 1 ]; then
        as_pg "$PGBIN/pg_ctl" -D "$DATA" -m fast -t 600 -w stop >/dev/null 2>&1 || true
        SERVER_STARTED=0
    fi
}
cleanup() {
    stop_server
    if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "scratch directory kept: $WORK"; fi
}
trap cleanup EXIT

echo "==> copying the tree to $WORK/src"
mkdir -p "$WORK/src"
# (others may be writing in the tree: a file that changes while it is read
# makes tar exit with 1, which is fine for a snapshot)
{ tar -C "$ROOT" --exclude=.git --exclude=./results --exclude=./output_iso \
    --exclude=./tmp_check --exclude=./test/bench/out --exclude='*.o' \
    --exclude='*.so' --exclude='*.bc' --warning=no-file-changed \
    -cf - . || [ $? -eq 1 ]; } | tar -C "$WORK/src" -xf -

WARN="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare"
if [ "$TOOL" = asan ]; then
    echo "==> building with -fsanitize=address"
    CPPFLAGS_EXTRA="-fsanitize=address -fno-omit-frame-pointer -g"
    LINK_EXTRA="-fsanitize=address"
elif [ "$TOOL" = valgrind ]; then
    echo "==> building with -Og -g for valgrind"
    CPPFLAGS_EXTRA="-Og -g -fno-omit-frame-pointer"
    LINK_EXTRA=""
else
    echo "==> building"
    CPPFLAGS_EXTRA=""
    LINK_EXTRA=""
fi
make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" SCHEMAVER_NO_CLIENT=1 clean >/dev/null
make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" SCHEMAVER_NO_CLIENT=1 with_llvm=no \
    PG_CPPFLAGS="$WARN $CPPFLAGS_EXTRA" SHLIB_LINK="$LINK_EXTRA" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
if [ "$TOOL" = asan ]; then
    nm -D "$WORK/src/schemaver.so" | grep -q __asan_report \
        || { echo "schemaver.so is not instrumented" >&2; exit 1; }
fi

echo "==> private PostgreSQL tree in $PRIV"
mkdir -p "$PRIV$SYS_PGLIB" "$(dirname "$PRIV$SYS_PGSHARE")"
cp -a "$SYS_PGLIB/bin" "$PGBIN"                 # real copies: see above
cp -rs "$SYS_PGLIB/lib" "$PRIV$SYS_PGLIB/lib"    # symlink farm
cp -rs "$SYS_PGSHARE" "$PRIV$SYS_PGSHARE"
rm -f "$PRIV$SYS_PGLIB/lib/schemaver.so" "$PRIV$SYS_PGLIB"/lib/bitcode/schemaver.index.bc
rm -rf "$PRIV$SYS_PGLIB/lib/bitcode/schemaver"
rm -f "$PRIV$SYS_PGSHARE"/extension/schemaver*
make -s -C "$WORK/src" PG_CONFIG="$PG_CONFIG" SCHEMAVER_NO_CLIENT=1 with_llvm=no DESTDIR="$PRIV" install >/dev/null
test -f "$PRIV$SYS_PGLIB/lib/schemaver.so" && test ! -L "$PRIV$SYS_PGLIB/lib/schemaver.so"

echo "==> throwaway cluster on port $PORT ($TOOL)"
mkdir -p "$SOCK" "$REPORTS"
chown -R postgres: "$WORK"
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log"; exit 1; }
cat >>"$DATA/postgresql.conf" <<EOF
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SOCK'
fsync = off
jit = off
max_connections = 20
log_min_messages = warning
EOF
if [ "$TOOL" = none ]; then
    as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w start >/dev/null
elif [ "$TOOL" = asan ]; then
    as_pg LD_PRELOAD="$LIBASAN" \
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:log_path=$REPORTS/asan:disable_coredump=1" \
        "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w start >/dev/null
else
    # Known false positive: the server's regex cache moves its entries with
    # memmove, which glibc 2.36 implements with the same code as
    # __memcpy_chk, and valgrind 3.19 then reports an "overlap in
    # memcpy_chk" (the sizes are multiples of the cache entry).
    cat >"$WORK/schemaver.supp" <<'SUPP'
{
   server_regex_cache_memmove_seen_as_memcpy_chk
   Memcheck:Overlap
   fun:__memcpy_chk
   fun:RE_compile_and_cache
}
SUPP
    chown postgres: "$WORK/schemaver.supp"
    # pg_ctl cannot put a wrapper in front of postgres: start it by hand
    as_pg setsid valgrind --quiet --tool=memcheck --trace-children=no \
        --suppressions="$WORK/schemaver.supp" \
        --error-limit=no --num-callers=40 --track-origins=yes \
        --read-var-info=no --log-file="$REPORTS/valgrind.%p" \
        "$PGBIN/postgres" -D "$DATA" >"$WORK/server.log" 2>&1 </dev/null &
    for _ in $(seq 300); do
        as_pg "$PGBIN/pg_isready" -q -h "$SOCK" -p "$PORT" && break
        sleep 1
    done
    as_pg "$PGBIN/pg_isready" -q -h "$SOCK" -p "$PORT" || { cat "$WORK/server.log"; exit 1; }
fi
SERVER_STARTED=1

# Prove the server loads our module from the private tree: a backend that
# has called a schemaver function maps our schemaver.so (and, for asan, the
# ASan runtime; for valgrind, the backend is a valgrind process).
PSQL=(as_pg "$PGBIN/psql" -X -q -h "$SOCK" -p "$PORT" -U postgres -v ON_ERROR_STOP=1)
"${PSQL[@]}" -d postgres -c 'CREATE DATABASE memcheck_probe' >/dev/null
"${PSQL[@]}" -d memcheck_probe -At -c 'CREATE EXTENSION schemaver' \
    -c 'SELECT count(*) FROM schemaver_heads()' -c 'SELECT pg_backend_pid()' \
    -c 'SELECT pg_sleep(5)' >"$WORK/probe.out" &
probe=$!
for _ in $(seq 600); do
    [ "$(wc -l <"$WORK/probe.out")" -ge 2 ] && break
    sleep 0.1
done
bpid=$(sed -n 2p "$WORK/probe.out")
maps=$(awk '{print $6}' "/proc/$bpid/maps" | grep -E 'libasan|schemaver\.so|vgpreload_memcheck' | sort -u || true)
wait "$probe"
echo "$maps" | sed 's/^/    backend maps /'
echo "$maps" | grep -qx "$PRIV$SYS_PGLIB/lib/schemaver.so" \
    || { echo "the backend did not load the private schemaver.so" >&2; exit 1; }
if [ "$TOOL" = asan ]; then
    echo "$maps" | grep -q libasan || { echo "the backend has no ASan runtime" >&2; exit 1; }
elif [ "$TOOL" = valgrind ]; then
    echo "$maps" | grep -q vgpreload_memcheck || { echo "the backend is not under valgrind" >&2; exit 1; }
fi
"${PSQL[@]}" -d postgres -c 'DROP DATABASE memcheck_probe' >/dev/null

if [ "$SETUP_ONLY" = 1 ]; then
    trap - EXIT
    echo "cluster running: psql -h $SOCK -p $PORT -U postgres"
    echo "reports: $REPORTS"
    echo "stop it with: runuser -u postgres -- $PGBIN/pg_ctl -D $DATA stop; rm -rf $WORK"
    exit 0
fi

echo "==> pg_regress: ${tests[*]}"
regress_rc=0
# as make installcheck runs them: in the tree (tests write results/ files
# relative to it), in database contrib_regression (some messages name it)
chown -R postgres: "$WORK/src"
(cd "$WORK/src" && as_pg "$SYS_PGLIB/lib/pgxs/src/test/regress/pg_regress" \
    --host="$SOCK" --port="$PORT" --user=postgres --inputdir="$WORK/src" \
    --outputdir="$WORK/src" --dbname=contrib_regression \
    --bindir="$SYS_PGLIB/bin" "${tests[@]}") \
    | tee "$WORK/regress.log" || regress_rc=$?
stop_server

echo "==> findings ($TOOL)"
status=0
shopt -s nullglob
if [ "$TOOL" = none ]; then
    echo "no memory checker was used"
elif [ "$TOOL" = asan ]; then
    reports=("$REPORTS"/asan.*)
    if [ "${#reports[@]}" -gt 0 ]; then
        status=1
        for r in "${reports[@]}"; do echo "----- $r"; cat "$r"; done
    else
        echo "no AddressSanitizer report"
    fi
else
    # Split each log into error records (blank-line separated, "==pid== "
    # prefixed) and keep the ones that pass through schemaver.so.
    ours=0
    theirs=0
    # our frames: in schemaver.so, or in one of our source files
    srcs=$(cd "$WORK/src/src" && ls *.c | sed 's/\.c$//' | paste -sd'|')
    for r in "$REPORTS"/valgrind.*; do
        awk -v ours="$WORK/ours.txt" -v theirs="$WORK/theirs.txt" -v srcs="$srcs" '
            { sub(/^==[0-9]+== ?/, "") }
            /^$/ { if (rec != "") flush(); next }
            { rec = rec $0 "\n" }
            END { if (rec != "") flush() }
            function flush() {
                if (rec ~ /(Invalid|uninitialised|Conditional jump|Syscall param|Mismatched|overlap|Process terminating)/) {
                    if (rec ~ /\/schemaver\.so\)/ || rec ~ ("\\((" srcs ")\\.c:[0-9]+\\)")) print rec > ours
                    else { split(rec, l, "\n"); print l[1] > theirs }
                }
                rec = ""
            }' "$r"
    done
    [ -f "$WORK/ours.txt" ] && ours=$(grep -c . "$WORK/ours.txt" || true)
    [ -f "$WORK/theirs.txt" ] && theirs=$(wc -l <"$WORK/theirs.txt")
    if [ -s "$WORK/ours.txt" ]; then
        status=1
        echo "valgrind errors through schemaver.so:"
        cat "$WORK/ours.txt"
    else
        echo "no valgrind error passes through schemaver.so"
    fi
    if [ "$theirs" -gt 0 ]; then
        echo "valgrind errors elsewhere in the server (not schemaver's), by kind:"
        sort "$WORK/theirs.txt" | uniq -c | sort -rn | sed 's/^/    /'
    fi
    : "$ours"
fi
if grep -E 'terminated by signal|was terminated by exception|exited with exit code [^01]' "$WORK/server.log"; then
    status=1
else
    echo "no server process crashed"
fi
if [ "$regress_rc" != 0 ]; then
    status=1
    echo "pg_regress failed (exit $regress_rc)"
    if [ -f "$WORK/src/regression.diffs" ]; then
        cp "$WORK/src/regression.diffs" "/tmp/schemaver-memcheck-regression.diffs"
        echo "diffs: /tmp/schemaver-memcheck-regression.diffs"
    fi
fi
exit "$status"
