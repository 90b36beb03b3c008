# test/t/SchemaverTest.pm: small helpers shared by schemaver's TAP tests
#
# The TAP tests (test/t/*.pl) run with `make installcheck` (PGXS calls prove
# from the top of the tree with -I ./test/t, so `use SchemaverTest;` works)
# and create their own clusters with PostgreSQL::Test::Cluster.
#
#   my $node = SchemaverTest::new_node('name', 'restart_after_crash = on');
#       init and start a cluster; extra lines go to postgresql.conf
#   SchemaverTest::repo_root()
#       the top of the source tree (for migrations/, test/stress.sh)
#   SchemaverTest::register_migrations($node, $db)
#       run every migrations/*.sql file with psql, in name order
#   SchemaverTest::wait_for_wait_event($node, $db, $pid, $type, $event)
#       wait until backend $pid waits on $type/$event (pg_stat_activity)
#   SchemaverTest::crash_backend($node, $pid)
#       kill -9 one backend (a crash, unlike pg_terminate_backend) and wait
#       until the server has reinitialized and accepts connections again;
#       needs restart_after_crash = on
#   SchemaverTest::slurp($file)
#       a file's content
#   my ($rc, $out, $err) = SchemaverTest::schemaver($node, [\%opts,] @args);
#       run the schemaver command against $node (PGHOST and PGPORT set,
#       PGDATABASE unset) and return its exit status, standard output and
#       standard error; %opts: env => {VAR => value or undef}, stdin =>
#       text, chdir => directory to run in
#
# Keep it small: a helper belongs here when two tests need it.

package SchemaverTest;

use strict;
use warnings FATAL => 'all';

use Cwd;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

sub new_node
{
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	$node->init;
	$node->append_conf('postgresql.conf', join("\n", @conf) . "\n") if @conf;
	$node->start;
	return $node;
}

sub repo_root
{
	return $ENV{TESTDIR} // getcwd();
}

sub register_migrations
{
	my ($node, $db) = @_;
	my @files = sort glob(repo_root() . '/migrations/*.sql');

	BAIL_OUT('no migrations/*.sql files') unless @files;
	foreach my $f (@files)
	{
		$node->command_ok(
			[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-f', $f ],
			'register ' . (split m{/}, $f)[-1]);
	}
	return scalar @files;
}

sub wait_for_wait_event
{
	my ($node, $db, $pid, $type, $event) = @_;

	$node->poll_query_until($db,
		"SELECT wait_event_type = '$type' AND wait_event = '$event' FROM pg_stat_activity WHERE pid = $pid")
	  or die "backend $pid never waited on $type/$event";
	return;
}

sub crash_backend
{
	my ($node, $pid) = @_;
	my $log_offset = -s $node->logfile;

	kill('KILL', $pid) or die "could not kill backend $pid: $!";
	# The postmaster notices, ends every backend and runs crash recovery.
	# (It names the process "server process" up to 17, "client backend"
	# from 18 on.)
	$node->wait_for_log(qr/ \(PID $pid\) was terminated by signal 9/, $log_offset);
	$node->wait_for_log(qr/database system is ready to accept connections/, $log_offset);
	$node->poll_query_until('postgres', 'SELECT true') or die 'server did not come back';
	return;
}

sub schemaver
{
	my ($node, @args) = @_;
	my %o = ref $args[0] eq 'HASH' ? %{ shift @args } : ();
	my ($out, $err) = ('', '');
	my $in = $o{stdin} // '';

	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	delete $ENV{$_} for qw(PGDATABASE PGSERVICE PGOPTIONS PGPASSWORD);
	while (my ($k, $v) = each %{ $o{env} // {} })
	{
		if (defined $v) { $ENV{$k} = $v; }
		else { delete $ENV{$k}; }
	}
	IPC::Run::run([ 'schemaver', @args ],
		'<', \$in, '>', \$out, '2>', \$err,
		$o{chdir} ? (init => sub { chdir $o{chdir} or die "chdir $o{chdir}: $!" }) : (),
		# a command that hangs fails the test instead of hanging it
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	note("schemaver @args: exit " . ($? >> 8) . "\n$out$err");
	return ($? >> 8, $out, $err);
}

sub slurp
{
	my ($file) = @_;
	return PostgreSQL::Test::Utils::slurp_file($file);
}

1;
