/*
 * benchtool.c: the two measurements of test/bench/run.sh that a shell cannot
 * make precisely.
 *
 *   benchtool time OUTFILE TIMEOUT_S CMD [ARG...]
 *	   Run CMD (fork + exec, inheriting stdin/stdout/stderr) and append
 *	   "<seconds> <status>" to OUTFILE, where seconds is the wall time from
 *	   just before fork() to just after waitpid() on CLOCK_MONOTONIC, and
 *	   status is the exit status (124 after TIMEOUT_S, when the child is sent
 *	   SIGTERM then SIGKILL; 128+N for a signal).  Exits with that status.
 *	   Nothing of the shell or of a helper process is inside the interval.
 *
 *   benchtool sample PIDFILE OUTFILE INTERVAL_MS
 *	   Wait (up to 120 s) until PIDFILE holds a process id, then read
 *	   /proc/<pid>/status every INTERVAL_MS until the process is gone, and
 *	   write "<max RssAnon kB> <max VmRSS kB> <last VmHWM kB> <samples>" to
 *	   OUTFILE.  Used on a PostgreSQL backend (run.sh runs it as root, which
 *	   may read any process's status).  RssAnon is the backend's private
 *	   memory (palloc'd memory lives in malloc'd, anonymous pages); VmRSS and
 *	   VmHWM also count the pages of shared_buffers the backend has touched.
 *
 * Built by run.sh with the system C compiler into test/bench/out/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
do_time(const char *outfile, double timeout, char **argv)
{
	double		t0,
				t1;
	pid_t		pid;
	int			wstatus = 0;
	int			status;
	int			timed_out = 0;
	FILE	   *f;

	t0 = now();
	pid = fork();
	if (pid < 0)
	{
		perror("benchtool: fork");
		return 127;
	}
	if (pid == 0)
	{
		execvp(argv[0], argv);
		fprintf(stderr, "benchtool: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	for (;;)
	{
		pid_t		r = waitpid(pid, &wstatus, timeout > 0 ? WNOHANG : 0);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
		{
			perror("benchtool: waitpid");
			return 127;
		}
		if (timeout > 0 && r == 0)
		{
			if (now() - t0 > timeout)
			{
				timed_out = 1;
				kill(pid, SIGTERM);
				sleep_ms(2000);
				kill(pid, SIGKILL);
				waitpid(pid, &wstatus, 0);
				break;
			}
			sleep_ms(1);
		}
	}
	t1 = now();
	if (timed_out)
		status = 124;
	else if (WIFEXITED(wstatus))
		status = WEXITSTATUS(wstatus);
	else if (WIFSIGNALED(wstatus))
		status = 128 + WTERMSIG(wstatus);
	else
		status = 127;

	f = fopen(outfile, "a");
	if (f == NULL)
	{
		perror(outfile);
		return 127;
	}
	fprintf(f, "%.6f %d\n", t1 - t0, status);
	fclose(f);
	return status;
}

/* value in kB of one "Name:   123 kB" line of /proc/PID/status, or -1 */
static long
status_field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	if (p == NULL)
		return -1;
	p += strlen(name);
	while (*p == ' ' || *p == '\t' || *p == ':')
		p++;
	return strtol(p, NULL, 10);
}

static int
do_sample(const char *pidfile, const char *outfile, long interval_ms)
{
	long		pid = 0;
	char		path[64];
	char		buf[8192];
	long		max_anon = -1,
				max_rss = -1,
				last_hwm = -1,
				samples = 0;
	double		t0 = now();
	FILE	   *f;

	while (pid <= 0)
	{
		f = fopen(pidfile, "r");
		if (f != NULL)
		{
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
		}
		if (pid > 0)
			break;
		if (now() - t0 > 120)
		{
			fprintf(stderr, "benchtool: no pid in %s\n", pidfile);
			return 1;
		}
		sleep_ms(1);
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	for (;;)
	{
		size_t		n;

		f = fopen(path, "r");
		if (f == NULL)
			break;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		if (n == 0 || strstr(buf, "VmRSS") == NULL)
			break;				/* exiting */
		{
			long		anon = status_field(buf, "RssAnon");
			long		rss = status_field(buf, "VmRSS");
			long		hwm = status_field(buf, "VmHWM");

			if (anon > max_anon)
				max_anon = anon;
			if (rss > max_rss)
				max_rss = rss;
			if (hwm >= 0)
				last_hwm = hwm;
			samples++;
		}
		sleep_ms(interval_ms);
	}
	f = fopen(outfile, "w");
	if (f == NULL)
	{
		perror(outfile);
		return 1;
	}
	fprintf(f, "%ld %ld %ld %ld\n", max_anon, max_rss, last_hwm, samples);
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "time") == 0)
		return do_time(argv[2], atof(argv[3]), argv + 4);
	if (argc == 5 && strcmp(argv[1], "sample") == 0)
		return do_sample(argv[2], argv[3], atol(argv[4]));
	fprintf(stderr,
			"usage: benchtool time OUTFILE TIMEOUT_S CMD [ARG...]\n"
			"       benchtool sample PIDFILE OUTFILE INTERVAL_MS\n");
	return 2;
}
