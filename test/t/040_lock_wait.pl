# Waiting for schemaver's lock: a call that waits longer than
# deadlock_timeout says who holds the lock (NOTICE: pid, role, application,
# since when) and goes on when the holder is done; with
# schemaver.lock_wait_timeout (or lock_timeout) set, a call that cannot get
# the lock in time fails with SQLSTATE 55P03, naming the holder, having
# changed nothing, and its session stays usable.  The pids and times vary,
# which is why this is a TAP test rather than an isolation spec.

use strict;
use warnings FATAL => 'all';

use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('lockwait');
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION schemaver;
SELECT schemaver_add_revision('w1', NULL, 'CREATE TABLE w_1 (id int)', 'DROP TABLE w_1');
SELECT schemaver_add_revision('w2', 'w1', 'CREATE TABLE w_2 (id int)', 'DROP TABLE w_2');
SELECT count(*) FROM schemaver_upgrade('w1');
CREATE ROLE regress_deployer SUPERUSER LOGIN;
});

# A migration in progress: an open transaction that took schemaver's lock
# (a registration of unchanged content takes it and changes nothing).
my $holder = $node->background_psql('postgres',
	extra_params => [ '-U', 'regress_deployer' ]);
$holder->query_safe(q{SET application_name = 'deploy-42'});
$holder->query_safe('BEGIN');
$holder->query_safe(
	q{SELECT schemaver_add_revision('w2', 'w1', 'CREATE TABLE w_2 (id int)', 'DROP TABLE w_2')});
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');
chomp $holder_pid;

# With a limit: a clean error that names the holder; nothing changed.
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET schemaver.lock_wait_timeout = '300ms';
	  \set VERBOSITY verbose
	  SELECT * FROM schemaver_upgrade('head');});
isnt($ret, 0, 'the upgrade fails when the lock does not come within the limit');
like($stderr, qr/ERROR:  55P03: could not get schemaver's lock within 300 ms/,
	'SQLSTATE 55P03, and the limit');
like($stderr,
	qr/DETAIL:  Another migration holds it: process $holder_pid \(role "regress_deployer", application "deploy-42"\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/,
	'the error names the holder: pid, role, application, since when');
like($stderr, qr/HINT:  .*schemaver\.lock_wait_timeout/, 'and says how to wait longer');
is($node->safe_psql('postgres', 'SELECT string_agg(c, \',\') FROM schemaver_current() c'),
	'w1', 'nothing changed');

# lock_timeout limits the wait too, with the same error.
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET lock_timeout = '200ms'; SELECT * FROM schemaver_upgrade('head');});
like($stderr, qr/could not get schemaver's lock within 200 ms/,
	'lock_timeout limits the wait as well');

# The session that timed out is usable.
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET schemaver.lock_wait_timeout = '100ms';
	  SELECT 1 FROM schemaver_upgrade('head');
	  SELECT 'usable';}, on_error_stop => 0);
like($stdout, qr/usable/, 'the session goes on after the error');

# Without a limit: after deadlock_timeout a NOTICE names the holder, and the
# call goes on once the holder commits.
my $waiter = $node->background_psql('postgres', on_error_stop => 0);
$waiter->query_safe(q{SET deadlock_timeout = '100ms'});
my $waiter_pid = $waiter->query_safe('SELECT pg_backend_pid()');
chomp $waiter_pid;
$waiter->query_until(qr/started/,
	"\\echo started\nSELECT revision FROM schemaver_upgrade('head');\n");
SchemaverTest::wait_for_wait_event($node, 'postgres', $waiter_pid, 'Lock', 'object');
# the NOTICE comes after deadlock_timeout, while the call still waits
my $notice_seen = 0;
foreach my $i (1 .. 100)
{
	$waiter->{run}->pump_nb();
	if ($waiter->{stderr} =~ /waiting for schemaver's lock/)
	{
		$notice_seen = 1;
		last;
	}
	usleep(100_000);
}
ok($notice_seen, 'a NOTICE says the call waits for the lock');
like($waiter->{stderr},
	qr/NOTICE:  waiting for schemaver's lock, held by process $holder_pid \(role "regress_deployer", application "deploy-42"\) since /,
	'the NOTICE names the holder');
$holder->query_safe('COMMIT');
my $out = $waiter->query('SELECT 1');
like($out, qr/w2/, 'the waiting upgrade ran once the holder committed');
is($node->safe_psql('postgres', 'SELECT string_agg(c, \',\') FROM schemaver_current() c'),
	'w2', 'and applied w2');

$holder->quit;
$waiter->quit;
$node->stop;
done_testing();
