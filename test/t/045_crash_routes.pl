# Routes that used to crash the server, each followed by a check that the
# server stayed up (no "terminated by signal" in its log, and a new
# connection works):
#  - a down_revision array of ~150 Alembic-style ids, stored out of line
#    (TOAST), read by the graph loader and history(), also in a new session
#    and after the graph cache is rebuilt;
#  - revision SQL that calls a schemaver function after this backend's
#    graph cache was invalidated under a running walk, (a) by another
#    session overflowing the shared invalidation queue, (b) by ANALYZE of
#    the catalog; and the same walk without the nested call, which must
#    finish with the right version;
#  - CREATE STATISTICS on the catalog from revision SQL.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('routes');
my $log_start = -s $node->logfile;

sub server_is_up
{
	my ($what) = @_;
	my $log = slurp_file($node->logfile, $log_start);
	unlike($log, qr/terminated by signal/, "$what: no backend crashed");
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "$what: a new connection works");
	return;
}

# ----------------------------------------------------------------------
# Out-of-line id arrays
# ----------------------------------------------------------------------
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION schemaver;
SELECT count(schemaver_add_revision('p' || md5(i::text), NULL, 'SELECT 1', 'SELECT 1'))
  FROM generate_series(1, 150) i;
SELECT schemaver_add_revision('merge_all',
    (SELECT array_agg('p' || md5(i::text) ORDER BY i) FROM generate_series(1, 150) i),
    'SELECT 1', 'SELECT 1');
});
is($node->safe_psql('postgres',
		q{SELECT pg_column_size(down_revision) > 2000 AND pg_column_compression(down_revision) IS NULL
		    FROM schemaver.revision WHERE revision = 'merge_all'}),
	't', 'the merge\'s parents are stored out of line');
is($node->safe_psql('postgres',
		q{SELECT cardinality(down_revision) FROM schemaver_history() WHERE revision = 'merge_all'}),
	'150', 'history() in a new session reads them');
is($node->safe_psql('postgres',
		q{SET client_min_messages = warning; SELECT count(*) FROM schemaver_upgrade('head')}),
	'151', 'an upgrade walks them');
is($node->safe_psql('postgres', q{SELECT count(*) FROM schemaver_verify()}),
	'0', 'verify() finds nothing wrong');
server_is_up('out-of-line ids');
$node->safe_psql('postgres',
	q{SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('base'); DROP EXTENSION schemaver});

# ----------------------------------------------------------------------
# The graph cache invalidated under a running walk
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE walk');
$node->safe_psql(
	'walk', q{
CREATE EXTENSION schemaver;
SELECT schemaver_add_revision('g1', NULL, 'CREATE TABLE g_1 (id int)', 'DROP TABLE g_1');
SELECT schemaver_add_revision('g2', 'g1',
    'CREATE TABLE g_2 (id int); SELECT pg_advisory_xact_lock_shared(7777)',
    'DROP TABLE g_2; SELECT pg_advisory_xact_lock_shared(7777)');
SELECT schemaver_add_revision('g3', 'g2', 'CREATE TABLE g_3 (id int)', 'DROP TABLE g_3');
});

# Run $sql in a new session whose revision g2 blocks on advisory lock 7777;
# meanwhile overflow the shared invalidation queue from another session
# (tens of thousands of catalog changes committed at once, in another
# database: the queue is the cluster's), then let the walk go on.  Returns
# the walker's stdout and stderr.
sub walk_through_overflow
{
	my ($sql) = @_;
	my $holder = $node->background_psql('walk');
	$holder->query_safe('SELECT pg_advisory_lock(7777)');
	my $walker = $node->background_psql('walk', on_error_stop => 0);
	my $pid = $walker->query_safe('SELECT pg_backend_pid()');
	chomp $pid;
	# the server logs "cache state reset" when this backend's caches reset
	$walker->query_safe(q{SET log_min_messages = debug4});
	my $offset = -s $node->logfile;
	$walker->query_until(qr/started/, "\\echo started\n$sql\n");
	SchemaverTest::wait_for_wait_event($node, 'walk', $pid, 'Lock', 'advisory');
	$node->safe_psql('postgres',
		q{DO $$ BEGIN FOR i IN 1 .. 1000 LOOP EXECUTE format('CREATE TABLE ov_%s (id int)', i); END LOOP; END $$});
	$node->safe_psql('postgres',
		q{DO $$ BEGIN FOR i IN 1 .. 1000 LOOP EXECUTE format('DROP TABLE ov_%s', i); END LOOP; END $$});
	$holder->query_safe('SELECT pg_advisory_unlock(7777)');
	my $out = $walker->query('SELECT 1');
	my $err = $walker->{stderr};
	$walker->quit;
	$holder->quit;
	like(slurp_file($node->logfile, $offset), qr/\[$pid\] [^\n]*DEBUG:  cache state reset/,
		'the walker\'s caches were reset while it waited');
	return ($out, $err);
}

my ($out, $err) = walk_through_overflow(
	q{SELECT revision FROM schemaver_upgrade('head'); SELECT string_agg(c, ',') AS now_at FROM schemaver_current() c;});
like($out, qr/g3/, 'a walk whose cache was reset under it finishes');
is($node->safe_psql('walk', q{SELECT string_agg(c, ',') FROM schemaver_current() c}),
	'g3', 'and records the right version');
($out, $err) = walk_through_overflow(
	q{SELECT revision FROM schemaver_downgrade('base');});
is($node->safe_psql('walk', q{SELECT count(*) FROM schemaver.version}),
	'0', 'a downgrade to base through a reset ends at base');
is($node->safe_psql('walk', q{SELECT count(*) FROM pg_tables WHERE tablename LIKE 'g\_%'}),
	'0', 'with every table gone');
server_is_up('cache reset under a walk');

# The same with a nested read of the graph after the reset: refused.
$node->safe_psql('walk',
	q{SELECT schemaver_add_revision('g3', 'g2', 'CREATE TABLE g_3 (id int); SELECT * FROM schemaver_current()', 'DROP TABLE g_3')});
($out, $err) = walk_through_overflow(q{SELECT revision FROM schemaver_upgrade('head');});
like($err, qr/ERROR:  schemaver_current\(\) cannot be called from revision SQL/,
	'a nested call after the reset is refused');
is($node->safe_psql('walk', q{SELECT count(*) FROM schemaver.version}),
	'0', 'and the upgrade changed nothing');
server_is_up('nested call after a reset');

# (b) ANALYZE of the catalog invalidates the cache in this very backend.
$node->safe_psql('walk',
	q{SELECT schemaver_add_revision('g3', 'g2', 'ANALYZE schemaver.revision; SELECT count(*) FROM schemaver_history()', 'SELECT 1')});
my ($ret, $stdout, $stderr) = $node->psql('walk', q{SELECT revision FROM schemaver_upgrade('head')});
like($stderr, qr/schemaver_history\(\) cannot be called from revision SQL/,
	'a nested call after ANALYZE of the catalog is refused');
server_is_up('nested call after ANALYZE');

# CREATE STATISTICS on the catalog from revision SQL.
$node->safe_psql('walk',
	q{SELECT schemaver_add_revision('g3', 'g2', 'CREATE STATISTICS g_s ON revision, message FROM schemaver.revision; SELECT * FROM schemaver_current()', 'SELECT 1')});
($ret, $stdout, $stderr) = $node->psql('walk', q{SELECT revision FROM schemaver_upgrade('head')});
like($stderr, qr/revision SQL cannot create statistics on the schemaver catalog/,
	'CREATE STATISTICS on the catalog is refused');
is($node->safe_psql('walk', q{SELECT count(*) FROM schemaver.version}),
	'0', 'and the upgrade changed nothing');
server_is_up('CREATE STATISTICS on the catalog');

$node->stop;
done_testing();
