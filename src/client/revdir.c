/*-------------------------------------------------------------------------
 *
 * revdir.c
 *	  The directory of revision files, as the schemaver command reads it:
 *	  which files, their digest, the parameters that carry them to the
 *	  server, and the names of new revisions.
 *
 * A revision file is a regular file whose name ends in ".sql" and does not
 * start with a dot, directly in the directory (sub-directories are not
 * read); other files (README, notes) are left alone.  Files are sorted by
 * name in byte order.  Each must be valid UTF-8 without NUL bytes; what it
 * contains is checked by the server (src/revfile.c), never run.
 *
 * The digest is SHA-256 over "schemaver-directory-1\n" and, per file in
 * name order, its name, a NUL, its length in decimal, a NUL and its bytes:
 * the server computes the same over the files it registers and remembers
 * it (src/sync.c), so that a directory with nothing new costs one round
 * trip.
 *
 * src/client/revdir.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cryptohash.h"
#include "common/sha2.h"
#include "mb/pg_wchar.h"

#include "client.h"

/*
 * A file's path for a message (only built when there is one to print),
 * escaped: a name in a checkout may hold characters that act on a terminal.
 */
#define PATH_OF(dirpath, name) \
	escape_line((dirpath) ? revdir_path((dirpath), (name)) : (name))

static int	compare_names(const void *a, const void *b);
static void symlink_error(const char *dirpath, const char *name);
static int	entry_is_revision_file(const char *path, unsigned char d_type,
								   const char *name);
static char *read_file_at(int dirfd, const char *name, const char *dirpath,
						  size_t *len, bool text, bool untrusted);
static void append_array_element(PQExpBuffer buf, const char *s, size_t len);

/*
 * read_file
 *		The whole content of a file (malloc'd, NUL-terminated), or NULL
 *		after printing why.  text: refuse NUL bytes and invalid UTF-8.
 */
char *
read_file(const char *path, size_t *len, bool text)
{
	return read_file_at(AT_FDCWD, path, NULL, len, text, false);
}

/*
 * read_untrusted_file
 *		read_file of a file in a tree the user did not write (a project
 *		being imported): not through a symbolic link, and only a regular
 *		file (see read_file_at).
 */
char *
read_untrusted_file(const char *path, size_t *len, bool text)
{
	return read_file_at(AT_FDCWD, path, NULL, len, text, true);
}

/*
 * read_file_at
 *		read_file of name relative to the directory open as dirfd (dirpath,
 *		or NULL when name is a path, for messages): opening files of one
 *		directory by a name relative to it spares the kernel walking the
 *		directory's path a thousand times.
 *
 * An untrusted file (of a revision directory, or of a project being
 * imported) is opened without following a symbolic link and without
 * blocking, and must be a regular file: what a listing of its directory
 * saw may have been replaced since, and the open itself is the check that
 * counts.  A path the user named (read_file) is read as given, a pipe
 * included.
 */
static char *
read_file_at(int dirfd, const char *name, const char *dirpath, size_t *len,
			 bool text, bool untrusted)
{
	int			flags = O_RDONLY | PG_BINARY;
	int			fd;
	struct stat st;
	char	   *buf;
	size_t		size;
	size_t		done = 0;
	int			bad;

	if (untrusted)
		flags |= O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	fd = openat(dirfd, name, flags, 0);
	if (fd < 0 && untrusted && errno == ELOOP)
	{
		symlink_error(dirpath, name);
		return NULL;
	}
	if (fd < 0)
	{
		error_msg("could not open file \"%s\": %s", PATH_OF(dirpath, name), strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0)
	{
		error_msg("could not read file \"%s\": %s", PATH_OF(dirpath, name), strerror(errno));
		close(fd);
		return NULL;
	}
	if (untrusted && !S_ISREG(st.st_mode))
	{
		error_msg("\"%s\" is not a regular file", PATH_OF(dirpath, name));
		close(fd);
		return NULL;
	}
	/*
	 * Ask for one byte more than the file's size: when fewer come, that was
	 * the whole file, without a last read to see its end (a thousand files
	 * are read at every start).  A file that grew is read to its end.
	 */
	size = (st.st_size > 0 ? (size_t) st.st_size : 0) + 1;
	buf = pg_malloc(size + 1);
	for (;;)
	{
		ssize_t		n;

		if (done == size)
			buf = pg_realloc(buf, (size *= 2) + 1);
		n = read(fd, buf + done, size - done);
		if (n < 0)
		{
			error_msg("could not read file \"%s\": %s", PATH_OF(dirpath, name), strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		done += n;
		if (n == 0 || (S_ISREG(st.st_mode) && done < (size_t) st.st_size + 1))
			break;
	}
	close(fd);
	buf[done] = '\0';
	if (text && memchr(buf, '\0', done) != NULL)
	{
		error_msg("file \"%s\" contains a NUL byte: it is not a text file", PATH_OF(dirpath, name));
		free(buf);
		return NULL;
	}
	if (text && (bad = pg_encoding_verifymbstr(PG_UTF8, buf, done)) != (int) done)
	{
		error_msg("file \"%s\" is not valid UTF-8 (at byte %d)", PATH_OF(dirpath, name), bad + 1);
		free(buf);
		return NULL;
	}
	*len = done;
	return buf;
}

/* qsort comparator: byte order of names */
static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* dir/name (malloc'd) */
char *
revdir_path(const char *dir, const char *name)
{
	return psprintf("%s/%s", dir, name);
}

/*
 * symlink_error
 *		Say that a file of a revision directory, or of a project being
 *		imported, is a symbolic link.
 *
 * Links in a revision directory, or in a project being imported, are not
 * followed, wherever they lead: a checkout is not to be trusted, and a link
 * would let it make the command send whatever readable file it names (a
 * key, a .env file, .git/config) to the server as revision text, where an
 * error message might show it, or copy it into a new revision file.
 * Deciding which targets are harmless would mean resolving paths the
 * checkout controls (the directory itself may be a link); not following
 * any link leaves nothing to decide.  Skipping the entry instead would hide
 * a revision the team meant to be there.
 */
static void
symlink_error(const char *dirpath, const char *name)
{
	error_msg("file \"%s\" is a symbolic link", PATH_OF(dirpath, name));
	fprintf(stderr, "HINT:  Revision files, and the files of a project being imported, are not read through links: replace the link with a copy of the file.\n");
}

/*
 * entry_is_revision_file
 *		Whether the entry name of the directory at path, which readdir did
 *		not report as a regular file, is one: 1 yes, 0 no (skipped, like a
 *		sub-directory), -1 after printing why it cannot be (a link).
 */
static int
entry_is_revision_file(const char *path, unsigned char d_type, const char *name)
{
	char	   *full;
	struct stat st;
	int			r;

	if (d_type == DT_LNK)
	{
		symlink_error(path, name);
		return -1;
	}
	if (d_type != DT_UNKNOWN)
		return 0;
	/* a file system that does not say: ask */
	full = revdir_path(path, name);
	r = lstat(full, &st);
	free(full);
	if (r == 0 && S_ISLNK(st.st_mode))
	{
		symlink_error(path, name);
		return -1;
	}
	return r == 0 && S_ISREG(st.st_mode) ? 1 : 0;
}

/*
 * revdir_names
 *		The names of the revision files of a directory, sorted; none when it
 *		does not exist.  false, after printing why, when an entry cannot be
 *		a revision file (see entry_is_revision_file).
 */
bool
revdir_names(const char *path, char ***names, int *n)
{
	DIR		   *d = opendir(path);
	struct dirent *de;
	int			alloc = 16;
	bool		ok = true;

	*names = pg_malloc(sizeof(char *) * alloc);
	*n = 0;
	if (d == NULL)
		return true;
	while ((de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 ||
			strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (de->d_type != DT_REG)
		{
			int			r = entry_is_revision_file(path, de->d_type, de->d_name);

			if (r < 0)
				ok = false;
			if (r <= 0)
				continue;
		}
		if (*n == alloc)
		{
			alloc *= 2;
			*names = pg_realloc(*names, sizeof(char *) * alloc);
		}
		(*names)[(*n)++] = pg_strdup(de->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(char *), compare_names);
	return ok;
}

/* Append one element, double-quoted, to a text[] literal */
static void
append_array_element(PQExpBuffer buf, const char *s, size_t len)
{
	size_t		start = 0;

	appendPQExpBufferChar(buf, '"');
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] != '"' && s[i] != '\\')
			continue;
		appendBinaryPQExpBuffer(buf, s + start, i - start);
		appendPQExpBufferChar(buf, '\\');
		start = i;
	}
	appendBinaryPQExpBuffer(buf, s + start, len - start);
	appendPQExpBufferChar(buf, '"');
}

/*
 * revdir_load
 *		Read the revision files of the directory at path and their digest.
 *		false (after printing why) when the directory cannot be read or a
 *		file is not valid text.
 */
bool
revdir_load(const char *path, SvDirectory *dir)
{
	char	  **names;
	int			n;
	struct stat st;
	pg_cryptohash_ctx *ctx;
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	static const char tag[] = "schemaver-directory-1\n";
	bool		ok;
	int			dirfd;

	memset(dir, 0, sizeof(*dir));
	dir->path = path;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		error_msg("directory of revision files \"%s\" does not exist", path);
		fprintf(stderr, "HINT:  Give it with --dir, or create it with \"%s init\".\n",
				progname);
		return false;
	}
	if (!revdir_names(path, &names, &n))
		return false;
	dir->files = pg_malloc0(sizeof(SvDirFile) * (n + 1));
	dir->nfiles = n;
	if ((dirfd = open(path, O_RDONLY | O_DIRECTORY, 0)) < 0)
	{
		error_msg("could not open directory \"%s\": %s", path, strerror(errno));
		return false;
	}

	ctx = pg_cryptohash_create(PG_SHA256);
	ok = ctx != NULL && pg_cryptohash_init(ctx) == 0 &&
		pg_cryptohash_update(ctx, (const uint8 *) tag, strlen(tag)) == 0;
	for (int i = 0; i < n && ok; i++)
	{
		SvDirFile  *f = &dir->files[i];
		char		len[32];

		f->name = names[i];
		f->content = read_file_at(dirfd, names[i], path, &f->len, true, true);
		if (f->content == NULL)
		{
			close(dirfd);
			return false;
		}
		if (pg_encoding_verifymbstr(PG_UTF8, f->name, strlen(f->name)) != (int) strlen(f->name))
		{
			error_msg("the name of file \"%s\" in \"%s\" is not valid UTF-8",
					  escape_line(f->name), escape_line(path));
			return false;
		}
		snprintf(len, sizeof(len), "%zu", f->len);
		ok = pg_cryptohash_update(ctx, (const uint8 *) f->name, strlen(f->name) + 1) == 0 &&
			pg_cryptohash_update(ctx, (const uint8 *) len, strlen(len) + 1) == 0 &&
			pg_cryptohash_update(ctx, (const uint8 *) f->content, f->len) == 0;
	}
	close(dirfd);
	if (!ok || pg_cryptohash_final(ctx, digest, sizeof(digest)) != 0)
	{
		error_msg("could not compute the digest of \"%s\": out of memory", path);
		return false;
	}
	pg_cryptohash_free(ctx);
	for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
		snprintf(dir->digest + 2 * i, 3, "%02x", digest[i]);
	return true;
}

/*
 * revdir_literals
 *		The text[] literals that carry the names and contents of the files
 *		as query parameters, built the first time they are needed (only
 *		when the server does not know the directory yet).
 */
void
revdir_literals(SvDirectory *dir)
{
	PQExpBufferData nl;
	PQExpBufferData cl;

	if (dir->names_literal)
		return;
	initPQExpBuffer(&nl);
	initPQExpBuffer(&cl);
	appendPQExpBufferChar(&nl, '{');
	appendPQExpBufferChar(&cl, '{');
	for (int i = 0; i < dir->nfiles; i++)
	{
		if (i > 0)
		{
			appendPQExpBufferChar(&nl, ',');
			appendPQExpBufferChar(&cl, ',');
		}
		append_array_element(&nl, dir->files[i].name, strlen(dir->files[i].name));
		append_array_element(&cl, dir->files[i].content, dir->files[i].len);
	}
	appendPQExpBufferChar(&nl, '}');
	appendPQExpBufferChar(&cl, '}');
	if (PQExpBufferBroken(&nl) || PQExpBufferBroken(&cl))
	{
		error_msg("out of memory");
		exit(EXIT_FAILED);
	}
	dir->names_literal = nl.data;
	dir->contents_literal = cl.data;
}

/*
 * valid_identifier
 *		Whether id is a valid revision id or branch label: 1 to 63 of
 *		A-Z a-z 0-9 _, and not head, heads or base in any case.
 */
bool
valid_identifier(const char *id)
{
	size_t		len = strlen(id);

	if (len == 0 || len > 63)
		return false;
	for (const char *p = id; *p; p++)
		if (!(isalnum((unsigned char) *p) && (unsigned char) *p < 128) && *p != '_')
			return false;
	return pg_strcasecmp(id, "head") != 0 && pg_strcasecmp(id, "heads") != 0 &&
		pg_strcasecmp(id, "base") != 0;
}

/*
 * next_revision_number
 *		The number of the next revision: one more than the largest number
 *		that starts one of ids (file names or revision ids, such as
 *		"002_add_rag_tables"), zero-padded to at least 3 digits, or as wide
 *		as that largest number was written; "001" when none starts with one.
 */
char *
next_revision_number(char **ids, int nids)
{
	unsigned long long max = 0;
	int			width = 3;
	bool		any = false;

	for (int i = 0; i < nids; i++)
	{
		const char *p = ids[i];
		int			digits = 0;
		unsigned long long v = 0;

		while (isdigit((unsigned char) p[digits]) && digits < 18)
		{
			v = v * 10 + (p[digits] - '0');
			digits++;
		}
		if (digits == 0 || (p[digits] != '_' && p[digits] != '.' && p[digits] != '\0'))
			continue;
		if (!any || v > max)
			max = v;
		if (digits > width)
			width = digits;
		any = true;
	}
	return psprintf("%0*llu", width, any ? max + 1 : 1);
}

/*
 * slug
 *		The message as an id part: lower-case ASCII letters and digits, any
 *		other run of characters one "_", at most maxlen characters;
 *		"revision" when nothing is left.
 */
char *
slug(const char *message, int maxlen)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	for (const unsigned char *p = (const unsigned char *) message; *p; p++)
	{
		if (p[0] < 128 && isalnum(p[0]))
			appendPQExpBufferChar(&buf, (char) tolower(p[0]));
		else if (buf.len > 0 && buf.data[buf.len - 1] != '_')
			appendPQExpBufferChar(&buf, '_');
	}
	if ((int) buf.len > maxlen)
		buf.data[buf.len = maxlen] = '\0';
	while (buf.len > 0 && buf.data[buf.len - 1] == '_')
		buf.data[--buf.len] = '\0';
	if (buf.len == 0)
		appendPQExpBufferStr(&buf, "revision");
	return buf.data;
}

/*
 * ids_literal
 *		A text[] literal of ids (which need no quoting: letters, digits and
 *		_ only; anything else is quoted anyway).
 */
char *
ids_literal(char **ids, int n)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '{');
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendPQExpBufferChar(&buf, ',');
		append_array_element(&buf, ids[i], strlen(ids[i]));
	}
	appendPQExpBufferChar(&buf, '}');
	return buf.data;
}

/* The text of --desired, once load_desired() has read it */
char	   *desired_sql = NULL;

/*
 * load_desired
 *		Read the --desired file (SQL that creates the schema as it should
 *		be), as UTF-8 text.
 */
bool
load_desired(void)
{
	size_t		len;

	desired_sql = read_file(opts.desired, &len, true);
	return desired_sql != NULL;
}
