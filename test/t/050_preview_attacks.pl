# A preview script, applied with real psql, runs exactly what the online call
# runs, and never a psql meta-command (issue #10, finding 1).
#
# Two databases (twins) get the same revisions; one applies the script of
# schemaver_upgrade_sql() / schemaver_downgrade_sql() with
#     psql -X -v ON_ERROR_STOP=1 -f script.sql
# from an empty scratch directory, the other makes the online call
# (SELECT * FROM schemaver_upgrade(...)).  Then the rows the revisions wrote,
# schemaver.version, the log (revision, operation, heads, checksum) and the
# SQLSTATE of any failure must be the same, and psql's working directory
# must hold no file psql could have written: every shell command, \o, \w,
# \g, \copy ... to, \e (PSQL_EDITOR points to a script that leaves a file)
# and \i / \ir (the file they would include leaves one) of the texts below
# writes one there.  psql runs with variables defined
# (-v foo=INJECTED ...), so that a substitution would change a value.
#
# Part 1, the attacks of the issue, each a registered revision:
#  (a) a string continued on the next line, where psql would see \! ...;
#  (b) SET client_encoding = 'SJIS', after which psql would lex the bytes
#      of 'x' U+0100 as SJIS and let a quote be swallowed; and a next step
#      with non-ASCII text, and psql's own encoding, unchanged;
#  (c) SET standard_conforming_strings = off, then 'a\', '; COMMIT; --':
#      both paths fail with the same SQLSTATE and change nothing;
#  (d) terminal control sequences in a comment, and fake markers of the
#      script inside the SQL: the script holds no raw control byte but LF
#      (TAB, CR LF where the SQL has them), and each step's SQL, read as
#      psql reads a dollar quote, is the revision's SQL, whole;
#  a script written in another client encoding (LATIN1);
#  (e) a checksum written into schemaver.revision by hand.
# (This test found two leaks, both fixed: a stored checksum pasted into the
# script as it was, where psql ran a line of it ((e)), and the NOTICE of each
# step showing the message's control characters raw ((d)).)
#
# Part 2, a differential fuzz test: hostile revision texts (every kind of
# quote, continuations, backslashes and psql meta-commands, colons and
# psql variables, comments, raw control bytes, CR, CR LF, non-ASCII and
# bidi / zero-width characters, semicolons, SET standard_conforming_strings
# and SET client_encoding at random points), transported to the server
# hex-encoded (never pasted into psql input).  Most are valid SQL that
# records what it read (INSERT INTO fz VALUES (<case>, <k>, <hostile
# literal>)), applied in chains of SCHEMAVER_FUZZ_BATCH revisions per
# script, some of them downgraded again; some are invalid or refused
# (syntax errors, transaction control, COPY, writes to the catalog, nested
# schemaver calls), one per script, and must fail alike in both databases
# and change nothing.  Every script is also read the way psql reads it:
# outside its dollar quotes it holds nothing but the script's own lines
# (its only meta-commands are its first three lines), and the text inside
# each quote is the revision's SQL.
#
# The fuzz test is deterministic: seed 20261202, 3000 cases.  To run it
# longer or with another seed, set SCHEMAVER_FUZZ_SEED, SCHEMAVER_FUZZ_CASES
# (and SCHEMAVER_FUZZ_BATCH, the valid revisions per script, default 200;
# SCHEMAVER_FUZZ_MAX_FAILURES, after which it stops, default 5) in the
# environment of make installcheck; test/run-tests.sh starts the
# tests with a clean environment but passes PG_TEST_EXTRA on, so through it:
#     PG_TEST_EXTRA="schemaver_fuzz_seed=12345 schemaver_fuzz_cases=20000" \
#         bash test/run-tests.sh --no-apt 050_preview_attacks
# The seed, the counts and the time taken are printed in the log
# (tmp_check/log/regress_log_050_preview_attacks).  A failure prints the
# case number and the hex of its texts: decode them (perl -e 'print pack
# "H*", shift' HEX) and register them as a revision to reproduce.

use strict;
use warnings FATAL => 'all';

use File::Path qw(make_path);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use SchemaverTest;

# The fuzz test's knobs: from the environment, or from words
# schemaver_fuzz_seed=N ... in PG_TEST_EXTRA (which test/run-tests.sh
# passes on).
my %knob = map { /^(schemaver_fuzz_\w+)=(\d+)$/ ? (uc($1) => $2) : () }
  split(/\s+/, $ENV{PG_TEST_EXTRA} // '');
my $seed  = $ENV{SCHEMAVER_FUZZ_SEED}  // $knob{SCHEMAVER_FUZZ_SEED}  // 20261202;
my $ncase = $ENV{SCHEMAVER_FUZZ_CASES} // $knob{SCHEMAVER_FUZZ_CASES} // 3000;
my $batch = $ENV{SCHEMAVER_FUZZ_BATCH} // $knob{SCHEMAVER_FUZZ_BATCH} // 200;
my $max_failures = $ENV{SCHEMAVER_FUZZ_MAX_FAILURES} // $knob{SCHEMAVER_FUZZ_MAX_FAILURES} // 5;

my $node = SchemaverTest::new_node('attacks');
my $tmp  = PostgreSQL::Test::Utils::tempdir;

# psql's working directory: empty but for the bait that \i would include
# (\ir includes the one beside the script).
my $cwd     = "$tmp/cwd";
my $scripts = "$tmp/scripts";
make_path($cwd, $scripts);
my $bait = "\\! touch marker_included\n\\o marker_included_o\nSELECT 1;\n";
for my $dir ($cwd, $scripts)
{
	PostgreSQL::Test::Utils::append_to_file("$dir/inc.sql", $bait);
}
my $editor = "$tmp/editor.sh";
PostgreSQL::Test::Utils::append_to_file($editor,
	"#!/bin/sh\ntouch \"\$PWD/marker_editor\"\n");
chmod(0755, $editor) or die "chmod $editor: $!";

# Variables a substitution would show.
my @psql_vars = map { ('-v', "$_=INJECTED") } qw(foo name bar x n k 2 sv tag);

# ----------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------

# A text as UTF-8 bytes.
sub u8
{
	my ($s) = @_;
	utf8::encode($s);
	return $s;
}

# A text as a server-side expression that does not need quoting:
# convert_from(decode('<hex>', 'hex'), 'UTF8').
sub hexlit
{
	my ($bytes) = @_;
	return 'NULL' unless defined $bytes;
	return "pg_catalog.convert_from(pg_catalog.decode('"
	  . unpack('H*', $bytes)
	  . "', 'hex'), 'UTF8')";
}

# The SQLSTATE of the first error in psql's stderr (VERBOSITY verbose).
sub sqlstate_of
{
	my ($err) = @_;
	return $err =~ /ERROR:  ([0-9A-Z]{5}): / ? $1 : '';
}

# The first error line (without psql's "psql:file:line: " prefix).
sub error_of
{
	my ($err) = @_;
	return $err =~ /^(?:psql:[^\n]*?: )?(ERROR:  [^\n]*)$/m ? $1 : '';
}

# Run psql as the DBA applies a script, from the scratch directory.
# Returns (exit status, stdout, stderr).
sub run_psql
{
	my ($db, @args) = @_;
	my ($out, $err) = ('', '');

	local $ENV{PGHOST}      = $node->host;
	local $ENV{PGPORT}      = $node->port;
	local $ENV{PSQL_EDITOR} = $editor;
	local $ENV{EDITOR}      = $editor;
	local $ENV{VISUAL}      = $editor;
	IPC::Run::run(
		[
			$node->installed_command('psql'), '-X', '-v', 'ON_ERROR_STOP=1',
			'-v', 'VERBOSITY=verbose', @psql_vars, '-d', $db, @args
		],
		init => sub { chdir($cwd) or die "chdir $cwd: $!"; },
		'<', \'', '>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($? >> 8, $out, $err);
}

# Apply a script file.
sub apply_script
{
	my ($db, $file, @extra) = @_;
	return run_psql($db, '-f', $file, @extra);
}

# Whatever psql wrote into its working directory; the directory is emptied
# again (but for the bait) so that each run is judged alone.
sub stray_files
{
	opendir(my $dh, $cwd) or die "opendir $cwd: $!";
	my @files = sort grep { $_ ne '.' && $_ ne '..' && $_ ne 'inc.sql' } readdir($dh);
	closedir($dh);
	unlink("$cwd/$_") for @files;
	return join(', ', @files);
}

sub no_marker
{
	my ($what) = @_;
	is(stray_files(), '', "$what: psql wrote no file (no meta-command ran)");
}

# Write a preview as README says: psql -X -At -c "SELECT ..." > file.
# Returns (exit status, script text, stderr).
sub write_script
{
	my ($db, $call, $file) = @_;
	my ($out, $err) = ('', '');

	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	IPC::Run::run(
		[ $node->installed_command('psql'), '-X', '-At', '-d', $db, '-c', "SELECT $call" ],
		'<', \'', '>', $file, '2>', \$err);
	my $rc = $? >> 8;
	return ($rc, SchemaverTest::slurp($file), $err);
}

# A persistent psql session (for registering, previews, the online calls
# and reading state), fed through a pipe: no shell, no revision text in its
# input (texts go in as hex).  query() returns (stdout, stderr).
{

	package PsqlSession;

	sub new
	{
		my ($class, $node, $db) = @_;
		my $self = bless { in => '', out => '', err => '', n => 0 }, $class;

		local $ENV{PGCLIENTENCODING} = 'UTF8';
		$self->{timer} = IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default);
		$self->{h} = IPC::Run::start(
			[
				$node->installed_command('psql'), '-X', '-q', '-A', '-t',
				'-v', 'VERBOSITY=verbose', '-d', $node->connstr($db)
			],
			'<', \$self->{in}, '>', \$self->{out}, '2>', \$self->{err},
			$self->{timer});
		$self->query('SET client_min_messages = warning');
		return $self;
	}

	sub query
	{
		my ($self, $sql) = @_;
		my $sep = 'sv_session_separator_' . ++$self->{n};

		$self->{out} = '';
		$self->{err} = '';
		$self->{timer}->start;
		$self->{in} .= "$sql\n;\n\\echo $sep\n\\warn $sep\n";
		$self->{h}->pump
		  until $self->{out} =~ /^$sep\n\z/m && $self->{err} =~ /^$sep\n\z/m;
		my ($out, $err) = ($self->{out}, $self->{err});
		$out =~ s/^$sep\n\z//m;
		$err =~ s/^$sep\n\z//m;
		chomp $out;
		return ($out, $err);
	}

	sub query_safe
	{
		my ($self, $sql) = @_;
		my ($out, $err) = $self->query($sql);
		die "query failed: $err" if $err =~ /ERROR:/;
		return $out;
	}

	sub quit
	{
		my ($self) = @_;
		$self->{in} .= "\\q\n";
		$self->{h}->finish;
		return;
	}
}

# The migration state of a database, as one text: version, log (in its
# order), and the tables of the public schema.  Rows are summed up as sums
# of their hashes (cheap; a difference shows, and differing_cases() then
# says where).
my $state_sql = q{
SELECT 'version: ' || coalesce(string_agg(revision, ',' ORDER BY revision), '<base>')
  FROM schemaver.version;
SELECT 'log: ' || count(*) || ' ' || coalesce(sum(hashtext(format('%s %s %s %s %s %s',
           rn, revision, operation, heads_before, heads_after, checksum))), 0)
  FROM (SELECT row_number() OVER (ORDER BY id) AS rn, * FROM schemaver.log) l;
SELECT 'tables: ' || coalesce(string_agg(c.relname, ',' ORDER BY c.relname), '')
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r';
};

# The rows of one of the fuzz test's tables, summed up.
sub rows_sql
{
	my ($table) = @_;
	return qq{SELECT '$table: ' || count(*) || ' '
    || coalesce(sum(hashtext(format('%s %s %s', n, k, v))), 0) FROM $table;};
}

# ----------------------------------------------------------------------
# Reading a script as psql does
# ----------------------------------------------------------------------

# Decode the SQL of a step written escaped: \\ is a backslash, \ooo a byte.
sub unescape_step
{
	my ($s) = @_;
	my $out = '';

	pos($s) = 0;
	while (pos($s) < length($s))
	{
		if ($s =~ /\G([^\\]+)/gc)
		{
			$out .= $1;
		}
		elsif ($s =~ /\G\\\\/gc)
		{
			$out .= '\\';
		}
		elsif ($s =~ /\G\\([0-3][0-7][0-7])/gc)
		{
			$out .= chr(oct($1));
		}
		else
		{
			return undef;
		}
	}
	return $out;
}

# Split a script as psql reads it: outside dollar quotes, every line must be
# one of the script's own lines; a step's call opens a dollar quote with the
# tag its header names, and psql ends the quote at the first occurrence of
# that tag.  Returns (error, steps) where each step is
# { n, revision, operation, tag, escaped, sql } (sql decoded), or an error
# text saying where the script is not as written.
sub parse_script
{
	my ($text) = @_;
	my @steps;
	my $pos = 0;

	# the first three lines, the only meta-commands
	return ('it does not start with \\set ON_ERROR_STOP on, \\set ON_ERROR_ROLLBACK off, \\encoding')
	  unless $text =~ /\A\\set ON_ERROR_STOP on\n\\set ON_ERROR_ROLLBACK off\n\\encoding [A-Z0-9_]+\n/;
	$pos = $+[0];
	my $header;
	while ($pos < length($text))
	{
		my $eol = index($text, "\n", $pos);
		$eol = length($text) if $eol < 0;
		my $line = substr($text, $pos, $eol - $pos);

		if ($line =~ /^--   Its (upgrade|downgrade) SQL \(\d+ lines?\) is the last argument below, between (\$sv_[0-9a-f_]+\$)$/)
		{
			$header = { operation => $1, tag => $2 };
		}
		elsif ($line =~ /^--   and (\$sv_[0-9a-f_]+\$)(, escaped: it holds control characters)?\.$/)
		{
			return ("line \"$line\": tag differs from the header's")
			  unless $header && $header->{tag} eq $1;
			$header->{escaped} = defined $2;
		}
		elsif ($line =~ /^SELECT \* FROM schemaver\.run_script_step\('[0-9a-f]{64}', (\d+), '([A-Za-z0-9_]+)', '(upgrade|downgrade)', '[0-9a-f]{64}', (pg_catalog\.convert_from\(pg_catalog\.decode\()?(\$sv_[0-9a-f_]+\$)$/)
		{
			my ($n, $rev, $op, $esc, $tag) = ($1, $2, $3, defined $4, $5);
			return ("step $n: no header names its tag") unless $header;
			return ("step $n: its tag $tag is not the header's $header->{tag}")
			  unless $tag eq $header->{tag};
			return ("step $n: escaped or not, unlike its header")
			  unless $esc == $header->{escaped} && $op eq $header->{operation};
			# psql ends the quote at the first occurrence of the tag
			my $start = $eol + 1;
			my $end = index($text, $tag, $start);
			return ("step $n: its dollar quote never ends") if $end < 0;
			my $body = substr($text, $start, $end - $start);
			return ("step $n: its quoted text does not end with a line feed")
			  unless $body =~ s/\n\z//;
			my $close = $esc ? "$tag, 'escape'), pg_catalog.getdatabaseencoding()));\n" : "$tag);\n";
			return ("step $n: the quote does not close with \"$close\"")
			  unless substr($text, $end, length($close)) eq $close;
			if ($esc)
			{
				$body = unescape_step($body);
				return ("step $n: invalid escape in an escaped step") unless defined $body;
			}
			push @steps,
			  {
				n         => $n,
				revision  => $rev,
				operation => $op,
				tag       => $tag,
				escaped   => $esc,
				sql       => $body
			  };
			undef $header;
			$pos = $end + length($close);
			next;
		}
		elsif ($line =~ /[\t\r]/)
		{
			return ("a tab or carriage return outside the revisions' SQL: \"$line\"");
		}
		elsif ($line =~ /^\\/)
		{
			return ("a meta-command outside the script's first lines: \"$line\"");
		}
		elsif ($line ne ''
			&& $line !~ /^--/
			&& $line !~ /^BEGIN ISOLATION LEVEL READ COMMITTED;$/
			&& $line !~ /^SELECT schemaver\.run_script_begin\('(upgrade|downgrade)', '[^'\n]*', '[0-9a-f]{64}'\);$/
			&& $line !~ /^SELECT schemaver\.run_script_end\('[0-9a-f]{64}'\);$/
			&& $line !~ /^COMMIT;$/)
		{
			return ("a line that is not the script's own: \"$line\"");
		}
		$pos = $eol + 1;
	}
	return ('', @steps);
}

# Bytes a reader must not get raw: C0 controls but LF and TAB, CR not in
# CR LF, DEL, C1 controls, bidirectional and zero-width characters, BOM.
sub raw_controls
{
	my ($text) = @_;
	my @found;
	while ($text =~ /([\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]|\xef\xbb\xbf)/g)
	{
		push @found, unpack('H*', $1);
	}
	return join(' ', @found);
}

# ----------------------------------------------------------------------
# Part 1: the attacks of the issue
# ----------------------------------------------------------------------

# Twin databases with the extension and the given revisions
# ([id, parent, upgrade, downgrade, message], texts as bytes).
sub make_twins
{
	my ($name, @revisions) = @_;
	my $register = "SET client_min_messages = warning;\nCREATE EXTENSION schemaver;\n";
	for my $r (@revisions)
	{
		my ($id, $parent, $up, $down, $message) = @$r;
		$register .= "SELECT schemaver_add_revision('$id', "
		  . (defined $parent ? "'$parent'" : 'NULL') . ', '
		  . hexlit($up) . ', '
		  . hexlit($down) . ', '
		  . hexlit($message) . ");\n";
	}
	$node->safe_psql('postgres',
		join('', map { "CREATE DATABASE $_ TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';\n" }
			("${name}_script", "${name}_online")));
	$node->safe_psql($_, $register) for ("${name}_script", "${name}_online");
	return ("${name}_script", "${name}_online");
}

sub state_of
{
	my ($db) = @_;
	return $node->safe_psql($db, $state_sql);
}

# Apply the preview of $call (e.g. "schemaver_upgrade_sql('head')") in the
# script twin with psql -f, make the online call in the other, and compare.
# Returns a hash of what happened.
sub preview_vs_online
{
	my ($name, $call, %opt) = @_;
	my ($dbs, $dbo) = ("${name}_script", "${name}_online");
	(my $online = $call) =~ s/_sql\(/(/;
	my $file = "$scripts/$name.sql";
	my %r;

	@r{qw(gen_rc text gen_err)} = write_script($dbs, $call, $file);
	is($r{gen_rc}, 0, "$name: the preview writes a script") or diag($r{gen_err});
	@r{qw(rc out err)} = apply_script($dbs, $file, @{ $opt{extra} // [] });
	no_marker("$name: psql -f");
	@r{qw(online_rc online_out online_err)} =
	  run_psql($dbo, '-c', "SELECT revision, operation FROM $online");
	no_marker("$name: the online call");
	is(sqlstate_of($r{err}), sqlstate_of($r{online_err}),
		"$name: the script and the online call end with the same SQLSTATE")
	  or diag("script:\n$r{err}\nonline:\n$r{online_err}");
	is(error_of($r{err}), error_of($r{online_err}),
		"$name: and the same error message");
	is(state_of($dbs), state_of($dbo),
		"$name: version, log and tables are the same in both databases");
	return %r;
}

# The text a query returns, exactly (psql would drop a final line feed),
# or the error it got.
sub seen
{
	my ($db, $sql) = @_;
	my ($rc, $out, $err) =
	  $node->psql($db, "SELECT encode(convert_to(($sql), 'UTF8'), 'hex')");
	return $rc == 0 ? pack('H*', $out) : "<$err>";
}

# (a) A string continued on the next line: the server reads one E'' string
# (\' is a quote in it), psql, lexing the lines, would see '\' and then
# \! on the second line.
{
	my $attack = "SELECT E'x'\n'\\' \\! touch marker_a; echo X #'\n-- '\n;\n";
	my $record = "CREATE TABLE seen_a AS SELECT E'x'\n'\\' \\! touch marker_a2; echo X #'\n-- '\nAS v;\n";
	my ($dbs, $dbo) = make_twins('attack_a',
		[ 'a1', undef, $attack, 'SELECT 1', undef ],
		[ 'a2', 'a1', $record, 'DROP TABLE seen_a', u8("continued \x{2018}strings\x{2019}") ]);
	is(seen($dbs, q{SELECT upgrade_sql FROM schemaver.revision WHERE revision = 'a1'}),
		"SELECT E'x'\n'\\' \\! touch marker_a; echo X #'\n-- '\n;\n",
		'(a) the revision holds the text of the issue');
	my %r = preview_vs_online('attack_a', "schemaver_upgrade_sql('head')");
	ok($r{gen_rc} == 0 && $r{rc} == 0, '(a) the script was written and runs') or diag($r{err});
	for my $db ($dbs, $dbo)
	{
		is(seen($db, 'SELECT v FROM seen_a'), "x' ! touch marker_a2; echo X #",
			"(a) $db: the server read one string");
	}
}

# (b) SET client_encoding = 'SJIS' in a revision: psql would lex what
# follows as SJIS, where C4 is a one-byte character and 80 starts a
# two-byte one that swallows the quote after it, so that the second string
# starts outside a quote, with \!.  b1 is the text of the issue, b2 records
# what the server read; b3, a next step with non-ASCII text (some of whose
# SJIS encodings end in a backslash), must still be read right, in the same
# script, and psql's own encoding at the end be the script's.
{
	my ($dbs, $dbo) = make_twins(
		'attack_b',
		[
			'b1', undef,
			u8("SET client_encoding = 'SJIS';\nSELECT 'x\x{100}', '\\! touch marker_b1 #';\n"),
			'SELECT 1', undef
		],
		[
			'b2', 'b1',
			u8("SET client_encoding = 'SJIS';\nCREATE TABLE seen_b AS SELECT 'x\x{100}' AS v1, '\\! touch marker_b2 #' AS v2;\n"),
			'DROP TABLE seen_b', undef
		],
		[
			'b3', 'b2',
			u8("CREATE TABLE seen_b3 AS SELECT '\x{30bd}\x{8868}\x{80fd} \x{100}' AS v, current_setting('client_encoding') AS enc;\n"),
			'DROP TABLE seen_b3', u8("\x{30bd}\x{8868} after SJIS")
		]);
	my %r = preview_vs_online('attack_b', "schemaver_upgrade_sql('head')",
		extra => [ '-c', '\echo psql encoding :ENCODING' ]);
	ok($r{gen_rc} == 0 && $r{rc} == 0, '(b) the script was written and runs') or diag($r{err});
	like($r{out}, qr/^psql encoding UTF8$/m, "(b) psql's own encoding is still UTF8 after the script");
	for my $db ($dbs, $dbo)
	{
		is(seen($db, q{SELECT v1 || '|' || v2 FROM seen_b}), u8("x\x{100}|\\! touch marker_b2 #"),
			"(b) $db: the SJIS step read its strings as the server does");
		is(seen($db, q{SELECT v FROM seen_b3}), u8("\x{30bd}\x{8868}\x{80fd} \x{100}"),
			"(b) $db: the next step read its non-ASCII text right");
	}
	is(seen($dbs, 'SELECT enc FROM seen_b3'), 'UTF8',
		'(b) the next step ran with the client encoding of the script');
}

# A script written in another client encoding says so, and psql reads it so.
{
	my ($dbs, $dbo) = make_twins('latin1',
		[ 'l1', undef, u8("CREATE TABLE seen_l AS SELECT 'caf\x{e9} \\' AS v -- \x{e9}t\x{e9}\n"), 'DROP TABLE seen_l', u8("\x{e9}t\x{e9}") ]);
	my $file = "$scripts/latin1.sql";
	my ($rc, $text, $err);
	{
		local $ENV{PGCLIENTENCODING} = 'LATIN1';
		($rc, $text, $err) = write_script($dbs, "schemaver_upgrade_sql('head')", $file);
	}
	is($rc, 0, 'LATIN1: the preview writes a script') or diag($err);
	like($text, qr/^\\encoding LATIN1$/m, 'LATIN1: the script pins its encoding');
	like($text, qr/caf\xe9 /, 'LATIN1: the script is written in LATIN1');
	($rc, undef, $err) = apply_script($dbs, $file);
	is($rc, 0, 'LATIN1: the script runs') or diag($err);
	no_marker('LATIN1');
	$node->safe_psql($dbo, "SET client_encoding = 'LATIN1'; SELECT count(*) FROM schemaver_upgrade('head')");
	is(state_of($dbs), state_of($dbo), 'LATIN1: version, log and tables are the same as online');
	is(seen($dbs, 'SELECT v FROM seen_l'), u8("caf\x{e9} \\"), 'LATIN1: the text reached the server right');
}

# (c) standard_conforming_strings off in a revision: psql would then see
# 'a\', ' as one string and send COMMIT on its own, ending the script's
# transaction and lock.  The server runs the statement as the online call
# does, which refuses the COMMIT: both fail alike, nothing stays.
{
	my ($dbs, $dbo) = make_twins('attack_c',
		[ 'c1', undef, 'CREATE TABLE c1 (a int)', 'DROP TABLE c1', undef ],
		[ 'c2', 'c1', "CREATE TABLE c2 (a int);\nSET standard_conforming_strings = off;\nSELECT 'a\\', '; COMMIT; --';\n", 'DROP TABLE c2', undef ],
		[ 'c3', 'c2', "CREATE TABLE c3 (a int);\nSELECT 1/0;\n", 'DROP TABLE c3', undef ]);
	my $before = state_of($dbs);
	my %r = preview_vs_online('attack_c', "schemaver_upgrade_sql('head')");
	ok($r{gen_rc} == 0 && $r{rc} == 3, '(c) the script was written, and fails') or diag($r{err});
	is(sqlstate_of($r{err}), '2D000', '(c) on the COMMIT, refused in the step (invalid_transaction_termination)')
	  or diag($r{err});
	like($r{err}, qr/upgrade of revision "c2", statement 3/, '(c) which the error names');
	is(state_of($dbs), $before, '(c) the script changed nothing');
	is(state_of($dbo), $before, '(c) the online call changed nothing');
}

# (d) Terminal control sequences in a comment (CR, ESC[2K, ESC[1A: a line
# that cat or less would hide), a bidi override, and fake markers of the
# script inside the SQL; a second revision with fake markers and no
# control character, written as it is.
{
	my $fake_step =
	    "\$sv_0123456789ab\$);\n"
	  . "\$sv_\$);\n"
	  . "-- <<< end of upgrade SQL\n"
	  . "-- ============================================================================\n"
	  . "-- Step 2 of 2: upgrade d1 -> d2\n"
	  . "--   and \$sv_0123456789ab\$.\n"
	  . "-- ============================================================================\n"
	  . "SELECT * FROM schemaver.run_script_step('0000', 2, 'd2', 'upgrade', 'abc', \$sv_0123456789ab\$\n"
	  . "\\! touch marker_d\n"
	  . "\\o marker_d_o\n";
	my $d1 = u8("/* an innocent comment\r\e[2K\e[1A\e[2K-- hidden: \\! touch marker_d_comment */\n"
		  . "CREATE TABLE d_hidden (a int); -- \x{202e}txet desrever\n"
		  . "CREATE TABLE seen_d AS SELECT \$x\$\n$fake_step\$x\$::text AS v;\r\n");
	my $d2 = "INSERT INTO seen_d SELECT \$x\$\n$fake_step\tCOMMIT;\n\$x\$;\n";
	my ($dbs, $dbo) = make_twins('attack_d',
		[ 'd1', undef, $d1, 'DROP TABLE seen_d, d_hidden', u8("fake \e[1A markers\r-- Step 9") ],
		[ 'd2', 'd1', $d2, 'DELETE FROM seen_d', undef ]);
	my %r = preview_vs_online('attack_d', "schemaver_upgrade_sql('head')");
	ok($r{gen_rc} == 0 && $r{rc} == 0, '(d) the script was written and runs') or diag($r{err});
	is(raw_controls($r{text}), '',
		'(d) the script holds no raw control byte (but LF, TAB, CR LF) and no raw bidi character');
	my ($error, @steps) = parse_script($r{text});
	is($error, '', '(d) psql reads the script as it was written');
	is(scalar(@steps), 2, '(d) two steps, the fake ones inside the SQL');
	my ($s1, $s2) = (@steps, {}, {});
	is($s1->{sql} // '', $d1, '(d) step 1 passes the whole SQL of d1, fake markers included');
	is($s2->{sql} // '', $d2, '(d) step 2 passes the whole SQL of d2, fake markers included');
	ok($s1->{escaped} && defined $s2->{escaped} && !$s2->{escaped},
		'(d) the SQL with control characters is written escaped, the other as it is');
	for my $s (@steps)
	{
		is(index($s->{sql}, $s->{tag}), -1, "(d) step $s->{n}: its tag $s->{tag} is not in its SQL");
	}
	like($r{text}, qr/^\/\* an innocent comment\\015\\033\[2K\\033\[1A\\033\[2K-- hidden: \\\\! touch marker_d_comment \*\/$/m,
		'(d) the control sequences are shown escaped');
	like($r{text}, qr/\\342\\200\\256txet/, '(d) so is the bidi override');
	like($r{text}, qr/^--   fake \\x1b\[1A markers\\r-- Step 9$/m, '(d) and those of the message');
	for my $db ($dbs, $dbo)
	{
		is(seen($db, q{SELECT string_agg(v, '|' ORDER BY length(v)) FROM seen_d}),
			"\n$fake_step|\n$fake_step\tCOMMIT;\n", "(d) $db: the fake markers were strings");
	}

	# What psql prints while it applies the script reaches a terminal too.
	is(raw_controls($r{err} =~ s/\n/ /gr), '',
		'(d) psql printed no raw control character while applying the script');
}

# (e) Catalog rows are hostile too: a role that may write schemaver.revision
# (README's migrator may) or a restored dump can store any checksum, and a
# script must not paste it where psql reads it.
{
	my ($dbs, $dbo) = make_twins('attack_e',
		[ 'e1', undef, 'CREATE TABLE e1 (a int)', 'DROP TABLE e1', undef ]);
	# The catalog refuses such a checksum (1.1's CHECK constraint) ...
	my ($ret, $out, $stderr) = $node->psql($dbs,
		q{UPDATE schemaver.revision SET checksum = E'0\n\\\\! touch marker_e\n' WHERE revision = 'e1'});
	like($stderr, qr/violates check constraint "revision_checksum_format"/,
		'(e) the catalog refuses a checksum that is not 64 hex digits');
	# ... and a preview refuses to write one that got in all the same (the
	# constraint dropped by a superuser, say).
	$node->safe_psql($dbs, q{
ALTER TABLE schemaver.revision DROP CONSTRAINT revision_checksum_format;
UPDATE schemaver.revision SET checksum = E'0\n\\\\! touch marker_e\n' WHERE revision = 'e1'});
	my $file = "$scripts/attack_e.sql";
	my ($rc, $text, $err) = write_script($dbs, "schemaver_upgrade_sql('head')", $file);
	isnt($rc, 0, '(e) the preview refuses a damaged checksum');
	like($err, qr/revision "e1" has a damaged checksum/, '(e) naming the revision');
	unlike($err, qr/XX000/, '(e) the preview ends cleanly');
	($rc) = apply_script($dbs, $file) if $rc == 0;
	no_marker('(e) a hand-written checksum');
	stray_files();
}

# ----------------------------------------------------------------------
# Part 2: differential fuzz test
# ----------------------------------------------------------------------

# Pieces of hostile text.
my @meta = (
	'\\! touch marker_shell #', '\\o marker_o', '\\w marker_w', '\\g marker_g',
	"\\copy (SELECT 1) to 'marker_copy'", '\\set foo CHANGED', '\\gset', '\\i inc.sql',
	'\\ir inc.sql', '\\e', '\\o | touch marker_pipe', '\\gexec', '\\;', '\\\\',
	'\\encoding SJIS', '\\set ON_ERROR_STOP off', '\\q', '\\if true', '\\endif',
	'\\unset foo', '\\echo hi', '\\.', '\\! echo X > marker_echo');
my @colons = (':foo', ":'name'", ':"bar"', ':{?foo}', '::', '[1:2]', ':name', ':2',
	':x', ":'tag'", ':"sv"', ':=', ':foo:bar');
my @markers = (
	'$sv_', '$sv_0123456789ab$', '$sv_0123456789ab$);', '$$', '$q$', '$a$', '$ab$', '$sv_$',
	'-- Step 2 of 3: upgrade x -> y', 'SELECT * FROM schemaver.run_script_step(',
	"', 'escape'), pg_catalog.getdatabaseencoding()));", '-- <<< end of upgrade SQL',
	'COMMIT;', 'BEGIN;', 'ROLLBACK;', "E'", "U&'", '"', "'", "''", '/*', '*/', '--',
	';', '$', '\\', '\\\\', 'echo X #', '-- ====', "\\'", '#');
my @words = ('x', 'abc', ' ', '  ', 'touch marker_word', 'SELECT 1', 'DROP TABLE fz', '1', 'e',
	'x', '%s', '{', '}', '?', '!', '|', '&', '*', '(', ')', ',', '.', "\t");
my @nonascii = map { u8($_) } (
	"\x{e9}", "\x{100}", "\x{30bd}", "\x{8868}", "\x{80fd}", "\x{65e5}\x{672c}\x{8a9e}",
	"\x{1f600}", "\x{a0}", "\x{3a9}", "\x{2028}", "x\x{100}", "\x{ff3c}", "\x{5341}");
my @invisible = ((map { chr($_) } (1 .. 8, 11, 12, 14 .. 31, 127)),
	"\r", "\e[2K", "\e[1A", "\e]0;title\a", map { u8($_) } (
		"\x{202e}", "\x{202d}", "\x{200b}", "\x{200f}", "\x{feff}", "\x{2066}", "\x{2069}",
		"\x{85}", "\x{9b}"));
my @newlines = ("\n", "\r\n", "\n\n");

# Shared by the generators: whether the case being generated may hold
# characters that make its step escaped; whether the statement being
# generated runs with a client encoding other than UTF8 (where a warning
# that quotes non-ASCII text could not be sent: no backslash in a standard
# string while standard_conforming_strings is off), and with one that is
# not ASCII-safe (SJIS, BIG5, GBK: the server refuses \' in a string,
# backslash_quote).
my $allow_invisible;
my $other_encoding;
my $unsafe_encoding;

sub pick { return $_[ int(rand(@_)) ]; }

sub atom
{
	my $r = rand();
	return pick(@words)     if $r < 0.22;
	return pick(@meta)      if $r < 0.40;
	return pick(@colons)    if $r < 0.50;
	return pick(@markers)   if $r < 0.64;
	return pick(@nonascii)  if $r < 0.78;
	return pick(@newlines)  if $r < 0.86;
	return $allow_invisible ? pick(@invisible) : pick(@words);
}

sub content
{
	my ($max) = @_;
	my $s = '';
	$s .= atom() for 1 .. int(rand(($max // 6) + 1));
	return $s;
}

# Whitespace between tokens, comments included.
sub ws
{
	my $r = rand();
	return ' ' if $r < 0.45;
	return pick("\n", "\r\n", "\t", "\n\n  ") if $r < 0.65;
	return ($allow_invisible ? pick("\r", "\f", "\r\r\n") : ' ') if $r < 0.70;
	return ' ' . block_comment() . ' ' if $r < 0.85;
	return ' ' . line_comment();
}

# -- comment: anything but a line break, up to one.
sub line_comment
{
	(my $c = content(4)) =~ s/[\r\n]/ /g;
	return "--$c" . pick("\n", "\r\n", "\n\n");
}

# /* comment */, sometimes nested.
sub block_comment
{
	my $c = content(5);
	$c =~ s{/\*}{/ *}g;
	$c =~ s{\*/}{* /}g;
	$c = " $c ";
	return rand() < 0.3 ? "/* $c /* $c */ $c */" : "/*$c*/";
}

# A standard '...' literal; with standard_conforming_strings off, each
# backslash is doubled, so that the text splits into the same statements
# whichever the setting.
sub std_body
{
	my ($c, $scs_off) = @_;
	$c =~ s/'/''/g;
	$c =~ s/\\//g if $scs_off && $other_encoding;
	$c =~ s/\\/\\\\/g if $scs_off;
	return $c;
}

# The body of an E'...' literal: escapes and raw text.
sub e_body
{
	my $s = '';
	for (1 .. int(rand(6)))
	{
		my $r = rand();
		if ($r < 0.5)
		{
			(my $c = atom()) =~ s/\\/\\\\/g;
			$c =~ s/'/rand() < 0.5 && !$unsafe_encoding ? "\\'" : "''"/ge;
			$s .= $c;
		}
		else
		{
			$s .= pick('\\\\', ($unsafe_encoding ? "''" : "\\'"), '\\n', '\\r', '\\t', '\\b', '\\f', '\\!', '\\o', '\\w',
				'\\x41', '\\x7e', '\\x3a', '\\101', '\\047', '\\134', '\\u00e9', '\\u0100',
				'\\u202e', '\\U0001F600', '\\u30bd', "''");
		}
	}
	return $s;
}

# The body of a U&'...' literal, with \ or another escape character.
sub u_literal
{
	my $esc = rand() < 0.7 ? '\\' : '!';
	my $s = '';
	for (1 .. int(rand(5)))
	{
		if (rand() < 0.5)
		{
			(my $c = atom()) =~ s/'/''/g;
			$c =~ s/\Q$esc\E/$esc$esc/g;
			$s .= $c;
		}
		else
		{
			$s .= $esc . pick('0061', '00e9', '0100', '30bd', '202e', '+01F600', '005c', '0027');
		}
	}
	return $esc eq '\\' ? "U&'$s'" : "U&'$s' UESCAPE '!'";
}

# $tag$...$tag$ with a body that does not end the quote early.
sub dollar_literal
{
	my $tag = pick('', 'q', 'sv_', 'sv_0', 'sv_0123456789ab', 'a', 'ab', 'abc', 'x_1', u8("\x{100}"), 'sv');
	for (1 .. 10)
	{
		my $c = content(6);
		my $t = "\$$tag\$";
		return "$t$c$t" if index("$c$t", $t) == length($c);
	}
	return "\$$tag\$x\$$tag\$";
}

# A string continued across lines: whitespace with a line break, maybe
# comments, between two literals.
sub continuation
{
	my ($scs_off) = @_;
	my $e = rand() < 0.5;
	my $sep = pick(' ', '', "\t") . pick("\n", "\r\n", ($allow_invisible ? ("\r") : ()));
	$sep .= pick('', '  ', line_comment(), ' ' . line_comment() . "\t");
	if ($e)
	{
		return "E'" . e_body() . "'$sep'" . e_body() . "'";
	}
	return "'" . std_body(content(), $scs_off) . "'$sep'" . std_body(content(), $scs_off) . "'";
}

# A quoted identifier, recorded through row_to_json.
sub ident_term
{
	my ($scs_off) = @_;
	my $c;
	for (1 .. 10)
	{
		$c = content(3);
		last if $c ne '' && length($c) <= 40;
	}
	$c = 'id' if $c eq '' || length($c) > 40;
	$c =~ s/"/""/g;
	return "(SELECT row_to_json(s)::text FROM (SELECT " . literal($scs_off) . " AS \"$c\") s)";
}

sub literal
{
	my ($scs_off) = @_;
	my $r = rand();
	return "'" . std_body(content(), $scs_off) . "'" if $r < 0.30;
	return pick('E', 'e') . "'" . e_body() . "'" if $r < 0.50;
	return u_literal() if $r < 0.60 && !$scs_off;
	return dollar_literal() if $r < 0.80;
	return continuation($scs_off);
}

sub term
{
	my ($scs_off) = @_;
	my $r = rand();
	return literal($scs_off) if $r < 0.80;
	return ident_term($scs_off) if $r < 0.88;
	return pick(
		"(ARRAY['p','q','r'])[1:2]::text", "'7'::int::text", '12::text', "CAST(1.5 AS text)",
		"(SELECT (ARRAY['p','q','r'])[1:foo]::text FROM (SELECT 2 AS foo) s)",
		"(SELECT (ARRAY['p','q','r'])[1:\"foo\"]::text FROM (SELECT 2 AS foo) s)",
		"(SELECT (ARRAY['p','q','r'])[name:2]::text FROM (SELECT 1 AS name) s)",
		"(SELECT (ARRAY['p','q','r'])[x : x]::text FROM (SELECT 3 AS x) s)");
}

sub expr
{
	my ($scs_off) = @_;
	my $e = term($scs_off);
	$e .= ws() . '||' . ws() . term($scs_off) for 1 .. int(rand(3));
	return $e;
}

# A valid revision text: statements that record what they read into
# $table.  Returns (text, number of rows it inserts).
sub valid_text
{
	my ($n, $table) = @_;
	my $scs_off = 0;
	my @units;

	$unsafe_encoding = $other_encoding = 0;
	my $rows = 0;
	my $k = 0;

	for (1 .. 1 + int(rand(4)))
	{
		my $r = rand();
		if ($r < 0.55)
		{
			$k++;
			push @units,
			  rand() < 0.7
			  ? "INSERT INTO $table VALUES ($n," . ws() . "$k," . ws() . expr($scs_off) . ')'
			  : "INSERT INTO $table SELECT $n, $k, " . expr($scs_off);
			$rows++;
		}
		elsif ($r < 0.65)
		{
			$scs_off = rand() < 0.6;
			push @units, pick('SET standard_conforming_strings = ', 'SET standard_conforming_strings TO ')
			  . ($scs_off ? 'off' : 'on');
		}
		elsif ($r < 0.72)
		{
			my $enc = pick('SJIS', 'LATIN1', 'BIG5', 'GBK', 'EUC_JP', 'UTF8', 'WIN1252', 'SQL_ASCII', 'EUC_KR');
			$unsafe_encoding = $enc =~ /^(SJIS|BIG5|GBK)$/;
			$other_encoding = $enc ne 'UTF8';
			push @units, pick("SET client_encoding = '$enc'", "SET NAMES '$enc'",
				"SELECT pg_catalog.set_config('client_encoding', '$enc', false)");
		}
		elsif ($r < 0.78 && $scs_off && !$other_encoding)
		{
			# read as one statement when splitting, as two when run
			$k++;
			push @units, "SELECT 'a\\', '; INSERT INTO $table VALUES ($n, $k, \$q\$smuggled\$q\$); --'";
			$rows++;
		}
		elsif ($r < 0.86)
		{
			push @units, rand() < 0.5 ? block_comment() : line_comment();
		}
		else
		{
			push @units, 'SELECT ' . expr($scs_off);
		}
	}
	my $text = rand() < 0.3 ? ws() : '';
	for my $i (0 .. $#units)
	{
		$text .= $units[$i];
		# a line comment ends with its line break; anything else needs ';'
		# but the last, which may go without
		$text .= ';' . pick('', ';') unless $i == $#units && rand() < 0.3;
		$text .= ws();
	}
	$text = '' if rand() < 0.01 && $rows == 0;
	return ($text, $rows);
}

# A text that must fail: valid statements around an invalid or refused one.
sub invalid_text
{
	my ($n, $table) = @_;
	my ($pre) = valid_text($n, $table);
	my $bad = pick(
		"SELECT 'unterminated " . std_body(content(), 1),
		'SELEC 1', "\\! touch marker_raw #", 'SELECT :foo', "SELECT :'name'",
		'SELECT 1/0', "SELECT E'\\xff'", 'COMMIT', 'ROLLBACK', 'BEGIN', 'SAVEPOINT s1',
		'START TRANSACTION', 'END', 'ABORT', "PREPARE TRANSACTION 'p'", 'COMMIT AND CHAIN',
		"COPY $table FROM STDIN", "COPY $table FROM STDIN;\n1\t2\tx\n\\.\n", "COPY $table TO STDOUT",
		'DELETE FROM schemaver.log', 'DROP EXTENSION schemaver',
		"SELECT schemaver_upgrade('head')", "INSERT INTO schemaver.version VALUES ('x')",
		'ALTER TABLE schemaver.log ADD COLUMN z int',
		"SELECT schemaver.run_script_begin('upgrade', 'head', '" . ('0' x 64) . "')",
		"SET standard_conforming_strings = off;\nSELECT 'a\\', '; COMMIT; --'",
		"SET standard_conforming_strings = off;\nSELECT U&'\\0061'",
		'VACUUM fz', "SET client_encoding = 'nope'",
		u8("SET client_encoding = 'SJIS'; SELECT 'x\x{100}'::int"),
		u8("SET client_encoding = 'LATIN1'; SELECT '\x{30bd}'::int"),
		"DO \$\$BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '22023'; END\$\$",
		"SELECT 'x' FROM " . u8("\x{202e}"));
	my $text = $pre . ";\n" . $bad;
	$text .= ";\n" . (valid_text($n, $table))[0] if rand() < 0.5 && $bad !~ /^SELECT 'unterminated/;
	return $text;
}

srand($seed);
note("fuzz: seed $seed, $ncase cases, $batch valid revisions per script");
my $fuzz_start = time();

my ($FS, $FO) = ('fuzz_script', 'fuzz_online');
for my $db ($FS, $FO)
{
	$node->safe_psql('postgres',
		"CREATE DATABASE $db TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'");
	$node->safe_psql($db,
		'CREATE EXTENSION schemaver; CREATE TABLE fz (n int, k int, v text); CREATE TABLE fz_down (n int, k int, v text)');
}
my %sess = ($FS => PsqlSession->new($node, $FS), $FO => PsqlSession->new($node, $FO));

my %case;           # n => { id, up, down, kind }
my $last_state;         # of both databases, after the last run
my $head;           # the revision both databases are at (undef: base)
my $failures = 0;
my %stats = (valid => 0, invalid => 0, down_invalid => 0, scripts => 0, steps => 0,
	escaped => 0, batches => 0, downgrades => 0, rows => 0, psql_time => 0);

$last_state = fuzz_state($FO);

sub case_hex
{
	my ($n) = @_;
	my $c = $case{$n};
	return "case $n (revision $c->{id}, $c->{kind}): upgrade SQL hex "
	  . unpack('H*', $c->{up})
	  . ', downgrade SQL hex '
	  . (defined $c->{down} ? unpack('H*', $c->{down}) : 'NULL');
}

# The cases an error names (its context: upgrade of revision "c00012").
sub cases_named
{
	my ($err) = @_;
	my %ids = map { $case{$_}{id} => $_ } keys %case;
	my %n;
	while ($err =~ /revision "([a-z0-9_]+)"/g)
	{
		$n{ $ids{$1} } = 1 if defined $ids{$1};
	}
	return sort { $a <=> $b } keys %n;
}

# A failure, with what it is about and the cases to reproduce it (the ones
# the errors name, else the first of the run's).
sub fuzz_fail
{
	my ($what, $errors, $ns, @details) = @_;
	my @cases = cases_named($errors);
	@cases = @$ns unless @cases;
	splice(@cases, 3) if @cases > 3;
	$failures++;
	fail($what);
	diag($_) for (@details, map { case_hex($_) } @cases);
	return;
}

sub register_cases
{
	my (@ns) = @_;
	my $quote = sub { defined $_[0] ? "'" . unpack('H*', $_[0]) . "'" : 'NULL' };
	my $sql =
	    'SELECT count(schemaver_add_revision(id, parent, '
	  . "convert_from(decode(up, 'hex'), 'UTF8'), convert_from(decode(down, 'hex'), 'UTF8'), "
	  . "convert_from(decode(message, 'hex'), 'UTF8'))) FROM (VALUES\n"
	  . join(",\n",
		map {
			my $c = $case{$_};
			"('$c->{id}', "
			  . ($c->{parent} ? "'$c->{parent}'" : 'NULL')
			  . '::text, '
			  . $quote->($c->{up}) . ', '
			  . $quote->($c->{down}) . '::text, '
			  . $quote->($c->{message}) . '::text)'
		} @ns)
	  . "\n) AS v(id, parent, up, down, message)";
	for my $db ($FS, $FO)
	{
		my ($out, $err) = $sess{$db}->query($sql);
		die "registering cases @ns[0, -1] in $db failed: $err" if $err =~ /ERROR/;
	}
	return;
}

sub fuzz_state
{
	my ($db) = @_;
	return $sess{$db}->query_safe($state_sql . rows_sql('fz') . rows_sql('fz_down'));
}

# On a difference, name the cases whose rows differ.
sub differing_cases
{
	my %per;
	for my $db ($FS, $FO)
	{
		for my $table ('fz', 'fz_down')
		{
			my $out = $sess{$db}->query_safe(
				qq{SELECT n || ' ' || md5(string_agg(k || ':' || encode(convert_to(v, 'UTF8'), 'hex'), ',' ORDER BY k, v))
				     FROM $table GROUP BY n ORDER BY n});
			for (split /\n/, $out)
			{
				my ($n, $h) = split / /;
				$per{$table}{$n}{$db} = $h;
			}
		}
	}
	my @diff;
	for my $table ('fz', 'fz_down')
	{
		for my $n (sort { $a <=> $b } keys %{ $per{$table} })
		{
			my ($s, $o) = map { $per{$table}{$n}{$_} // '<none>' } ($FS, $FO);
			push @diff, $n if $s ne $o;
		}
	}
	return @diff;
}

# Apply $call's script in the script database and the online call in the
# other; compare.  $expect_fail: the call must fail (in both).
sub fuzz_run
{
	my ($call, $label, $ns, $expect_fail) = @_;
	(my $online = $call) =~ s/_sql\(/(/;
	my $file = "$scripts/fuzz.sql";
	my $before = $last_state;

	my ($hex, $gen_err) = $sess{$FS}->query("SELECT encode(convert_to($call, 'UTF8'), 'hex')");
	if ($gen_err =~ /ERROR/)
	{
		fuzz_fail("$label: the preview writes a script", $gen_err, $ns, $gen_err);
		return;
	}
	my $text = pack('H*', $hex);
	open(my $fh, '>:raw', $file) or die "$file: $!";
	print $fh $text, "\n";
	close($fh);
	$stats{scripts}++;

	# what psql reads: the script's own lines, and each step's SQL as
	# registered
	my ($perr, @steps) = parse_script($text);
	my $raw = raw_controls($text);
	my @bad;
	for my $s (@steps)
	{
		my $c = (grep { $case{$_}{id} eq $s->{revision} } @$ns)[0];
		next unless defined $c;
		my $want = $s->{operation} eq 'upgrade' ? $case{$c}{up} : $case{$c}{down};
		push @bad, $c if $s->{sql} ne $want;
		$stats{steps}++;
		$stats{escaped}++ if $s->{escaped};
	}
	$perr = sprintf('%d steps, not %d', scalar(@steps), scalar(@$ns))
	  if $perr eq '' && @steps != @$ns;
	if ($perr ne '' || $raw ne '' || @bad)
	{
		fuzz_fail("$label: psql reads the script as written", '', @bad ? \@bad : $ns,
			"parse: $perr", "raw control bytes: $raw");
	}

	my $t0 = time();
	my ($rc, $out, $err) = apply_script($FS, $file);
	$stats{psql_time} += time() - $t0;
	my $stray = stray_files();
	fuzz_fail("$label: psql wrote no file", $err, $ns, "files: $stray", "psql's stderr: $err")
	  if $stray ne '';
	# in a transaction block, as the script runs (some errors say whether
	# they happened in one)
	my ($oout, $oerr) = $sess{$FO}->query("BEGIN;\nSELECT count(*) FROM $online;\nCOMMIT");
	my ($ss, $so) = (sqlstate_of($err), sqlstate_of($oerr));

	if ($ss ne $so || ($expect_fail ? $so eq '' : ($so ne '' || $rc != 0)))
	{
		fuzz_fail(
			"$label: the script (status $rc, SQLSTATE '$ss') and the online call (SQLSTATE '$so') "
			  . ($expect_fail ? 'fail alike' : 'succeed'),
			"$err $oerr", $ns, "script stderr: $err", "online stderr: $oerr");
	}
	elsif ($expect_fail && (error_of($err) ne error_of($oerr) || $so eq 'XX000'))
	{
		fuzz_fail("$label: the same error, with a specific SQLSTATE", "$err $oerr", $ns,
			'script: ' . error_of($err), 'online: ' . error_of($oerr));
	}

	my ($sstate, $ostate) = (fuzz_state($FS), fuzz_state($FO));
	$last_state = $ostate;
	# where the next revisions go: where the online call left the database
	$head = $ostate =~ /^version: ([a-z0-9_]+)$/m ? $1 : undef;
	if ($sstate ne $ostate)
	{
		my @diff = differing_cases();
		fuzz_fail("$label: the same version, log and rows in both databases", '',
			@diff ? \@diff : $ns, "script:\n$sstate", "online:\n$ostate",
			'rows differ for cases: ' . join(' ', @diff));
	}
	elsif ($expect_fail && $sstate ne $before)
	{
		fuzz_fail("$label: a failed call changes nothing", '', $ns,
			"before:\n$before", "after:\n$sstate");
	}
	return;
}

my @pending_valid;
my @pending_invalid;

sub flush_valid
{
	return unless @pending_valid;
	my $start = $head;
	my @ns = @pending_valid;
	@pending_valid = ();
	my $parent = $head;
	for my $n (@ns)
	{
		$case{$n}{parent} = $parent;
		$parent = $case{$n}{id};
	}
	register_cases(@ns);
	my $last = $case{ $ns[-1] }{id};
	$stats{batches}++;
	fuzz_run("schemaver_upgrade_sql('$last')", "cases $ns[0]..$ns[-1] up", \@ns, 0);

	# every third batch goes down again (to a target, or by a number of
	# steps); the next one then starts where this one started, on a branch
	# of its own
	if ($stats{batches} % 3 == 1 && ($head // '') eq $last)
	{
		$stats{downgrades}++;
		fuzz_run(
			$stats{downgrades} % 2
			? "schemaver_downgrade_sql('" . ($start // 'base') . "')"
			: 'schemaver_downgrade_sql(' . scalar(@ns) . ')',
			"cases $ns[0]..$ns[-1] down", \@ns, 0);
	}
	return;
}

sub run_invalid
{
	my ($n) = @_;
	my $c = $case{$n};
	$c->{parent} = $head;
	register_cases($n);
	if ($c->{kind} eq 'invalid upgrade')
	{
		fuzz_run("schemaver_upgrade_sql('$c->{id}')", "case $n (invalid upgrade)", [$n], 1);
	}
	else
	{
		fuzz_run("schemaver_upgrade_sql('$c->{id}')", "case $n (up, before an invalid downgrade)", [$n], 0);
		fuzz_run("schemaver_downgrade_sql('" . ($c->{parent} // 'base') . "')",
			"case $n (invalid downgrade)", [$n], 1)
		  if ($head // '') eq $c->{id};
	}
	return;
}

for my $n (1 .. $ncase)
{
	$allow_invisible = rand() < 0.35;
	my $message = rand() < 0.2 ? content(4) : undef;
	my $id = sprintf('c%05d', $n);
	if (rand() < 0.03)
	{
		my $down_bad = rand() < 0.2;
		my ($up, $rows) = $down_bad ? valid_text($n, 'fz') : (invalid_text($n, 'fz'), 0);
		my $down = $down_bad ? invalid_text($n, 'fz_down') : (rand() < 0.5 ? undef : 'SELECT 1');
		$case{$n} = { id => $id, up => $up, down => $down, message => $message,
			kind => $down_bad ? 'invalid downgrade' : 'invalid upgrade' };
		$stats{ $down_bad ? 'down_invalid' : 'invalid' }++;
		$stats{rows} += $rows;
		push @pending_invalid, $n;
	}
	else
	{
		my ($up, $rows) = valid_text($n, 'fz');
		my ($down) = valid_text($n, 'fz_down');
		$case{$n} = { id => $id, up => $up, down => $down, message => $message, kind => 'valid', rows => $rows };
		$stats{valid}++;
		$stats{rows} += $rows;
		push @pending_valid, $n;
	}
	if (@pending_valid >= $batch || $n == $ncase)
	{
		flush_valid();
		run_invalid($_) for @pending_invalid;
		@pending_invalid = ();
	}
	last if $failures >= $max_failures;
}

is($failures, 0, 'fuzz: every script ran as the online call did, and no meta-command ran');

# The fuzz test reached what it means to: valid revisions recorded rows,
# steps written escaped and as they are, downgrades.
my $online_rows = $sess{$FO}->query_safe(
	'SELECT count(DISTINCT (n, k)) FROM fz');
is($online_rows, $stats{rows}, 'fuzz: each valid case inserted the rows it was made to insert')
  unless $failures;
cmp_ok($stats{escaped}, '>', $stats{steps} / 10, 'fuzz: many steps were written escaped');
cmp_ok($stats{steps} - $stats{escaped}, '>', $stats{steps} / 10, 'fuzz: many steps were written as they are');
note(sprintf(
		'fuzz: %d valid, %d invalid upgrades, %d invalid downgrades; %d scripts, %d steps (%d escaped), %d batches (%d downgraded); %d rows; %.1f s (%.1f s in psql -f)',
		$stats{valid}, $stats{invalid}, $stats{down_invalid}, $stats{scripts}, $stats{steps},
		$stats{escaped}, $stats{batches}, $stats{downgrades}, $stats{rows}, time() - $fuzz_start,
		$stats{psql_time}));

$sess{$_}->quit for keys %sess;
$node->stop;
done_testing();
