# shellcheck shell=bash
# test/lib/common.sh: shell helpers shared by test/run-tests.sh and test/demo.sh
#
# Sourced, never run.  It owns the things both scripts must do the same way:
# finding a PostgreSQL installation (15 by default), installing the Debian
# packages that are missing, making a private copy of PostgreSQL,
# copying the source tree to a scratch directory that the "postgres" user
# owns, running commands as that user with a clean environment, and stopping
# every server left under a scratch directory when a script ends.
#
# Knobs (environment):
#   SCHEMAVER_SKIP_APT=1   never call apt-get; fail if a package is missing
#   SCHEMAVER_KEEP_TMP=1   keep the scratch directory (its path is printed)

# The PostgreSQL major version of the machine itself (Debian 12 packages
# 15): the demo, the benchmarks and test/asan.sh use it, and so does
# test/run-tests.sh for 15.  Other majors are tested in chroots
# (test/lib/chroot.sh), where sv_set_pg_major points these at theirs.
SV_PG_MAJOR=15
SV_PGBIN="/usr/lib/postgresql/${SV_PG_MAJOR}/bin"
SV_PG_CONFIG="${SV_PGBIN}/pg_config"

# sv_set_pg_major MAJOR: make SV_PG_MAJOR, SV_PGBIN and SV_PG_CONFIG (and so
# the helpers below) name PostgreSQL MAJOR.
sv_set_pg_major() {
    SV_PG_MAJOR=$1
    SV_PGBIN="/usr/lib/postgresql/${SV_PG_MAJOR}/bin"
    SV_PG_CONFIG="${SV_PGBIN}/pg_config"
}
# PATH for commands run as the postgres user: root's PATH may name
# directories that user cannot read.
SV_CLEAN_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# sv_say MESSAGE...: print a progress line that stands out in CI logs.
sv_say() {
    printf '==> %s\n' "$*"
}

# sv_die MESSAGE...: print an error and exit with status 2.
sv_die() {
    printf 'error: %s\n' "$*" >&2
    exit 2
}

# sv_pkg_installed PACKAGE: true when dpkg knows PACKAGE as fully installed.
sv_pkg_installed() {
    local status
    status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
    [ "$status" = "installed" ]
}

# sv_missing_packages: print, one per line, the Debian packages the build and
# the tests need that are not installed.  Prints nothing when all are there.
#
# Each package is checked both with dpkg and, where it matters, with the file
# or command the scripts actually use, so that a package that dpkg lists but
# whose files are gone is still reported.
sv_missing_packages() {
    local -a missing=()

    # the server, initdb, pg_ctl
    if ! sv_pkg_installed "postgresql-${SV_PG_MAJOR}" \
        || [ ! -x "${SV_PGBIN}/postgres" ] || [ ! -x "${SV_PGBIN}/initdb" ]; then
        missing+=("postgresql-${SV_PG_MAJOR}")
    fi
    # PGXS, server headers, pg_regress, pg_isolation_regress, the
    # PostgreSQL::Test perl modules (via postgresql-client-15), clang/llvm
    if ! sv_pkg_installed "postgresql-server-dev-${SV_PG_MAJOR}" \
        || [ ! -x "$SV_PG_CONFIG" ] \
        || [ ! -f "/usr/lib/postgresql/${SV_PG_MAJOR}/lib/pgxs/src/makefiles/pgxs.mk" ] \
        || [ ! -f "/usr/lib/postgresql/${SV_PG_MAJOR}/lib/pgxs/src/test/perl/PostgreSQL/Test/Cluster.pm" ]; then
        missing+=("postgresql-server-dev-${SV_PG_MAJOR}")
    fi
    # TAP tests: prove (package perl) and IPC::Run
    if ! command -v prove >/dev/null 2>&1; then
        missing+=(perl)
    fi
    if ! sv_pkg_installed libipc-run-perl \
        || ! perl -MIPC::Run -e 1 >/dev/null 2>&1; then
        missing+=(libipc-run-perl)
    fi
    # the compiler and make
    if ! command -v gcc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
        missing+=(build-essential)
    fi

    if [ "${#missing[@]}" -gt 0 ]; then
        printf '%s\n' "${missing[@]}"
    fi
}

# sv_ensure_packages [CHECK...]: install the missing packages with apt-get,
# calling apt-get (update once, then install) only when something is
# missing.  Each CHECK is a command that prints missing packages, one per
# line; default sv_missing_packages (test/run-tests.sh adds
# sv_chroot_missing_tools when it uses chroots).
sv_ensure_packages() {
    local -a missing checks=("$@")
    [ "${#checks[@]}" -gt 0 ] || checks=(sv_missing_packages)
    mapfile -t missing < <(for c in "${checks[@]}"; do "$c"; done)
    if [ "${#missing[@]}" -eq 0 ]; then
        sv_say "all required packages are installed"
        return 0
    fi
    if [ "${SCHEMAVER_SKIP_APT:-0}" = 1 ]; then
        sv_die "missing packages: ${missing[*]} (SCHEMAVER_SKIP_APT=1, not installing them)"
    fi
    if [ "$(id -u)" -ne 0 ]; then
        sv_die "missing packages: ${missing[*]}; run as root, or install them: apt-get install ${missing[*]}"
    fi
    sv_say "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
    mapfile -t missing < <(for c in "${checks[@]}"; do "$c"; done)
    if [ "${#missing[@]}" -gt 0 ]; then
        sv_die "still missing after apt-get install: ${missing[*]}"
    fi
}

# sv_ensure_socket_dir: clusters made by pg_createcluster (pg_virtualenv)
# put their Unix socket in /var/run/postgresql, which the postgresql-common
# package creates but which a tmpfs /run loses at reboot.
sv_ensure_socket_dir() {
    if [ ! -d /var/run/postgresql ] && [ "$(id -u)" -eq 0 ]; then
        install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    fi
}

# sv_copy_tree SRC DEST: copy the source tree SRC into the existing directory
# DEST, without .git and without build or test products.
sv_copy_tree() {
    local src=$1 dest=$2
    tar -C "$src" \
        --exclude=./.git \
        --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
        --exclude=./results --exclude=./output_iso --exclude=./tmp_check \
        --exclude=./regression.diffs --exclude=./regression.out \
        --exclude=./log --exclude=./test/bench/out \
        -cf - . | tar -C "$dest" -xf -
}

# sv_test_user: the user that runs servers and tests (never root).
sv_test_user() {
    if [ "$(id -u)" -eq 0 ]; then
        echo postgres
    else
        id -un
    fi
}

# sv_mktemp: make a scratch directory that the test user owns and print its
# path.
sv_mktemp() {
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/schemaver.XXXXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
    fi
    echo "$dir"
}

# sv_as_test_user TMPDIR CMD...: run CMD as the test user with a clean,
# reproducible environment (C.UTF-8 locale, TMPDIR inside the scratch
# directory so that everything the run creates is found by sv_cleanup_tmp).
sv_as_test_user() {
    local tmp=$1; shift
    local -a envs=(
        "PATH=$SV_CLEAN_PATH"
        "LANG=C.UTF-8"
        "TMPDIR=$tmp"
        "CI=${CI:-}"
    )
    # pass through the knobs of PostgreSQL's TAP framework, and those of
    # test/t/070_graph_properties.pl (its seed and size, for longer runs)
    local v
    for v in PG_TEST_EXTRA PG_TEST_NOCLEAN PG_TEST_TIMEOUT_DEFAULT \
        SCHEMAVER_PROP_SEED SCHEMAVER_PROP_GRAPHS; do
        if [ -n "${!v:-}" ]; then
            envs+=("$v=${!v}")
        fi
    done
    if [ "$(id -u)" -eq 0 ]; then
        local home
        home=$(getent passwd postgres | cut -d: -f6)
        runuser -u postgres -- env -i "${envs[@]}" \
            "HOME=${home:-/var/lib/postgresql}" USER=postgres LOGNAME=postgres "$@"
    else
        env -i "${envs[@]}" "HOME=${HOME:-/tmp}" "USER=$(id -un)" "LOGNAME=$(id -un)" "$@"
    fi
}

# sv_stop_servers_under DIR: stop (immediate mode) every PostgreSQL server
# whose data directory lies under DIR; used when a script is interrupted.
sv_stop_servers_under() {
    local dir=$1 pidfile datadir
    [ -d "$dir" ] || return 0
    while IFS= read -r -d '' pidfile; do
        datadir=$(dirname "$pidfile")
        if [ "$(id -u)" -eq 0 ]; then
            runuser -u postgres -- "${SV_PGBIN}/pg_ctl" -D "$datadir" -m immediate stop \
                >/dev/null 2>&1 || true
        else
            "${SV_PGBIN}/pg_ctl" -D "$datadir" -m immediate stop >/dev/null 2>&1 || true
        fi
    done < <(find "$dir" -name postmaster.pid -print0 2>/dev/null)
}

# sv_cleanup_tmp DIR: stop the servers under DIR and remove it, unless
# SCHEMAVER_KEEP_TMP=1.
sv_cleanup_tmp() {
    local dir=$1
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    sv_stop_servers_under "$dir"
    if [ "${SCHEMAVER_KEEP_TMP:-0}" = 1 ]; then
        sv_say "kept scratch directory $dir"
    else
        rm -rf -- "$dir"
    fi
}

# sv_build_and_install DIR [PG_CONFIG]: build the extension in DIR (warnings
# are errors, as the Makefile says) and install it into the PostgreSQL
# installation of PG_CONFIG (default: the system's PostgreSQL ${SV_PG_MAJOR}).
sv_build_and_install() {
    local dir=$1 pg_config=${2:-$SV_PG_CONFIG} jobs
    jobs=$(nproc 2>/dev/null || echo 2)
    sv_say "building (make)"
    make -C "$dir" -j"$jobs" PG_CONFIG="$pg_config" || return 1
    sv_say "installing (make install)"
    make -C "$dir" install PG_CONFIG="$pg_config" || return 1
}

# sv_private_pg ROOT [MAJOR]: make ROOT a private, relocated copy of the
# PostgreSQL MAJOR installation (default ${SV_PG_MAJOR}) and print the path
# of its pg_config.
#
# PostgreSQL finds its share directory, $libdir and PGXS relative to the
# real path of its executables, so a copy of /usr/lib/postgresql/MAJOR and
# /usr/share/postgresql/MAJOR under ROOT, laid out as on the system, is a
# complete installation of its own (headers and the multiarch library
# directory are symlinks to the system's).  Installing into it and testing
# from it means that two test runs on one machine (two engineers, or CI and
# a developer) never swap schemaver.so or its scripts under each other, and
# that the system's PostgreSQL is never touched.  About 50 MB, copied in
# well under a second.
sv_private_pg() {
    local root=$1 major=${2:-$SV_PG_MAJOR} multiarch
    multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null \
        || gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
    mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql" || return 1
    cp -a "/usr/lib/postgresql/$major" "$root/usr/lib/postgresql/" || return 1
    cp -a "/usr/share/postgresql/$major" "$root/usr/share/postgresql/" || return 1
    ln -sfn /usr/include "$root/usr/include"
    ln -sfn "/usr/lib/$multiarch" "$root/usr/lib/$multiarch"
    # whatever an earlier `make install` left in the system tree goes
    rm -rf "$root/usr/lib/postgresql/$major/lib/schemaver.so" \
        "$root/usr/lib/postgresql/$major/lib/bitcode/schemaver" \
        "$root/usr/lib/postgresql/$major/lib/bitcode/schemaver.index.bc" \
        "$root/usr/share/postgresql/$major/extension"/schemaver[.-]* \
        "$root/usr/lib/postgresql/$major/bin/schemaver"
    echo "$root/usr/lib/postgresql/$major/bin/pg_config"
}

# The commit of the released schemaver 1.0 (default_version '1.0'), which the
# update test builds from the repository's history.
SV_RELEASE_1_0=b4a08d5e26ce2100d994c3d3d93e32696e2f2c3f

# sv_build_release_1_0 ROOT DEST [MAJOR]: build schemaver 1.0 from ROOT's git
# history and install it into a private PostgreSQL copy made at DEST (see
# sv_private_pg); print that installation's directory (the one holding bin/
# and lib/).  Prints nothing, and succeeds, when ROOT has no git history with
# that commit (a tarball): the update test then skips.  1.0 was built for
# PostgreSQL 15 only.
sv_build_release_1_0() {
    local root=$1 dest=$2 major=${3:-$SV_PG_MAJOR} pg_config
    [ "$major" = 15 ] || return 0
    command -v git >/dev/null 2>&1 || return 0
    git -C "$root" cat-file -e "${SV_RELEASE_1_0}^{commit}" 2>/dev/null || return 0
    mkdir -p "$dest/src" || return 1
    git -C "$root" archive "$SV_RELEASE_1_0" | tar -x -C "$dest/src" || return 1
    pg_config=$(sv_private_pg "$dest/pg" "$major") || return 1
    make -s -C "$dest/src" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$pg_config" >"$dest/build.log" 2>&1 \
        && make -s -C "$dest/src" install PG_CONFIG="$pg_config" >>"$dest/build.log" 2>&1 \
        || { cat "$dest/build.log" >&2; return 1; }
    dirname "$("$pg_config" --bindir)"
}
