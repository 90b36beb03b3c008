# test/t/080_autogen_pg_dump.pl: autogenerate from real pg_dump output, and
# a generated revision file run by psql
#
# A prototype database is built by the repository's migrations plus objects
# of other kinds (an extension in public, an enum, a view, a function and
# its trigger, a comment, a grant), and dumped with pg_dump --schema-only,
# whose output has SET lines, set_config, owner statements and, for recent
# pg_dump, \restrict / \unrestrict lines.  A development database at
# 001_add_auth_fields then gets, from that dump as the desired schema, the
# text of revision 002 from schemaver_revision, written to a file with
# psql and run with psql -f.  Proves:
#   - the dump is accepted as the desired text, and the diff has rows;
#   - the file registers a revision whose parent is the registered head;
#   - after upgrading to it the diff against the dump has no rows, and
#     pg_dump --schema-only of the development database equals the
#     prototype's (the \restrict keys aside);
#   - after downgrading it, pg_dump --schema-only equals what it was before;
#   - a revision file whose message and SQL hold psql meta-commands and
#     terminal escapes registers them as text: psql runs none of them.

use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $node = SchemaverTest::new_node('autogen');
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $root = SchemaverTest::repo_root();

# pg_dump --schema-only of a database, without the random \restrict keys
sub dump_schema
{
	my ($db) = @_;
	my $out = "$tmp/$db.dump.sql";
	command_ok([ 'pg_dump', '--schema-only', '-d', $node->connstr($db), '-f', $out ],
		"pg_dump --schema-only $db");
	my $text = SchemaverTest::slurp($out);
	$text =~ s/^\\(un)?restrict \S+$//mg;
	return ($out, $text);
}

# ----------------------------------------------------------------------
# The prototype: the migrations, and objects of other kinds
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE ROLE regress_ag_reader');
$node->safe_psql('postgres', 'CREATE DATABASE proto');
$node->safe_psql('proto', 'CREATE EXTENSION schemaver');
SchemaverTest::register_migrations($node, 'proto');
$node->safe_psql('proto', "SELECT count(*) FROM schemaver_upgrade('head')");
$node->safe_psql('proto', q{
	CREATE EXTENSION citext WITH SCHEMA public;
	CREATE TYPE user_role AS ENUM ('reader', 'writer', 'admin');
	ALTER TABLE users ADD COLUMN role user_role NOT NULL DEFAULT 'reader',
	                  ADD COLUMN handle citext;
	CREATE VIEW active_users AS SELECT id, username, role FROM users WHERE is_active;
	CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql
	    AS $$BEGIN NEW.updated_at := now(); RETURN NEW; END$$;
	CREATE TRIGGER rag_corpora_touch BEFORE UPDATE ON rag_corpora
	    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
	COMMENT ON TABLE rag_chunks IS 'a text chunk of a document, one Qdrant point each';
	GRANT SELECT ON active_users TO regress_ag_reader;
});
my ($proto_file, $proto_dump) = dump_schema('proto');

# ----------------------------------------------------------------------
# The development database, at 001
# ----------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE dev');
$node->safe_psql('dev', 'CREATE EXTENSION schemaver');
for my $f ('000_create_users.sql', '001_add_auth_fields.sql')
{
	$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dev'),
		'-f', "$root/migrations/$f" ], "register $f");
}
$node->safe_psql('dev', "SELECT count(*) FROM schemaver_upgrade('head')");
my (undef, $dev_before) = dump_schema('dev');

# psql script: the dump as :'desired', then one statement
sub with_desired
{
	my ($name, $sql) = @_;
	my $script = "$tmp/$name.psql";
	open(my $fh, '>', $script) or die $!;
	print $fh "\\set desired `cat $proto_file`\n$sql\n";
	close $fh;
	return $script;
}

my ($stdout, $stderr);
my $rows = with_desired('rows', 'SELECT count(*) FROM schemaver_diff(:\'desired\');');
$node->psql('dev', undef, extra_params => [ '-f', $rows ], stdout => \$stdout, stderr => \$stderr);
ok($stdout > 10, "the dump is accepted as the desired schema ($stdout rows)")
  or diag($stderr);

# the revision file, written by psql and run by psql
my $file = "$tmp/002_catch_up.sql";
my $gen = with_desired('gen',
	"SELECT schemaver_revision('catch up with the prototype', desired => :'desired');");
$node->command_ok([ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dev'),
	'-f', $gen, '-o', $file ], 'schemaver_revision writes the file');
my $text = SchemaverTest::slurp($file);
like($text, qr/^-- 002_catch_up_with_the_prototype: catch up with the prototype$/m,
	'the file names the next revision');
like($text, qr/down_revision => '001_add_auth_fields'/, 'its parent is the registered head');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dev'),
	'-f', $file ], 'psql -f runs the file');
is($node->safe_psql('dev', "SELECT count(*) FROM schemaver_upgrade('head')"), '1',
	'upgrade to head applies the generated revision');

$node->psql('dev', undef, extra_params => [ '-f', $rows ], stdout => \$stdout, stderr => \$stderr);
is($stdout, '0', 'after the upgrade, the diff against the dump has no rows') or diag($stderr);
my (undef, $dev_after) = dump_schema('dev');
is($dev_after, $proto_dump, 'pg_dump of the upgraded database equals the prototype\'s');

is($node->safe_psql('dev', 'SELECT count(*) FROM schemaver_downgrade(1)'), '1', 'downgrade(1)');
my (undef, $dev_back) = dump_schema('dev');
is($dev_back, $dev_before, 'after the downgrade, pg_dump equals what it was before');

# ----------------------------------------------------------------------
# A hostile message and SQL: text in the file, never psql commands
# ----------------------------------------------------------------------
my $marker = "$tmp/pwned";
my $hostile = "$tmp/hostile.sql";
my $evil_msg = "evil\n\\! touch $marker\n\e[2J";
my $evil_sql = "SELECT 1;\n\\! touch $marker\n";
open(my $fh, '>', "$tmp/hostile.psql") or die $!;
print $fh "SELECT schemaver_revision(:'m', revision => 'evil1', upgrade => :'u', downgrade => :'u');\n";
close $fh;
$node->command_ok([ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dev'),
	'-v', "m=$evil_msg", '-v', "u=$evil_sql", '-f', "$tmp/hostile.psql", '-o', $hostile ],
	'schemaver_revision writes the hostile file');
my $htext = SchemaverTest::slurp($hostile);
unlike($htext, qr/\e/, 'no raw escape character in the file');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dev'),
	'-f', $hostile ], 'psql -f runs the hostile file');
ok(!-e $marker, 'psql ran no meta-command from it');
is($node->safe_psql('dev', "SELECT message FROM schemaver.revision WHERE revision = 'evil1'"),
	$evil_msg, 'the message is registered as written');
is($node->safe_psql('dev', "SELECT upgrade_sql FROM schemaver.revision WHERE revision = 'evil1'"),
	"\n$evil_sql", 'the SQL is registered as written (after the newline that starts a body)');

$node->safe_psql('postgres', 'DROP DATABASE dev');
$node->safe_psql('postgres', 'DROP DATABASE proto');
$node->safe_psql('postgres', 'DROP ROLE regress_ag_reader');
$node->stop;
done_testing();
