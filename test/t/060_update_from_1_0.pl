# ALTER EXTENSION schemaver UPDATE from the released 1.0.
#
# A database is built with schemaver 1.0 itself, compiled from this
# repository's history (the commit test/lib/common.sh names; the test
# runner builds it into a private PostgreSQL installation and passes its
# path in SV_RELEASE_1_0_INSTALL): the seed's migrations are registered,
# upgraded, one is undone, one stamped.  The server is then stopped and
# started from the installation of this tree (the 1.1 library), the
# extension updated, and:
#  - every revision, the version, the applied set and the log are as they
#    were, and schemaver_verify() finds nothing wrong;
#  - the database has exactly the extension objects of a fresh 1.1 install
#    (sql/include/describe_extension.sql, compared line by line);
#  - it upgrades, downgrades and upgrades again, also through a preview
#    script applied with psql -f;
#  - pg_dump and pg_restore carry it to a new database, which moves too.
# Without the 1.0 build (a tree without its git history, or a server other
# than PostgreSQL 15, for which 1.0 was not built) the test is skipped;
# sql/extension_update.sql still tests the update of the 1.0 SQL objects.

use strict;
use warnings FATAL => 'all';

use File::Spec;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $old_install = $ENV{SV_RELEASE_1_0_INSTALL} // '';
plan skip_all => 'schemaver 1.0 was not built from the repository history (see test/lib/common.sh)'
  unless $old_install ne '' && -d $old_install;

my $root = SchemaverTest::repo_root();
my $tmp  = PostgreSQL::Test::Utils::tempdir;

# The cluster starts from the 1.0 installation.
my $node = PostgreSQL::Test::Cluster->new('update', install_path => $old_install);
$node->init;
$node->start;
is($node->safe_psql('postgres',
		q{SELECT default_version FROM pg_available_extensions WHERE name = 'schemaver'}),
	'1.0', 'the old installation offers schemaver 1.0');

$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', 'CREATE EXTENSION schemaver');
SchemaverTest::register_migrations($node, 'app');
$node->safe_psql(
	'app', q{
SELECT schemaver_add_revision('003_more', '002_add_rag_tables',
    'CREATE TABLE more_things (id int)', 'DROP TABLE more_things', 'more things',
    branch_labels => ARRAY['more']);
SET client_min_messages = warning;
SELECT count(*) FROM schemaver_upgrade('head');
SELECT count(*) FROM schemaver_downgrade(1);
SELECT count(*) FROM schemaver_stamp('003_more');
SELECT count(*) FROM schemaver_stamp('002_add_rag_tables');
});

# Everything that must survive the update, as text.
my $state_sql = q{
SELECT format('rev %s %s %s %s %s %s %s %s %s %s', revision, down_revision, depends_on,
              branch_labels, md5(coalesce(message, '-')), md5(upgrade_sql),
              md5(coalesce(downgrade_sql, '-')), checksum, registered_at, registered_by)
  FROM schemaver.revision ORDER BY revision;
SELECT 'version ' || coalesce(string_agg(revision, ',' ORDER BY revision), '<base>') FROM schemaver.version;
SELECT format('applied %s %s %s', revision, applied_at, applied_by) FROM schemaver.applied ORDER BY revision;
SELECT format('log %s %s %s %s %s %s %s %s %s', id, revision, operation, heads_before, heads_after,
              started_at, elapsed, performed_by, checksum)
  FROM schemaver.log ORDER BY id;
SELECT 'sequence ' || last_value FROM schemaver.log_id_seq;
};
# The 1.0 library is the one loaded: it defines no schemaver.lock_wait_timeout.
is($node->safe_psql('app',
		q{SELECT count(*) FROM schemaver_current(); SELECT coalesce(current_setting('schemaver.lock_wait_timeout', true), 'undefined')}),
	"1\nundefined", 'the 1.0 library ran the migrations');
my $state_before = $node->safe_psql('app', $state_sql);
like($state_before, qr/^version 002_add_rag_tables$/m, 'the 1.0 database is at 002_add_rag_tables');
is($node->safe_psql('app', q{SELECT count(*) FROM schemaver.log}), '7', 'with seven log rows');

# Stop, and start the same data directory from this tree's installation:
# the node's install path is what picks the binaries (PostgreSQL::Test::
# Cluster runs bin/ of it, or of PATH when there is none).
$node->stop;
delete $node->{_install_path};
$node->start;
is($node->safe_psql('postgres',
		q{SELECT default_version FROM pg_available_extensions WHERE name = 'schemaver'}),
	'1.1', 'the new installation offers schemaver 1.1');
is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'schemaver'}),
	'1.0', 'the database still has 1.0');
is($node->safe_psql('app', q{SELECT string_agg(c, ',') FROM schemaver_current() c}),
	'002_add_rag_tables', 'and its 1.0 objects work with the new library');
is($node->safe_psql('app',
		q{SELECT count(*) FROM schemaver_current(); SELECT current_setting('schemaver.lock_wait_timeout', true)}),
	"1\n0", 'which is the 1.1 library');

$node->safe_psql('app', 'ALTER EXTENSION schemaver UPDATE');
is($node->safe_psql('app', q{SELECT extversion FROM pg_extension WHERE extname = 'schemaver'}),
	'1.1', 'updated to 1.1');
is($node->safe_psql('app', $state_sql), $state_before,
	'every revision, the version, the applied set, the log and its sequence are kept');
is($node->safe_psql('app', 'SELECT count(*) FROM schemaver_verify()'), '0',
	'schemaver_verify() finds nothing wrong');

# Exactly the objects of a fresh install.
my $describe = SchemaverTest::slurp("$root/sql/include/describe_extension.sql");
sub description
{
	my ($db) = @_;
	return $node->safe_psql($db, "$describe\nSELECT * FROM pg_temp.describe_extension();");
}
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION schemaver');
my $updated = description('app');
my $fresh   = description('fresh');
cmp_ok(scalar(split /\n/, $fresh), '>', 50, 'the description covers the extension');
is($updated, $fresh, 'the updated database has exactly the objects of a fresh 1.1 install');

# It moves on: online, and by a preview script applied with psql -f.
is($node->safe_psql('app',
		q{SET client_min_messages = warning; SELECT string_agg(revision, ',') FROM schemaver_upgrade('head')}),
	'003_more', 'an upgrade to head applies what is left');
is($node->safe_psql('app',
		q{SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('base')}),
	'4', 'a downgrade to base undoes all four');
my $script = "$tmp/upgrade.sql";
PostgreSQL::Test::Utils::append_to_file($script,
	$node->safe_psql('app', q{SELECT schemaver_upgrade_sql('head')}) . "\n");
my ($out, $err) = ('', '');
IPC::Run::run([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('app'), '-f', $script ],
	'>', \$out, '2>', \$err);
is($? >> 8, 0, 'a preview script of the upgrade runs with psql -f') or diag($err);
is($node->safe_psql('app', q{SELECT string_agg(c, ',') FROM schemaver_current() c}),
	'003_more', 'and reaches head');

# Dump and restore carry the updated state.
my $dump = "$tmp/app.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('app') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', $state_sql), $node->safe_psql('app', $state_sql),
	'the restored database has the same revisions, version, applied set and log');
is($node->safe_psql('restored', q{SELECT extversion FROM pg_extension WHERE extname = 'schemaver'}),
	'1.1', 'at version 1.1');
is($node->safe_psql('restored',
		q{SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('base')}),
	'4', 'the restored database downgrades');
is($node->safe_psql('restored',
		q{SET client_min_messages = warning; SELECT count(*) FROM schemaver_upgrade('head')}),
	'4', 'and upgrades again');

$node->stop;
done_testing();
