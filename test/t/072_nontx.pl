# Non-transactional revisions ("-- schemaver: transaction=off"), run by a
# background worker for the stepwise procedures:
#
#   - the seed's demonstration: CREATE INDEX CONCURRENTLY on a table of a
#     million rows while another session keeps writing to it: the writer
#     makes progress while the index builds and is never seen waiting on a
#     lock (sampled from pg_stat_activity), whereas a plain CREATE INDEX in
#     an ordinary revision does block it (the control); the caller holds no
#     snapshot while it waits (else CREATE INDEX CONCURRENTLY would wait for
#     it forever);
#   - cancelling the caller, terminating it or the worker, and a crash of
#     the caller in the middle: the worker goes away, nothing is recorded,
#     the session (or, after a crash, the server) goes on, and the revision
#     runs again;
#   - a failed unique index build leaves an INVALID index: the error says
#     what to do, a downgrade with DROP INDEX CONCURRENTLY IF EXISTS copes
#     with it, and a revision that begins with that statement runs again;
#   - the worker runs as the caller (role, SET ROLE, settings), relays
#     NOTICEs in the right encoding, keeps the revision guard, commits each
#     statement on its own;
#   - a clean error when no background worker can be started;
#   - dump and restore of a database with such revisions.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('nontx', 'restart_after_crash = on');
my $worker_type = 'schemaver non-transactional revision';

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION schemaver;
CREATE TABLE public.documents (id bigserial PRIMARY KEY, title text, body text,
                               created_at timestamptz);
INSERT INTO public.documents (title, body, created_at)
SELECT 'document ' || g, 'x', '2000-01-01' FROM generate_series(1, 1000000) g;
ANALYZE public.documents;
CREATE TABLE public.stop_flag ();
CREATE TABLE public.samples (at timestamptz, building boolean,
                             writer_waits boolean, caller_has_xmin boolean);
SELECT schemaver_add_revision('i1', NULL,
    E'-- schemaver: transaction=off\n'
    'DROP INDEX CONCURRENTLY IF EXISTS public.documents_title_idx;\n'
    'CREATE INDEX CONCURRENTLY documents_title_idx ON public.documents (title);',
    E'-- schemaver: transaction=off\n'
    'DROP INDEX CONCURRENTLY IF EXISTS public.documents_title_idx;',
    'index document titles without blocking writes');
SELECT schemaver_add_revision('i2', 'i1',
    'CREATE INDEX documents_body_idx ON public.documents (body);',
    'DROP INDEX public.documents_body_idx;',
    'index document bodies, blocking writes (the control)');
});

# ---------------------------------------------------------------------------
# The demonstration: a writer and a sampler run while the migration runs.
# ---------------------------------------------------------------------------
my $writer = $node->background_psql('postgres');
$writer->query_safe(q{SET application_name = 'writer'});
$writer->query_until(qr/writing/, q{
\echo writing
DO $w$
DECLARE
    started timestamptz := clock_timestamp();
    target bigint;
BEGIN
    WHILE NOT EXISTS (SELECT FROM public.stop_flag)
          AND clock_timestamp() < started + interval '300 s' LOOP
        INSERT INTO public.documents (title, body, created_at)
        VALUES ('new document', 'y', clock_timestamp());
        target := 1 + (random() * 999999)::bigint;
        UPDATE public.documents SET body = 'z' WHERE id = target;
        COMMIT;
        PERFORM pg_sleep(0.002);
    END LOOP;
END $w$;
});
my $sampler = $node->background_psql('postgres');
$sampler->query_until(qr/sampling/, q{
\echo sampling
DO $s$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    WHILE NOT EXISTS (SELECT FROM public.stop_flag)
          AND clock_timestamp() < started + interval '300 s' LOOP
        INSERT INTO public.samples
        SELECT clock_timestamp(),
               EXISTS (SELECT FROM pg_stat_progress_create_index p
                        WHERE p.relid = 'public.documents'::regclass),
               EXISTS (SELECT FROM pg_stat_activity a
                        WHERE a.application_name = 'writer' AND a.wait_event_type = 'Lock'),
               (SELECT bool_or(a.backend_xmin IS NOT NULL) FROM pg_stat_activity a
                 WHERE a.application_name = 'migrator' AND a.backend_type = 'client backend');
        COMMIT;
        PERFORM pg_sleep(0.01);
    END LOOP;
END $s$;
});
# the writer is writing before the migration starts
$node->poll_query_until('postgres',
	q{SELECT count(*) > 10 FROM public.documents WHERE created_at > '2001-01-01'})
  or die 'the writer did not start';

# statement_timeout turns a wait that never ends (a caller holding a
# snapshot that CREATE INDEX CONCURRENTLY waits for) into a failure
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET application_name = 'migrator';
	  SET statement_timeout = '240s';
	  CALL schemaver_upgrade_stepwise('head');
	  SELECT string_agg(c, ',') FROM schemaver_current() c;});
is($ret, 0, 'the stepwise upgrade with CREATE INDEX CONCURRENTLY succeeds');
is($stdout, 'i2', 'both revisions are applied');
like($stderr, qr/NOTICE:  upgrade <base> -> i1: index document titles without blocking writes/,
	'the step is announced as any other');

$node->safe_psql('postgres', 'INSERT INTO public.stop_flag DEFAULT VALUES');
$writer->quit;
$sampler->quit;

is($node->safe_psql('postgres',
		q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.documents_title_idx'::regclass}),
	't', 'the concurrently built index is valid');

# the windows of the two revisions, from the log
my $window = q{
    FROM schemaver.log l
   WHERE l.revision = '%s' AND l.operation = 'upgrade'
     AND s.at BETWEEN l.started_at AND l.started_at + l.elapsed};
my $writes_during_i1 = $node->safe_psql('postgres', q{
SELECT count(*) FROM public.documents d, schemaver.log l
 WHERE l.revision = 'i1' AND l.operation = 'upgrade'
   AND d.created_at BETWEEN l.started_at AND l.started_at + l.elapsed});
my $i1_seconds = $node->safe_psql('postgres',
	q{SELECT extract(epoch FROM elapsed)::numeric(10,2) FROM schemaver.log WHERE revision = 'i1'});
diag("CREATE INDEX CONCURRENTLY took $i1_seconds s; the writer committed $writes_during_i1 rows meanwhile");
cmp_ok($writes_during_i1, '>', 0, 'the writer made progress while the index was being built');
my ($building, $waits, $xmin) = split /\|/, $node->safe_psql('postgres',
	sprintf(q{SELECT count(*) FILTER (WHERE s.building),
	                 count(*) FILTER (WHERE s.writer_waits),
	                 count(*) FILTER (WHERE s.building AND s.caller_has_xmin)
	            FROM public.samples s WHERE EXISTS (SELECT 1 %s)}, sprintf($window, 'i1')));
diag("samples during i1: $building with the index building, $waits with the writer waiting on a lock, $xmin with the caller holding a snapshot");
cmp_ok($building, '>', 0, 'the sampler saw the index being built');
is($waits, 0, 'and never saw the writer waiting on a lock meanwhile');
is($xmin, 0, 'nor the caller holding a snapshot while its worker built the index');
my $control_waits = $node->safe_psql('postgres',
	sprintf(q{SELECT count(*) FILTER (WHERE s.writer_waits) FROM public.samples s
	           WHERE EXISTS (SELECT 1 %s)}, sprintf($window, 'i2')));
cmp_ok($control_waits, '>', 0,
	'control: during the plain CREATE INDEX of i2 the sampler did see the writer waiting');

# ---------------------------------------------------------------------------
# Cancel, terminate, crash in the middle.
# ---------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE public.small (v int);
INSERT INTO public.small SELECT generate_series(1, 1000);
CREATE TABLE public.other ();
SELECT schemaver_add_revision('c1', NULL,
    E'-- schemaver: transaction=off\n'
    'DROP INDEX CONCURRENTLY IF EXISTS public.small_v_idx;\n'
    'CREATE INDEX CONCURRENTLY small_v_idx ON public.small (v);',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.small_v_idx;',
    'index small');
SELECT schemaver_add_revision('c2', 'c1',
    E'-- schemaver: transaction=off\nSELECT pg_sleep(300);', NULL, 'sleep');
});

sub no_worker_left
{
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = '$worker_type'") eq '0';
}

sub nothing_recorded
{
	my ($revision) = @_;
	return $node->safe_psql('postgres',
		"SELECT NOT EXISTS (SELECT FROM schemaver.log WHERE revision = '$revision')
		    AND NOT EXISTS (SELECT FROM schemaver.applied WHERE revision = '$revision')") eq 't';
}

# A transaction with an old snapshot makes CREATE INDEX CONCURRENTLY wait.
my $old = $node->background_psql('postgres');
$old->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
$old->query_safe('SELECT count(*) FROM public.other');

my $mig = $node->background_psql('postgres', on_error_stop => 0);
$mig->query_safe('SET client_min_messages = warning');
my $mig_pid = $mig->query_safe('SELECT pg_backend_pid()');
chomp $mig_pid;
$mig->query_until(qr/started/, "\\echo started\nCALL schemaver_upgrade_stepwise('c1');\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = '$worker_type' AND wait_event_type = 'Lock'")
  or die 'the worker never waited';
is($node->safe_psql('postgres',
		"SELECT backend_xmin IS NULL AND wait_event = 'MessageQueueReceive' FROM pg_stat_activity WHERE pid = $mig_pid"),
	't', 'the caller waits for its worker without a snapshot');
$node->safe_psql('postgres', "SELECT pg_cancel_backend($mig_pid)");
my $out = $mig->query(q{SELECT 'usable'});
like($mig->{stderr}, qr/ERROR:  canceling statement due to user request/,
	'cancel: the caller\'s call fails');
like($mig->{stderr}, qr/HINT:  A CREATE INDEX CONCURRENTLY .* leaves an INVALID index behind/,
	'with a hint about the INVALID index');
like($out, qr/usable/, 'cancel: the session is usable');
ok(no_worker_left(), 'cancel: the worker is gone when the error returns');
ok(nothing_recorded('c1'), 'cancel: nothing is recorded');
is($node->safe_psql('postgres',
		q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.small_v_idx'::regclass}),
	'f', 'the cancelled build left an INVALID index');
$mig->{stderr} = '';

$old->query_safe('COMMIT');
$mig->query_safe("CALL schemaver_upgrade_stepwise('c1')");
is($node->safe_psql('postgres',
		q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.small_v_idx'::regclass}),
	't', 'run again, the revision drops the INVALID index and builds a valid one');
ok(!nothing_recorded('c1'), 'and is recorded');

# Terminating the worker: the caller gets its error, and goes on.
$mig->query_until(qr/started/, "\\echo started\nCALL schemaver_upgrade_stepwise('c2');\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = '$worker_type' AND wait_event = 'PgSleep'")
  or die 'the worker never slept';
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = '$worker_type'");
$out = $mig->query(q{SELECT 'usable'});
like($mig->{stderr},
	qr/ERROR:  terminating background worker "schemaver non-transactional revision" due to administrator command/,
	'a terminated worker: the caller reports it');
like($out, qr/usable/, 'and its session is usable');
ok(nothing_recorded('c2'), 'nothing of c2 is recorded');
$mig->{stderr} = '';

# Terminating the caller: its worker goes too.
$mig->query_until(qr/started/, "\\echo started\nCALL schemaver_upgrade_stepwise('c2');\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = '$worker_type' AND wait_event = 'PgSleep'")
  or die 'the worker never slept';
$node->safe_psql('postgres', "SELECT pg_terminate_backend($mig_pid)");
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = '$worker_type'")
  or die 'the worker outlived its terminated caller';
pass('a terminated caller takes its worker with it');
ok(nothing_recorded('c2'), 'nothing of c2 is recorded');
eval { $mig->quit; };

# A crash of the caller (kill -9): the server restarts, the worker is gone.
$mig = $node->background_psql('postgres', on_error_stop => 0);
$mig->query_safe('SET client_min_messages = warning');
$mig_pid = $mig->query_safe('SELECT pg_backend_pid()');
chomp $mig_pid;
$mig->query_until(qr/started/, "\\echo started\nCALL schemaver_upgrade_stepwise('c2');\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = '$worker_type' AND wait_event = 'PgSleep'")
  or die 'the worker never slept';
SchemaverTest::crash_backend($node, $mig_pid);
eval { $mig->quit; };
ok(no_worker_left(), 'crash: after the restart no worker is left');
ok(nothing_recorded('c2'), 'crash: nothing of c2 is recorded');
$old->quit;

# ---------------------------------------------------------------------------
# A unique index that cannot be built: INVALID, and how to get out of it.
# ---------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE TABLE public.dup (v int);
INSERT INTO public.dup VALUES (1), (1), (2);
SELECT schemaver_add_revision('u1', NULL,
    E'-- schemaver: transaction=off\n'
    'DROP INDEX CONCURRENTLY IF EXISTS public.dup_v_key;\n'
    'CREATE UNIQUE INDEX CONCURRENTLY dup_v_key ON public.dup (v);',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.dup_v_key;',
    'unique v', branch_labels => ARRAY['u']);
});
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{\set VERBOSITY verbose
	  CALL schemaver_upgrade_stepwise('u1');});
like($stderr, qr/ERROR:  23505: could not create unique index "dup_v_key"/,
	'the failed build keeps its own SQLSTATE and message');
like($stderr, qr/DETAIL:  Key \(v\)=\(1\) is duplicated\./, 'and its detail');
like($stderr, qr/HINT:  A CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY that fails leaves an INVALID index behind .*DROP INDEX CONCURRENTLY IF EXISTS/,
	'the hint says what to do about the INVALID index');
like($stderr, qr/CONTEXT:  upgrade of revision "u1", statement 2\n.*it stopped at statement 2; statement 1 is committed/s,
	'the context names the revision and statement, and what is committed');
is($node->safe_psql('postgres',
		q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.dup_v_key'::regclass}),
	'f', 'an INVALID index is left');
ok(nothing_recorded('u1'), 'the revision is not recorded');
# the way back copes with the half-built index
$node->safe_psql('postgres', q{SELECT count(*) FROM schemaver_stamp('u1')});
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_downgrade_stepwise('u@base')});
is($ret, 0, 'a downgrade with DROP INDEX CONCURRENTLY IF EXISTS runs over the INVALID index');
is($node->safe_psql('postgres', q{SELECT to_regclass('public.dup_v_key') IS NULL}),
	't', 'and drops it');
# fix the data, run again, down, up
$node->safe_psql('postgres', q{DELETE FROM public.dup WHERE ctid = (SELECT max(ctid) FROM public.dup WHERE v = 1)});
$node->safe_psql('postgres', q{CALL schemaver_upgrade_stepwise('u1')});
$node->safe_psql('postgres', q{CALL schemaver_downgrade_stepwise('u@base')});
$node->safe_psql('postgres', q{CALL schemaver_upgrade_stepwise('u1')});
is($node->safe_psql('postgres',
		q{SELECT indisvalid AND indisunique FROM pg_index WHERE indexrelid = 'public.dup_v_key'::regclass}),
	't', 'once the data is fixed it builds, goes down and up again');

# ---------------------------------------------------------------------------
# The worker is the caller: role, SET ROLE, settings, messages, the guard.
# ---------------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE ROLE regress_deployer LOGIN;
CREATE ROLE regress_app_owner;
GRANT regress_app_owner TO regress_deployer;
GRANT USAGE, CREATE ON SCHEMA public TO regress_app_owner;
GRANT USAGE ON SCHEMA schemaver TO regress_app_owner;
GRANT SELECT, INSERT, UPDATE, DELETE
    ON schemaver.revision, schemaver.version, schemaver.applied, schemaver.log TO regress_app_owner;
GRANT USAGE ON SEQUENCE schemaver.log_id_seq TO regress_app_owner;
GRANT EXECUTE ON PROCEDURE schemaver_upgrade_stepwise(text) TO regress_app_owner;
GRANT EXECUTE ON FUNCTION schemaver_add_revision(text, text, text, text, text, text[], text[]),
                          schemaver_current() TO regress_app_owner;
});
($ret, $stdout, $stderr) = $node->psql(
	'postgres', q{
SET ROLE regress_app_owner;
SET myapp.flag = 'on';
SET search_path = public;
SELECT schemaver_add_revision('s1', NULL, $sql$
-- schemaver: transaction=off
CREATE TABLE public.s1_t (who text DEFAULT current_user, sess text DEFAULT session_user,
                          flag text DEFAULT current_setting('myapp.flag', true),
                          path text DEFAULT current_setting('search_path'));
INSERT INTO public.s1_t DEFAULT VALUES;
DO $d$BEGIN RAISE NOTICE 'from the worker: café'; END$d$;
SET client_encoding = 'LATIN1';
DO $d$BEGIN RAISE NOTICE 'after SET client_encoding: café'; END$d$;
DO $d$BEGIN RAISE NOTICE 'a backslash: \xe9 café'; END$d$;
$sql$, NULL, 'as whom', branch_labels => ARRAY['s']);
CALL schemaver_upgrade_stepwise('s1');
SHOW client_encoding;
},
	extra_params => [ '-U', 'regress_deployer' ]);
is($ret, 0, 'a non-superuser applies a non-transactional revision');
like($stderr, qr/NOTICE:  from the worker: café/, 'the worker\'s NOTICE reaches the caller');
like($stderr, qr/NOTICE:  after SET client_encoding: caf\\xe9/,
	'a revision that changes client_encoding gets its messages escaped, never invalid');
like($stderr, qr/NOTICE:  a backslash: \\\\xe9 caf\\xe9/,
	'and a backslash of the text is escaped too: an escape is never ambiguous');
like($stdout, qr/UTF8/, 'and the caller\'s client_encoding is untouched');
is($node->safe_psql('postgres',
		q{SELECT who || ' ' || sess || ' ' || flag || ' ' || path FROM public.s1_t}),
	'regress_app_owner regress_deployer on public',
	'it runs as the caller\'s current role and session user, with its settings');
is($node->safe_psql('postgres', q{SELECT tableowner FROM pg_tables WHERE tablename = 's1_t'}),
	'regress_app_owner', 'and creates objects owned by that role');

# A caller whose client_encoding is not the database's: the worker's
# messages are converted once, as the caller's own would be.
$node->safe_psql('postgres', q{
SELECT schemaver_add_revision('e1', NULL, $sql$
-- schemaver: transaction=off
DO $d$BEGIN RAISE NOTICE 'encoded: café'; END$d$;
$sql$, NULL, 'encoding', branch_labels => ARRAY['label_e1']);
});
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET client_encoding = 'LATIN1'; CALL schemaver_upgrade_stepwise('e1');});
ok($stderr =~ /NOTICE:  encoded: caf\xe9$/m,
	'a LATIN1 caller gets the worker\'s NOTICE in LATIN1');

# The revision guard holds in the worker; earlier statements are committed.
$node->safe_psql(
	'postgres', q{
SELECT schemaver_add_revision('g1', NULL,
    E'-- schemaver: transaction=off\nCREATE TABLE public.g1_t ();\nDELETE FROM schemaver.log;', NULL, 'g1',
    branch_labels => ARRAY['label_g1']);
SELECT schemaver_add_revision('g2', NULL,
    E'-- schemaver: transaction=off\nSELECT * FROM schemaver_heads();', NULL, 'g2', branch_labels => ARRAY['label_g2']);
SELECT schemaver_add_revision('g3', NULL,
    E'-- schemaver: transaction=off\nCREATE INDEX CONCURRENTLY g3_idx ON schemaver.log (revision);', NULL, 'g3',
    branch_labels => ARRAY['label_g3']);
SELECT schemaver_add_revision('g4', NULL,
    E'-- schemaver: transaction=off\nSELECT 1;\nBEGIN;', NULL, 'g4', branch_labels => ARRAY['label_g4']);
SELECT schemaver_add_revision('g5', NULL,
    E'-- schemaver: transaction=off\nCREATE TABLE public.g5_t ();\nSELEC 1;', NULL, 'g5', branch_labels => ARRAY['label_g5']);
});
my $log_rows = $node->safe_psql('postgres', 'SELECT count(*) FROM schemaver.log');
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_upgrade_stepwise('g1')});
like($stderr, qr/ERROR:  revision SQL cannot write to the schemaver catalog/,
	'the worker refuses a write to the catalog');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemaver.log'), $log_rows,
	'and the log is intact');
is($node->safe_psql('postgres', q{SELECT to_regclass('public.g1_t') IS NOT NULL}), 't',
	'the statement before it is committed');
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_upgrade_stepwise('g2')});
like($stderr, qr/ERROR:  schemaver_heads\(\) cannot be called from revision SQL/,
	'the worker refuses a nested schemaver call');
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_upgrade_stepwise('g3')});
like($stderr, qr/ERROR:  revision SQL cannot create an index on the schemaver catalog/,
	'and an index on the catalog, concurrent or not');
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_upgrade_stepwise('g4')});
like($stderr, qr/ERROR:  revision SQL cannot start or end transactions or use savepoints/,
	'transaction control is refused before anything runs');
($ret, $stdout, $stderr) = $node->psql('postgres', q{CALL schemaver_upgrade_stepwise('g5')});
like($stderr, qr/ERROR:  syntax error at or near "SELEC"/, 'a syntax error is found first');
is($node->safe_psql('postgres', q{SELECT to_regclass('public.g5_t') IS NULL}), 't',
	'before any statement ran');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = '$worker_type'"),
	'0', 'no worker is left behind');

# ---------------------------------------------------------------------------
# Dump and restore of a database with non-transactional revisions.
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE dumpsrc');
$node->safe_psql(
	'dumpsrc', q{
CREATE EXTENSION schemaver;
CREATE TABLE public.t (id int);
INSERT INTO public.t SELECT generate_series(1, 1000);
SELECT schemaver_add_revision('d1', NULL, 'ALTER TABLE public.t ADD COLUMN v int', 'ALTER TABLE public.t DROP COLUMN v');
SELECT schemaver_add_revision('d2', 'd1',
    E'-- schemaver: transaction=off lock_timeout=5s\nCREATE INDEX CONCURRENTLY t_v_idx ON public.t (v);',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;');
SELECT schemaver_add_revision('d3', 'd2', 'ALTER TABLE public.t ADD COLUMN w int', 'ALTER TABLE public.t DROP COLUMN w');
CALL schemaver_upgrade_stepwise('d2');
});
my $dump = $node->basedir . '/nontx.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('dumpsrc') ],
	'pg_dump of a database with non-transactional revisions');
$node->safe_psql('postgres', 'CREATE DATABASE dumpdst');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dumpdst'), $dump ], 'pg_restore');
my $catalog = q{SELECT string_agg(revision || ':' || md5(upgrade_sql) || ':' || md5(coalesce(downgrade_sql, '')) || ':' || checksum, ',' ORDER BY revision) FROM schemaver.revision};
is($node->safe_psql('dumpdst', $catalog), $node->safe_psql('dumpsrc', $catalog),
	'the revisions, directives included, are restored as they were');
is($node->safe_psql('dumpdst', q{SELECT count(*) FROM schemaver_verify()}), '0',
	'the restored catalog verifies');
$node->safe_psql('dumpdst', q{CALL schemaver_upgrade_stepwise('head')});
$node->safe_psql('dumpdst', q{CALL schemaver_downgrade_stepwise('base')});
is($node->safe_psql('dumpdst', q{SELECT to_regclass('public.t_v_idx') IS NULL}), 't',
	'the restored database goes down through the non-transactional revision');
$node->safe_psql('dumpdst', q{CALL schemaver_upgrade_stepwise('head')});
is($node->safe_psql('dumpdst',
		q{SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t_v_idx'::regclass}),
	't', 'and up again, its worker connected to the restored database');
is($node->safe_psql('dumpdst', q{SELECT string_agg(c, ',') FROM schemaver_current() c}),
	'd3', 'to head');

$node->stop;

# ---------------------------------------------------------------------------
# No background worker to be had.
# ---------------------------------------------------------------------------
my $small = SchemaverTest::new_node('noworkers', 'max_worker_processes = 0');
$small->safe_psql(
	'postgres', q{
CREATE EXTENSION schemaver;
CREATE TABLE public.t (id int);
SELECT schemaver_add_revision('w1', NULL,
    E'-- schemaver: transaction=off\nCREATE INDEX CONCURRENTLY t_idx ON public.t (id);');
});
($ret, $stdout, $stderr) = $small->psql('postgres',
	q{\set VERBOSITY verbose
	  CALL schemaver_upgrade_stepwise('head');
	  SELECT 'usable', (SELECT count(*) FROM schemaver.log);}, on_error_stop => 0);
like($stderr,
	qr/ERROR:  53000: could not start a background worker for non-transactional revision "w1"/,
	'without a free worker slot: a clean error');
like($stderr, qr/HINT:  .*increase max_worker_processes/, 'that names max_worker_processes');
like($stdout, qr/usable\|0/, 'nothing is recorded, and the session is usable');
$small->stop;

done_testing();
