#!/usr/bin/env python3
"""test/alembic_diff.py: differential run of schemaver against Alembic.

A developer tool, not part of the test command.  It generates random
revision graphs (branches, merges, branch labels, depends_on, several bases)
and random sequences of upgrade, downgrade and stamp to targets of every form
Alembic understands, runs each sequence on Alembic (Debian's python3-alembic,
with an in-memory SQLite database) and on schemaver (through psql), and
compares after each call: did both succeed, and do they have the same
applied revisions (for Alembic, everything alembic_version's rows need,
through down_revision and depends_on; for schemaver, schemaver_history()'s
"applied" column).  The rows of the two version tables are not compared:
they differ by design (README, "schemaver.version and alembic_version").

The differences are counted by kind (direction, target form, outcome) and
the first examples of each are printed, with the graph, so that each can be
replayed by hand.  A call where only the outcome differs (one fails, the
other has nothing to do) is counted and the sequence goes on; after a call
that leaves different applied sets the rest of the sequence is skipped (the
two databases are in different states).

Needs: python3-alembic (apt-get install python3-alembic), psql on PATH, and
a PostgreSQL server (libpq environment: PGHOST, PGPORT, PGDATABASE, ...) in
whose database the current user may CREATE EXTENSION schemaver (the
extension installed into that server).  It drops and creates the extension
in that database: use a scratch one.

    python3 test/alembic_diff.py --graphs 300 --seed 1

Output: one line per kind of difference with its count, then examples.
"""

import argparse
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import warnings

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

ENV_PY = '''
from alembic import context
conn = context.config.attributes["connection"]
context.configure(connection=conn, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
'''


def make_graph(rng):
    """A random graph: list of (id, parents, deps, labels), in order."""
    n = rng.randint(3, 12)
    p_root = rng.choice([0.02, 0.1, 0.25])
    p_latest = rng.choice([0.2, 0.5, 0.8])
    revs, used = [], set()
    for i in range(n):
        while True:
            # Alembic matches a prefix of 4 characters or more only
            rid = rng.choice("abcd") + "%04d" % rng.randint(1, 25)
            if rid not in used:
                used.add(rid)
                break
        parents = []
        if i > 0 and rng.random() > p_root:
            for _ in range(2 if rng.random() < 0.15 else 1):
                p = revs[-1][0] if rng.random() < p_latest else rng.choice(revs)[0]
                if p not in parents:
                    parents.append(p)
        deps = []
        if i > 0 and rng.random() < 0.3:
            d = rng.choice(revs)[0]
            if d not in parents:
                deps.append(d)
        labels = ["L%d" % i] if rng.random() < 0.35 else []
        revs.append((rid, parents, deps, labels))
    return revs


def random_calls(rng, revs, n):
    ids = [r[0] for r in revs]
    labels = [l for r in revs for l in r[3]]
    calls = []
    for _ in range(n):
        d = rng.choice(["upgrade"] * 9 + ["downgrade"] * 7 + ["stamp"] * 4)
        k = rng.randint(0, 3)
        s = rng.choice("+-")
        rid = rng.choice(ids)
        forms = [("head", "head"), ("heads", "heads"), ("base", "base"),
                 ("id", rid), ("prefix", rid[:4]),
                 ("rel", "%s%d" % (s, k or 1)), ("id+-N", "%s%s%d" % (rid, s, k or 1))]
        if labels:
            lab = rng.choice(labels)
            forms += [("l@head", lab + "@head"), ("l@base", lab + "@base"),
                      ("l@id", "%s@%s" % (lab, rid)),
                      ("l@rel", "%s@%s%d" % (lab, s, k or 1)),
                      ("l@rel", "%s@%s%d" % (lab, s, k or 1))]
        form, target = rng.choice(forms)
        if d == "stamp" and form in ("rel", "l@rel"):
            form, target = "id", rid      # Alembic's stamp takes no relative target
        calls.append((d, form, target))
    return calls


# ---------------------------------------------------------------------------
# Alembic
# ---------------------------------------------------------------------------
def run_alembic(revs, calls):
    d = tempfile.mkdtemp(prefix="svdiff")
    try:
        os.makedirs(d + "/versions")
        with open(d + "/env.py", "w") as f:
            f.write(ENV_PY)
        with open(d + "/script.py.mako", "w") as f:
            f.write("")
        for rid, parents, deps, labels in revs:
            down = None if not parents else (parents[0] if len(parents) == 1 else tuple(parents))
            with open("%s/versions/%s.py" % (d, rid), "w") as f:
                f.write("revision = %r\ndown_revision = %r\n"
                        "branch_labels = %r\ndepends_on = %r\n"
                        "def upgrade():\n    pass\n"
                        "def downgrade():\n    pass\n"
                        % (rid, down, tuple(labels) or None, tuple(deps) or None))
        cfg = Config()
        cfg.set_main_option("script_location", d)
        conn = create_engine("sqlite://").connect()
        cfg.attributes["connection"] = conn
        script = ScriptDirectory.from_config(cfg)
        out = []
        for direction, _, target in calls:
            try:
                getattr(command, direction)(cfg, target)
                err = None
            except Exception as e:  # Alembic's errors, and its assertions
                err = "%s: %s" % (type(e).__name__, (str(e).splitlines() or [""])[0])
            try:
                heads = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
            except Exception:
                heads = []
            applied = {r.revision for r in script.revision_map._get_ancestor_nodes(
                script.revision_map.get_revisions(heads), include_dependencies=True)}
            out.append((err, applied, sorted(heads)))
        conn.close()
        return out
    finally:
        shutil.rmtree(d)


# ---------------------------------------------------------------------------
# schemaver
# ---------------------------------------------------------------------------
def sql_array(a):
    return "NULL" if not a else "ARRAY[%s]" % ", ".join("'%s'" % x for x in a)


def run_schemaver(revs, calls):
    lines = ["SET client_min_messages = warning;",
             "DROP EXTENSION IF EXISTS schemaver;", "CREATE EXTENSION schemaver;"]
    for rid, parents, deps, labels in revs:
        lines.append("SELECT schemaver_add_revision('%s', %s, 'SELECT 1', 'SELECT 1', NULL, %s, %s) IS NULL;"
                     % (rid, sql_array(parents), sql_array(deps), sql_array(labels)))
    for i, (direction, _, target) in enumerate(calls):
        lines += ["\\echo CALL %d" % i,
                  "SELECT count(*) >= 0 FROM schemaver_%s('%s');" % (direction, target),
                  "\\if :ERROR", "\\echo ERR :SQLSTATE :LAST_ERROR_MESSAGE", "\\endif",
                  "SELECT 'APPLIED ' || coalesce(string_agg(revision, ' '), '') FROM schemaver_history() WHERE applied;",
                  "SELECT 'VERSION ' || coalesce(string_agg(revision, ' '), '') FROM schemaver.version;"]
    lines.append("DROP EXTENSION schemaver;")
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=0"],
                       input="\n".join(lines) + "\n", capture_output=True, text=True)
    out, cur = [], None
    for line in p.stdout.splitlines():
        if line.startswith("CALL "):
            cur = {"err": None}
            out.append(cur)
        elif cur is None:
            continue
        elif line.startswith("ERR "):
            cur["err"] = line[4:]
        elif line.startswith("APPLIED"):
            cur["applied"] = set(line[8:].split())
        elif line.startswith("VERSION"):
            cur["version"] = sorted(line[8:].split())
    if len(out) != len(calls):
        sys.exit("psql failed:\n" + p.stderr[-3000:])
    return [(c["err"], c["applied"], c["version"]) for c in out]


def describe(revs):
    parts = []
    for rid, parents, deps, labels in revs:
        s = rid
        if parents:
            s += "<" + ",".join(parents)
        if deps:
            s += " dep(" + ",".join(deps) + ")"
        s += "".join(" [%s]" % l for l in labels)
        parts.append(s)
    return "; ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--graphs", type=int, default=200)
    ap.add_argument("--calls", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--examples", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    kinds, examples, same_calls = {}, {}, 0
    for g in range(args.graphs):
        revs = make_graph(rng)
        calls = random_calls(rng, revs, args.calls)
        al = run_alembic(revs, calls)
        sv = run_schemaver(revs, calls)
        prev_applied = set()
        for i, ((d, form, target), (aerr, aapp, aver), (serr, sapp, sver)) in enumerate(zip(calls, al, sv)):
            if (aerr is None) == (serr is None) and aapp == sapp:
                same_calls += 1
                prev_applied = sapp
                continue
            if aerr is not None and serr is not None:
                outcome = "both fail, states differ"
            elif aerr is not None:
                outcome = "only Alembic fails"
            elif serr is not None:
                outcome = "only schemaver fails"
            else:
                outcome = "both succeed"
            outcome += "" if aapp == sapp else ", applied sets differ"
            kind = "%-9s %-8s %s" % (d, form, outcome)
            kinds[kind] = kinds.get(kind, 0) + 1
            ex = examples.setdefault(kind, [])
            if len(ex) < args.examples:
                ex.append("graph %d call %d: %s('%s') from applied {%s}\n    graph: %s\n"
                          "    Alembic:   %s -> applied {%s}, alembic_version [%s]\n"
                          "    schemaver: %s -> applied {%s}, schemaver.version [%s]"
                          % (g, i, d, target, " ".join(sorted(prev_applied)), describe(revs),
                             aerr or "ok", " ".join(sorted(aapp)), " ".join(aver),
                             serr or "ok", " ".join(sorted(sapp)), " ".join(sver)))
            if aapp != sapp:
                break   # the rest of the sequence starts from different states
            prev_applied = sapp
    print("%d graphs, %d calls alike, %d differ"
          % (args.graphs, same_calls, sum(kinds.values())))
    for kind in sorted(kinds, key=lambda k: -kinds[k]):
        print("%5d  %s" % (kinds[kind], kind))
    for kind in sorted(kinds, key=lambda k: -kinds[k]):
        print("\n== %s" % kind)
        for e in examples[kind]:
            print("  " + e)


if __name__ == "__main__":
    main()
