# test/t/020_crash.pl: a backend killed (kill -9) in the middle of a migration
#
# kill -9 on a backend is a crash: the postmaster ends every session and the
# server runs crash recovery from the WAL (pg_terminate_backend would only
# cancel the transaction).  Proves:
#   - upgrade: killed inside its second revision (after the first revision
#     and part of the second ran): after recovery nothing of the call
#     remains (no table, version unchanged, no log row, no lock), and the
#     same upgrade then succeeds;
#   - downgrade: the same, the other way (the dropped tables are back);
#   - CALL schemaver_upgrade_stepwise: the committed steps stay (version,
#     table, log row), the interrupted one is gone, the session-level lock
#     is gone with the session, and the same CALL then finishes the walk.
#     Skipped, with a message, when the procedure does not exist.
#
# The interrupted revision creates (or drops) a table, then waits on an
# advisory lock that a holder session keeps: the kill happens while the
# revision is known to be at that point.  After the crash the holder is
# gone too, so the retried call does not wait.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('crash', 'restart_after_crash = on');

# schemaver's lock as pg_locks shows it: an object lock on the extension
my $sv_lock = "SELECT count(*) FROM pg_locks WHERE locktype = 'object'"
  . " AND classid = 'pg_extension'::regclass"
  . " AND objid = (SELECT oid FROM pg_extension WHERE extname = 'schemaver') AND objsubid = 0";

# Start $sql in a new session whose revision then blocks on advisory lock
# 7777 (held by a holder session); return the session's backend pid once
# it waits there.
sub start_blocked
{
	my ($db, $sql) = @_;
	my $holder = $node->background_psql($db);
	$holder->query_safe('SELECT pg_advisory_lock(7777)');

	my $victim = $node->background_psql($db, on_error_stop => 0);
	my $pid = $victim->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	$victim->query_until(qr/started/, "\\echo started\n$sql\n");
	SchemaverTest::wait_for_wait_event($node, $db, $pid, 'Lock', 'advisory');
	return ($pid, $holder, $victim);
}

# The sessions of a crash are gone; let their psql processes end.
sub forget
{
	foreach my $s (@_)
	{
		eval { $s->quit; };
	}
}

# ----------------------------------------------------------------------
# schemaver_upgrade and schemaver_downgrade (one transaction each)
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE crash');
$node->safe_psql(
	'crash', q{
CREATE EXTENSION schemaver;
SELECT schemaver_add_revision('c0', NULL, 'CREATE TABLE crash_0 (id int)', 'DROP TABLE crash_0');
SELECT schemaver_add_revision('c1', 'c0',
    'CREATE TABLE crash_1 (id int); INSERT INTO crash_1 VALUES (1)', 'DROP TABLE crash_1');
SELECT schemaver_add_revision('c2', 'c1',
    'CREATE TABLE crash_2 (id int); SELECT pg_advisory_xact_lock_shared(7777)',
    'DROP TABLE crash_2; SELECT pg_advisory_xact_lock_shared(7777)');
SELECT schemaver_add_revision('c3', 'c2', 'CREATE TABLE crash_3 (id int)', 'DROP TABLE crash_3');
SELECT count(*) FROM schemaver_upgrade('c0');
});

my $state_sql = q{
SELECT (SELECT coalesce(string_agg(c, ','), '<base>') FROM schemaver_current() c)
       || ' | ' || (SELECT count(*) FROM schemaver.log)
       || ' | ' || (SELECT coalesce(string_agg(l.revision || ' ' || l.operation, ', ' ORDER BY l.id), '') FROM schemaver.log l)
       || ' | ' || (SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname LIKE 'crash\_%' AND relkind = 'r')
};
is($node->safe_psql('crash', $state_sql),
	'c0 | 1 | c0 upgrade | crash_0',
	'before the crash: at c0, one log row, table crash_0');

my ($pid, @sessions) =
  start_blocked('crash', "SELECT count(*) FROM schemaver_upgrade('head');");
is($node->safe_psql('crash', $sv_lock), '1',
	'the upgrade holds schemaver\'s lock while it is stopped inside c2');
SchemaverTest::crash_backend($node, $pid);
forget(@sessions);

is($node->safe_psql('crash', $state_sql),
	'c0 | 1 | c0 upgrade | crash_0',
	'after recovery: version still c0, no log row and no table from the killed upgrade');
is($node->safe_psql('crash', $sv_lock), '0', 'after recovery: nobody holds the lock');
is($node->safe_psql('crash', 'SELECT count(*) FROM schemaver_verify()'),
	'0', 'after recovery: schemaver_verify() finds nothing wrong');

is($node->safe_psql('crash', "SELECT string_agg(revision || ' ' || operation, ', ') FROM schemaver_upgrade('head')"),
	'c1 upgrade, c2 upgrade, c3 upgrade',
	'the same upgrade then succeeds, applying c1, c2 and c3');
is($node->safe_psql('crash', $state_sql),
	'c3 | 4 | c0 upgrade, c1 upgrade, c2 upgrade, c3 upgrade | crash_0,crash_1,crash_2,crash_3',
	'after the retry: at c3, one log row per revision, every table');
is($node->safe_psql('crash', 'SELECT count(*) FROM crash_1'), '1', 'c1 ran once');

# A downgrade killed inside c2's downgrade (after c3's and part of c2's ran)
($pid, @sessions) =
  start_blocked('crash', "SELECT count(*) FROM schemaver_downgrade('c0');");
SchemaverTest::crash_backend($node, $pid);
forget(@sessions);

is($node->safe_psql('crash', $state_sql),
	'c3 | 4 | c0 upgrade, c1 upgrade, c2 upgrade, c3 upgrade | crash_0,crash_1,crash_2,crash_3',
	'after recovery: version still c3, tables crash_2 and crash_3 still there, no downgrade logged');
is($node->safe_psql('crash', "SELECT string_agg(revision || ' ' || operation, ', ') FROM schemaver_downgrade('c0')"),
	'c3 downgrade, c2 downgrade, c1 downgrade',
	'the same downgrade then succeeds');
is($node->safe_psql('crash', $state_sql),
	'c0 | 7 | c0 upgrade, c1 upgrade, c2 upgrade, c3 upgrade, c3 downgrade, c2 downgrade, c1 downgrade | crash_0',
	'after the retry: at c0 again, log continues');

# ----------------------------------------------------------------------
# CALL schemaver_upgrade_stepwise (a commit after each revision)
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE stepwise');
$node->safe_psql('stepwise', 'CREATE EXTENSION schemaver');
my $has_stepwise = $node->safe_psql('stepwise',
	"SELECT count(*) FROM pg_proc WHERE proname = 'schemaver_upgrade_stepwise' AND prokind = 'p'");

SKIP:
{
	skip 'CALL schemaver_upgrade_stepwise() does not exist in this build: stepwise crash test skipped', 7
	  unless $has_stepwise;

	$node->safe_psql(
		'stepwise', q{
SELECT schemaver_add_revision('w1', NULL, 'CREATE TABLE crash_w1 (id int)', 'DROP TABLE crash_w1');
SELECT schemaver_add_revision('w2', 'w1',
    'CREATE TABLE crash_w2 (id int); SELECT pg_advisory_xact_lock_shared(7777)', 'DROP TABLE crash_w2');
SELECT schemaver_add_revision('w3', 'w2', 'CREATE TABLE crash_w3 (id int)', 'DROP TABLE crash_w3');
});
	(my $wstate = $state_sql) =~ s/crash\\_%/crash\\_w%/;

	($pid, @sessions) =
	  start_blocked('stepwise', "CALL schemaver_upgrade_stepwise('head');");
	is($node->safe_psql('stepwise', $wstate),
		'w1 | 1 | w1 upgrade | crash_w1',
		'while the walk is stopped inside w2, w1 is committed and visible');
	is($node->safe_psql('stepwise', $sv_lock), '1',
		'the walk holds schemaver\'s lock (at session level) between its commits');
	SchemaverTest::crash_backend($node, $pid);
	forget(@sessions);

	is($node->safe_psql('stepwise', $wstate),
		'w1 | 1 | w1 upgrade | crash_w1',
		'after recovery: the committed step w1 stays (version, log row, table), w2 is gone');
	is($node->safe_psql('stepwise', $sv_lock), '0',
		'after recovery: the session-level lock is gone with the session');
	is($node->safe_psql('stepwise', 'SELECT count(*) FROM schemaver_verify()'),
		'0', 'after recovery: schemaver_verify() finds nothing wrong');
	$node->safe_psql('stepwise', "CALL schemaver_upgrade_stepwise('head')");
	is($node->safe_psql('stepwise', $wstate),
		'w3 | 3 | w1 upgrade, w2 upgrade, w3 upgrade | crash_w1,crash_w2,crash_w3',
		'the same CALL then finishes the walk: w2 and w3');
	is($node->safe_psql('stepwise', $sv_lock), '0', 'and releases the lock');
}

$node->stop;
done_testing();
