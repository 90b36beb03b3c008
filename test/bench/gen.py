#!/usr/bin/env python3
"""test/bench/gen.py: generate the workloads of test/bench/run.sh.

    gen.py KIND N DIR [--sql] [--alembic] [--sqitch] [--files]

KIND is "ddl" (each revision creates one table and its index, the issue's
W1 revision), "select1" (each revision is SELECT 1) or "lint" (revisions
of eleven statements that alter live tables, for schemaver_lint(); they are
linted, never applied, and lint_setup.sql creates the tables they touch).  N revisions form one
chain r000001 <- r000002 <- ... (ids are zero-padded so that byte order is
chain order).  Files written into DIR (each part leaves a .done marker):

  (--sql)
  floor_up.sql         every revision's upgrade SQL, in order (psql -1 -f)
  floor_up_commit.sql  the same, BEGIN; ... COMMIT; around each revision
  floor_down.sql       every downgrade SQL, newest first (psql -1 -f)
  register.sql         one SELECT schemaver_add_revision(...) per revision
  plain_insert.sql     one INSERT of the same row into public.bench_plain
                       (LIKE schemaver.revision INCLUDING ALL) per revision
  alembic/             (--alembic) an Alembic project with N revision files
  sqitch/              (--sqitch) a Sqitch project with N changes
  files/               (--files) N revision files, one schemaver_add_revision
                       call each, for the schemaver command

Only the standard library is used.
"""
import hashlib
import os
import sys


def rev_id(i):
    return "r%06d" % i


def revision(kind, i):
    """(upgrade SQL, downgrade SQL, message) of revision i (1-based)."""
    if kind == "ddl":
        up = ("CREATE TABLE t_%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
              "name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()); "
              "CREATE INDEX ON t_%d (name);" % (i, i))
        down = "DROP TABLE t_%d;" % i
        msg = "create table t_%d" % i
    elif kind == "select1":
        up = "SELECT 1;"
        down = "SELECT 1;"
        msg = "select 1 number %d" % i
    elif kind == "lint":
        # what a revision of a real history does to live tables: safe and
        # unsafe forms mixed, and a rename that makes the lint read the
        # functions' text
        up = ("ALTER TABLE lint_big ADD COLUMN c_%(i)d integer DEFAULT 0; "
              "ALTER TABLE lint_big ADD COLUMN t_%(i)d uuid DEFAULT gen_random_uuid(); "
              "CREATE INDEX lint_big_c_%(i)d ON lint_big (c_%(i)d); "
              "ALTER TABLE lint_big ADD CONSTRAINT lint_big_fk_%(i)d FOREIGN KEY (ref_id) "
              "REFERENCES lint_ref (id) NOT VALID; "
              "ALTER TABLE lint_big ALTER COLUMN note TYPE varchar(200); "
              "ALTER TABLE lint_big ALTER COLUMN flag SET NOT NULL; "
              "UPDATE lint_small SET n = n + 1 WHERE id = %(i)d; "
              "CREATE TABLE lint_new_%(i)d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
              "name text NOT NULL); "
              "CREATE INDEX ON lint_new_%(i)d (name); "
              "ALTER TABLE lint_small RENAME COLUMN n TO n_%(i)d; "
              "DROP INDEX lint_small_n_idx;" % {"i": i})
        down = "SELECT 1;"
        msg = "lint case %d" % i
    else:
        raise SystemExit("unknown kind %r" % kind)
    return up, down, msg


def dq(s):
    """A dollar-quoted literal (the SQL never contains $sv$)."""
    assert "$sv$" not in s
    return "$sv$" + s + "$sv$"


def write_sql(kind, n, d):
    with open(os.path.join(d, "floor_up.sql"), "w") as up, \
            open(os.path.join(d, "floor_up_commit.sql"), "w") as upc, \
            open(os.path.join(d, "register.sql"), "w") as reg, \
            open(os.path.join(d, "plain_insert.sql"), "w") as ins:
        for i in range(1, n + 1):
            u, dn, msg = revision(kind, i)
            up.write(u + "\n")
            upc.write("BEGIN;\n" + u + "\nCOMMIT;\n")
            parent = "'%s'" % rev_id(i - 1) if i > 1 else "NULL"
            reg.write("SELECT schemaver_add_revision('%s', %s, %s, %s, '%s');\n"
                      % (rev_id(i), parent, dq(u), dq(dn), msg))
            parents = "'{%s}'" % rev_id(i - 1) if i > 1 else "'{}'"
            checksum = hashlib.sha256((rev_id(i) + u + dn + msg).encode()).hexdigest()
            ins.write("INSERT INTO public.bench_plain (revision, down_revision, "
                      "message, upgrade_sql, downgrade_sql, checksum) "
                      "VALUES ('%s', %s, '%s', %s, %s, '%s');\n"
                      % (rev_id(i), parents, msg, dq(u), dq(dn), checksum))
    with open(os.path.join(d, "floor_down.sql"), "w") as down:
        for i in range(n, 0, -1):
            down.write(revision(kind, i)[1] + "\n")
    if kind == "lint":
        write_lint_setup(d)


def write_lint_setup(d):
    """The live tables the lint revisions touch: lint_big (100,000 rows, big
    for the default thresholds), lint_ref, lint_small (100 rows), a view,
    and 200 PL/pgSQL functions whose text the rename rule reads."""
    with open(os.path.join(d, "lint_setup.sql"), "w") as f:
        f.write("CREATE TABLE lint_ref (id int PRIMARY KEY);\n"
                "INSERT INTO lint_ref SELECT generate_series(1, 10000);\n"
                "CREATE TABLE lint_big (id int PRIMARY KEY, ref_id int, note text, flag boolean);\n"
                "INSERT INTO lint_big SELECT g, g % 10000 + 1, 'note ' || g, true "
                "FROM generate_series(1, 100000) g;\n"
                "CREATE TABLE lint_small (id int PRIMARY KEY, n int);\n"
                "INSERT INTO lint_small SELECT g, g FROM generate_series(1, 100) g;\n"
                "CREATE INDEX lint_small_n_idx ON lint_small (n);\n"
                "CREATE VIEW lint_view AS SELECT id, note FROM lint_big;\n")
        for i in range(200):
            f.write("CREATE FUNCTION lint_f%d() RETURNS bigint LANGUAGE plpgsql AS $f$ "
                    "BEGIN RETURN (SELECT count(*) FROM lint_ref WHERE id > %d); END $f$;\n"
                    % (i, i))


ALEMBIC_INI = """\
# Generated by test/bench/gen.py: the generic Alembic template, with the
# database URL taken from BENCH_ALEMBIC_URL in env.py.
[alembic]
script_location = %(here)s

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %%(levelname)-5.5s [%%(name)s] %%(message)s
datefmt = %%H:%%M:%%S
"""

ALEMBIC_ENV = '''\
"""env.py generated by test/bench/gen.py (online mode only)."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)


def run_migrations_online():
    engine = create_engine(os.environ["BENCH_ALEMBIC_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

ALEMBIC_MAKO = '''\
"""${message}"""
from alembic import op
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_REV = '''\
"""%(msg)s

Revision ID: %(rev)s
Revises: %(parent)s
"""
from alembic import op

revision = %(rev)r
down_revision = %(parent)r
branch_labels = None
depends_on = None


def upgrade():
    op.execute(%(up)r)


def downgrade():
    op.execute(%(down)r)
'''


def write_alembic(kind, n, d):
    a = os.path.join(d, "alembic")
    os.makedirs(os.path.join(a, "versions"), exist_ok=True)
    with open(os.path.join(a, "alembic.ini"), "w") as f:
        f.write(ALEMBIC_INI)
    with open(os.path.join(a, "env.py"), "w") as f:
        f.write(ALEMBIC_ENV)
    with open(os.path.join(a, "script.py.mako"), "w") as f:
        f.write(ALEMBIC_MAKO)
    for i in range(1, n + 1):
        u, dn, msg = revision(kind, i)
        with open(os.path.join(a, "versions", "%s_%s.py" % (rev_id(i), msg.replace(" ", "_"))), "w") as f:
            f.write(ALEMBIC_REV % {"msg": msg, "rev": rev_id(i),
                                   "parent": rev_id(i - 1) if i > 1 else None,
                                   "up": u, "down": dn})


def write_sqitch(kind, n, d):
    s = os.path.join(d, "sqitch")
    for sub in ("deploy", "revert", "verify"):
        os.makedirs(os.path.join(s, sub), exist_ok=True)
    with open(os.path.join(s, "sqitch.conf"), "w") as f:
        f.write("[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n"
                "[engine \"pg\"]\n\tclient = %s\n" % os.environ.get("BENCH_PSQL", "psql"))
    with open(os.path.join(s, "sqitch.plan"), "w") as plan:
        plan.write("%syntax-version=1.0.0\n%project=bench\n\n")
        for i in range(1, n + 1):
            u, dn, msg = revision(kind, i)
            plan.write("%s 2024-01-01T00:00:00Z Bench <bench@example.invalid> # %s\n"
                       % (rev_id(i), msg))
            # Sqitch's own templates: one transaction per change
            with open(os.path.join(s, "deploy", rev_id(i) + ".sql"), "w") as f:
                f.write("-- Deploy bench:%s\n\nBEGIN;\n\n%s\n\nCOMMIT;\n" % (rev_id(i), u))
            with open(os.path.join(s, "revert", rev_id(i) + ".sql"), "w") as f:
                f.write("-- Revert bench:%s\n\nBEGIN;\n\n%s\n\nCOMMIT;\n" % (rev_id(i), dn))
            with open(os.path.join(s, "verify", rev_id(i) + ".sql"), "w") as f:
                f.write("-- Verify bench:%s\n" % rev_id(i))


def write_files(kind, n, d):
    f = os.path.join(d, "files")
    os.makedirs(f, exist_ok=True)
    for i in range(1, n + 1):
        u, dn, msg = revision(kind, i)
        parent = "'%s'" % rev_id(i - 1) if i > 1 else "NULL"
        with open(os.path.join(f, rev_id(i) + ".sql"), "w") as out:
            out.write("-- %s: %s\n\nSELECT schemaver_add_revision(\n"
                      "    revision      => '%s',\n    down_revision => %s,\n"
                      "    message       => '%s',\n    upgrade       => %s,\n"
                      "    downgrade     => %s);\n"
                      % (rev_id(i), msg, rev_id(i), parent, msg, dq(u), dq(dn)))


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    kind, n, d = argv[1], int(argv[2]), argv[3]
    os.makedirs(d, exist_ok=True)
    parts = [("--sql", write_sql, d), ("--alembic", write_alembic, os.path.join(d, "alembic")),
             ("--sqitch", write_sqitch, os.path.join(d, "sqitch")),
             ("--files", write_files, os.path.join(d, "files"))]
    for flag, fn, marker_dir in parts:
        if flag in argv[4:]:
            fn(kind, n, d)
            with open(os.path.join(marker_dir, ".done"), "w") as f:
                f.write("done\n")


if __name__ == "__main__":
    main(sys.argv)
