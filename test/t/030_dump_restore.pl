# test/t/030_dump_restore.pl: pg_dump / pg_restore of a migrated database
#
# The source database registers the repository's migrations/*.sql, upgrades
# to head, downgrades one step and upgrades again, and stamps down and up
# (stamp rows, one with a NULL checksum), so that schemaver.log holds
# several kinds of rows; it also gets a row of application data.  It is then
# dumped in custom format (pg_restore), plain format (psql) and directory
# format (parallel pg_restore -j 4).  Proves, for each copy:
#   - the restore runs without an error or a warning;
#   - schemaver.revision, schemaver.version and schemaver.log hold the same
#     rows (every column), log_id_seq the same position, and
#     schemaver_current(), schemaver_history() and schemaver_verify() answer
#     the same; the application's tables and data are there;
#   - the dump has a SEQUENCE SET entry for schemaver.log_id_seq, and the
#     next step on the copy gets the next log id (no duplicate key);
#   - downgrade to base and upgrade to head work on the copy (the revisions'
#     SQL finds the restored tables).
# Also: ten more parallel restores of the directory archive all succeed.  A
# parallel pg_restore orders the data of tables only by the archive's
# dependencies, which do not include foreign keys between an extension's
# configuration tables (pg_dump only sorts the archive by them): a foreign
# key from one schemaver table to another makes a parallel restore fail
# whenever the referencing table's data happens to be loaded first.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('dump');
my $tmp = PostgreSQL::Test::Utils::tempdir;

# ----------------------------------------------------------------------
# The source
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION schemaver');
my $nfiles = SchemaverTest::register_migrations($node, 'src');
my $head = $node->safe_psql('src', 'SELECT * FROM schemaver_heads()');

is($node->safe_psql('src', "SELECT count(*) FROM schemaver_upgrade('head')"),
	$nfiles, 'source: upgrade to head applies every migration');
is($node->safe_psql('src', 'SELECT count(*) FROM schemaver_downgrade(1)'),
	'1', 'source: downgrade(1)');
is($node->safe_psql('src', "SELECT count(*) FROM schemaver_upgrade('head')"),
	'1', 'source: upgrade to head again');
my $below = $node->safe_psql('src',
	"SELECT down_revision[1] FROM schemaver.revision WHERE revision = '$head'");
is($node->safe_psql('src', "SELECT count(*) FROM schemaver_stamp('$below')"),
	'1', 'source: stamp one revision down (no SQL)');
is($node->safe_psql('src', "SELECT count(*) FROM schemaver_stamp('head')"),
	'1', 'source: stamp head again');
$node->safe_psql('src',
	"INSERT INTO users (username, email) VALUES ('alice', 'alice\@example.invalid')");

# What must survive, each as one ordered text
my %queries = (
	'schemaver.revision' =>
	  'SELECT revision, down_revision, depends_on, branch_labels, message, upgrade_sql,'
	  . ' downgrade_sql, checksum, registered_at, registered_by FROM schemaver.revision ORDER BY revision',
	'schemaver.version' => 'SELECT revision FROM schemaver.version ORDER BY revision',
	'schemaver.log' =>
	  'SELECT id, revision, operation, heads_before, heads_after, started_at, elapsed,'
	  . ' performed_by, checksum FROM schemaver.log ORDER BY id',
	'schemaver.log_id_seq' => 'SELECT last_value, is_called FROM schemaver.log_id_seq',
	# every configuration relation the extension declares, present or future
	'every configuration table (rows digest)' =>
	  "SELECT c.oid::regclass || ' ' || md5(query_to_xml(format(CASE c.relkind WHEN 'S'"
	  . " THEN 'SELECT last_value, is_called FROM %s' ELSE 'SELECT * FROM %s ORDER BY 1' END,"
	  . " c.oid::regclass), true, false, '')::text)"
	  . " FROM pg_extension e CROSS JOIN unnest(e.extconfig) x JOIN pg_class c ON c.oid = x"
	  . " WHERE e.extname = 'schemaver' ORDER BY 1",
	'schemaver_current()' => 'SELECT * FROM schemaver_current() c ORDER BY 1',
	'schemaver_history()' => 'SELECT * FROM schemaver_history()',
	'schemaver_verify()' => 'SELECT * FROM schemaver_verify() ORDER BY 1, 2',
	'application tables' =>
	  "SELECT table_name, column_name, data_type FROM information_schema.columns"
	  . " WHERE table_schema = 'public' ORDER BY 1, 2",
	'application data' => 'SELECT id, username, email, is_active FROM users ORDER BY id');

my %source;
$source{$_} = $node->safe_psql('src', $queries{$_}) foreach keys %queries;

my $nlog = $node->safe_psql('src', 'SELECT count(*) FROM schemaver.log');
is($nlog, $nfiles + 4, "source: the log holds $nlog rows");
is($node->safe_psql('src', 'SELECT max(id) FROM schemaver.log'),
	$nlog, 'source: log ids are 1..n');
is($source{'schemaver_verify()'}, '', 'source: schemaver_verify() is empty');
is($node->safe_psql('src', "SELECT count(*) FROM schemaver.log WHERE checksum IS NULL"),
	'1', 'source: the log has a row with a NULL checksum (the stamp down)');

# ----------------------------------------------------------------------
# Dump, restore, compare, move
# ----------------------------------------------------------------------

# Run a restore command: one test, true when it exited 0 and printed nothing.
sub restore_ok
{
	my ($cmd, $name) = @_;
	my ($stdout, $stderr) = ('', '');
	my $rc = IPC::Run::run($cmd, '>', \$stdout, '2>', \$stderr);

	ok($rc && $stdout eq '' && $stderr eq '', $name)
	  or diag("exit status $?\nstdout: $stdout\nstderr: $stderr");
	return $rc && $stderr eq '';
}

my @formats = (
	[
		'custom',
		[ 'pg_dump', '-Fc', '-f', "$tmp/src.dump", 'src' ],
		sub { [ 'pg_restore', '--exit-on-error', '-d', $_[0], "$tmp/src.dump" ] },
		[ 'pg_restore', '-l', "$tmp/src.dump" ]
	],
	[
		'plain',
		[ 'pg_dump', '-Fp', '-f', "$tmp/src.sql", 'src' ],
		sub { [ 'psql', '-X', '-q', '-o', '/dev/null', '-v', 'ON_ERROR_STOP=1', '-d', $_[0], '-f', "$tmp/src.sql" ] },
		undef
	],
	[
		'directory, parallel',
		[ 'pg_dump', '-Fd', '-j', '2', '-f', "$tmp/src.dir", 'src' ],
		sub { [ 'pg_restore', '--exit-on-error', '-j', '4', '-d', $_[0], "$tmp/src.dir" ] },
		[ 'pg_restore', '-l', "$tmp/src.dir" ]
	]);

my $n = 0;
foreach my $f (@formats)
{
	my ($fmt, $dump, $restore, $list) = @$f;
	my $db = 'copy' . ++$n;

	$node->command_ok($dump, "$fmt: pg_dump");
	if ($list)
	{
		my ($stdout, $stderr);
		IPC::Run::run($list, '>', \$stdout, '2>', \$stderr);
		like($stdout, qr/TABLE DATA schemaver log /, "$fmt: the dump has schemaver.log's data");
		like($stdout, qr/SEQUENCE SET schemaver log_id_seq /,
			"$fmt: the dump sets schemaver.log_id_seq");
	}
	else
	{
		like(SchemaverTest::slurp("$tmp/src.sql"),
			qr/setval\('schemaver\.log_id_seq', $nlog, true\)/,
			"$fmt: the dump sets schemaver.log_id_seq to $nlog");
	}

	$node->safe_psql('postgres', "CREATE DATABASE $db");
	my $restored = restore_ok($restore->($node->connstr($db)),
		"$fmt: restore without an error or a warning");

  SKIP:
	{
		skip "$fmt: the restore failed, its copy is not checked", 18 unless $restored;

		foreach my $what (sort keys %queries)
		{
			is($node->safe_psql($db, $queries{$what}), $source{$what},
				"$fmt: $what as in the source");
		}

		# The next step gets the next log id
		is($node->safe_psql($db, 'SELECT count(*) FROM schemaver_downgrade(1)'),
			'1', "$fmt: downgrade(1) on the copy");
		is($node->safe_psql($db, 'SELECT max(id) FROM schemaver.log'),
			$nlog + 1, "$fmt: its log row got id " . ($nlog + 1) . ', after the restored ones');

		# The revisions' SQL runs against the restored tables
		is($node->safe_psql($db, "SELECT count(*) FROM schemaver_downgrade('base')"),
			$nfiles - 1, "$fmt: downgrade to base on the copy");
		is($node->safe_psql($db,
			"SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"),
			'0', "$fmt: at base, the migrations' tables are gone");
		is($node->safe_psql($db, "SELECT count(*) FROM schemaver_upgrade('head')"),
			$nfiles, "$fmt: upgrade to head on the copy");
		is($node->safe_psql($db, 'SELECT * FROM schemaver_current()'),
			$head, "$fmt: the copy is at head again");
		is($node->safe_psql($db,
			'SELECT count(*) || \' \' || max(id) || \' \' || count(DISTINCT id) FROM schemaver.log'),
			join(' ', ($nlog + 2 * $nfiles) x 3),
			"$fmt: the log continues without a gap or a duplicate");
		is($node->safe_psql($db, 'SELECT count(*) FROM schemaver_verify()'),
			'0', "$fmt: schemaver_verify() is empty on the copy");
	}
}

# The order in which a parallel restore loads the data of the schemaver
# tables varies from run to run: restore the directory archive ten more
# times.
my @failed;
foreach my $i (1 .. 10)
{
	$node->safe_psql('postgres', "CREATE DATABASE par$i");
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run(
		[ 'pg_restore', '--exit-on-error', '-j', '4', '-d', $node->connstr("par$i"), "$tmp/src.dir" ],
		'>', \$stdout, '2>', \$stderr)
	  or push @failed, "restore $i: $stderr";
	$node->safe_psql('postgres', "DROP DATABASE par$i");
}
is(scalar(@failed), 0, 'directory, parallel: ten more parallel restores (-j 4) all succeed')
  or diag(join('', @failed));

# The source is untouched by all this
is($node->safe_psql('src', $queries{'schemaver.log'}),
	$source{'schemaver.log'}, 'the source log is unchanged');

$node->stop;
done_testing();
