# The schemaver command on a fleet: 20 databases from a fleet file with
# comments, one of them broken, -j 4 (never more than 4 connections at
# once, and more than one), each database in its own transaction (the
# broken one keeps nothing, the others are at head), output lines prefixed
# with the database, the end table, the exit status; --fail-fast; -d
# repeated; --sql with a fleet (one script per database, which psql runs);
# JSON; two databases of the same name told apart.
use strict;
use warnings;
use File::Copy;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $root = SchemaverTest::repo_root();
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $node = SchemaverTest::new_node('fleet');
my $dir = "$tmp/migrations";
mkdir $dir or die;
copy("$root/migrations/$_", "$dir/$_") or die $!
  for qw(000_create_users.sql 001_add_auth_fields.sql 002_add_rag_tables.sql);

# A revision that records how many connections to fleet databases are open
# while it runs (pg_stat_activity is the cluster's), and waits a little so
# that concurrent ones overlap.
open my $fh, '>', "$dir/003_record_concurrency.sql" or die;
print $fh <<'EOF';
SELECT schemaver_add_revision(
    revision      => '003_record_concurrency',
    down_revision => '002_add_rag_tables',
    message       => 'record the concurrency',
    upgrade       => $up$
CREATE TABLE fleet_probe AS
SELECT pg_catalog.max(n) AS connections
  FROM (SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity a
                 WHERE a.datname LIKE 'fleet%') AS n, pg_catalog.pg_sleep(0.05)
          FROM pg_catalog.generate_series(1, 4)) s;
$up$,
    downgrade     => 'DROP TABLE fleet_probe');
EOF
close $fh;

my @dbs = map { sprintf('fleet%02d', $_) } 1 .. 20;
$node->safe_psql('postgres', 'CREATE DATABASE fleet_template');
$node->safe_psql('fleet_template', 'CREATE EXTENSION schemaver');
$node->safe_psql('postgres',
	join('', map { "CREATE DATABASE $_ TEMPLATE fleet_template STRATEGY FILE_COPY;\n" } @dbs));
# fleet13 is broken: a table that 002_add_rag_tables creates exists already
$node->safe_psql('fleet13', 'CREATE TABLE rag_corpora (id int)');

my $fleet = "$tmp/fleet.conf";
open $fh, '>', $fleet or die;
print $fh "# the tenants' databases\n\n";
for my $db (@dbs)
{
	print $fh ($db eq 'fleet05' ? "dbname=$db  # a conninfo string\n" : "$db\n");
}
close $fh;

sub sv
{
	return SchemaverTest::schemaver($node, @_);
}
sub current
{
	my ($db) = @_;
	return $node->safe_psql($db,
		"SELECT coalesce(string_agg(c, ',' ORDER BY c), '<base>') FROM schemaver_current() c");
}

my ($rc, $out, $err) = sv('--fleet', $fleet, '-j', '4', '--dir', $dir, 'upgrade', 'head');
is($rc, 1, 'a fleet with a broken member exits 1');
for my $db (@dbs)
{
	next if $db eq 'fleet13';
	like($out, qr/^\[$db\] upgrade 002_add_rag_tables -> 003_record_concurrency: record the concurrency$/m,
		"$db: its lines are prefixed");
	is(current($db), '003_record_concurrency', "$db is at head");
}
like($err, qr/^\[fleet13\] ERROR:  42P07: relation "rag_corpora" already exists$/m,
	'the broken database\'s error, prefixed');
like($err, qr/^\[fleet13\] CONTEXT:  /m, 'with its context');
is(current('fleet13'), '<base>', 'the broken database keeps nothing of its transaction');
like($out, qr/^ database \| +before +\| +after +\| revisions run \| +time +\| +result +$/m,
	'the end table: database, before, after, revisions, time, result');
like($out, qr/^ fleet01  \| <base> \| 003_record_concurrency \| 4 +\| \d+\.\d{3} s \| ok *$/m,
	'a database that upgraded');
like($out, qr/^ fleet13  \| <base> \| <base> +\| 0 +\| \d+\.\d{3} s \| failed: 42P07: relation "rag_corpora" already exists/m,
	'the broken one');
like($out, qr/^\(20 rows\)$/m, 'every database');
like($out, qr/^20 databases: 19 succeeded, 1 failed$/m, 'and the count');
my @seen = map { $node->safe_psql($_, 'SELECT connections FROM fleet_probe') } grep { $_ ne 'fleet13' } @dbs;
my ($max) = sort { $b <=> $a } @seen;
cmp_ok($max, '<=', 4, 'never more than 4 databases at once');
cmp_ok($max, '>=', 2, 'and several at once');

# Again: nothing to do on 19, the same failure on the broken one.
($rc, $out, $err) = sv('--fleet', $fleet, '-j', '4', '--dir', $dir, 'upgrade');
is($rc, 1, 'still failing');
like($out, qr/^ fleet02  \| 003_record_concurrency \| 003_record_concurrency \| 0 +\| [^|]+\| ok \(nothing to do\)/m,
	'nothing to do elsewhere');

# Without -j, one database at a time.
sv('--fleet', $fleet, '-j', '4', '--dir', $dir, '-q', 'downgrade', '002_add_rag_tables');
($rc, $out, $err) = sv('-d', 'fleet01', '-d', 'fleet02', '-d', 'fleet03', '--dir', $dir, '-q', 'upgrade');
my ($one) = sort { $b <=> $a } map { $node->safe_psql($_, 'SELECT connections FROM fleet_probe') } qw(fleet01 fleet02 fleet03);
is($one, 1, 'without -j, one database at a time');
is("$out$err", '', '--quiet prints nothing when all is well');
($rc, $out, $err) = sv('--fleet', $fleet, '-j', '4', '--dir', $dir, '-q', 'upgrade');
is($out, '', '--quiet prints no table');
like($err, qr/^\[fleet13\] ERROR:  42P07/m, 'but the error');

# --fail-fast: nothing starts after the failure
sv('--fleet', $fleet, '-j', '4', '--dir', $dir, '-q', 'downgrade', 'base');
($rc, $out, $err) = sv((map { ('-d', $_) } qw(fleet11 fleet12 fleet13 fleet14 fleet15)),
	'--fail-fast', '--dir', $dir, 'upgrade');
is($rc, 1, '--fail-fast exits 1');
is(current('fleet12'), '003_record_concurrency', 'the databases before the failure ran');
is(current('fleet14'), '<base>', 'the ones after it did not start');
like($out, qr/^ fleet14  \| +\| +\| +\| +\| skipped \(--fail-fast\) *$/m, 'and are listed as skipped');
like($out, qr/^5 databases: 2 succeeded, 1 failed, 2 skipped$/m, 'counted');

# fix the broken member: every database reaches head
$node->safe_psql('fleet13', 'DROP TABLE rag_corpora');
($rc, $out, $err) = sv('--fleet', $fleet, '-j', '4', '--dir', $dir, 'upgrade');
is($rc, 0, 'a healthy fleet exits 0');
like($out, qr/^20 databases: 20 succeeded, 0 failed$/m, 'all succeeded');

# --sql with a fleet writes one script per database
sv('--fleet', $fleet, '-j', '4', '--dir', $dir, '-q', 'downgrade', '001_add_auth_fields');
($rc, $out, $err) = sv('--fleet', $fleet, '-j', '4', '--dir', $dir, 'upgrade', '--sql',
	'--output-dir', "$tmp/scripts");
is($rc, 0, 'upgrade --sql on a fleet');
my @scripts = sort glob("$tmp/scripts/*.sql");
is(scalar @scripts, 20, 'one script per database');
ok(-f "$tmp/scripts/fleet07.upgrade.sql", 'named after the database');
like($out, qr/^ fleet07  \| 001_add_auth_fields \| +\| +\| [^|]+\| ok: wrote .*fleet07\.upgrade\.sql *$/m,
	'the table says where');
is(current('fleet07'), '001_add_auth_fields', 'nothing ran');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('fleet07'), '-f', "$tmp/scripts/fleet07.upgrade.sql" ],
	'psql runs a database\'s script');
is(current('fleet07'), '003_record_concurrency', 'and that database moved');
is(current('fleet08'), '001_add_auth_fields', 'the others did not');
($rc, $out, $err) = sv('--fleet', $fleet, '--dir', $dir, 'upgrade', '--sql');
is($rc, 2, '--sql on a fleet without --output-dir is bad usage');

# -d repeated, current, JSON; the same name twice is told apart
($rc, $out, $err) = sv('-d', 'fleet07', '-d', 'fleet08', '--dir', $dir, 'current');
like($out, qr/^ fleet07  \| 003_record_concurrency \| [^|]+\| ok *\n fleet08  \| 001_add_auth_fields +\|/m,
	'current on two databases');
($rc, $out, $err) = sv('-d', 'fleet07', '-d', 'fleet08', '-d', 'nosuchdb', '-j', '3', '--dir', $dir,
	'upgrade', '--json');
is($rc, 1, 'JSON: a fleet with a missing database');
my $doc = decode_json($out);
ok(!$doc->{ok}, 'not ok');
is(scalar @{ $doc->{databases} }, 3, 'three databases');
is($doc->{databases}[1]{result}, 'ok', 'fleet08 ok');
is_deeply($doc->{databases}[1]{after}, ['003_record_concurrency'], 'and at head');
is($doc->{databases}[2]{result}, 'failed', 'nosuchdb failed');
like($doc->{databases}[2]{error}{message}, qr/database "nosuchdb" does not exist/, 'with libpq\'s message');
($rc, $out, $err) = sv('-d', 'fleet01', '-d', 'dbname=fleet01 host=' . $node->host, '--dir', $dir, 'current');
my @labels = $out =~ /^ (\S*fleet01\S*) +\|/mg;
is(scalar @labels, 2, 'two databases of the same name');
isnt($labels[0], $labels[1], 'are told apart');

$node->stop;
done_testing();
