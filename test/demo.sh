#!/usr/bin/env bash
# test/demo.sh: a narrated schemaver session on a throw-away server
#
#   bash test/demo.sh [--no-apt] [--keep]
#
# Installs the Debian packages that are missing, builds and installs the
# extension, starts a private PostgreSQL 15 server as the "postgres" user in
# a scratch directory (Unix socket only, no TCP port), creates a database,
# runs CREATE EXTENSION schemaver, registers every migrations/*.sql file with
# psql -f (in sorted order), then walks the Alembic workflow: upgrade head,
# history, current, downgrade one step, upgrade head again.  Every statement
# is printed before it runs; the first error stops the demo with a non-zero
# exit status.  The server and the scratch directory are removed at the end.
#   --no-apt   never call apt-get (same as SCHEMAVER_SKIP_APT=1)
#   --keep     keep the scratch directory (same as SCHEMAVER_KEEP_TMP=1)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=test/lib/common.sh
. "$ROOT/test/lib/common.sh"

while [ $# -gt 0 ]; do
    case $1 in
        --no-apt) export SCHEMAVER_SKIP_APT=1 ;;
        --keep) export SCHEMAVER_KEEP_TMP=1 ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$ROOT/test/demo.sh"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

DB=schemaver_demo
PORT=5432           # only a Unix socket in the scratch directory: no clash

cd "$ROOT"
export LC_ALL=C     # sorted order of migrations/*.sql is byte order
shopt -s nullglob
migrations=(migrations/*.sql)
shopt -u nullglob
if [ "${#migrations[@]}" -eq 0 ]; then
    sv_die "no migrations/*.sql to register"
fi

sv_ensure_packages

TMP=$(sv_mktemp)
trap 'sv_cleanup_tmp "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$TMP/build" "$TMP/tmp" "$TMP/sock"
sv_copy_tree "$ROOT" "$TMP/build"
if ! sv_build_and_install "$TMP/build" >"$TMP/build.log" 2>&1; then
    cat "$TMP/build.log" >&2
    sv_die "build or install failed"
fi
sv_say "built and installed schemaver"
# the migrations as the server user can read them
mkdir -p "$TMP/migrations"
cp "${migrations[@]}" "$TMP/migrations/"
if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres:postgres "$TMP"
fi

# pg CMD...: run CMD as the server user, with a clean environment
pg() {
    sv_as_test_user "$TMP/tmp" "$@"
}

sv_say "starting a throw-away PostgreSQL ${SV_PG_MAJOR} server in $TMP/data"
pg "$SV_PGBIN/initdb" -D "$TMP/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >"$TMP/initdb.log" 2>&1 \
    || { cat "$TMP/initdb.log" >&2; sv_die "initdb failed"; }
if ! pg "$SV_PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
    -o "-c listen_addresses='' -k $TMP/sock -p $PORT -c fsync=off" start >/dev/null; then
    cat "$TMP/server.log" >&2
    sv_die "the server did not start"
fi

# psql_run [PSQL ARGS...]: psql on the demo database, stopping at the
# first error.
psql_run() {
    pg "$SV_PGBIN/psql" -X -v ON_ERROR_STOP=1 -h "$TMP/sock" -p "$PORT" \
        -U postgres -d "$DB" "$@"
}

# step COMMENT SQL: narrate COMMENT, show SQL as typed at the prompt, run it.
step() {
    printf '\n-- %s\n%s=# %s\n' "$1" "$DB" "$2"
    psql_run -c "$2" 2>&1
}

pg "$SV_PGBIN/createdb" -h "$TMP/sock" -p "$PORT" -U postgres "$DB"

step "install the extension" "CREATE EXTENSION schemaver;"

printf '\n-- register the revisions in migrations/ (each file is one schemaver_add_revision call)\n'
declare -a fargs=()
for m in "${migrations[@]}"; do
    printf '$ psql -f %s\n' "$m"
    fargs+=(-f "$TMP/migrations/$(basename "$m")")
done
psql_run "${fargs[@]}" 2>&1

step "what is registered, newest first; nothing is applied yet" \
    "SELECT revision, is_head, is_current, applied, message FROM schemaver_history();"
step "upgrade head: apply every revision, parents first" \
    "SELECT * FROM schemaver_upgrade('head');"
step "history after the upgrade" \
    "SELECT revision, is_head, is_current, applied, message FROM schemaver_history();"
step "current: where the database is" \
    "SELECT * FROM schemaver_current();"
if [ "$(psql_run -At -c "SELECT pg_catalog.to_regclass('users') IS NOT NULL")" = t ]; then
    step "the users table, as the migrations left it" '\d users'
else
    step "the tables the migrations created" '\dt'
fi
step "downgrade -1: undo the newest revision" \
    "SELECT * FROM schemaver_downgrade(1);"
step "current after the downgrade" \
    "SELECT * FROM schemaver_current();"
step "upgrade head again: only what is missing runs" \
    "SELECT * FROM schemaver_upgrade('head');"
step "history: back at head" \
    "SELECT revision, is_head, is_current, applied, message FROM schemaver_history();"

pg "$SV_PGBIN/pg_ctl" -D "$TMP/data" -m fast -w stop >/dev/null
printf '\n'
sv_say "demo finished"
