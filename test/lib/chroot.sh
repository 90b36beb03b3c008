# shellcheck shell=bash
# test/lib/chroot.sh: Debian chroots that hold the PostgreSQL versions the
# machine's own distribution does not package (sourced by test/run-tests.sh)
#
# Sourced, never run; needs test/lib/common.sh first.  The machine runs
# Debian 12 (bookworm), whose archive has PostgreSQL 15 only.  Newer Debian
# suites have the newer majors: 17 in trixie, 18 in forky.  For each, a
# chroot made by debootstrap (minbase, then apt-get install of the server,
# its development files, make, gcc and IPC::Run) lives in a fixed place
# outside the repository, $SV_CHROOT_BASE/<suite>, so that later runs (of
# any clone, CI's included) reuse it; it is made when missing.
#
# Sharing one chroot between runs that may overlap:
#   - every use happens in private namespaces (unshare --mount --pid): the
#     chroot's /proc, its /dev/shm (a tmpfs) and its /tmp (a bind mount of a
#     directory of the run's own scratch space) exist only for that run's
#     processes, and vanish with them on any exit, even a SIGKILL: nothing
#     is ever mounted where the rest of the machine sees it, and two runs
#     each see their own /tmp;
#   - a run writes only below its own /tmp (its private copy of PostgreSQL,
#     the build, the cluster), never into the chroot itself;
#   - <suite>.lock (flock): a run holds it shared while it uses the chroot;
#     making or completing the chroot holds it exclusive, so it never
#     happens under a running test.  A chroot is made in <suite>.new and
#     renamed into place when complete, so a crash halfway leaves nothing
#     that looks usable.
#
# Knobs (environment):
#   SCHEMAVER_CHROOT_DIR      where the chroots live
#                             (default /var/lib/schemaver/chroots)
#   SCHEMAVER_DEBIAN_MIRROR   the Debian archive to debootstrap from
#                             (default: the one this machine's apt uses)
#
# Remove a chroot's directory to have the next run make it afresh (for
# example to pick up a newer PostgreSQL minor release).

SV_CHROOT_BASE=${SCHEMAVER_CHROOT_DIR:-/var/lib/schemaver/chroots}
# Written into a chroot when it is complete; its first line is the layout
# version of this file (bump it when a change needs chroots made afresh).
SV_CHROOT_STAMP=.schemaver-chroot
SV_CHROOT_LAYOUT=1

# sv_pg_suite MAJOR: print the Debian suite whose chroot holds PostgreSQL
# MAJOR; print nothing (and fail) for a major without one.
sv_pg_suite() {
    case $1 in
        17) echo trixie ;;
        18) echo forky ;;
        *) return 1 ;;
    esac
}

# sv_chroot_packages MAJOR: the packages a chroot for MAJOR needs, the same
# list that sv_missing_packages checks on the machine itself.
sv_chroot_packages() {
    echo "postgresql-$1 postgresql-server-dev-$1 make gcc perl libipc-run-perl"
}

# sv_debian_mirror: print the Debian archive URI that this machine's apt
# uses for its own release (main component), or SCHEMAVER_DEBIAN_MIRROR.
sv_debian_mirror() {
    if [ -n "${SCHEMAVER_DEBIAN_MIRROR:-}" ]; then
        echo "$SCHEMAVER_DEBIAN_MIRROR"
        return 0
    fi
    local codename uri
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(IDENTIFIER)' 2>/dev/null \
        | awk -v c="$codename" '$2 == c && $3 == "main" && $4 == "Packages" { print $1; exit }')
    if [ -z "$uri" ]; then
        echo "cannot tell which Debian archive apt uses; set SCHEMAVER_DEBIAN_MIRROR" >&2
        return 1
    fi
    echo "${uri%/}"
}

# sv_chroot_missing_tools: print the host commands that making or using a
# chroot needs and that are missing, as Debian package names.
sv_chroot_missing_tools() {
    command -v debootstrap >/dev/null 2>&1 || echo debootstrap
    { command -v unshare && command -v flock && command -v chroot; } >/dev/null 2>&1 \
        || echo util-linux
}

# sv_chroot_in SUITE TMPDIR CMD...: run CMD inside the chroot of SUITE, as
# root, in new mount and PID namespaces, with a fresh /proc, a private tmpfs
# on /dev/shm (PostgreSQL's dynamic shared memory) and the host directory
# TMPDIR as its /tmp.  When CMD ends, or unshare is killed, every process
# left in the PID namespace is killed and every mount goes with the
# namespace: there is nothing to unmount.  TMPDIR may be empty: then the
# chroot's own /tmp is used (only while making the chroot).
sv_chroot_in() {
    local suite=$1 tmp=$2
    shift 2
    local ch="$SV_CHROOT_BASE/$suite"
    unshare --mount --propagation private --pid --fork --kill-child -- \
        bash -c '
            set -e
            ch=$1; tmp=$2; shift 2
            mount -t proc proc "$ch/proc"
            mount -t tmpfs -o mode=1777,nosuid,nodev shm "$ch/dev/shm"
            if [ -n "$tmp" ]; then
                mount --bind "$tmp" "$ch/tmp"
            fi
            exec chroot "$ch" /usr/bin/env -i \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                LANG=C.UTF-8 HOME=/root TERM=dumb DEBIAN_FRONTEND=noninteractive \
                "$@"
        ' sv-chroot "$ch" "$tmp" "$@"
}

# sv_chroot_ready SUITE MAJOR: true when the chroot of SUITE is complete (its
# stamp names the current layout) and has every package MAJOR needs.
sv_chroot_ready() {
    local suite=$1 major=$2 ch="$SV_CHROOT_BASE/$1" want got
    [ -f "$ch/$SV_CHROOT_STAMP" ] || return 1
    [ "$(head -n 1 "$ch/$SV_CHROOT_STAMP")" = "layout $SV_CHROOT_LAYOUT" ] || return 1
    # shellcheck disable=SC2046
    want=$(set -- $(sv_chroot_packages "$major"); echo $#)
    # shellcheck disable=SC2046
    got=$(chroot "$ch" dpkg-query -W -f='${db:Status-Status}\n' \
        $(sv_chroot_packages "$major") 2>/dev/null | grep -cx installed)
    [ "$got" = "$want" ]
}

# sv_chroot_apt SUITE MAJOR: apt-get update and install MAJOR's packages in
# the chroot directory of SUITE (whichever it is, complete or being made),
# then drop the downloaded archives.  Caller holds the exclusive lock.
sv_chroot_apt() {
    local suite=$1 major=$2
    cp /etc/resolv.conf "$SV_CHROOT_BASE/$suite/etc/resolv.conf" 2>/dev/null || true
    # shellcheck disable=SC2046
    sv_chroot_in "$suite" "" sh -c '
        set -e
        apt-get update -q
        apt-get install -y -q --no-install-recommends "$@"
        apt-get clean
    ' sv-apt $(sv_chroot_packages "$major")
}

# sv_chroot_make SUITE MAJOR: make the chroot of SUITE from nothing, in
# SUITE.new, and rename it into place.  Caller holds the exclusive lock.
sv_chroot_make() {
    local suite=$1 major=$2 mirror script new started=$SECONDS
    case $SV_CHROOT_BASE in
        /?*) ;;
        *) echo "SCHEMAVER_CHROOT_DIR must be an absolute path" >&2; return 1 ;;
    esac
    new="$SV_CHROOT_BASE/$suite.new"
    mirror=$(sv_debian_mirror) || return 1
    # bookworm's debootstrap has no script named after newer suites; every
    # Debian suite since buster uses sid's
    script=/usr/share/debootstrap/scripts/$suite
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    # --one-file-system: never follow into a mount, whatever a crash left
    rm -rf --one-file-system -- "$new"
    sv_say "making the $suite chroot for PostgreSQL $major in $SV_CHROOT_BASE/$suite (debootstrap from $mirror)"
    # in a mount namespace of its own, so that a mount debootstrap leaves
    # behind on failure dies with it
    unshare --mount --propagation private -- \
        debootstrap --variant=minbase "$suite" "$new" "$mirror" "$script" || return 1
    # Apt: forky's Release file in the archive may be past its Valid-Until
    # date; no translations.  No service starts in a chroot, and no
    # "main" cluster is made by the server package: tests make their own.
    printf '%s\n' '// written by schemaver'"'"'s test/lib/chroot.sh' \
        'Acquire::Check-Valid-Until "false";' 'Acquire::Languages "none";' \
        >"$new/etc/apt/apt.conf.d/99schemaver"
    # dpkg without an fsync per file: a chroot half made is thrown away
    # anyway (its stamp is written last), and the compiler and LLVM go in
    # much faster
    echo force-unsafe-io >"$new/etc/dpkg/dpkg.cfg.d/schemaver-unsafe-io"
    printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
    chmod 755 "$new/usr/sbin/policy-rc.d"
    mkdir -p "$new/etc/postgresql-common"
    echo "create_main_cluster = false" >"$new/etc/postgresql-common/createcluster.conf"
    sv_chroot_apt "$suite.new" "$major" || return 1
    printf 'layout %s\nsuite %s\npackages %s\nmade %s\n' "$SV_CHROOT_LAYOUT" "$suite" \
        "$(sv_chroot_packages "$major")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        >"$new/$SV_CHROOT_STAMP"
    rm -rf --one-file-system -- "${SV_CHROOT_BASE:?}/$suite"
    mv -T "$new" "$SV_CHROOT_BASE/$suite"
    sv_say "made the $suite chroot for PostgreSQL $major in $((SECONDS - started)) s"
}

# sv_chroot_ensure SUITE MAJOR: make sure the chroot of SUITE is ready for
# MAJOR: make it when it is missing or incomplete, install what it lacks
# when the package list has grown.  When it must change the chroot, it
# first waits for the runs that use it to end.  Returns holding no lock.
sv_chroot_ensure() {
    local suite=$1 major=$2 fd rc=0 ch="$SV_CHROOT_BASE/$1"
    mkdir -p "$SV_CHROOT_BASE" || return 1
    exec {fd}>"$SV_CHROOT_BASE/$suite.lock"
    flock -s "$fd"
    if sv_chroot_ready "$suite" "$major"; then
        exec {fd}>&-
        return 0
    fi
    if ! flock -x -n "$fd"; then
        sv_say "waiting for the runs that use the $suite chroot to end"
        flock -x "$fd"
    fi
    if ! sv_chroot_ready "$suite" "$major"; then
        if [ -f "$ch/$SV_CHROOT_STAMP" ] \
            && [ "$(head -n 1 "$ch/$SV_CHROOT_STAMP")" = "layout $SV_CHROOT_LAYOUT" ]; then
            sv_say "installing the missing packages in the $suite chroot"
            sv_chroot_apt "$suite" "$major" || rc=1
        else
            sv_chroot_make "$suite" "$major" || rc=1
        fi
        if [ "$rc" = 0 ] && ! sv_chroot_ready "$suite" "$major"; then
            echo "the $suite chroot still lacks some of: $(sv_chroot_packages "$major")" >&2
            rc=1
        fi
    fi
    exec {fd}>&-
    return "$rc"
}

# sv_chroot_hold SUITE MAJOR: take the chroot's lock shared, for as long as
# this shell and what it starts live or until sv_chroot_release, so that
# no other run changes the chroot under this one; fails when the chroot is
# not ready.
sv_chroot_hold() {
    local suite=$1 major=$2
    exec {SV_CHROOT_HOLD_FD}>"$SV_CHROOT_BASE/$suite.lock"
    flock -s "$SV_CHROOT_HOLD_FD"
    sv_chroot_ready "$suite" "$major"
}

# sv_chroot_release: let go of the lock that sv_chroot_hold took.
sv_chroot_release() {
    if [ -n "${SV_CHROOT_HOLD_FD:-}" ]; then
        exec {SV_CHROOT_HOLD_FD}>&-
        SV_CHROOT_HOLD_FD=
    fi
}
