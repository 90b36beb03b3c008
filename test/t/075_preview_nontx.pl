# A preview script whose plan has non-transactional steps: its header says
# so, it runs in several transactions as the stepwise procedures do (each
# non-transactional step with CALL schemaver.run_script_step_nontx() at top
# level, between the others' transactions), holds schemaver's lock from its
# first transaction to its last, and, run with psql -f, leaves the same
# schema, version and log as CALL schemaver_upgrade_stepwise() (and the
# downgrade as schemaver_downgrade_stepwise()).  A failure in such a step
# keeps the steps before it, as a stepwise walk does; a script edited to run
# such a step inside a transaction, or to commit elsewhere, is refused.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('preview_nontx');
my $tmp = PostgreSQL::Test::Utils::tempdir;

my $revisions = q{
CREATE EXTENSION schemaver;
CREATE TABLE public.t (id int);
INSERT INTO public.t SELECT generate_series(1, 10000);
SELECT schemaver_add_revision('a1', NULL,
    'ALTER TABLE public.t ADD COLUMN v int', 'ALTER TABLE public.t DROP COLUMN v', 'add v');
SELECT schemaver_add_revision('a2', 'a1',
    E'-- schemaver: transaction=off\n'
    'SELECT pg_advisory_lock_shared(4711); SELECT pg_advisory_unlock_shared(4711);\n'
    'DROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;\n'
    'CREATE INDEX CONCURRENTLY t_v_idx ON public.t (v);',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;',
    'index v without blocking writes');
SELECT schemaver_add_revision('a3', 'a2',
    'ALTER TABLE public.t ADD COLUMN w int', 'ALTER TABLE public.t DROP COLUMN w', 'add w');
SELECT schemaver_add_revision('a4', 'a3',
    E'-- schemaver: transaction=off\nVACUUM (ANALYZE) public.t;', 'SELECT 1', 'vacuum t');
};
foreach my $db ('online', 'script')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $revisions);
}

# psql -f of a file, as the README says: (ret, stdout, stderr)
sub run_script
{
	my ($db, $file) = @_;
	my ($stdout, $stderr);
	my $ret = IPC::Run::run(
		[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($db), '-f', $file ],
		'>', \$stdout, '2>', \$stderr);
	return ($ret ? 0 : $? >> 8, $stdout, $stderr);
}

# the state to compare: schema, version, log
sub state_of
{
	my ($db) = @_;
	my $schema = $node->safe_psql($db, q{
SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a
 WHERE a.attrelid = 'public.t'::regclass AND a.attnum > 0 AND NOT a.attisdropped})
	  . ' | ' . $node->safe_psql($db, q{
SELECT coalesce(string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY 1), 'none')
  FROM pg_index WHERE indrelid = 'public.t'::regclass});
	my $version = $node->safe_psql($db,
		q{SELECT coalesce(string_agg(c, ','), '<base>') FROM schemaver_current() c});
	my $log = $node->safe_psql($db,
		q{SELECT string_agg(revision || ' ' || operation || ' ' || heads_before::text || '->'
		                    || heads_after::text || ' ' || coalesce(checksum, '-'), E'\n' ORDER BY id)
		    FROM schemaver.log});
	return "$schema\n$version\n$log";
}

my $script = "$tmp/upgrade.sql";
PostgreSQL::Test::Utils::append_to_file($script,
	$node->safe_psql('script', q{SELECT schemaver_upgrade_sql('head')}) . "\n");
my $text = slurp_file($script);
like($text, qr/-- What that call would do from the state below, in several transactions:\n-- 2 of its steps are non-transactional/,
	'the header says the script runs in several transactions, and why');
like($text, qr/--   2\. \(non-transactional\) upgrade a1 -> a2: index v without blocking writes/,
	'and marks the non-transactional steps in its list');
like($text, qr/--     CALL schemaver_upgrade_stepwise\('head', plan => '[0-9a-f]{64}'\);/,
	'its online twin is the stepwise procedure');
like($text, qr/COMMIT;\n\n-- =+\n-- Step 2 of 4: upgrade a1 -> a2\n(?:--.*\n)*CALL schemaver\.run_script_step_nontx\(/,
	'it commits, then CALLs the non-transactional step');
like($text, qr/\$sv_\w+\$\);\n\nBEGIN ISOLATION LEVEL READ COMMITTED;\n\n-- =+\n-- Step 3 of 4/,
	'then begins a new transaction for the next step');
like($text, qr/CALL schemaver\.run_script_step_nontx\([^\n]*\n-- schemaver: transaction=off\nVACUUM \(ANALYZE\) public\.t;\n\$sv_\w+\$\);\n\nBEGIN ISOLATION LEVEL READ COMMITTED;\n\n-- Check that every step ran/,
	'a last non-transactional step is followed by a transaction for the end');

# While the script runs its non-transactional step (held up by an advisory
# lock its SQL waits for), schemaver's lock is still the script's.
my $gate = $node->background_psql('script');
$gate->query_safe('SELECT pg_advisory_lock(4711)');
my $runner = IPC::Run::start(
	[ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('script'), '-f', $script ],
	'>', \my $run_out, '2>', \my $run_err);
$node->poll_query_until('script',
	q{SELECT count(*) = 1 FROM pg_stat_activity
	   WHERE backend_type = 'schemaver non-transactional revision' AND wait_event_type = 'Lock'})
  or die 'the non-transactional step never started';
my ($ret, $stdout, $stderr) = $node->psql('script',
	q{SET schemaver.lock_wait_timeout = '100ms'; SELECT * FROM schemaver_upgrade('head');});
like($stderr, qr/could not get schemaver's lock within 100 ms/,
	'between its transactions the script holds schemaver\'s lock');
is($node->safe_psql('script', q{SELECT string_agg(c, ',') FROM schemaver_current() c}),
	'a1', 'and step 1 is committed before the non-transactional step');
$gate->query_safe('SELECT pg_advisory_unlock(4711)');
$runner->finish;
is($runner->result(0), 0, 'the script runs to its end with psql -f');
unlike($run_err, qr/ERROR/, 'without an error');
$gate->quit;

# The same plan online, stepwise: the same state.
$node->safe_psql('online', q{CALL schemaver_upgrade_stepwise('head')});
is(state_of('script'), state_of('online'),
	'the script leaves the schema, version and log of CALL schemaver_upgrade_stepwise()');
is($node->safe_psql('script',
		q{SELECT count(*) FROM pg_locks WHERE locktype = 'object' AND classid = 'pg_extension'::regclass}),
	'0', 'and no session holds schemaver\'s lock afterwards');

# Running it again fails at its beginning, changing nothing.
my $before = state_of('script');
($ret, $stdout, $stderr) = run_script('script', $script);
isnt($ret, 0, 'a second run of the script fails');
like($stderr, qr/the database is not at the state this schemaver script was generated from/,
	'at its beginning');
is(state_of('script'), $before, 'and changes nothing');

# The downgrade to base, both ways.
my $down = "$tmp/downgrade.sql";
PostgreSQL::Test::Utils::append_to_file($down,
	$node->safe_psql('script', q{SELECT schemaver_downgrade_sql('base')}) . "\n");
($ret, $stdout, $stderr) = run_script('script', $down);
is($ret, 0, 'the downgrade script runs');
$node->safe_psql('online', q{CALL schemaver_downgrade_stepwise('base')});
is(state_of('script'), state_of('online'),
	'and matches CALL schemaver_downgrade_stepwise()');

# A failure in a non-transactional step: the steps before it stay, the
# step is not recorded, as with the stepwise procedure.
foreach my $db ('online', 'script')
{
	$node->safe_psql($db, q{
SELECT schemaver_add_revision('a2', 'a1',
    E'-- schemaver: transaction=off\nCREATE INDEX CONCURRENTLY t_v_idx ON public.t (v);\nSELECT 1 / 0;',
    E'-- schemaver: transaction=off\nDROP INDEX CONCURRENTLY IF EXISTS public.t_v_idx;',
    'index v, then fail');
});
}
my $failing = "$tmp/failing.sql";
PostgreSQL::Test::Utils::append_to_file($failing,
	$node->safe_psql('script', q{SELECT schemaver_upgrade_sql('head')}) . "\n");
($ret, $stdout, $stderr) = run_script('script', $failing);
isnt($ret, 0, 'a script whose non-transactional step fails stops');
like($stderr, qr/ERROR:  division by zero/, 'with the step\'s error');
($ret, $stdout, $stderr) = $node->psql('online', q{CALL schemaver_upgrade_stepwise('head')});
is(state_of('script'), state_of('online'),
	'leaving what the stepwise procedure leaves: step 1, and the index the step built');
like(state_of('script'), qr/t_v_idx:true\na1\n/, '(step 1 recorded, the index built before the error)');

# Edited scripts are refused, and change nothing.
$node->safe_psql('script', q{CALL schemaver_downgrade_stepwise('base')});
$node->safe_psql('script', q{SELECT schemaver_add_revision('a2', 'a1',
    E'-- schemaver: transaction=off\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_v_idx ON public.t (v);',
    'SELECT 1', 'index v')});
my $good = $node->safe_psql('script', q{SELECT schemaver_upgrade_sql('head')});
my %edits = (
	'the non-transactional step run as a transactional one' => sub {
		$_[0] =~ s/COMMIT;\n\n(-- =+\n-- Step 2)/$1/;
		$_[0] =~ s/^CALL schemaver\.run_script_step_nontx\(/SELECT * FROM schemaver.run_script_step(/m;
		$_[0] =~ s/(\$sv_\w+\$\);\n)\nBEGIN ISOLATION LEVEL READ COMMITTED;\n/$1/;
		return qr/step 2 of the schemaver script is non-transactional/;
	},
	'the non-transactional step called inside the transaction' => sub {
		$_[0] =~ s/COMMIT;\n\n(-- =+\n-- Step 2)/$1/;
		return qr/schemaver\.run_script_step_nontx\(\) cannot run inside a transaction block/;
	},
	'a commit where the plan has no pause' => sub {
		$_[0] =~ s/(-- =+\n-- Step 1 of 4)/COMMIT;\nBEGIN;\n$1/;
		return qr/schemaver script ended after step 0 of 4/;
	});
foreach my $name (sort keys %edits)
{
	my $edited = $good;
	my $expect = $edits{$name}->($edited);
	isnt($edited, $good, "edit applied: $name");
	my $file = "$tmp/edited_" . length($name) . '.sql';
	PostgreSQL::Test::Utils::append_to_file($file, $edited . "\n");
	my $state = state_of('script');
	($ret, $stdout, $stderr) = run_script('script', $file);
	like($stderr, $expect, "refused: $name");
	is(state_of('script'), $state, "and nothing changed: $name");
}

# In one session: a script of several transactions that fails or is rolled
# back in its first transaction leaves no lock behind in that session.
my ($fp) = $good =~ /Plan fingerprint: ([0-9a-f]{64})/;
my $session = $node->background_psql('script', on_error_stop => 0);
my $own_locks = q{SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid()
                     AND locktype = 'object' AND classid = 'pg_extension'::regclass};
$session->query_safe('BEGIN');
$session->query_safe("SELECT schemaver.run_script_begin('upgrade', 'head', '$fp')");
is($session->query_safe($own_locks), '1', 'the script holds schemaver\'s lock');
$session->query_safe('ROLLBACK');
is($session->query_safe($own_locks), '0', 'a rollback releases it');
$session->query_safe('BEGIN');
$session->query_safe("SELECT schemaver.run_script_begin('upgrade', 'head', '$fp')");
$session->query('COMMIT');
like($session->{stderr}, qr/schemaver script ended after step 0 of 4/, 'a commit out of place fails');
$session->{stderr} = '';
is($session->query_safe($own_locks), '0', 'and releases it too');
is($session->query_safe(q{SELECT coalesce(string_agg(c, ','), '<base>') FROM schemaver_current() c}),
	'<base>', 'nothing changed');
$session->quit;

$node->stop;
done_testing();
