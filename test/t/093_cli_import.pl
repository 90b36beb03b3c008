# Writing revision files from elsewhere: schemaver import, and revision
# --autogenerate / check --desired.
#
# schemaver import: the fixtures of test/import/ (a Sqitch project, Diesel
# and golang-migrate migration directories, Flyway migrations, Alembic's
# offline SQL), each converted into revision files that the command then
# registers, applies, undoes and stamps.  Checked: one revision per
# migration in the tool's order, parents and dependencies, the outer
# BEGIN/COMMIT removed, migrations run outside a transaction marked, names
# made ids with the original name in the message, what has no counterpart
# left out with a warning, nothing written over an existing file.
#
# revision --autogenerate --desired FILE and check --desired FILE call
# schemaver_revision() and schemaver_diff() (release 1.1, authoring): when
# the server's schemaver does not provide them, the command says so cleanly
# (tested always); the rest runs only where they exist, and is skipped
# otherwise.
use strict;
use warnings;
use File::Copy;
use POSIX ();
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use SchemaverTest;

my $root = SchemaverTest::repo_root();
my $fixtures = "$root/test/import";
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $node = SchemaverTest::new_node('import');

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
sub newdb
{
	my ($db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION schemaver');
}
sub files
{
	my ($dir) = @_;
	return join(' ', map { (split m{/})[-1] } sort glob("$dir/*.sql"));
}
sub slurp
{
	return SchemaverTest::slurp(@_);
}

my ($rc, $out, $err);

# ---------------------------------------------------------------------------
# Sqitch: plan order, requires, a reworked change, a change without
# BEGIN/COMMIT, a conflict and verify scripts left out
# ---------------------------------------------------------------------------
my $dir = "$tmp/sqitch";
($rc, $out, $err) = sv('import', '--from', 'sqitch', "$fixtures/sqitch", '--dir', $dir);
is($rc, 0, 'sqitch: import exits 0');
is(files($dir), 'appschema.sql auth_fields.sql auth_fields_v1_0.sql chunk_index.sql rag_tables.sql users.sql',
	'sqitch: one file per change, the reworked one twice');
like($out, qr/^imported 6 Sqitch changes into \Q$dir\E \(1 ran outside a transaction: see the warnings\)$/m,
	'sqitch: summary');
like($out, qr/^    schemaver stamp chunk_index -d DBNAME$/m, 'sqitch: how to adopt them');
like($err, qr/rag-tables conflicts with legacy_rag: schemaver has no conflicts, left out/,
	'sqitch: a conflict is left out with a warning');
like($err, qr/verify scripts .* are not imported/, 'sqitch: so are verify scripts');
my $f = slurp("$dir/auth_fields_v1_0.sql");
like($f, qr/revision      => 'auth_fields_v1_0',\n    down_revision => 'users',\n    message       => 'auth-fields\@v1\.0: Adds user authentication fields\.',/,
	'sqitch: the first version of a reworked change, named after its tag, its note in the message');
unlike($f, qr/^BEGIN;|^COMMIT;/m, 'sqitch: the outer transaction is removed');
like($f, qr/ADD COLUMN user_id +text/, 'sqitch: the deploy script is the upgrade');
like($f, qr/DROP COLUMN user_id;/, 'sqitch: the revert script is the downgrade');
unlike($f, qr/depends_on/, 'sqitch: a requirement that is the parent is not repeated');
$f = slurp("$dir/auth_fields.sql");
like($f, qr/down_revision => 'rag_tables',/, 'sqitch: the rework comes in plan order');
like($f, qr/depends_on    => ARRAY\['auth_fields_v1_0'\]/, 'sqitch: auth-fields\@v1.0 is the older version');
$f = slurp("$dir/rag_tables.sql");
like($f, qr/depends_on    => ARRAY\['users'\]/, 'sqitch: requires become depends_on');
$f = slurp("$dir/chunk_index.sql");
like($f, qr/^-- no-transaction: Sqitch ran it outside a transaction$/m,
	'sqitch: a script without BEGIN/COMMIT is marked');
like($err, qr/Sqitch ran chunk-index outside a transaction/, 'sqitch: and reported');
like($f, qr/upgrade       => \$up\$\n-- schemaver: transaction=off\n/,
	'sqitch: its upgrade SQL is a non-transactional revision');
like($f, qr/downgrade     => \$down\$\n-- schemaver: transaction=off\n/,
	'sqitch: and so is its revert script, which has no BEGIN/COMMIT either');
unlike(slurp("$dir/rag_tables.sql"), qr/transaction=off/, 'sqitch: other changes are transactional');

newdb('sq');
($rc, $out, $err) = sv('-d', 'sq', '--dir', $dir, 'upgrade', 'auth_fields');
is($rc, 0, 'sqitch: the imported revisions register and apply');
is(current('sq'), 'auth_fields', 'sqitch: up to the rework');
is($node->safe_psql('sq', "SELECT count(*) FROM pg_constraint WHERE conname = 'ck_users_email_lower'"),
	'1', 'sqitch: the reworked change ran');
($rc, $out, $err) = sv('-d', 'sq', '--dir', $dir, 'upgrade');
is($rc, 1, 'sqitch: a one-call upgrade through the non-transactional change is refused');
like($err, qr/^ERROR:  25001: schemaver_upgrade\(\) cannot apply non-transactional revision "chunk_index"$/m,
	'sqitch: with the server\'s refusal');
is(current('sq'), 'auth_fields', 'sqitch: and nothing ran');
($rc, $out, $err) = sv('-d', 'sq', '--dir', $dir, 'upgrade', '--stepwise');
is($rc, 0, 'sqitch: the stepwise upgrade applies it') or diag($err);
is(current('sq'), 'chunk_index', 'sqitch: up to the last change');
is($node->safe_psql('sq', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'voice.ix_rag_chunks_chunk_index'::regclass"),
	't', 'sqitch: its CREATE INDEX CONCURRENTLY built a valid index');
($rc, $out, $err) = sv('-d', 'sq', '--dir', $dir, 'downgrade', 'auth_fields', '--stepwise');
is($rc, 0, 'sqitch: and its DROP INDEX CONCURRENTLY undoes it, stepwise') or diag($err);
($rc, $out, $err) = sv('-d', 'sq', '--dir', $dir, 'downgrade', 'base');
is($rc, 0, 'sqitch: and down to base');
is($node->safe_psql('sq', "SELECT count(*) FROM pg_namespace WHERE nspname = 'voice'"), '0',
	'sqitch: the revert scripts ran');
newdb('sq2');
($rc, $out, $err) = sv('-d', 'sq2', '--dir', $dir, 'stamp', 'head');
is($rc, 0, 'sqitch: a database Sqitch migrated adopts them with stamp');
is(current('sq2'), 'chunk_index', 'sqitch: stamped at the last change');

($rc, $out, $err) = sv('import', '--from', 'sqitch', "$fixtures/sqitch", '--dir', $dir);
is($rc, 1, 'importing again over the files fails');
like($err, qr/file ".*appschema\.sql" exists already: nothing was imported/, 'and writes nothing');

# ---------------------------------------------------------------------------
# Diesel: version order, the initial setup, metadata.toml
# ---------------------------------------------------------------------------
$dir = "$tmp/diesel";
($rc, $out, $err) = sv('import', '--from', 'diesel', "$fixtures/diesel", '--dir', $dir);
is($rc, 0, 'diesel: import of the project directory');
is(files($dir),
	'00000000000000_diesel_initial_setup.sql 2025_11_01_100000_create_users.sql 2025_11_05_093000_add_auth_fields.sql 2025_11_08_140000_create_rag_tables.sql 2025_11_10_080000_index_chunks_concurrently.sql',
	'diesel: one file per migration directory');
$f = slurp("$dir/2025_11_05_093000_add_auth_fields.sql");
like($f, qr/down_revision => '2025_11_01_100000_create_users',\n    message       => 'add auth fields \(diesel migration 2025-11-05-093000_add_auth_fields\)',/,
	'diesel: chained in version order, the original name in the message');
like(slurp("$dir/2025_11_10_080000_index_chunks_concurrently.sql"),
	qr/^-- \(its metadata\.toml sets run_in_transaction = false\)\.$/m, 'diesel: run_in_transaction = false is marked');
like(slurp("$dir/2025_11_10_080000_index_chunks_concurrently.sql"),
	qr/upgrade       => \$up\$\n-- schemaver: transaction=off\n.*downgrade     => \$down\$\n-- schemaver: transaction=off\n/s,
	'diesel: both directions are non-transactional revisions');
newdb('di');
($rc, $out, $err) = sv('-d', 'di', '--dir', $dir, 'upgrade', '2025_11_08_140000_create_rag_tables');
is($rc, 0, 'diesel: upgrade');
is($node->safe_psql('di', "SELECT count(*) FROM pg_trigger WHERE tgname = 'set_updated_at'"), '1',
	'diesel: the initial setup\'s function ran');
($rc, $out, $err) = sv('-d', 'di', '--dir', $dir, 'downgrade', 'base');
is($rc, 0, 'diesel: downgrade to base');

# ---------------------------------------------------------------------------
# golang-migrate: numeric version order, BEGIN/COMMIT, no down file
# ---------------------------------------------------------------------------
$dir = "$tmp/golang";
($rc, $out, $err) = sv('import', '--from', 'golang-migrate', "$fixtures/golang-migrate", '--dir', $dir, '--json');
is($rc, 0, 'golang-migrate: import');
my $doc = decode_json($out);
is_deeply([ map { $_->{revision} } @{ $doc->{revisions} } ],
	[qw(1_create_users 2_add_auth_fields 3_create_rag_tables 10_add_chunk_preview)],
	'golang-migrate: numeric version order (10 after 3)');
is_deeply($doc->{revisions}[3]{down_revision}, ['3_create_rag_tables'], 'golang-migrate: chained');
ok(!$doc->{revisions}[3]{reversible}, 'golang-migrate: without a down file, irreversible');
$f = slurp("$dir/2_add_auth_fields.sql");
unlike($f, qr/^BEGIN;|^COMMIT;/m, 'golang-migrate: the explicit transaction is removed');
like(slurp("$dir/10_add_chunk_preview.sql"), qr/downgrade     => NULL\);/, 'golang-migrate: downgrade NULL');
newdb('go');
($rc, $out, $err) = sv('-d', 'go', '--dir', $dir, 'upgrade');
is($rc, 0, 'golang-migrate: upgrade head');
is(current('go'), '10_add_chunk_preview', 'golang-migrate: at head');
($rc, $out, $err) = sv('-d', 'go', '--dir', $dir, 'downgrade', '-1');
is($rc, 1, 'golang-migrate: the irreversible one cannot be downgraded');
like($err, qr/^ERROR:  55000: revision "10_add_chunk_preview" cannot be downgraded$/m, 'golang-migrate: and why');

# A project's files are not read through symbolic links: a link in the
# project (here to a file outside it) is refused, and nothing is written.
my $linked = "$tmp/golang_linked";
mkdir($linked) or die "mkdir: $!";
copy("$fixtures/golang-migrate/$_", "$linked/$_") or die "copy: $!"
	for qw(1_create_users.up.sql 1_create_users.down.sql);
open(my $sfh, '>', "$tmp/secret.sql") or die "open: $!";
print $sfh "-- TOPSECRET\n";
close($sfh);
symlink("$tmp/secret.sql", "$linked/2_add_auth_fields.up.sql") or die "symlink: $!";
($rc, $out, $err) = sv('import', '--from', 'golang-migrate', $linked, '--dir', "$tmp/golang_linked_out");
is($rc, 1, 'import: a link in the project is refused');
like($err, qr/^schemaver: error: file ".*2_add_auth_fields\.up\.sql" is a symbolic link$/m, 'import: the link is named');
unlike("$out$err", qr/TOPSECRET/, 'import: what it leads to is not shown');
ok(!-e "$tmp/golang_linked_out/2_add_auth_fields.sql", 'import: nothing of it is written');
# Nor is a FIFO opened as if it were a file (opening one to read would wait
# for a writer for ever): it is refused as not a regular file.
unlink("$linked/2_add_auth_fields.up.sql") or die "unlink: $!";
POSIX::mkfifo("$linked/2_add_auth_fields.up.sql", 0600) or die "mkfifo: $!";
($rc, $out, $err) = sv('import', '--from', 'golang-migrate', $linked, '--dir', "$tmp/golang_linked_out");
is($rc, 1, 'import: a FIFO in the project is refused');
like($err, qr/^schemaver: error: ".*2_add_auth_fields\.up\.sql" is not a regular file$/m, 'import: and named');

# ---------------------------------------------------------------------------
# Flyway: versions compared as numbers, sub-directories, undo, script
# configuration, repeatable migrations left out
# ---------------------------------------------------------------------------
$dir = "$tmp/flyway";
($rc, $out, $err) = sv('import', '--from', 'flyway', "$fixtures/flyway", '--dir', $dir, '--json');
is($rc, 0, 'flyway: import');
$doc = decode_json($out);
is_deeply([ map { $_->{name} } @{ $doc->{revisions} } ],
	[qw(V1__Create_users V1_1__Add_auth_fields V2__Create_rag_tables V2.0.1__Index_chunks_concurrently V10__Add_corpus_description)],
	'flyway: version order 1 < 1.1 < 2 < 2.0.1 < 10, from sub-directories too');
is($doc->{revisions}[3]{revision}, 'V2_0_1__Index_chunks_concurrently', 'flyway: the name made an id');
ok($doc->{revisions}[3]{no_transaction}, 'flyway: executeInTransaction=false is marked');
ok($doc->{revisions}[1]{reversible} && !$doc->{revisions}[0]{reversible}, 'flyway: undo migrations are the downgrades');
like($err, qr/R__Corpus_sizes_view\.sql is a repeatable migration, .*: left out/, 'flyway: repeatable migrations are left out');
like(slurp("$dir/V1_1__Add_auth_fields.sql"), qr/message       => 'Add auth fields \(flyway V1_1__Add_auth_fields\.sql\)'/,
	'flyway: the file name in the message');
newdb('fw');
($rc, $out, $err) = sv('-d', 'fw', '--dir', $dir, 'upgrade', 'V2__Create_rag_tables');
is($rc, 0, 'flyway: upgrade');
($rc, $out, $err) = sv('-d', 'fw', '--dir', $dir, 'downgrade', 'V1__Create_users');
is($rc, 0, 'flyway: downgrade through the undo migrations');
is($node->safe_psql('fw', "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'"), '3',
	'flyway: the undo ran');

# ---------------------------------------------------------------------------
# Alembic's offline SQL: ids kept, a branch and a merge, an autocommit block
# ---------------------------------------------------------------------------
$dir = "$tmp/alembic";
($rc, $out, $err) = sv('import', '--from', 'alembic-sql', "$fixtures/alembic-sql", '--dir', $dir);
is($rc, 0, 'alembic-sql: import of upgrade.sql and downgrade.sql');
is(files($dir), '0a1b2c3d4e5f.sql 1b2c3d4e5f60.sql 2c3d4e5f6071.sql 3d4e5f607182.sql 4e5f60718293.sql 5f6071829304.sql',
	'alembic-sql: one file per revision, with Alembic\'s ids');
$f = slurp("$dir/5f6071829304.sql");
like($f, qr/down_revision => ARRAY\['3d4e5f607182', '4e5f60718293'\],/, 'alembic-sql: the merge has both parents');
like($f, qr/upgrade       => '',\n    downgrade     => ''\);/, 'alembic-sql: and no SQL');
$f = slurp("$dir/0a1b2c3d4e5f.sql");
like($f, qr/down_revision => NULL,/, 'alembic-sql: the base');
unlike($f, qr/alembic_version|^BEGIN;|^COMMIT;/m, 'alembic-sql: no bookkeeping, no transaction lines');
like($f, qr/downgrade     => \$down\$\nDROP TABLE users;\n\$down\$\);/, 'alembic-sql: the downgrade from downgrade.sql');
like(slurp("$dir/3d4e5f607182.sql"), qr/^-- no-transaction: Alembic ran it outside a transaction\n-- \(an autocommit_block/m,
	'alembic-sql: the autocommit block is marked');
newdb('al');
($rc, $out, $err) = sv('-d', 'al', '--dir', $dir, 'upgrade', '4e5f60718293');
is($rc, 0, 'alembic-sql: upgrade one branch');
is($node->safe_psql('al', "SELECT count(*) FROM information_schema.columns WHERE table_name = 'rag_corpora' AND column_name = 'updated_at'"),
	'1', 'alembic-sql: its SQL ran');
($rc, $out, $err) = sv('-d', 'al', '--dir', $dir, 'downgrade', 'base');
is($rc, 0, 'alembic-sql: and back to base');
newdb('al2');
($rc, $out, $err) = sv('-d', 'al2', '--dir', $dir, 'stamp', 'heads');
is(current('al2'), '5f6071829304', 'alembic-sql: an Alembic database adopts them with stamp');
# a single file works too (then without downgrades, with a warning)
($rc, $out, $err) = sv('import', '--from', 'alembic-sql', "$fixtures/alembic-sql/upgrade.sql", '--dir', "$tmp/alembic-up");
is($rc, 0, 'alembic-sql: a single file');
like($err, qr/no downgrade step for 0a1b2c3d4e5f .*: it is irreversible/, 'alembic-sql: warns of the missing downgrades');

# ---------------------------------------------------------------------------
# bad use
# ---------------------------------------------------------------------------
($rc, $out, $err) = sv('import', '--from', 'liquibase', $fixtures, '--dir', "$tmp/x");
is($rc, 2, 'an unknown tool is bad usage');
($rc, $out, $err) = sv('import', '--from', 'sqitch', "$tmp/nowhere", '--dir', "$tmp/x");
is($rc, 1, 'a missing directory fails');
($rc, $out, $err) = sv('import', '--from', 'sqitch', $tmp, '--dir', "$tmp/x");
is($rc, 1, 'a directory without a plan fails');
like($err, qr/sqitch: no plan file/, 'and says so');
($rc, $out, $err) = sv('import', '--from', 'flyway', "$fixtures/diesel", '--dir', "$tmp/x");
is($rc, 1, 'no migration of that tool');
like($err, qr/no flyway migration found/, 'is an error');

# ---------------------------------------------------------------------------
# revision --autogenerate and check --desired
# ---------------------------------------------------------------------------
newdb('ag');
$dir = "$tmp/autogen";
mkdir $dir or die;
copy("$root/migrations/$_", "$dir/$_") or die $!
  for qw(000_create_users.sql 001_add_auth_fields.sql 002_add_rag_tables.sql);
sub svag
{
	return sv('-d', 'ag', '--dir', $dir, @_);
}
($rc, $out, $err) = svag('upgrade');
is($rc, 0, 'autogenerate: the seed\'s revisions are applied');

# The desired schema: the live one plus a table and a column.
my $schema = `pg_dump --schema-only --no-owner -n public -d "@{[ $node->connstr('ag') ]}"`;
$schema .= "\nCREATE TABLE public.notifications (id bigint PRIMARY KEY, user_id text NOT NULL, body text NOT NULL);\n";
$schema .= "ALTER TABLE public.users ADD COLUMN preferences jsonb;\n";
open my $fh, '>', "$tmp/schema.sql" or die;
print $fh $schema;
close $fh;
my $functions = $node->safe_psql('ag',
	"SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE proname IN ('schemaver_diff', 'schemaver_revision')");

SKIP:
{
	skip 'the server\'s schemaver provides schemaver_diff() and schemaver_revision()', 4
	  if $functions eq 'schemaver_diff,schemaver_revision';

	($rc, $out, $err) = svag('check', '--desired', "$tmp/schema.sql");
	is($rc, 1, 'check --desired without schemaver_diff() exits 1');
	like($err, qr/^schemaver: error: the server's schemaver \(version 1\.1\) does not provide schemaver_diff\(\); ALTER EXTENSION schemaver UPDATE$/m,
		'and says so cleanly');
	($rc, $out, $err) = svag('revision', '--autogenerate', '--desired', "$tmp/schema.sql", '-m', 'add notifications');
	is($rc, 1, 'revision --autogenerate without schemaver_revision() exits 1');
	like($err, qr/^schemaver: error: the server's schemaver \(version 1\.1\) does not provide schemaver_revision\(\); ALTER EXTENSION schemaver UPDATE$/m,
		'and says so cleanly');
}

SKIP:
{
	skip 'schemaver_diff() and schemaver_revision() are not in the server\'s schemaver', 12
	  unless $functions eq 'schemaver_diff,schemaver_revision';

	($rc, $out, $err) = svag('check', '--desired', "$tmp/schema.sql");
	is($rc, 1, 'check --desired: the schema differs');
	like($out, qr/notifications/, 'check lists the new table');
	like($out, qr/preferences/, 'and the new column');
	($rc, $out, $err) = svag('check', '--desired', "$tmp/schema.sql", '--json');
	$doc = decode_json($out);
	ok(scalar @{ $doc->{databases}[0]{schema_differences} } >= 2, 'check --json lists the differences');

	($rc, $out, $err) = svag('revision', '--autogenerate', '--desired', "$tmp/schema.sql", '-m', 'add notifications');
	is($rc, 0, 'revision --autogenerate exits 0');
	is($out, "$dir/003_add_notifications.sql\n", 'and prints the new file');
	my $text = slurp("$dir/003_add_notifications.sql");
	like($text, qr/notifications/, 'the file creates the table');
	like($text, qr/down_revision\s*=>\s*(ARRAY\[)?'002_add_rag_tables'/, 'on the head');
	($rc, $out, $err) = svag('upgrade');
	is($rc, 0, 'the generated revision registers and applies');
	($rc, $out, $err) = svag('check', '--desired', "$tmp/schema.sql");
	is($rc, 0, 'then check finds no difference');
	like($out, qr/the schema matches/, 'and says so');
	($rc, $out, $err) = svag('downgrade', '-1');
	is($rc, 0, 'and its downgrade works');
}

# A file not registered is reported before any schema comparison.
open $fh, '>', "$dir/009_pending.sql" or die;
print $fh "SELECT schemaver_add_revision('009_pending', '002_add_rag_tables', 'SELECT 1');\n";
close $fh;
($rc, $out, $err) = svag('check', '--desired', "$tmp/schema.sql");
is($rc, 1, 'check --desired with a file not registered exits 1');
like($out, qr/^not registered: 009_pending\.sql \(revision 009_pending\)$/m, 'and names it');

$node->stop;
done_testing();
