# The schemaver command's connections: libpq's ways (conninfo, URI, -h -p
# -U, PG* variables, a password file), a wrong password on a server that
# asks for one, a server that is down, the roles of README's privileges
# recipe (a migrator does everything through the command, a reader looks),
# and a database whose schemaver is still at release 1.0.
use strict;
use warnings;
use File::Copy;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $root = SchemaverTest::repo_root();
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $node = SchemaverTest::new_node('conn');
my $dir = "$tmp/migrations";
mkdir $dir or die;
copy("$root/migrations/$_", "$dir/$_") or die $!
  for qw(000_create_users.sql 001_add_auth_fields.sql 002_add_rag_tables.sql);

sub sv
{
	return SchemaverTest::schemaver($node, @_);
}

# A migrator and a reader, as README's recipe makes them, with passwords
# that the server asks for (scram-sha-256 on the socket).
$node->safe_psql('postgres', q{
CREATE ROLE regress_cli_migrator LOGIN PASSWORD 'secret-migrator';
CREATE ROLE regress_cli_reader LOGIN PASSWORD 'secret-reader';
CREATE DATABASE app OWNER regress_cli_migrator;
});
$node->safe_psql('app', q{
CREATE EXTENSION schemaver;
GRANT USAGE ON SCHEMA schemaver TO regress_cli_migrator;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA schemaver TO regress_cli_migrator;
GRANT USAGE ON SEQUENCE schemaver.log_id_seq TO regress_cli_migrator;
GRANT EXECUTE ON ROUTINE
    schemaver_add_revision(text, text, text, text, text, text[], text[]),
    schemaver_add_revision(text, text[], text, text, text, text[], text[]),
    schemaver_upgrade(text), schemaver_downgrade(integer), schemaver_downgrade(text),
    schemaver_stamp(text), schemaver_upgrade_stepwise(text), schemaver_downgrade_stepwise(text),
    schemaver_upgrade_sql(text), schemaver_downgrade_sql(integer), schemaver_downgrade_sql(text),
    schemaver_current(), schemaver_heads(), schemaver_history(), schemaver_verify(),
    schemaver_sync_check(text), schemaver_sync(text[], text[]),
    schemaver_sync_compare(text[], text[]), schemaver_read_revision_file(text)
TO regress_cli_migrator;
GRANT USAGE ON SCHEMA schemaver TO regress_cli_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA schemaver TO regress_cli_reader;
GRANT EXECUTE ON FUNCTION
    schemaver_current(), schemaver_heads(), schemaver_history(), schemaver_verify(),
    schemaver_sync_check(text), schemaver_sync_compare(text[], text[]),
    schemaver_read_revision_file(text)
TO regress_cli_reader;
});
$node->append_conf('pg_hba.conf', '');
{
	my $hba = $node->data_dir . '/pg_hba.conf';
	my $old = SchemaverTest::slurp($hba);
	open my $fh, '>', $hba or die;
	print $fh "local all regress_cli_migrator scram-sha-256\n";
	print $fh "local all regress_cli_reader scram-sha-256\n";
	print $fh $old;
	close $fh;
}
$node->reload;

my ($rc, $out, $err);

# A wrong password, no password, then the right one.
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'wrong' } },
	'-U', 'regress_cli_migrator', '-d', 'app', '--dir', $dir, 'upgrade');
is($rc, 1, 'a wrong password exits 1');
like($err, qr/^schemaver: error: could not connect to database "app": .*password authentication failed for user "regress_cli_migrator"/m,
	'and says why');
is($out, '', 'nothing else is printed');
($rc, $out, $err) = sv('-U', 'regress_cli_migrator', '-d', 'app', '--dir', $dir, '-w', 'upgrade');
is($rc, 1, 'no password with -w exits 1');
like($err, qr/could not connect to database "app": .*(no password supplied|password authentication failed)/,
	'without prompting');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-migrator' } },
	'-U', 'regress_cli_migrator', '-d', 'app', '--dir', $dir, 'upgrade', 'head');
is($rc, 0, 'the migrator upgrades with the right password');
like($out, qr/^upgraded 3 revisions: <base> -> 002_add_rag_tables/m, 'through the recipe\'s grants');
is($node->safe_psql('app', 'SELECT revision FROM schemaver.version'), '002_add_rag_tables', 'done');

# A password file, a URI, a conninfo string with sslmode; no password leaks
# into the output.
my $pgpass = "$tmp/pgpass";
open my $fh, '>', $pgpass or die;
print $fh "*:*:*:regress_cli_migrator:secret-migrator\n";
close $fh;
chmod 0600, $pgpass;
($rc, $out, $err) = sv({ env => { PGPASSFILE => $pgpass, PGUSER => 'regress_cli_migrator' } },
	'-d', 'app', '--dir', $dir, 'current');
is($rc, 0, 'a password file works');
like($out, qr/^ 002_add_rag_tables \| yes  \|/m, 'current');
my $uri = sprintf('postgresql://regress_cli_migrator:secret-migrator@/app?host=%s&port=%s',
	$node->host, $node->port);
($rc, $out, $err) = sv('-d', $uri, '--dir', $dir, 'history', '--json');
is($rc, 0, 'a URI with the password works');
like($out, qr/"database": "app"/, 'named by its database');
unlike("$out$err", qr/secret/, 'the password is printed nowhere');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-migrator' } },
	'-d', "dbname=app user=regress_cli_migrator sslmode=disable application_name=deploy",
	'--dir', $dir, 'verify');
is($rc, 0, 'a conninfo string with sslmode works');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-migrator' } },
	'-h', $node->host, '-p', $node->port, '-U', 'regress_cli_migrator', '-d', 'app', '--dir', $dir,
	'downgrade', '-1');
is($rc, 0, '-h -p -U work');
($rc, $out, $err) = sv('-d', "dbname='app", '--dir', $dir, 'current');
is($rc, 1, 'a malformed conninfo exits 1');
like($err, qr/unterminated quoted string in connection info string/, 'with libpq\'s reason');

# The reader: looks when the directory is registered as it is, cannot
# register, cannot move.
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-reader' } },
	'-U', 'regress_cli_reader', '-d', 'app', '--dir', $dir, 'history');
is($rc, 0, 'the reader reads the history of a synchronised directory');
like($out, qr/^ 002_add_rag_tables +\| 001_add_auth_fields \| pending, head/m, 'history');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-reader' } },
	'-U', 'regress_cli_reader', '-d', 'app', '--dir', $dir, 'check');
is($rc, 0, 'the reader may check');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-reader' } },
	'-U', 'regress_cli_reader', '-d', 'app', '--dir', $dir, 'upgrade');
is($rc, 1, 'the reader may not upgrade');
like($err, qr/^ERROR:  42501: permission denied for function schemaver_upgrade$/m, 'SQLSTATE 42501');
open $fh, '>', "$dir/003_reader.sql" or die;
print $fh "SELECT schemaver_add_revision('003_reader', '002_add_rag_tables', 'SELECT 1');\n";
close $fh;
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-reader' } },
	'-U', 'regress_cli_reader', '-d', 'app', '--dir', $dir, 'current');
is($rc, 1, 'the reader cannot register a new file');
like($err, qr/^ERROR:  42501: permission denied for function schemaver_sync$/m, 'SQLSTATE 42501');
($rc, $out, $err) = sv({ env => { PGPASSWORD => 'secret-reader' } },
	'-U', 'regress_cli_reader', '-d', 'app', '--dir', $dir, 'current', '--no-sync');
is($rc, 0, 'but looks with --no-sync');
unlink "$dir/003_reader.sql";

# A database whose extension is still at 1.0: a clean error that says
# what to do; --no-sync still looks.
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION schemaver VERSION '1.0'");
($rc, $out, $err) = sv('-d', 'old', '--dir', $dir, 'upgrade');
is($rc, 1, 'schemaver 1.0 cannot synchronise');
like($err, qr/^schemaver: error: the server's schemaver \(version 1\.0\) does not provide schemaver_sync_check\(\); ALTER EXTENSION schemaver UPDATE$/m,
	'and says so');
($rc, $out, $err) = sv('-d', 'old', '--dir', $dir, 'current', '--no-sync');
is($rc, 0, 'looking works with --no-sync');
$node->safe_psql('old', 'ALTER EXTENSION schemaver UPDATE');
($rc, $out, $err) = sv('-d', 'old', '--dir', $dir, 'upgrade');
is($rc, 0, 'after ALTER EXTENSION UPDATE it works');

# The server is down.
$node->stop;
($rc, $out, $err) = sv('-d', 'app', '--dir', $dir, 'upgrade');
is($rc, 1, 'a server that is down: exit 1');
like($err, qr/^schemaver: error: could not connect to database "app": connection to server on socket ".*" failed: (No such file or directory|Connection refused)\n\tIs the server running locally and accepting connections on that socket\?$/m,
	'libpq\'s message, as psql prints it');
is($out, '', 'nothing on standard output');

done_testing();
