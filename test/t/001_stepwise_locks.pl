# One transaction holds a lock on every table it creates until it commits,
# so a long migration can exhaust the lock table ("out of shared memory",
# SQLSTATE 53200).  On a server with a small max_locks_per_transaction,
# schemaver_upgrade fails cleanly (nothing applied) with a HINT naming the
# stepwise procedure, and CALL schemaver_upgrade_stepwise() applies the same
# revisions, committing after each one; the downgrade works the same way.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $n = 400;    # revisions, each creating a table with an identity key and an index

my $node = PostgreSQL::Test::Cluster->new('locks');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_locks_per_transaction = 10
max_connections = 10
});
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION schemaver');
$node->safe_psql('postgres', qq{
SELECT count(schemaver_add_revision(
           'r' || lpad(i::text, 4, '0'),
           CASE WHEN i > 1 THEN 'r' || lpad((i - 1)::text, 4, '0') END,
           format('CREATE TABLE t_%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL); CREATE INDEX ON t_%s (name)', i, i),
           format('DROP TABLE t_%s', i),
           'table ' || i))
  FROM generate_series(1, $n) i;
});

# One transaction: fails on the lock table, and leaves nothing behind.
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_upgrade('head')");
isnt($ret, 0, 'one-transaction upgrade of many tables fails');
like($stderr, qr/ERROR:  out of shared memory/, 'it runs out of lock space');
like($stderr, qr/HINT:  .*CALL schemaver_upgrade_stepwise\(\)/, 'the HINT names the stepwise procedure');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemaver_current()'),
	'0', 'nothing is applied after the failure');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_class WHERE relname LIKE 't\\_%' AND relkind = 'r'"),
	'0', 'no table of the migration remains');
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemaver.log'),
	'0', 'nothing is logged');

# The stepwise procedure applies the same revisions.
$node->safe_psql('postgres',
	"SET client_min_messages = warning; CALL schemaver_upgrade_stepwise('head')");
is($node->safe_psql('postgres', 'SELECT string_agg(c, \',\') FROM schemaver_current() c'),
	sprintf('r%04d', $n), 'the stepwise upgrade reaches head');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_class WHERE relname LIKE 't\\_%' AND relkind = 'r'"),
	$n, 'every table exists');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM schemaver.log WHERE operation = 'upgrade'"),
	$n, 'one log row per revision');

# Down again: one transaction fails the same way, stepwise works.
($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET client_min_messages = warning; SELECT count(*) FROM schemaver_downgrade('base')");
isnt($ret, 0, 'one-transaction downgrade of many tables fails');
like($stderr, qr/HINT:  .*CALL schemaver_downgrade_stepwise\(\)/, 'its HINT names the stepwise downgrade');
$node->safe_psql('postgres',
	"SET client_min_messages = warning; CALL schemaver_downgrade_stepwise('base')");
is($node->safe_psql('postgres', 'SELECT count(*) FROM schemaver_current()'),
	'0', 'the stepwise downgrade reaches base');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM pg_class WHERE relname LIKE 't\\_%' AND relkind = 'r'"),
	'0', 'every table is gone');

$node->stop;
done_testing();
