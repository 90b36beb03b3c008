#!/usr/bin/env python3
"""test/bench/gen_autogen.py: the schemas of the autogenerate benchmark.

    gen_autogen.py N DIR

Writes into DIR:
  schema.sql    N tables of 10 columns, each with a primary key, 2 indexes
                and a foreign key to the previous table (the live schema,
                and the desired text of the "equal" figure)
  changed.sql   the same with every tenth table changed (N/10 tables): a new
                column, a wider varchar, an index on other columns
  diff_equal.sql, diff_changed.sql
                psql scripts that read one of them into :'d', note their
                backend's pid and /proc status (for the memory figure), and
                run SELECT count(*) FROM schemaver_diff(:'d')

Only the standard library is used.
"""
import os
import sys


def table(i, n, changed):
    cols = ["id bigint PRIMARY KEY", "ref_id bigint", "c1 integer", "c2 text",
            "c3 timestamptz NOT NULL DEFAULT now()", "c4 numeric(12,2)",
            "c5 boolean NOT NULL DEFAULT false", "c6 jsonb",
            "c7 varchar(%d)" % (80 if changed else 40), "c8 date"]
    if changed:
        cols.append("c9 integer")
    out = "CREATE TABLE t_%d (\n    %s\n);\n" % (i, ",\n    ".join(cols))
    out += "CREATE INDEX t_%d_c1 ON t_%d (c1);\n" % (i, i)
    if changed:
        out += "CREATE INDEX t_%d_c2c1 ON t_%d (c2, c1);\n" % (i, i)
    else:
        out += "CREATE INDEX t_%d_c2 ON t_%d (c2);\n" % (i, i)
    return out


def schema(n, change):
    parts = [table(i, n, change and i % 10 == 0) for i in range(1, n + 1)]
    for i in range(1, n + 1):
        parts.append("ALTER TABLE t_%d ADD CONSTRAINT t_%d_ref FOREIGN KEY (ref_id) REFERENCES t_%d (id);\n"
                     % (i, i, i - 1 if i > 1 else n))
    return "".join(parts)


def diff_script(d, name, src):
    return ("\\set d `cat %s`\n"
            "\\o %s/.pid\nSELECT pg_catalog.pg_backend_pid();\n"
            "\\o %s/.status_before\nSELECT pg_catalog.pg_read_file('/proc/self/status');\n"
            "\\o\nSELECT count(*) FROM schemaver_diff(:'d');\n"
            "\\o %s/.status_after\nSELECT pg_catalog.pg_read_file('/proc/self/status');\n\\o\n"
            % (os.path.join(d, src), d, d, d))


def main():
    n, d = int(sys.argv[1]), sys.argv[2]
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "schema.sql"), "w") as f:
        f.write(schema(n, False))
    with open(os.path.join(d, "changed.sql"), "w") as f:
        f.write(schema(n, True))
    with open(os.path.join(d, "diff_equal.sql"), "w") as f:
        f.write(diff_script(d, "equal", "schema.sql"))
    with open(os.path.join(d, "diff_changed.sql"), "w") as f:
        f.write(diff_script(d, "changed", "changed.sql"))


if __name__ == "__main__":
    main()
