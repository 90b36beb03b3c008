# test/t/025_stress.pl: test/stress.sh's scenario in a PostgreSQL::Test::Cluster
#
# test/stress.sh --emit writes the scenario's files (the same ones the shell
# script runs): setup.sql, one deploy and one churn script per session, a
# reader, the two checks and the list of expected errors.  Here each phase
# starts one background psql per script, waits for all of them, fails on
# any error not in expected_errors.txt, and turns each row of the check
# queries into a test.  See test/stress.sh for what is run and checked.
#
# Size: SV_STRESS_SESSIONS (8), SV_STRESS_REVISIONS (300), SV_STRESS_OPS
# (25), SV_STRESS_SEED (42), as for test/stress.sh.

use strict;
use warnings FATAL => 'all';

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $sessions = $ENV{SV_STRESS_SESSIONS} // 8;
my $revisions = $ENV{SV_STRESS_REVISIONS} // 300;
my $ops = $ENV{SV_STRESS_OPS} // 25;
my $seed = $ENV{SV_STRESS_SEED} // 42;

my $node = SchemaverTest::new_node('stress', 'max_connections = 50');
my $dir = PostgreSQL::Test::Utils::tempdir;

command_ok(
	[
		'bash', SchemaverTest::repo_root() . '/test/stress.sh',
		'--emit', $dir, '-s', $sessions, '-r', $revisions, '-o', $ops, '--seed', $seed
	],
	"stress.sh --emit: $sessions sessions, $revisions revisions, $ops churn moves, seed $seed");

$node->safe_psql('postgres', 'CREATE DATABASE stress');
$node->safe_psql('stress', SchemaverTest::slurp("$dir/setup.sql"));

my @expected = map { chomp; qr/$_/ } grep { /\S/ }
  split /\n/, SchemaverTest::slurp("$dir/expected_errors.txt");

# Run the scripts at once, one psql each; return their stderr by name.
sub run_parallel
{
	my @files = @_;
	my (%err, @runs);

	foreach my $f (@files)
	{
		my $name = (split m{/}, $f)[-1];
		$err{$name} = '';
		push @runs,
		  IPC::Run::start(
			[ 'psql', '-X', '-q', '-d', $node->connstr('stress'), '-f', $f ],
			'>', '/dev/null', '2>', \$err{$name},
			IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	}
	$_->finish foreach @runs;
	return %err;
}

# Fail on each error line that is not an expected one.
sub check_errors
{
	my ($phase, %err) = @_;
	my (@unexpected, %codes);

	foreach my $name (sort keys %err)
	{
		foreach my $line (split /\n/, $err{$name})
		{
			$line =~ s/^psql:[^:]*:\d+: //;
			next
			  unless $line =~ /^(ERROR|FATAL|PANIC):|^psql: error|^server closed|^connection to server/;
			if (grep { $line =~ $_ } @expected)
			{
				$codes{"$name " . ($line =~ /^ERROR:  (\w{5})/ ? $1 : '?')}++;
			}
			else
			{
				push @unexpected, "$name: $line";
			}
		}
	}
	note("$phase: expected errors: $_ x$codes{$_}") foreach sort keys %codes;
	is(scalar(@unexpected), 0, "$phase: no unexpected error")
	  or diag(join("\n", @unexpected[ 0 .. ($#unexpected < 20 ? $#unexpected : 19) ]));
}

# Each "check|ok|detail" row of a check script is one test.
sub run_checks
{
	my ($file) = @_;
	my $out = $node->safe_psql('stress', SchemaverTest::slurp($file));
	my $n = 0;

	foreach my $row (split /\n/, $out)
	{
		my ($name, $ok, $detail) = split /\|/, $row, 3;
		next unless defined $detail;
		ok($ok eq 't', "$name ($detail)");
		$n++;
	}
	cmp_ok($n, '>', 0, "$file produced checks");
}

my @deploy = map { "$dir/deploy_$_.sql" } 1 .. $sessions;
my @churn = map { "$dir/churn_$_.sql" } 1 .. $sessions;

check_errors('deploy', run_parallel(@deploy, "$dir/reader.sql"));
run_checks("$dir/check_deploy.sql");

check_errors('churn', run_parallel(@churn));
run_checks("$dir/check_final.sql");

$node->stop;
done_testing();
