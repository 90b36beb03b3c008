# A preview script, run with psql, does what the online call does.
#
# Two databases get the same registered revisions: the repository's
# migrations/*.sql, a revision whose SQL has a dollar-quoted plpgsql body and
# whose message has quotes, dollars, backslashes and a line break, and two
# revisions that check that settings a revision changes (SET search_path,
# SET ROLE, set_config) end with it, and two branches with a merge.  One database moves with the online call,
# the other runs the script of schemaver_upgrade_sql() or
# schemaver_downgrade_sql() with "psql -X -v ON_ERROR_STOP=1 -f"; then their
# pg_dump --schema-only, their version and their log (revision, operation,
# heads, checksum, role) must be the same.  Running a script a second time
# fails when it begins (its plan's fingerprint is not the plan from the new
# state) and changes nothing; so does a script whose revisions were
# registered again with other content.  A preview does not wait for
# schemaver's lock, and a script takes it.
use strict;
use warnings;
use File::Basename qw(basename dirname);
use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = File::Spec->rel2abs(dirname(__FILE__) . '/../..');
my $tmp  = PostgreSQL::Test::Utils::tempdir;

my $node = PostgreSQL::Test::Cluster->new('preview');
$node->init;
$node->start;

my $superuser = $node->safe_psql('postgres', 'SELECT current_user');
$node->safe_psql('postgres', 'CREATE ROLE regress_app_owner');

# Revisions on top of migrations/*.sql.
my $extra = "$tmp/extra_revisions.sql";
PostgreSQL::Test::Utils::append_to_file($extra, <<'EOF');
SELECT schemaver_add_revision(
    revision      => '003_quoting',
    down_revision => '002_add_rag_tables',
    message       => E'keep updated_at current: it''s "$1", $$ and $body$, C:\\dir\\\nsecond line',
    upgrade       => $up$
CREATE FUNCTION rag_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    NEW.updated_at := now();    -- ':=' and a backslash \ in a comment
    RAISE NOTICE 'touched %: it''s $1 \ $$', NEW.corpus_id;
    RETURN NEW;
END
$body$;
CREATE TRIGGER rag_corpora_touch BEFORE UPDATE ON rag_corpora
    FOR EACH ROW EXECUTE FUNCTION rag_touch();
COMMENT ON FUNCTION rag_touch() IS E'keeps updated_at \\ current,\nit''s $$';
COMMENT ON TABLE rag_chunks IS 'C:\chunks';
$up$,
    downgrade     => $down$
DROP TRIGGER rag_corpora_touch ON rag_corpora;
DROP FUNCTION rag_touch();
COMMENT ON TABLE rag_chunks IS NULL;
$down$);

SELECT schemaver_add_revision(
    revision      => '004_settings',
    down_revision => '003_quoting',
    message       => 'a schema owned by the application role',
    upgrade       => $up$
CREATE SCHEMA app;
GRANT USAGE, CREATE ON SCHEMA app TO regress_app_owner;
SET search_path = app;
SELECT pg_catalog.set_config('lock_timeout', '3s', false);
SET ROLE regress_app_owner;
CREATE TABLE app_owned (id int);
$up$,
    downgrade     => $down$
DROP SCHEMA app CASCADE;
$down$);

-- The settings 004 changed are back: this table lands in public, is owned
-- by the caller, and its comment says what the settings were.
SELECT schemaver_add_revision(
    revision      => '005_after_settings',
    down_revision => '004_settings',
    upgrade       => $up$
CREATE TABLE after_settings (id int);
DO $do$
BEGIN
    EXECUTE pg_catalog.format('COMMENT ON TABLE public.after_settings IS %L',
        pg_catalog.format('lock_timeout=%s role=%s search_path=%s',
                          pg_catalog.current_setting('lock_timeout'), current_user,
                          pg_catalog.current_setting('search_path')));
END
$do$
$up$,
    downgrade     => 'DROP TABLE after_settings');

-- Two branches and the merge that joins them (no SQL of its own).
SELECT schemaver_add_revision('006_branch_a', '005_after_settings',
                              'CREATE TABLE branch_a (id int)', 'DROP TABLE branch_a',
                              'branch a');
SELECT schemaver_add_revision('006_branch_b', '005_after_settings',
                              'CREATE TABLE branch_b (id int)', 'DROP TABLE branch_b',
                              'branch b');
SELECT schemaver_add_revision('007_merge', ARRAY['006_branch_a', '006_branch_b'],
                              '', '', 'merge the branches');
EOF

# Run psql as a DBA would: psql -X -v ON_ERROR_STOP=1 -d DB -f FILE.
# Returns (exit status, stdout, stderr).
sub run_psql_file
{
	my ($db, $file, %env) = @_;
	my ($out, $err) = ('', '');

	local $ENV{PGHOST}    = $node->host;
	local $ENV{PGPORT}    = $node->port;
	local $ENV{PGOPTIONS} = $env{PGOPTIONS} // '';
	IPC::Run::run(
		[
			$node->installed_command('psql'), '-X', '-v', 'ON_ERROR_STOP=1',
			'-d', $db, '-f', $file
		],
		'>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The schema of a database as pg_dump writes it (the \restrict lines of
# newer minor versions carry a random key).
sub dump_schema
{
	my ($db) = @_;
	my ($out, $err) = ('', '');

	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	IPC::Run::run([ $node->installed_command('pg_dump'), '--schema-only', '-d', $db ],
		'>', \$out, '2>', \$err)
	  or die "pg_dump $db failed: $err";
	$out =~ s/^\\(un)?restrict .*\n//mg;
	return $out;
}

# The migration state of a database: version rows, the applied set with
# who applied each revision, and the log's columns that do not depend on
# time.
sub state_of
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
SELECT 'version: ' || coalesce(string_agg(revision, ',' ORDER BY revision), '<base>')
  FROM schemaver.version;
SELECT format('applied: %s by %s', revision, applied_by)
  FROM schemaver.applied ORDER BY revision;
SELECT format('log %s: %s %s %s -> %s by %s, %s', row_number() OVER (ORDER BY id),
              operation, revision, heads_before, heads_after, performed_by, checksum)
  FROM schemaver.log ORDER BY id;
});
}

# Everything that must match between the two databases.
sub same_databases
{
	my ($what) = @_;
	is(dump_schema('db_script'), dump_schema('db_online'),
		"$what: pg_dump --schema-only is the same");
	is(state_of('db_script'), state_of('db_online'),
		"$what: version, applied set and log are the same");
	is($node->safe_psql('db_script', 'SELECT count(*) FROM schemaver_verify()'),
		'0', "$what: schemaver_verify() finds nothing wrong");
}

# Write a preview to a file, as in README: psql -At -c "SELECT ..." > file.
sub write_script
{
	my ($db, $call, $name) = @_;
	my $file = "$tmp/$name.sql";
	my $text = $node->safe_psql($db, "SELECT $call");

	open(my $fh, '>', $file) or die "could not write $file: $!";
	print $fh "$text\n";
	close($fh);
	return ($file, $text);
}

for my $db ('db_online', 'db_script')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemaver');
	for my $file ((sort glob("$root/migrations/*.sql")), $extra)
	{
		my ($rc, $out, $err) = run_psql_file($db, $file);
		is($rc, 0, "$db: registered " . basename($file)) or diag($err);
	}
}
is($node->safe_psql('db_script', 'SELECT count(*) FROM schemaver.revision'),
	'9', 'nine revisions registered');
same_databases('before anything');

# --- upgrade, one branch first -----------------------------------------------

my ($up, $up_text) = write_script('db_script', "schemaver_upgrade_sql('006_branch_a')", 'up');
my (undef, $up_text_online) =
  write_script('db_online', "schemaver_upgrade_sql('006_branch_a')", 'up_online');
is($up_text, $up_text_online, 'the same state gives the same script');
like($up_text, qr/^-- Steps:       7$/m, 'the script has seven steps');
like($up_text,
	qr/^--   keep updated_at current: it's "\$1", \$\$ and \$body\$, C:\\dir\\\n--   second line\n/m,
	'the message is in comment lines, its line break too');
unlike($up_text, qr/^second line/m, 'its second line does not leave the comment');

# While another session holds schemaver's lock, a preview does not wait,
# and a script waits for the lock (here until lock_timeout) before it
# changes anything.  (The holder is a superuser commenting on the extension
# in an open transaction: that conflicts with schemaver's lock, an object
# lock on the extension.)
my $holder = $node->background_psql('db_script');
$holder->query_safe('BEGIN');
$holder->query_safe(q{COMMENT ON EXTENSION schemaver IS 'held'});
is( $node->safe_psql(
		'db_script',
		"SET statement_timeout = '10s'; SELECT length(schemaver_upgrade_sql('006_branch_a')) = "
		  . length($up_text)),
	't',
	'a preview does not wait for the lock');
my ($rc, $out, $err) = run_psql_file('db_script', $up, PGOPTIONS => '-c lock_timeout=200ms');
isnt($rc, 0, 'a script waits for the lock a migration holds');
like($err, qr/could not get schemaver's lock within 200 ms/, 'it times out on the lock');
is($node->safe_psql('db_script', 'SELECT count(*) FROM schemaver.log'),
	'0', 'and changes nothing');
$holder->query_safe('ROLLBACK');
$holder->quit;

($rc, $out, $err) = run_psql_file('db_script', $up);
is($rc, 0, 'the upgrade script runs') or diag($err);
$node->safe_psql('db_online',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_upgrade('006_branch_a')");
same_databases("upgrade to '006_branch_a'");
is( $node->safe_psql(
		'db_script', q{SELECT obj_description('public.after_settings'::regclass)}),
	qq{lock_timeout=0 role=$superuser search_path="\$user", public},
	'settings a revision changed end with it');
is( $node->safe_psql('db_script',
		q{SELECT tableowner FROM pg_tables WHERE tablename = 'app_owned'}),
	'regress_app_owner',
	'the revision ran its SQL as the role it set');
is( $node->safe_psql(
		'db_script', q{
SELECT bool_and(started_at <= pg_catalog.now() + interval '1 hour'
                AND started_at > pg_catalog.now() - interval '1 hour'
                AND elapsed >= interval '0')
   AND pg_catalog.count(*) = 7
  FROM schemaver.log}),
	't',
	'the log has a start time and a duration per step');

# The same script again: the guard stops it, nothing changes.
my $dump_before  = dump_schema('db_script');
my $state_before = state_of('db_script');
($rc, $out, $err) = run_psql_file('db_script', $up);
is($rc, 3, 'running the script a second time fails');
like($err,
	qr/ERROR:  the database is not at the state this schemaver script was generated from\nDETAIL:  From the current state \("006_branch_a"\), schemaver_upgrade\('006_branch_a'\) has 0 steps with fingerprint [0-9a-f]{64}, not the script's [0-9a-f]{64}\. Nothing was changed\./,
	'when it begins');
is(dump_schema('db_script'), $dump_before, 'the schema is unchanged');
is(state_of('db_script'),    $state_before, 'the version and the log are unchanged');

# --- the other branch and the merge, which replaces two heads ------------------

my ($merge, $merge_text) = write_script('db_script', "schemaver_upgrade_sql('head')", 'merge');
like($merge_text,
	qr/^-- Step 2 of 2: upgrade \(006_branch_a, 006_branch_b\) -> 007_merge$/m,
	'the merge step replaces both heads');
($rc, $out, $err) = run_psql_file('db_script', $merge);
is($rc, 0, 'the script of the merge runs') or diag($err);
$node->safe_psql('db_online',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_upgrade('head')");
same_databases('upgrade to head');

# --- downgrade through the merge ------------------------------------------------

my ($down, $down_text) =
  write_script('db_script', "schemaver_downgrade_sql('004_settings')", 'down');
like($down_text,
	qr/^-- Step 1 of \d+: downgrade 007_merge -> \(006_branch_a, 006_branch_b\)$/m,
	'undoing the merge brings both heads back');
($rc, $out, $err) = run_psql_file('db_script', $down);
is($rc, 0, 'the downgrade script runs') or diag($err);
$node->safe_psql('db_online',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('004_settings')");
same_databases("downgrade('004_settings')");
($rc, $out, $err) = run_psql_file('db_script', $down);
is($rc, 3, 'running the downgrade script a second time fails');
like($err, qr/From the current state \("004_settings"\), .* Nothing was changed\./, 'when it begins');
same_databases('after the failed second downgrade');

# --- downgrade by steps, to a target, to base, and up again --------------------

for my $call ('schemaver_downgrade_sql(1)', "schemaver_downgrade_sql('001_add_auth_fields')",
	"schemaver_downgrade_sql('base')", "schemaver_upgrade_sql('head')")
{
	(my $online = $call) =~ s/_sql\(/(/;
	my ($file) = write_script('db_script', $call, 'step');
	($rc, $out, $err) = run_psql_file('db_script', $file);
	is($rc, 0, "the script of $online runs") or diag($err);
	$node->safe_psql('db_online',
		"SET client_min_messages = warning; SELECT count(*) FROM $online");
	same_databases($online);
}

# --- nothing to do --------------------------------------------------------------

my ($noop, $noop_text) = write_script('db_script', "schemaver_upgrade_sql('head')", 'noop');
like($noop_text, qr/^-- Nothing to do: /m, 'at head, the script says there is nothing to do');
$state_before = state_of('db_script');
($rc, $out, $err) = run_psql_file('db_script', $noop);
is($rc, 0, 'it runs') or diag($err);
is(state_of('db_script'), $state_before, 'and changes nothing');

# --- a revision registered again after the script was written ------------------

$node->safe_psql('db_script',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('005_after_settings')");
my ($stale) = write_script('db_script', "schemaver_upgrade_sql('head')", 'stale');
$node->safe_psql('db_script', q{
SET client_min_messages = warning;
SELECT schemaver_add_revision('006_branch_b', '005_after_settings',
                              'CREATE TABLE branch_b (id bigint)', 'DROP TABLE branch_b',
                              'branch b')});
$dump_before  = dump_schema('db_script');
$state_before = state_of('db_script');
($rc, $out, $err) = run_psql_file('db_script', $stale);
is($rc, 3, 'a script whose revision changed fails');
like($err,
	qr/ERROR:  the database is not at the state this schemaver script was generated from/,
	'when it begins: the plan\'s fingerprint covers every revision\'s content');
is(dump_schema('db_script'), $dump_before, 'the schema is unchanged');
is(state_of('db_script'),    $state_before, 'the version and the log are unchanged');

$node->stop;
done_testing();
