#!/usr/bin/env python3
"""test/bench/report.py: the table of test/bench/run.sh.

    report.py RAW.tsv META.tsv RESULTS.md

RAW.tsv holds one sample a line: key, value, exit status (0: ok).  The
table shows medians (over the successful samples), ratios, the issue's
target and PASS/FAIL; it is printed and written to RESULTS.md.
"""
import statistics
import sys
from collections import defaultdict


def load(raw):
    ok = defaultdict(list)
    failed = defaultdict(int)
    for line in open(raw):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2:
            continue
        key, value = parts[0], parts[1]
        status = parts[2] if len(parts) > 2 else "0"
        if status == "0":
            ok[key].append(float(value))
        else:
            failed[key] += 1
    return ok, failed


def main(raw, meta_path, out):
    ok, failed = load(raw)
    meta = {}
    for line in open(meta_path):
        k, _, v = line.rstrip("\n").partition("\t")
        meta[k] = v
    n = int(meta["n"])
    long_n = int(meta["long_n"])
    noop_n = int(meta["noop_n"])
    scales = [int(s) for s in meta["scales"].split()]

    def med(key):
        if failed.get(key):
            return None
        v = ok.get(key)
        return statistics.median(v) if v else None

    def count(key):
        return len(ok.get(key, [])) + failed.get(key, 0)

    def state(key):
        """why med(key) is None"""
        if failed.get(key):
            return "error (%d of %d runs failed, see out/logs)" % (failed[key], count(key))
        return "not run"

    def s(x):
        return "%.3f s" % x if x is not None else "-"

    def ms(x):
        return "%.3f ms" % x if x is not None else "-"

    rows = []      # (figure, floor/peer, schemaver, value, target, result)
    npass = nfail = 0

    def verdict(value, ok_):
        nonlocal npass, nfail
        if value is None:
            return "n/a"
        if ok_:
            npass += 1
            return "PASS"
        nfail += 1
        return "FAIL"

    def paired(kfloor, ksv, fn):
        """median over rounds of fn(floor_i, sv_i) when every round has both
        (the runs of a round are next to each other in time, so drift of the
        machine's speed cancels better than in a ratio of medians); else
        fn of the medians"""
        a, b = ok.get(kfloor, []), ok.get(ksv, [])
        if a and len(a) == len(b) and not failed.get(kfloor) and not failed.get(ksv):
            return statistics.median(fn(x, y) for x, y in zip(a, b))
        return fn(med(kfloor), med(ksv))

    def ratio_row(label, kfloor, ksv, limit, missing_note=None):
        f, v = med(kfloor), med(ksv)
        if f is None or v is None:
            note = missing_note or (state(ksv) if v is None else state(kfloor))
            rows.append((label, s(f), s(v) if v is not None else note, "-", "<= %.2f" % limit, "n/a"))
            return
        r = paired(kfloor, ksv, lambda x, y: y / x)
        rows.append((label, s(f), s(v), "%.3f" % r, "<= %.2f" % limit, verdict(r, r <= limit)))

    # W1
    ratio_row("W1 upgrade, %d DDL revisions / floor (psql -1 -f)" % n, "w1.up.floor", "w1.up.sv", 1.05)
    ratio_row("W1 downgrade to base / floor (DROP TABLE, psql -1 -f)", "w1.down.floor", "w1.down.sv", 1.10)
    note = None
    if ok.get("long.sv.missing"):
        note = "n/a (schemaver_upgrade_stepwise missing)"
    ratio_row("W1 long, %d revisions, CALL schemaver_upgrade_stepwise() / floor committing per revision" % long_n,
              "long.floor", "long.sv", 1.10, note)
    f, v = med("ovh.up.floor"), med("ovh.up.sv")
    if f is not None and v is not None:
        per = paired("ovh.up.floor", "ovh.up.sv", lambda x, y: (y - x) / n * 1e6)
        rows.append(("W1 overhead per revision over the floor, %d SELECT 1 revisions" % n,
                     s(f), s(v), "%.1f us" % per, "<= 50 us", verdict(per, per <= 50)))
    else:
        rows.append(("W1 overhead per revision (SELECT 1 revisions)", s(f), s(v) if v else state("ovh.up.sv"),
                     "-", "<= 50 us", "n/a"))
    # LT: what a lock timeout costs when nothing contends
    ratio_row("LT upgrade, %d DDL revisions, with schemaver.lock_timeout set / without" % n,
              "lt.ddl.off", "lt.ddl.on", 1.05)
    for kind, label in (("ddl", "%d DDL revisions" % n), ("select1", "%d SELECT 1 revisions" % n)):
        for side, what in (("on", "schemaver.lock_timeout set"),
                           ("retries", "lock_timeout and lock_retries=3 (a subtransaction per revision)")):
            if kind == "ddl" and side == "on":
                continue
            f, v = med("lt.%s.off" % kind), med("lt.%s.%s" % (kind, side))
            if f is None or v is None:
                continue
            r = paired("lt.%s.off" % kind, "lt.%s.%s" % (kind, side), lambda x, y: y / x)
            rows.append(("LT upgrade, %s, with %s / without (no target)" % (label, what),
                         s(f), s(v), "%.3f" % r, "-", "n/a"))
    # W2
    for key, label in (("w2.first_ms", "first call in a new session"),
                       ("w2.repeat_ms", "repeated call in one session")):
        v = med(key)
        ref = med(key.replace("w2", "trivial"))
        ref2 = med(key.replace("w2", "lockread"))
        rows.append(("W2 no-op upgrade at head, %d revisions, server side, %s" % (noop_n, label),
                     "trivial query %s; lock + read schemaver.version %s" % (ms(ref), ms(ref2)),
                     ms(v) if v is not None else state(key),
                     ms(v), "<= 1 ms", verdict(v, v is not None and v <= 1.0)))
    a, v, q, p = med("noop.alembic"), med("noop.sv"), med("noop.sqitch"), med("noop.psql")
    if a is not None and v is not None:
        r = a / v
        rows.append(("No-op upgrade head as a whole process, %d revisions: Alembic / schemaver" % n,
                     "Alembic %s, Sqitch %s; psql -c 'SELECT 1' %s (best possible: %s)"
                     % (s(a), s(q), s(p), "%.1fx" % (a / p) if p else "-"),
                     s(v), "%.1fx" % r, ">= 20x", verdict(r, r >= 20)))
    else:
        rows.append(("No-op upgrade head as a whole process: Alembic / schemaver",
                     "Alembic %s" % (s(a) if a is not None else state("noop.alembic")), s(v), "-", ">= 20x", "n/a"))
    # the schemaver command
    fleet_n = int(meta.get("fleet_n", "50"))
    a, v, p = med("cli.noop.alembic"), med("cli.noop.sv"), med("cli.noop.psql")
    if a is not None and v is not None:
        r = paired("cli.noop.alembic", "cli.noop.sv", lambda x, y: x / y)
        rows.append(("schemaver upgrade head at head, %d revision files, whole process: Alembic / schemaver" % n,
                     "alembic upgrade head %s; psql -c 'SELECT 1' %s" % (s(a), s(p)),
                     s(v), "%.1fx" % r, ">= 10x", verdict(r, r >= 10)))
    else:
        rows.append(("schemaver upgrade head at head, %d revision files: Alembic / schemaver" % n,
                     "Alembic %s" % (s(a) if a is not None else state("cli.noop.alembic")),
                     s(v) if v is not None else state("cli.noop.sv"), "-", ">= 10x", "n/a"))
    j1, j2, j4 = med("cli.fleet.j1"), med("cli.fleet.j2"), med("cli.fleet.j4")
    p1, p2 = med("cli.fleet.p1"), med("cli.fleet.p2")
    floor = paired("cli.fleet.p1", "cli.fleet.p2", lambda x, y: x / y) \
        if p1 is not None and p2 is not None else None
    if j1 is not None and j2 is not None:
        r = paired("cli.fleet.j1", "cli.fleet.j2", lambda x, y: x / y)
        rows.append(("schemaver --fleet upgrade head, %d databases of migrations/: -j 1 / -j 2" % fleet_n,
                     "the same DDL by psql, one process / two at once: %s / %s = %s"
                     % (s(p1), s(p2), "%.2fx" % floor if floor is not None else state("cli.fleet.p2")),
                     "-j 1: %s, -j 2: %s, -j 4: %s" % (s(j1), s(j2), s(j4) if j4 is not None else state("cli.fleet.j4")),
                     "%.2fx" % r, ">= 1.6x", verdict(r, r >= 1.6)))
    else:
        rows.append(("schemaver --fleet upgrade head, %d databases: -j 1 / -j 2" % fleet_n,
                     s(j1) if j1 is not None else state("cli.fleet.j1"),
                     s(j2) if j2 is not None else state("cli.fleet.j2"), "-", ">= 1.6x", "n/a"))
    # W3
    hist_scale = 10000 if 10000 in scales else (scales[-1] if scales else None)
    for suffix, label in (("first_ms", "first call in a new session"), ("repeat_ms", "repeated call")):
        key = "w3.%s.hist.%s" % (hist_scale, suffix)
        v = med(key)
        ref = med("w3.%s.histref.%s" % (hist_scale, suffix))
        rows.append(("W3 schemaver_history() of %s revisions, server side, %s" % (hist_scale, label),
                     "the same rows from a PL/pgSQL RETURN QUERY function %s" % ms(ref)
                     if ref is not None else "",
                     ms(v) if v is not None else state(key), ms(v),
                     "<= 20 ms" if hist_scale == 10000 else "(20 ms at 10,000)",
                     verdict(v, v is not None and v <= 20) if hist_scale == 10000 else "n/a"))
    for a_, b_ in zip(scales, scales[1:]):
        ta, tb = med("w3.%d.up" % a_), med("w3.%d.up" % b_)
        limit = 1.1 * b_ / a_
        if ta is not None and tb is not None:
            r = tb / ta
            rows.append(("W3 upgrade time, %d vs %d revisions (linear: %.0fx)" % (b_, a_, b_ / a_),
                         s(ta), s(tb), "%.2fx" % r, "<= %.1fx" % limit, verdict(r, r <= limit)))
        else:
            rows.append(("W3 upgrade time, %d vs %d revisions" % (b_, a_), s(ta),
                         s(tb) if tb is not None else state("w3.%d.up" % b_), "-", "<= %.1fx" % limit, "n/a"))
    for sc in scales:
        ratio_row("W3 registration of %d revisions (one transaction) / plain INSERTs" % sc,
                  "w3.%d.reg.plain" % sc, "w3.%d.reg.sv" % sc, 2.0)
    if scales:
        big = scales[-1]
        anon = med("w3.%d.mem_anon_kb" % big)
        hwm = med("w3.%d.mem_hwm_kb" % big)
        rows.append(("W3 backend peak private memory growth while applying %d revisions (RssAnon)" % big,
                     "VmHWM growth: %s" % ("%.1f MB" % (hwm / 1024) if hwm is not None else "-"),
                     "%.1f MB" % (anon / 1024) if anon is not None else state("w3.%d.mem_anon_kb" % big),
                     "%.1f MB" % (anon / 1024) if anon is not None else "-",
                     "<= 64 MB" if big >= 100000 else "(64 MB at 100,000)",
                     verdict(anon, anon is not None and anon / 1024 <= 64) if big >= 100000 else "n/a"))

    # autogenerate
    ag_n = int(meta.get("ag_n", "0") or 0)
    if ag_n:
        ratio_row("Autogenerate: diff of %d tables against a desired copy with %d changed / floor "
                  "(psql -1 of the desired text into an empty database)" % (ag_n, ag_n // 10),
                  "ag.changed.floor", "ag.changed.sv", 1.5)
        ratio_row("Autogenerate: diff of two equal schemas of %d tables / the same floor" % ag_n,
                  "ag.equal.floor", "ag.equal.sv", 1.2)
        for fig in ("changed", "equal"):
            anon = med("ag.%s.mem_anon_kb" % fig)
            rows.append(("Autogenerate: backend peak private memory growth during the %s diff (RssAnon)" % fig,
                         "-", "%.1f MB" % (anon / 1024) if anon is not None else state("ag.%s.mem_anon_kb" % fig),
                         "%.1f MB" % (anon / 1024) if anon is not None else "-", "(reported)", "n/a"))
    # lint
    lint_n = int(meta.get("lint_n", "0") or 0)
    if "lint" in meta.get("only", "").split() and lint_n:
        found = med("lint.findings")
        for key, label in (("lint.first_ms", "first call in a new session"),
                           ("lint.repeat_ms", "repeated call")):
            v = med(key)
            per = v / lint_n if v is not None else None
            rows.append(("Lint of %d revisions (11 statements each, on live tables), server side, %s, per revision"
                         % (lint_n, label),
                         "whole call %s; %s findings" % (ms(v), "%.0f" % found if found is not None else "-"),
                         ms(per) if per is not None else state(key), ms(per), "<= 10 ms",
                         verdict(per, per is not None and per <= 10)))

    lines = []
    lines.append("# schemaver benchmark results")
    lines.append("")
    lines.append("%s; %s; %s; commit %s; %s rounds (Sqitch %s); run took %s s."
                 % (meta.get("date"), meta.get("machine"), meta.get("server"), meta.get("commit"),
                    meta.get("repeat"), meta.get("sqitch_repeat") if meta.get("peers") == "1" else "not run",
                    meta.get("duration_s")))
    lines.append("Medians; whole processes (psql, alembic, sqitch) timed with CLOCK_MONOTONIC, "
                 "server-side times from EXPLAIN ANALYZE (planning + execution). Ratios and the "
                 "overhead are medians of the per-round figures (floor and schemaver of a round run "
                 "one after the other).")
    loads = ok.get("load1", [])
    if loads:
        lines.append("Machine load (1-minute load average when each timed command ended): median %.2f, max %.2f%s."
                     % (statistics.median(loads), max(loads),
                        " -- other processes competed for the 2 cores: figures are noisy" if max(loads) > 1.6 else ""))
    lines.append("")
    lines.append("| figure | floor / reference | schemaver | value | target | result |")
    lines.append("|---|---|---|---|---|---|")
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    lines.append("")
    lines.append("%d PASS, %d FAIL, %d n/a" % (npass, nfail, sum(1 for r in rows if r[5] == "n/a")))

    # peers
    if meta.get("peers") == "1":
        lines.append("")
        lines.append("## Peers, whole processes (%d revisions)" % n)
        lines.append("")
        lines.append("| workload | floor (psql) | schemaver | Alembic | Sqitch | issue's reference (floor / Alembic / Sqitch) |")
        lines.append("|---|---|---|---|---|---|")
        refs = {"w1.up": "6.06 / 7.37 / 57.8 s", "w1.down": "0.88 / 2.04 / 53.6 s",
                "ovh.up": "0.14 / 1.29 / - s", "noop": "- / 0.49 / 0.58 s"}
        for key, label in (("w1.up", "W1 upgrade (DDL)"), ("w1.down", "W1 downgrade to base"),
                           ("ovh.up", "SELECT 1 revisions, upgrade"), ("noop", "no-op upgrade head")):
            f = med(key + ".floor")
            cells = []
            for tool in ("floor", "sv", "alembic", "sqitch"):
                v = med("%s.%s" % (key, tool))
                if v is None:
                    cells.append("-" if not count("%s.%s" % (key, tool)) else "error")
                elif tool != "floor" and f:
                    cells.append("%s (%.2fx)" % (s(v), v / f))
                else:
                    cells.append(s(v))
            lines.append("| %s | %s | %s |" % (label, " | ".join(cells), refs[key]))
        lines.append("")
        lines.append("(x): ratio to the floor.")

    # W3 detail
    if scales and "w3" in meta.get("only", "w3").split():
        lines.append("")
        lines.append("## W3 catalog scale (SELECT 1 revisions)")
        lines.append("")
        lines.append("| revisions | register (add_revision) | plain INSERT | ratio | upgrade | per revision | history() first / repeated | peak RssAnon growth | VmHWM growth |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for sc in scales:
            rs, rp, up = med("w3.%d.reg.sv" % sc), med("w3.%d.reg.plain" % sc), med("w3.%d.up" % sc)
            hf, hr = med("w3.%d.hist.first_ms" % sc), med("w3.%d.hist.repeat_ms" % sc)
            an, hw = med("w3.%d.mem_anon_kb" % sc), med("w3.%d.mem_hwm_kb" % sc)
            lines.append("| %d | %s | %s | %s | %s | %s | %s / %s | %s | %s |" % (
                sc, s(rs), s(rp), "%.2f" % (rs / rp) if rs and rp else "-", s(up),
                "%.1f us" % (up / sc * 1e6) if up else "-", ms(hf), ms(hr),
                "%.1f MB" % (an / 1024) if an is not None else "-",
                "%.1f MB" % (hw / 1024) if hw is not None else "-"))
        lines.append("")
        lines.append("Upgrade: psql -f of a script that also reads the backend's /proc/self/status "
                     "before and after (two trivial queries). RssAnon: the backend's private memory, "
                     "sampled every 5 ms from /proc/<pid>/status; VmHWM also counts shared buffers touched.")

    text = "\n".join(lines) + "\n"
    sys.stdout.write("\n" + text)
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main(*sys.argv[1:4])
