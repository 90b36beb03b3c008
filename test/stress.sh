#!/usr/bin/env bash
# test/stress.sh: many sessions migrating one database at once
#
#   bash test/stress.sh [-s SESSIONS] [-r REVISIONS] [-o OPS] [--seed N] [--keep]
#   bash test/stress.sh --emit DIR [-s ...]    only write the scenario's files
#
# Without PGHOST, PGPORT or PGDATABASE in the environment, the script starts a
# throw-away cluster (initdb in a temporary directory, Unix socket only; as
# the "postgres" user when run as root) with the installed schemaver, and
# removes it at the end.  With any of them set, it uses that server: it
# creates a scratch database there (sv_stress_<pid>, dropped at the end
# unless --keep), which needs the extension installed on that server.
#
# The scenario (the same files that test/t/025_stress.pl runs):
#   deploy  SESSIONS sessions start at once, as application instances do at a
#           deploy: each registers all REVISIONS revisions (a chain s0001 ->
#           s0002 -> ..., each creating a table and writing a row to
#           stress_events) and calls schemaver_upgrade('head') every few
#           registrations and at the end.  Session 1 upgrades in
#           REPEATABLE READ, where a serialization failure (40001) is the
#           expected answer to a concurrent migration.  A reader loops over
#           schemaver_current(), schemaver_history() and schemaver_verify().
#   check   every revision's upgrade SQL ran exactly once (one stress_events
#           row and one table each), the log holds exactly one upgrade row
#           per revision in an unbroken chain of heads, version = head,
#           schemaver_verify() is empty, a last upgrade('head') does nothing.
#   churn   the same sessions then run OPS random moves each: upgrade to
#           head, to a revision, +N; downgrade N steps or to a revision; some
#           in explicit transactions that hold the lock a while, some rolled
#           back.  Moves that the state of the moment makes impossible
#           ("goes below base", "is below the current revision", ...) fail
#           with their documented errors: those are expected.  Session 1
#           again runs in REPEATABLE READ (40001 expected).
#   check   the rows of stress_events (each run of revision SQL, in order)
#           are exactly the log's upgrade/downgrade rows in the same order;
#           per revision, upgrades and downgrades alternate; after a final
#           upgrade('head') every table exists, version = head, the chain of
#           heads is unbroken and schemaver_verify() is empty.
# Any error other than the expected ones fails the run.
#
# Knobs (environment, or the options above): SV_STRESS_SESSIONS (8),
# SV_STRESS_REVISIONS (300), SV_STRESS_OPS (25), SV_STRESS_SEED (42),
# SV_PG_BINDIR (the directory of initdb, pg_ctl and psql; default: from
# pg_config, else /usr/lib/postgresql/15/bin).  Runs in about 15-40 s on
# two cores.  Exit status 0 only when every check passed.

set -euo pipefail

SESSIONS=${SV_STRESS_SESSIONS:-8}
REVISIONS=${SV_STRESS_REVISIONS:-300}
OPS=${SV_STRESS_OPS:-25}
SEED=${SV_STRESS_SEED:-42}
KEEP=0
EMIT=

while [ $# -gt 0 ]; do
    case $1 in
        -s) SESSIONS=$2; shift ;;
        -r) REVISIONS=$2; shift ;;
        -o) OPS=$2; shift ;;
        --seed) SEED=$2; shift ;;
        --keep) KEEP=1 ;;
        --emit) EMIT=$2; shift ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "stress.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

# ---------------------------------------------------------------------------
# The scenario's files
# ---------------------------------------------------------------------------

# emit_scenario DIR: write setup.sql, deploy_<w>.sql, reader.sql, churn_<w>.sql,
# check_deploy.sql, check_final.sql and expected_errors.txt into DIR.
emit_scenario() {
    local dir=$1 w
    mkdir -p "$dir"

    cat >"$dir/setup.sql" <<'EOF'
CREATE EXTENSION schemaver;
-- one row per run of revision SQL, in the order the runs happened (they run
-- under schemaver's lock, so identity order is run order)
CREATE TABLE stress_events (
    id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rev text NOT NULL,
    op  text NOT NULL
);
EOF

    # Errors a session may get, one extended regular expression each, matched
    # against "ERROR:  SQLSTATE: message" lines (psql VERBOSITY verbose).
    cat >"$dir/expected_errors.txt" <<'EOF'
^ERROR:  40001: could not serialize access due to a concurrent
^ERROR:  [0-9A-Z]{5}: relative target "[-+][0-9]+" goes (below base|beyond the head)
^ERROR:  [0-9A-Z]{5}: upgrade target "s[0-9]+" is below the current revision
^ERROR:  [0-9A-Z]{5}: downgrade target "s[0-9]+" is not applied
^ERROR:  25P02: current transaction is aborted
EOF

    for ((w = 1; w <= SESSIONS; w++)); do
        awk -v w="$w" -v n="$REVISIONS" -v seed="$SEED" '
        function id(i) { return sprintf("s%04d", i) }
        BEGIN {
            srand(seed * 1000 + w)
            print "\\set VERBOSITY verbose"
            print "SET client_min_messages = warning;"
            print "SET application_name = \x27stress_deploy_" w "\x27;"
            # session 1 upgrades in REPEATABLE READ (it registers in READ
            # COMMITTED: a registration that failed with 40001 and was not
            # retried would leave a gap in the chain for everyone)
            if (w == 1) {
                up = "BEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT count(*) FROM schemaver_upgrade(\x27head\x27);\nCOMMIT;"
            } else
                up = "SELECT count(*) FROM schemaver_upgrade(\x27head\x27);"
            every = 3 + int(rand() * 30)
            for (i = 1; i <= n; i++) {
                parent = (i == 1) ? "NULL" : "\x27" id(i - 1) "\x27"
                sleep = (i % 50 == 0) ? " SELECT pg_sleep(0.02);" : ""
                printf "SELECT schemaver_add_revision(\x27%s\x27, %s,\n", id(i), parent
                printf "  $up$CREATE TABLE stress_t%04d (id int); INSERT INTO stress_events (rev, op) VALUES (\x27%s\x27, \x27upgrade\x27);%s$up$,\n", i, id(i), sleep
                printf "  $down$DROP TABLE stress_t%04d; INSERT INTO stress_events (rev, op) VALUES (\x27%s\x27, \x27downgrade\x27);$down$,\n", i, id(i)
                printf "  \x27stress revision %d\x27);\n", i
                if (i % every == 0)
                    print up
            }
            print up
        }' >"$dir/deploy_$w.sql"

        awk -v w="$w" -v n="$REVISIONS" -v ops="$OPS" -v seed="$SEED" '
        function id(i) { return sprintf("s%04d", i) }
        function k() { return 1 + int(rand() * 30) }
        BEGIN {
            srand(seed * 1000 + 500 + w)
            print "\\set VERBOSITY verbose"
            print "SET client_min_messages = warning;"
            print "SET application_name = \x27stress_churn_" w "\x27;"
            if (w == 1)
                print "SET default_transaction_isolation = \x27repeatable read\x27;"
            for (j = 0; j < ops; j++) {
                r = rand()
                if (r < 0.25)
                    print "SELECT count(*) FROM schemaver_upgrade(\x27head\x27);"
                else if (r < 0.42)
                    print "SELECT count(*) FROM schemaver_downgrade(" k() ");"
                else if (r < 0.50)
                    print "SELECT count(*) FROM schemaver_upgrade(\x27+" k() "\x27);"
                else if (r < 0.60)
                    print "SELECT count(*) FROM schemaver_upgrade(\x27" id(1 + int(rand() * n)) "\x27);"
                else if (r < 0.70)
                    print "SELECT count(*) FROM schemaver_downgrade(\x27" id(1 + int(rand() * n)) "\x27);"
                else if (r < 0.85) {
                    print "BEGIN;"
                    if (rand() < 0.5)
                        print "SELECT count(*) FROM schemaver_downgrade(" k() ");"
                    else
                        print "SELECT count(*) FROM schemaver_upgrade(\x27head\x27);"
                    print "SELECT pg_sleep(0.01);"
                    print "COMMIT;"
                } else {
                    print "BEGIN;"
                    print "SELECT count(*) FROM schemaver_downgrade(" k() ");"
                    print "ROLLBACK;"
                }
            }
        }' >"$dir/churn_$w.sql"
    done

    # The reader: read-only functions during the deploy phase.  \warn goes
    # to stderr, where the error scan finds it.
    {
        echo '\set VERBOSITY verbose'
        echo "SET application_name = 'stress_reader';"
        for ((w = 1; w <= 150; w++)); do
            echo "SELECT count(*) FROM schemaver_current();"
            echo "SELECT count(*) FROM schemaver_history();"
            printf '%s\n' 'SELECT count(*) > 0 AS problems FROM schemaver_verify() \gset' \
                '\if :problems' \
                '\warn ERROR:  VERIFY: schemaver_verify() reported a problem during the run' \
                '\endif' \
                'SELECT pg_sleep(0.02);'
        done
    } >"$dir/reader.sql"

    # Checks print "check|ok|detail"; ok is t or f.
    cat >"$dir/check_deploy.sql" <<EOF
\\pset format unaligned
\\pset tuples_only on
SET client_min_messages = warning;
-- in a statement of its own: the checks below must see what it did
SELECT count(*) AS last_up FROM schemaver_upgrade('head') \\gset
WITH n AS (SELECT $REVISIONS AS n),
last_up AS (SELECT :last_up AS c),
ev AS (SELECT rev, count(*) FILTER (WHERE op = 'upgrade') AS up,
              count(*) FILTER (WHERE op <> 'upgrade') AS other
         FROM stress_events GROUP BY rev),
lg AS (SELECT revision, count(*) FILTER (WHERE operation = 'upgrade') AS up,
              count(*) FILTER (WHERE operation <> 'upgrade') AS other
         FROM schemaver.log GROUP BY revision),
chain AS (SELECT l.heads_before IS NOT DISTINCT FROM
                 coalesce(lag(l.heads_after) OVER (ORDER BY l.id), '{}'::text[]) AS ok
            FROM schemaver.log l)
SELECT 'deploy: every revision upgrade SQL ran exactly once', (SELECT count(*) FROM ev WHERE up = 1 AND other = 0) = n,
       (SELECT count(*) FROM ev WHERE up = 1 AND other = 0) || ' of ' || n || ' revisions ran once; '
       || (SELECT count(*) FROM stress_events) || ' runs of revision SQL in all' FROM n
UNION ALL
SELECT 'deploy: one table per revision', (SELECT count(*) FROM pg_class WHERE relname LIKE 'stress\_t%' AND relkind = 'r') = n,
       (SELECT count(*) FROM pg_class WHERE relname LIKE 'stress\_t%' AND relkind = 'r') || ' tables' FROM n
UNION ALL
SELECT 'deploy: log has exactly one upgrade row per revision',
       (SELECT count(*) FROM lg WHERE up = 1 AND other = 0) = n AND (SELECT count(*) FROM schemaver.log) = n,
       (SELECT count(*) FROM schemaver.log) || ' log rows for ' || n || ' revisions' FROM n
UNION ALL
SELECT 'deploy: chain of heads in the log is unbroken', bool_and(ok), count(*) FILTER (WHERE NOT ok) || ' breaks' FROM chain
UNION ALL
SELECT 'deploy: version is the head', (SELECT array_agg(c) FROM schemaver_current() c) = ARRAY['s' || lpad(n::text, 4, '0')]
       AND (SELECT array_agg(h) FROM schemaver_heads() h) = ARRAY['s' || lpad(n::text, 4, '0')],
       'current ' || (SELECT coalesce(string_agg(c, ','), '<base>') FROM schemaver_current() c) FROM n
UNION ALL
SELECT 'deploy: a last upgrade to head does nothing', c = 0, c || ' steps' FROM last_up
UNION ALL
SELECT 'deploy: schemaver_verify() is empty', count(*) = 0, count(*) || ' problems' FROM schemaver_verify();
EOF

    cat >"$dir/check_final.sql" <<EOF
\\pset format unaligned
\\pset tuples_only on
SET client_min_messages = warning;
-- in a statement of its own: the checks below must see what it did
SELECT count(*) AS last_up FROM schemaver_upgrade('head') \\gset
WITH n AS (SELECT $REVISIONS AS n),
last_up AS (SELECT :last_up AS c),
e AS (SELECT row_number() OVER (ORDER BY id) AS i, rev, op FROM stress_events),
l AS (SELECT row_number() OVER (ORDER BY id) AS i, revision AS rev, operation AS op
        FROM schemaver.log WHERE operation IN ('upgrade', 'downgrade')),
alt AS (SELECT rev, op, lag(op) OVER (PARTITION BY rev ORDER BY id) AS prev FROM stress_events),
chain AS (SELECT l.heads_before IS NOT DISTINCT FROM
                 coalesce(lag(l.heads_after) OVER (ORDER BY l.id), '{}'::text[]) AS ok
            FROM schemaver.log l)
SELECT 'final: a last upgrade to head ran', true, c || ' steps' FROM last_up
UNION ALL
SELECT 'final: runs of revision SQL are exactly the log rows, in order',
       count(*) FILTER (WHERE e.rev IS DISTINCT FROM l.rev OR e.op IS DISTINCT FROM l.op) = 0,
       count(e.i) || ' runs, ' || count(l.i) || ' log rows, '
       || count(*) FILTER (WHERE e.rev IS DISTINCT FROM l.rev OR e.op IS DISTINCT FROM l.op) || ' mismatches'
  FROM e FULL JOIN l ON e.i = l.i
UNION ALL
SELECT 'final: per revision, upgrades and downgrades alternate',
       count(*) = 0, count(*) || ' repeated or out-of-order runs'
  FROM alt WHERE op = prev OR (prev IS NULL AND op <> 'upgrade')
UNION ALL
SELECT 'final: every revision is applied once more than undone',
       count(*) = 0, count(*) || ' revisions off'
  FROM (SELECT rev FROM stress_events GROUP BY rev
        HAVING count(*) FILTER (WHERE op = 'upgrade') - count(*) FILTER (WHERE op = 'downgrade') <> 1) x
UNION ALL
SELECT 'final: one table per revision', (SELECT count(*) FROM pg_class WHERE relname LIKE 'stress\_t%' AND relkind = 'r') = n,
       (SELECT count(*) FROM pg_class WHERE relname LIKE 'stress\_t%' AND relkind = 'r') || ' tables' FROM n
UNION ALL
SELECT 'final: chain of heads in the log is unbroken', bool_and(ok), count(*) FILTER (WHERE NOT ok) || ' breaks' FROM chain
UNION ALL
SELECT 'final: version is the head', (SELECT array_agg(c) FROM schemaver_current() c) = ARRAY['s' || lpad(n::text, 4, '0')],
       'current ' || (SELECT coalesce(string_agg(c, ','), '<base>') FROM schemaver_current() c) FROM n
UNION ALL
SELECT 'final: churn moved the database', (SELECT count(*) FROM schemaver.log WHERE operation = 'downgrade') > 0,
       (SELECT count(*) FROM schemaver.log WHERE operation = 'downgrade') || ' downgrade steps, '
       || (SELECT count(*) FROM schemaver.log WHERE operation = 'upgrade') || ' upgrade steps'
UNION ALL
SELECT 'final: schemaver_verify() is empty', count(*) = 0, count(*) || ' problems' FROM schemaver_verify();
EOF
}

if [ -n "$EMIT" ]; then
    emit_scenario "$EMIT"
    exit 0
fi

# ---------------------------------------------------------------------------
# A server to run against
# ---------------------------------------------------------------------------
say() { printf '[stress] %s\n' "$*"; }

if [ -z "${SV_PG_BINDIR:-}" ]; then
    if command -v pg_config >/dev/null 2>&1; then
        SV_PG_BINDIR=$(pg_config --bindir)
    else
        SV_PG_BINDIR=/usr/lib/postgresql/15/bin
    fi
fi
PSQL="$SV_PG_BINDIR/psql"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sv_stress.XXXXXX")
OWN_CLUSTER=0
DB=sv_stress_$$
ADMIN_DB=${PGDATABASE:-postgres}

as_pg() { # run a server command as the cluster's owner
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

cleanup() {
    local rc=$?
    if [ "$OWN_CLUSTER" = 1 ]; then
        as_pg "$SV_PG_BINDIR/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
    elif [ "$KEEP" = 0 ]; then
        "$PSQL" -X -q -d "$ADMIN_DB" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
    fi
    if [ "$KEEP" = 1 ]; then
        say "kept $TMP (database $DB)"
    else
        rm -rf "$TMP"
    fi
    exit $rc
}
trap cleanup EXIT

if [ -z "${PGHOST:-}${PGPORT:-}${PGDATABASE:-}" ]; then
    OWN_CLUSTER=1
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$TMP"
    fi
    say "starting a throw-away cluster in $TMP"
    as_pg "$SV_PG_BINDIR/initdb" -D "$TMP/data" -A trust -U postgres --no-sync >"$TMP/initdb.log" 2>&1 \
        || { cat "$TMP/initdb.log" >&2; exit 1; }
    export PGHOST=$TMP PGPORT=$((20000 + $$ % 10000)) PGUSER=postgres
    as_pg "$SV_PG_BINDIR/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
        -o "-c listen_addresses='' -c unix_socket_directories='$TMP' -p $PGPORT -c fsync=off -c max_connections=50" \
        start >/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
    ADMIN_DB=postgres
fi

"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_DB" -c "CREATE DATABASE $DB" >/dev/null
export PGDATABASE=$DB
emit_scenario "$TMP/scenario"
S=$TMP/scenario
"$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$S/setup.sql" >/dev/null

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------
# run_phase NAME FILE...: run the files in parallel, one psql each, stderr
# to $TMP/<file>.err.  Fails when a psql could not run at all.
run_phase() {
    local name=$1; shift
    local pids=() f rc=0 start=$SECONDS
    for f in "$@"; do
        "$PSQL" -X -q -f "$f" >/dev/null 2>"$TMP/$(basename "$f" .sql).err" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p" || rc=1
    done
    say "$name: $# sessions, $((SECONDS - start)) s"
    return $rc
}

# error_lines FILE: the error lines of a psql log, without psql's
# "psql:FILE:LINE: " prefix (connection failures and crashes included).
error_lines() {
    sed -nE 's/^psql:[^:]*:[0-9]+: //; /^(ERROR|FATAL|PANIC):|^psql: error|^(server closed|connection to server)/p' "$1"
}

# scan_errors FILE...: print unexpected error lines; count expected ones.
unexpected=0
scan_errors() {
    local f bad codes
    for f in "$@"; do
        bad=$(error_lines "$f" | grep -vEf "$S/expected_errors.txt" || true)
        if [ -n "$bad" ]; then
            say "UNEXPECTED errors in $(basename "$f" .err):"
            printf '%s\n' "$bad" | sort | uniq -c | sed 's/^/    /'
            unexpected=$((unexpected + $(printf '%s\n' "$bad" | wc -l)))
        fi
        codes=$(error_lines "$f" | grep -Ef "$S/expected_errors.txt" \
            | sed -E 's/^ERROR:  ([0-9A-Z]{5}).*/\1/' | sort | uniq -c | awk '{printf " %s x%s", $2, $1}' || true)
        if [ -n "$codes" ]; then
            say "  $(basename "$f" .err): expected errors:$codes"
        fi
    done
}

# run_checks FILE: print the checks, count the failed ones.
failed=0
run_checks() {
    local out name ok detail
    out=$("$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$1") || { say "check query failed"; failed=$((failed + 1)); return; }
    while IFS='|' read -r name ok detail; do
        [ -n "$name" ] || continue
        if [ "$ok" = t ]; then
            say "ok      $name ($detail)"
        else
            say "FAILED  $name ($detail)"
            failed=$((failed + 1))
        fi
    done <<<"$out"
}

say "$SESSIONS sessions, $REVISIONS revisions, $OPS churn moves per session, seed $SEED"
deploy=()
churn=()
for ((w = 1; w <= SESSIONS; w++)); do
    deploy+=("$S/deploy_$w.sql")
    churn+=("$S/churn_$w.sql")
done

run_phase deploy "${deploy[@]}" "$S/reader.sql" || say "a psql of the deploy phase exited with an error"
scan_errors "$TMP"/deploy_*.err "$TMP/reader.err"
run_checks "$S/check_deploy.sql"

run_phase churn "${churn[@]}" || say "a psql of the churn phase exited with an error"
scan_errors "$TMP"/churn_*.err
run_checks "$S/check_final.sql"

if [ "$unexpected" -gt 0 ] || [ "$failed" -gt 0 ]; then
    say "FAILED: $failed checks failed, $unexpected unexpected errors"
    exit 1
fi
say "PASSED: every check held, no unexpected error"
