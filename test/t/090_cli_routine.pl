# The schemaver command, driven as a user drives it, one database.
#
# The seed's whole routine (init, revision, upgrade, downgrade -1, upgrade,
# upgrade --sql then psql -f, downgrade -1 --sql, stamp head on a database
# built by hand, history, current), and every other command (heads, show,
# branches, merge, check, verify), with their output and exit status:
# --help of every command, bad usage (status 2), a changed applied file, a
# bad target, a failing revision (the server's error with SQLSTATE, DETAIL,
# CONTEXT), --stepwise, --json, --quiet, --no-sync, control characters in
# messages and file names (escaped on a terminal, exact in JSON), and the
# synchronisation costing one query when nothing is new (the server's
# statement log shows schemaver_sync_check and no schemaver_sync).
use strict;
use warnings;
use File::Copy;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename qw(basename);
use SchemaverTest;

my $root = SchemaverTest::repo_root();
my $tmp = PostgreSQL::Test::Utils::tempdir;
my $node = SchemaverTest::new_node('cli', "log_statement = 'all'");
$node->safe_psql('postgres', 'CREATE DATABASE voice_agent');

# run the command on voice_agent with the test's directory
my $dir = "$tmp/migrations";
sub sv
{
	return SchemaverTest::schemaver($node, @_);
}
sub svd
{
	return sv('-d', 'voice_agent', '--dir', $dir, @_);
}
sub current
{
	my ($db) = @_;
	return $node->safe_psql($db // 'voice_agent',
		"SELECT coalesce(string_agg(c, ',' ORDER BY c), '<base>') FROM schemaver_current() c");
}
sub write_file
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh;
}

# ---------------------------------------------------------------------------
# --help of every command, --version, and bad usage (status 2)
# ---------------------------------------------------------------------------
my ($rc, $out, $err) = sv('--help');
is($rc, 0, '--help exits 0');
like($out, qr/^Usage:\n  schemaver \[OPTION\]\.\.\. COMMAND/m, '--help shows the usage');
for my $cmd (qw(upgrade downgrade stamp current heads history show branches check verify
	revision merge init import))
{
	($rc, $out, $err) = sv($cmd, '--help');
	is($rc, 0, "$cmd --help exits 0");
	like($out, qr/^Usage:\n  schemaver $cmd /m, "$cmd --help shows its usage");
}
($rc, $out) = sv('help', 'stamp');
like($out, qr/^Usage:\n  schemaver stamp /m, '"help stamp" as well');
($rc, $out) = sv('--version');
is($rc, 0, '--version exits 0');
like($out, qr/^schemaver .* 1\.1$/m, '--version names the release');
for my $bad ([], ['nosuch'], [ 'upgrade', '--nosuch' ], ['downgrade'], [ 'history', '--sql' ],
	[ 'upgrade', '-j', '0' ], [ 'history', '-d', 'a', '-d', 'b' ], [ 'show' ],
	[ 'upgrade', 'a', 'b' ], [ 'import', 'x' ], [ 'revision' ], [ 'upgrade', '--sql', '--stepwise' ],
	[ 'import', '--from', 'sqitch', 'x', '-d', 'db' ], [ 'upgrade', '--output-dir', 'x' ],
	[ 'current', '--fleet' ])
{
	($rc, $out, $err) = sv(@$bad);
	is($rc, 2, "bad usage exits 2: schemaver @$bad");
	like($err, qr/^schemaver: /m, "and says why: @$bad");
}

# ---------------------------------------------------------------------------
# init, then the seed's development routine
# ---------------------------------------------------------------------------
($rc, $out, $err) = svd('init');
is($rc, 0, 'init exits 0');
like($out, qr/^created directory \Q$dir\E$/m, 'init creates the directory');
like($out, qr/^created extension schemaver 1\.1 in database "voice_agent"$/m,
	'init creates the extension');
ok(-f "$dir/README", 'init writes the README');
($rc, $out) = svd('init');
like($out, qr/schemaver 1\.1 was already installed/, 'init again changes nothing');

copy("$root/migrations/$_", "$dir/$_") or die $!
  for qw(000_create_users.sql 001_add_auth_fields.sql 002_add_rag_tables.sql);

($rc, $out, $err) = svd('upgrade', 'head');
is($rc, 0, 'upgrade head exits 0');
like($out,
	qr/^registered 000_create_users\.sql \(revision 000_create_users\)\nregistered 001_add_auth_fields\.sql .*\nregistered 002_add_rag_tables\.sql .*\n/m,
	'upgrade registers the new files first');
like($out,
	qr/^upgrade <base> -> 000_create_users: create users table\nupgrade 000_create_users -> 001_add_auth_fields: add user authentication fields\nupgrade 001_add_auth_fields -> 002_add_rag_tables: create RAG metadata tables\n/m,
	'each step is shown as it runs');
like($out, qr/^upgraded 3 revisions: <base> -> 002_add_rag_tables \(\d+\.\d+ s\)$/m,
	'one summary line');
is($err, '', 'nothing on standard error');
is(current(), '002_add_rag_tables', 'the database is at head');

# Nothing new: one query of the synchronisation, no file sent.
my $log_offset = -s $node->logfile;
($rc, $out) = svd('upgrade');
is($rc, 0, 'upgrade at head exits 0');
is($out, "nothing to do: the database is at 002_add_rag_tables\n", 'and says so');
my $log = substr(PostgreSQL::Test::Utils::slurp_file($node->logfile), $log_offset);
is(scalar(() = $log =~ /statement: |execute <unnamed>: /g), 3,
	'three statements: the probe, the sync check (with the current heads), the upgrade');
is(scalar(() = $log =~ /schemaver_sync_check\(\$1\)/g), 1, 'the directory is checked once');
unlike($log, qr/schemaver_sync\(/, 'and not sent');

# revision -m writes the next file, on the head
($rc, $out, $err) = svd('revision', '-m', 'Add user preferences');
is($rc, 0, 'revision exits 0');
is($out, "$dir/003_add_user_preferences.sql\n", 'revision prints the path of the new file');
my $text = SchemaverTest::slurp("$dir/003_add_user_preferences.sql");
like($text, qr/revision      => '003_add_user_preferences',\n    down_revision => '002_add_rag_tables',\n    message       => 'Add user preferences',/,
	'the file names its id, parent and message');
$text =~ s/-- the SQL that makes the change\n/ALTER TABLE users ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}';\n/;
$text =~ s/-- the SQL that undoes it[^\n]*\n/ALTER TABLE users DROP COLUMN preferences;\n/;
write_file("$dir/003_add_user_preferences.sql", $text);
($rc, $out) = svd('revision', '-m', 'Add user preferences', '--rev-id', '003_add_user_preferences');
is($rc, 1, 'revision refuses an id that exists');

($rc, $out) = svd('upgrade', 'head');
is($rc, 0, 'upgrade applies the new revision');
like($out, qr/^upgrade 002_add_rag_tables -> 003_add_user_preferences: Add user preferences$/m,
	'step shown');
is($node->safe_psql('voice_agent', "SELECT count(*) FROM information_schema.columns WHERE column_name = 'preferences'"),
	'1', 'its SQL ran');

($rc, $out) = svd('downgrade', '-1');
is($rc, 0, 'downgrade -1 exits 0');
like($out, qr/^downgrade 003_add_user_preferences -> 002_add_rag_tables: Add user preferences\ndowngraded 1 revision: 003_add_user_preferences -> 002_add_rag_tables/m,
	'downgrade -1 undoes one revision');
($rc, $out) = svd('upgrade', 'head');
is(current(), '003_add_user_preferences', 'upgrade head again');

# ---------------------------------------------------------------------------
# the production routine: --sql, review, psql -f
# ---------------------------------------------------------------------------
($rc, $out, $err) = svd('downgrade', '-1', '--sql');
is($rc, 0, 'downgrade -1 --sql exits 0');
isnt($out, '', 'prints the script (its text is the server\'s: only what psql does with it is tested)');
is(current(), '003_add_user_preferences', 'and changes nothing');
write_file("$tmp/rollback.sql", $out);
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('voice_agent'), '-f', "$tmp/rollback.sql" ],
	'psql -f rollback.sql applies the rollback script');
is(current(), '002_add_rag_tables', 'and the version moved down');

($rc, $out, $err) = svd('upgrade', 'head', '--sql');
is($rc, 0, 'upgrade head --sql exits 0');
is($err, '', 'nothing but the script is printed');
write_file("$tmp/migration.sql", $out);
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('voice_agent'), '-f', "$tmp/migration.sql" ],
	'psql -f migration.sql applies the script');
is(current(), '003_add_user_preferences', 'and the version moved up');
($rc, $out, $err) = svd('upgrade', '--sql', '--output-dir', "$tmp/scripts");
is($rc, 0, '--sql --output-dir with one database');
ok(-f "$tmp/scripts/voice_agent.upgrade.sql", 'writes the script into the directory');

# ---------------------------------------------------------------------------
# looking: history, current, heads, show, verify
# ---------------------------------------------------------------------------
($rc, $out) = svd('history');
is($rc, 0, 'history exits 0');
like($out, qr/^ +revision +\| +parents +\| +state +\| +message +$/m, 'history has psql-style headers');
like($out, qr/^ 003_add_user_preferences \| 002_add_rag_tables +\| current, head \| Add user preferences\n 002_add_rag_tables +\| 001_add_auth_fields +\| applied +\|/m,
	'history lists newest first with parents and state');
like($out, qr/^\(4 rows\)$/m, 'and the row count');
($rc, $out) = svd('history', '-v');
like($out, qr/\| branch labels \| depends on \| +applied at +\| applied by \|/, 'history -v has more columns');
($rc, $out) = svd('current');
like($out, qr/^ 003_add_user_preferences \| yes  \| Add user preferences$/m, 'current shows the revision');
($rc, $out) = svd('heads');
like($out, qr/^ 003_add_user_preferences \| yes +\| +\| Add user preferences$/m, 'heads');
($rc, $out) = svd('show', '001');
is($rc, 0, 'show a prefix');
like($out, qr/^Revision: +001_add_auth_fields\nParents: +000_create_users\n/m, 'show describes the revision');
like($out, qr/^Upgrade SQL:\n\n-- 1\. Add the new columns, nullable\./m, 'with its SQL');
($rc, $out) = svd('show', 'head');
like($out, qr/^Revision: +003_add_user_preferences$/m, 'show head');
($rc, $out, $err) = svd('show', '00');
is($rc, 1, 'an ambiguous prefix fails');
like($err, qr/revision prefix "00" is ambiguous: 003_add_user_preferences, 002_add_rag_tables, 001_add_auth_fields, 000_create_users/,
	'and lists the candidates');
($rc, $out, $err) = svd('verify');
is($rc, 0, 'verify exits 0');
like($out, qr/^the catalog and the revision graph are sound$/m, 'verify');
($rc, $out) = svd('check');
is($rc, 0, 'check: nothing differs');
like($out, qr/^the 4 revision files of .* match the catalog\nno differences$/m, 'check says so');

# ---------------------------------------------------------------------------
# stamp head on a database built by hand (the seed's create_tables())
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE legacy');
$node->safe_psql('legacy', 'CREATE TABLE users (id int PRIMARY KEY, username text NOT NULL)');
($rc, $out) = sv('-d', 'legacy', '--dir', $dir, 'init');
($rc, $out, $err) = sv('-d', 'legacy', '--dir', $dir, 'stamp', 'head');
is($rc, 0, 'stamp head exits 0');
like($out, qr/^stamp <base> -> 000_create_users: create users table$/m, 'each revision marked');
like($out, qr/^stamped 4 revisions: <base> -> 003_add_user_preferences/m, 'summary');
is(current('legacy'), '003_add_user_preferences', 'the legacy database is at head');
is($node->safe_psql('legacy', "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'users'"),
	'id,username', 'no revision SQL ran');
($rc, $out) = sv('-d', 'legacy', '--dir', $dir, 'upgrade', 'head');
like($out, qr/^nothing to do/m, 'and upgrade head has nothing to do');
($rc, $out) = sv('-d', 'legacy', '--dir', $dir, 'stamp', 'base');
is(current('legacy'), '<base>', 'stamp base forgets the applied state');

# ---------------------------------------------------------------------------
# errors: a changed applied file, a bad target, a failing revision
# ---------------------------------------------------------------------------
my $orig = SchemaverTest::slurp("$dir/001_add_auth_fields.sql");
(my $changed = $orig) =~ s/add user authentication fields/add the auth fields/;
write_file("$dir/001_add_auth_fields.sql", $changed);
$log_offset = -s $node->logfile;
($rc, $out, $err) = svd('upgrade', 'head');
is($rc, 1, 'a changed applied file fails');
like($err, qr/^ERROR:  55000: revision file "001_add_auth_fields\.sql" has changed since revision "001_add_auth_fields" was applied$/m,
	'naming the file and the revision, with the SQLSTATE');
like($err, qr/^HINT:  An applied revision cannot be changed/m, 'and the HINT');
$log = substr(PostgreSQL::Test::Utils::slurp_file($node->logfile), $log_offset);
unlike($log, qr/schemaver_upgrade\(/, 'before anything runs');
($rc, $out) = svd('check');
is($rc, 1, 'check exits 1');
like($out, qr/^changed after its revision was applied: 001_add_auth_fields\.sql \(revision 001_add_auth_fields\)$/m,
	'check names it');
write_file("$dir/001_add_auth_fields.sql", $orig);

($rc, $out, $err) = svd('upgrade', 'nosuch');
is($rc, 1, 'a bad target fails');
like($err, qr/^ERROR:  42704: revision "nosuch" does not exist$/m, 'with the server error');
like($err, qr/^HINT:  /m, 'and its hint');
like($out, qr/^upgrade failed: nothing was changed; the database is at 003_add_user_preferences$/m,
	'and says where the database is');
($rc, $out, $err) = svd('downgrade', 'x@-1');
is($rc, 1, 'a bad label fails');

write_file("$dir/004_broken.sql", <<'EOF');
SELECT schemaver_add_revision(
    revision => '004_broken', down_revision => '003_add_user_preferences',
    message => 'insert twice',
    upgrade => $up$
CREATE TABLE broken (id int PRIMARY KEY);
INSERT INTO broken VALUES (1);
INSERT INTO broken VALUES (1);
$up$, downgrade => 'DROP TABLE broken');
EOF
($rc, $out, $err) = svd('upgrade');
is($rc, 1, 'a failing revision fails');
like($err, qr/^ERROR:  23505: duplicate key value violates unique constraint "broken_pkey"\nDETAIL:  Key \(id\)=\(1\) already exists\.\nCONTEXT:  SQL statement "INSERT INTO broken VALUES \(1\)"\nupgrade of revision "004_broken", statement 3$/m,
	'with SQLSTATE, DETAIL and CONTEXT');
is(current(), '003_add_user_preferences', 'and nothing of it remains');

# --stepwise commits each revision: 005 runs, 006 fails
unlink "$dir/004_broken.sql";
write_file("$dir/004_broken.sql", <<'EOF');
SELECT schemaver_add_revision(
    revision => '004_broken', down_revision => '003_add_user_preferences',
    message => 'a table', upgrade => 'CREATE TABLE broken (id int)', downgrade => 'DROP TABLE broken');
EOF
write_file("$dir/005_fails.sql", <<'EOF');
SELECT schemaver_add_revision(
    revision => '005_fails', down_revision => '004_broken',
    message => 'division by zero', upgrade => 'SELECT 1/0', downgrade => 'SELECT 1');
EOF
($rc, $out, $err) = svd('upgrade', '--stepwise');
is($rc, 1, 'upgrade --stepwise fails on the second revision');
like($out, qr/^registered 004_broken\.sql again: revision 004_broken changed and is not applied$/m,
	'registers the changed file again');
like($out, qr/^registered 005_fails\.sql \(revision 005_fails\)$/m, 'and the new one');
like($err, qr/^ERROR:  22012: division by zero$/m, 'the error');
like($out, qr/^upgrade failed after 1 revision \(committed\): the database is at 004_broken$/m,
	'the revision before it stays');
is(current(), '004_broken', 'committed');
unlink "$dir/005_fails.sql";
($rc, $out, $err) = svd('check');
is($rc, 1, 'check: a registered revision whose file is gone');
like($out, qr/^registered revision with no file: 005_fails$/m, 'is named');
$node->safe_psql('voice_agent', "DELETE FROM schemaver.revision WHERE revision = '005_fails'");
($rc, $out) = svd('downgrade', '-1', '--stepwise');
is($rc, 0, 'downgrade --stepwise');
like($out, qr/^downgraded 1 revision: 004_broken -> 003_add_user_preferences/m, 'counted from the log');

# ---------------------------------------------------------------------------
# branches, merge
# ---------------------------------------------------------------------------
($rc, $out) = svd('revision', '-m', 'side table', '--head', '003_add_user_preferences',
	'--branch-label', 'side');
is($out, "$dir/005_side_table.sql\n", 'revision --head --branch-label');
($rc, $out, $err) = svd('upgrade', 'head');
is($rc, 1, 'upgrade head with two heads fails');
like($err, qr/^ERROR:  [0-9A-Z]{5}: .*head/m, 'the server says why');
($rc, $out) = svd('branches');
like($out, qr/^ 003_add_user_preferences \| (004_broken, 005_side_table|005_side_table, 004_broken) \| Add user preferences$/m,
	'branches shows the branch point');
like($out, qr/^ side +\| 005_side_table \| pending, head$/m, 'and the label');
($rc, $out, $err) = svd('revision', '-m', 'x');
is($rc, 1, 'revision refuses to guess among heads');
like($err, qr/the revision graph has 2 heads \(004_broken, 005_side_table\)/, 'and names them');
($rc, $out) = svd('merge', '-m', 'join the side branch');
is($out, "$dir/006_join_the_side_branch.sql\n", 'merge writes a file');
like(SchemaverTest::slurp("$dir/006_join_the_side_branch.sql"),
	qr/down_revision => ARRAY\['004_broken', '005_side_table'\]/, 'with both parents');
($rc, $out) = svd('upgrade', 'head');
is($rc, 0, 'upgrade head through the merge');
is(current(), '006_join_the_side_branch', 'at the merge');

# ---------------------------------------------------------------------------
# output: --json, --quiet, escaping
# ---------------------------------------------------------------------------
($rc, $out) = svd('history', '--json');
my $doc = decode_json($out);
is($doc->{command}, 'history', 'history --json is JSON');
is($doc->{databases}[0]{history}[0]{revision}, '006_join_the_side_branch', 'newest first');
is_deeply($doc->{databases}[0]{history}[0]{down_revision}, [ '004_broken', '005_side_table' ],
	'with its parents');
($rc, $out, $err) = svd('downgrade', '004_broken', '--json');
$doc = decode_json($out);
ok($doc->{ok}, 'downgrade --json: ok');
is($doc->{databases}[0]{revisions}[0]{revision}, '006_join_the_side_branch', 'the step');
is_deeply($doc->{databases}[0]{before}, ['006_join_the_side_branch'], 'before');
ok(grep({ $_ eq '004_broken' } @{ $doc->{databases}[0]{after} }), 'after');
is($doc->{databases}[0]{revisions_run}, scalar @{ $doc->{databases}[0]{revisions} }, 'revisions run');
like($err, qr/^downgrade 006_join_the_side_branch -> \(004_broken, 005_side_table\)/m,
	'progress goes to standard error with --json');
($rc, $out, $err) = svd('upgrade', '-q');
is("$out$err", '', '--quiet prints nothing when all is well');
($rc, $out, $err) = svd('upgrade', 'nosuch', '--json');
$doc = decode_json($out);
is($doc->{databases}[0]{error}{sqlstate}, '42704', 'a failure in JSON has the SQLSTATE');

# A message with control characters and a file name with one.
my $esc = "\e";
write_file("$dir/007_evil\x01name.sql", <<"EOF");
SELECT schemaver_add_revision(
    revision => '007_evil', down_revision => '006_join_the_side_branch',
    message => E'red \\x1b[31malert\\nfake line \\u202e', upgrade => 'SELECT 1', downgrade => 'SELECT 1');
EOF
($rc, $out, $err) = svd('upgrade');
is($rc, 1, 'a file name with a control character is refused');
unlike("$out$err", qr/[\x00-\x08\x0b-\x1f\x7f]/, 'no control character reaches the terminal');
like($err, qr/^ERROR:  22023: file name "007_evil\\x01name\.sql" contains control characters$/m,
	'the file name escaped in the refusal');
rename("$dir/007_evil\x01name.sql", "$dir/007_evil_name.sql") or die "rename: $!";
($rc, $out, $err) = svd('upgrade');
is($rc, 0, 'upgrade with a hostile message');
unlike("$out$err", qr/[\x00-\x08\x0b-\x1f\x7f]/, 'no control character reaches the terminal');
like($out, qr/^registered 007_evil_name\.sql \(revision 007_evil\)$/m, 'registered once renamed');
like($out, qr/^upgrade 006_join_the_side_branch -> 007_evil: red \\x1b\[31malert\\nfake line \\u202e$/m,
	'the message escaped, on one line');
($rc, $out) = svd('history');
unlike($out, qr/\e|\x{202e}|\xe2\x80\xae/, 'history escapes it too');
($rc, $out) = svd('show', '007', '--json');
$doc = decode_json($out);
is($doc->{databases}[0]{revision}{message}, "red \e[31malert\nfake line \x{202e}",
	'JSON carries the exact message');

# Symbolic links in the directory are not followed, wherever they lead, so
# that a hostile checkout cannot make the command send another file (a key,
# a .env) to the server; the directory itself may be a link.
mkdir("$dir/shared") or die "mkdir: $!";
write_file("$dir/shared/008_linked.src", <<"EOF");
SELECT schemaver_add_revision(
    revision => '008_linked', down_revision => '007_evil',
    message => 'linked', upgrade => 'SELECT 1', downgrade => 'SELECT 1');
EOF
write_file("$tmp/secret.txt", "TOPSECRET\n");
symlink('shared/008_linked.src', "$dir/008_linked.sql") or die "symlink: $!";
symlink("$tmp/secret.txt", "$dir/009_outside.sql") or die "symlink: $!";
symlink("../" . basename($dir) . "/../secret.txt", "$dir/010_dotdot.sql") or die "symlink: $!";
($rc, $out, $err) = svd('upgrade');
is($rc, 1, 'a directory with links is refused');
like($err, qr/^schemaver: error: file ".*\/008_linked\.sql" is a symbolic link$/m,
	'a link to a file inside is named');
like($err, qr/^schemaver: error: file ".*\/009_outside\.sql" is a symbolic link$/m,
	'an absolute link outside is named');
like($err, qr/^schemaver: error: file ".*\/010_dotdot\.sql" is a symbolic link$/m,
	'a relative one too');
like($err, qr/^HINT:  Revision files, and the files of a project being imported, are not read through links/m,
	'with a hint');
unlike("$out$err", qr/TOPSECRET/, 'the file a link leads to is not shown');
is($node->safe_psql('voice_agent',
		"SELECT count(*) FROM schemaver.revision WHERE upgrade_sql LIKE '%TOPSECRET%' OR revision = '008_linked'"),
	'0', 'nor registered');
($rc, $out, $err) = svd('revision', '-m', 'next');
is($rc, 1, 'revision refuses the directory too');
unlink("$dir/008_linked.sql", "$dir/009_outside.sql", "$dir/010_dotdot.sql") or die "unlink: $!";
# the directory given as a link is the user's choice
symlink($dir, "$tmp/linked_dir") or die "symlink: $!";
($rc, $out, $err) = sv('-d', 'voice_agent', '--dir', "$tmp/linked_dir", 'upgrade', '-q');
is($rc, 0, 'a directory that is a link, without links in it, is usable');

# --no-sync: works without reading the directory
($rc, $out) = sv('-d', 'voice_agent', '--dir', "$tmp/nowhere", 'current', '--no-sync');
is($rc, 0, '--no-sync needs no directory');
($rc, $out, $err) = sv('-d', 'voice_agent', '--dir', "$tmp/nowhere", 'current');
is($rc, 1, 'without it a missing directory is an error');
like($err, qr/directory of revision files ".*nowhere" does not exist/, 'named');
# the default directory is migrations/ of the current directory
($rc, $out) = SchemaverTest::schemaver($node, { chdir => $tmp }, '-d', 'voice_agent', 'current');
is($rc, 0, 'the default directory is ./migrations');

# a database without the extension
$node->safe_psql('postgres', 'CREATE DATABASE bare');
($rc, $out, $err) = sv('-d', 'bare', '--dir', $dir, 'upgrade');
is($rc, 1, 'a database without schemaver fails');
like($err, qr/schemaver is not installed in database "bare"/, 'and says so');

$node->stop;
done_testing();
