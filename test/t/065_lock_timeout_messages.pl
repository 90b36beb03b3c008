# What a revision that times out on a lock says: with retries, a NOTICE per
# retry and a final 55P03 error that name the lock (the relation, by name)
# and who held it (pid, role, application, state, since when), and how many
# attempts; without retries, the server's lock timeout error with a DETAIL
# naming the lock and the holder's pid; in a non-transactional revision, the
# same from the background worker.  The server log keeps its lock-wait
# reports only if log_lock_waits was on.  The pids and times vary, which is
# why this is a TAP test (the isolation specs lock_timeout_*.spec prove the
# behaviour).

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('locktimeout');
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION schemaver;
CREATE TABLE public.lt (id int);
CREATE ROLE regress_reporter LOGIN;
GRANT SELECT ON public.lt TO regress_reporter;
SELECT schemaver_add_revision('r1', NULL,
    E'-- schemaver: lock_timeout=300ms lock_retries=2 lock_retry_delay=50ms\n'
    'CREATE TABLE public.r1_marker (); ALTER TABLE public.lt ADD COLUMN c int',
    'ALTER TABLE public.lt DROP COLUMN c; DROP TABLE public.r1_marker');
SELECT schemaver_add_revision('n1', NULL,
    E'-- schemaver: transaction=off lock_timeout=300ms\n'
    'CREATE TABLE public.n1_marker (); ALTER TABLE public.lt ADD COLUMN d int',
    'ALTER TABLE public.lt DROP COLUMN d; DROP TABLE public.n1_marker');
});

# A long report holds a lock on lt.
my $reader = $node->background_psql('postgres',
	extra_params => [ '-U', 'regress_reporter' ]);
$reader->query_safe(q{SET application_name = 'report-7'});
$reader->query_safe('BEGIN');
$reader->query_safe('SELECT count(*) FROM public.lt');
my $reader_pid = $reader->query_safe('SELECT pg_backend_pid()');
chomp $reader_pid;
my $holder_re =
  qr/process $reader_pid \(role "regress_reporter", application "report-7", idle in transaction since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/;

# With retries: rolled back and tried again, then a clean error.
my $log_offset = -s $node->logfile;
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	q{\set VERBOSITY verbose
	  SELECT * FROM schemaver_upgrade('r1');});
isnt($ret, 0, 'the upgrade fails while the lock is held');
my @notices = ($stderr =~
	  /NOTICE:  00000: revision "r1" could not get AccessExclusiveLock on relation "public\.lt" \(attempt (\d) of 3\); rolled back to its start, trying again in \d+ ms/g
);
is_deeply(\@notices, [ 1, 2 ], 'a NOTICE for each of the two retries names the lock');
like($stderr,
	qr/DETAIL:  Statement 2 of the upgrade SQL waited 300 ms; it was held by $holder_re/,
	'the NOTICE says which statement waited and who held the lock');
like($stderr,
	qr/ERROR:  55P03: revision "r1" could not get AccessExclusiveLock on relation "public\.lt" in 3 attempts/,
	'then a clean 55P03 error that counts the attempts');
like($stderr,
	qr/DETAIL:  Each attempt waited up to 300 ms \(lock_timeout\), at statement 2 of the upgrade SQL; the last time it was held by $holder_re/,
	'the error names the holder');
like($stderr, qr/HINT:  .*schemaver\.lock_retries/, 'and says how to allow more');
is($node->safe_psql('postgres',
		q{SELECT to_regclass('public.r1_marker') IS NULL AND NOT EXISTS (SELECT FROM schemaver.log)}),
	't', 'nothing of the revision remains');
unlike(slurp_file($node->logfile, $log_offset), qr/still waiting for AccessExclusiveLock/,
	'with log_lock_waits off, the lock-wait reports stay out of the server log');

# Without retries: the server's own error, with which lock and whose pid.
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{\set VERBOSITY verbose
	  SET schemaver.lock_retries = 0;
	  SELECT schemaver_add_revision('r2', NULL,
	      E'-- schemaver: lock_timeout=300ms\nALTER TABLE public.lt ADD COLUMN c int');
	  SELECT * FROM schemaver_upgrade('r2');});
like($stderr, qr/ERROR:  55P03: canceling statement due to lock timeout/,
	'without retries: the server\'s lock timeout error');
like($stderr,
	qr/DETAIL:  Statement 1 waited 300 ms for AccessExclusiveLock on relation \d+ of database \d+, held by process $reader_pid\./,
	'with the lock and the holder\'s pid in its DETAIL');
like($stderr, qr/HINT:  .*schemaver\.lock_retries/, 'and a hint about retries');

# With log_lock_waits on (a superuser's choice), the reports stay in the log.
$log_offset = -s $node->logfile;
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET log_lock_waits = on; SELECT * FROM schemaver_upgrade('r1');});
like(slurp_file($node->logfile, $log_offset),
	qr/process \d+ still waiting for AccessExclusiveLock on relation \d+ of database \d+ after/,
	'with log_lock_waits on, the server log keeps its lock-wait reports');

# A non-transactional revision: its worker runs with the lock timeout, and
# its error says the same; the statement before it stays committed.
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{\set VERBOSITY verbose
	  CALL schemaver_upgrade_stepwise('n1');});
like($stderr, qr/ERROR:  55P03: canceling statement due to lock timeout/,
	'a non-transactional revision times out in its worker');
like($stderr,
	qr/DETAIL:  Statement 2 waited 300 ms for AccessExclusiveLock on relation \d+ of database \d+, held by process $reader_pid\./,
	'and its error names the lock and the holder');
like($stderr, qr/it stopped at statement 2; statement 1 is committed/,
	'the context says what is committed');
is($node->safe_psql('postgres',
		q{SELECT to_regclass('public.n1_marker') IS NOT NULL AND NOT EXISTS (SELECT FROM schemaver.log)}),
	't', 'statement 1 committed, the revision not recorded');

# Once the report is done, the same upgrade goes through.
$reader->query_safe('COMMIT');
$node->safe_psql('postgres', 'DROP TABLE public.n1_marker');
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SELECT revision FROM schemaver_upgrade('r1');});
is($stdout, 'r1', 'the upgrade runs once the lock is free');
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{CALL schemaver_upgrade_stepwise('n1');
	  SELECT string_agg(c, ',' ORDER BY c) FROM schemaver_current() c;});
is($stdout, 'n1,r1', 'and so does the non-transactional one');

$reader->quit;
$node->stop;
done_testing();
