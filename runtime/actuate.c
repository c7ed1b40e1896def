/* The cgroup actuator (actuate.h). One table says what each action kind becomes: the
 * file it writes and how the value is computed from the cgroup's usage and the action's
 * value. Every write is journalled first:
 *
 *   memcg-run journal 1 pid PID
 *   set TIME ORIGINAL WRITTEN PATH          one line per write, fsync'ed before it
 *
 * The last line of a path says what memcg-run last wrote there and what it found before;
 * WRITTEN equal to ORIGINAL means the file is back to its original. */
#define _GNU_SOURCE
#include "actuate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { F_HIGH, F_LOW, F_MIN, NFILES };

/* The files, and whether an action lowers them (a limit) or raises them (a protection):
 * memcg-run never loosens a limit nor lowers a protection below what it found. */
static const struct { const char *name; int raise; } files[NFILES] = {
	[F_HIGH] = { "memory.high", 0 }, [F_LOW] = { "memory.low", 1 }, [F_MIN] = { "memory.min", 1 },
};

/* Targets in bytes, from the cgroup's usage now, the action's value and what the file
 * holds from memcg-run now (-1: nothing). */
static int64_t below_usage(int64_t usage, uint64_t pages, int64_t held, long page)
{
	(void)held;     /* the hook caps pages at 2^32 - 1: no overflow */
	int64_t target = usage - (int64_t)pages * page;
	return target > ACTUATE_FLOOR_BYTES ? target : ACTUATE_FLOOR_BYTES;
}

static int64_t at_usage_once(int64_t usage, uint64_t ms, int64_t held, long page)
{
	(void)ms, (void)page;
	if (held >= 0)
		return held;    /* set when the action turns on, not chased down as usage drops */
	return usage > ACTUATE_FLOOR_BYTES ? usage : ACTUATE_FLOOR_BYTES;
}

static int64_t raise_to_usage(int64_t usage, uint64_t on, int64_t held, long page)
{
	(void)on, (void)page;
	return usage > held ? usage : held;
}

static const struct {
	const char *kind;
	int file;
	int64_t (*target)(int64_t usage, uint64_t value, int64_t held, long page);
	const char *effect;
} kinds[ACTUATE_KINDS] = {
	{ "over_high", F_HIGH, below_usage,
	  "memory.high = memory.current - N pages, at least 16 MiB, re-applied as usage moves" },
	{ "high_delay", F_HIGH, at_usage_once,
	  "memory.high = memory.current when it turns on: an approximation, no cgroup file sets "
	  "a delay; the kernel's own over-high throttling delays further charges" },
	{ "protect_low", F_LOW, raise_to_usage, "memory.low raised to memory.current while it holds" },
	{ "protect_min", F_MIN, raise_to_usage, "memory.min raised to memory.current while it holds" },
};

const char *const actuate_kind_names[ACTUATE_KINDS] = {
	"over_high", "high_delay", "protect_low", "protect_min",
};

const char *actuate_kind_effect(int kind)
{
	return kind >= 0 && kind < ACTUATE_KINDS ? kinds[kind].effect : "";
}

int actuate_kind_index(const char *name)
{
	for (int k = 0; k < ACTUATE_KINDS; k++)
		if (strcmp(kinds[k].kind, name) == 0)
			return k;
	return -1;
}

const char *actuate_state_dir(void)
{
	const char *dir = getenv("MEMCG_RUN_STATE_DIR");
	return dir && dir[0] ? dir : ACTUATE_STATE_DIR;
}

/* A cgroup file's value, trimmed, into buf. 0, or -1 with errno. */
static int read_value(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	buf[n] = 0;
	buf[strcspn(buf, " \n")] = 0;
	return 0;
}

static int write_value(int dirfd, const char *name, const char *value)
{
	int fd = openat(dirfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC);   /* O_TRUNC as a shell's > */
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, value, strlen(value));
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* A value as bytes; "max" (or anything else) is -1. */
static int64_t bytes_of(const char *value)
{
	char *end;
	long long v = strtoll(value, &end, 10);
	return end != value && !*end && v >= 0 ? v : -1;
}

/* One journal record, on disk before the write it announces. */
static int journal(int fd, const char *original, const char *written, const char *path)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (dprintf(fd, "set %lld.%03ld %s %s %s\n", (long long)ts.tv_sec, ts.tv_nsec / 1000000,
		    original, written, path) < 0)
		return -1;
	return fsync(fd);
}

static void say(FILE *out, const char *prefix, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(FILE *out, const char *prefix, const char *fmt, ...)
{
	if (!out)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs(prefix ? prefix : "", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	va_end(ap);
}

/* Puts back a file's original if it still holds what memcg-run wrote: 0 done (or
 * nothing to do, or a value someone else wrote there, reported and let go: the journal
 * says so), 1 it could not be done (the journal keeps it). */
static int restore_file(int jfd, const char *path, const char *original, const char *written,
			FILE *out)
{
	char now[32];
	if (strcmp(original, written) == 0)
		return 0;
	if (read_value(AT_FDCWD, path, now, sizeof(now)) != 0) {
		int gone = errno == ENOENT;
		say(out, "memcg-run: ", gone ? "%s is gone (its cgroup was removed): nothing to restore%s%s" :
		    "%s: cannot read it (%s): not restored to %s", path, gone ? "" : strerror(errno),
		    gone ? "" : original);
		return !gone;
	}
	if (strcmp(now, written) != 0) {
		say(out, "memcg-run: ", "%s is %s, not the %s memcg-run wrote: someone else changed it; "
		    "left alone (it was %s before memcg-run)", path, now, written, original);
		journal(jfd, original, original, path);
		return 0;
	}
	if (journal(jfd, original, original, path) != 0 || write_value(AT_FDCWD, path, original) != 0) {
		say(out, "memcg-run: ", "%s: cannot restore %s: %s", path, original, strerror(errno));
		return 1;
	}
	say(out, "memcg-run: ", "%s restored to %s (memcg-run had written %s)", path, original, written);
	return 0;
}

static int state_dir_ok(const char *dir)
{
	struct stat st;
	mkdir(dir, 0700);
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_uid == 0 || st.st_uid == geteuid()) && !(st.st_mode & 022);
}

int actuate_open(struct actuator *a, const char *dir, char *why, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->err = stderr;
	a->page_size = sysconf(_SC_PAGESIZE);
	if (!state_dir_ok(dir)) {
		snprintf(why, size, "cannot keep a journal in %s: not a directory of this user's that "
			 "only it can write", dir);
		return -1;
	}
	if (asprintf(&a->journal, "%s/journal.%d", dir, (int)getpid()) < 0) {
		a->journal = NULL;
		snprintf(why, size, "out of memory");
		return -1;
	}
	a->fd = open(a->journal, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (a->fd < 0 || flock(a->fd, LOCK_EX | LOCK_NB) != 0 ||
	    dprintf(a->fd, "memcg-run journal 1 pid %d\n", (int)getpid()) < 0 || fsync(a->fd) != 0) {
		snprintf(why, size, "cannot create the journal %s: %s", a->journal, strerror(errno));
		if (a->fd >= 0)
			unlink(a->journal);
		return -1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd), close(dfd);
	return 0;
}

static struct actuated_file *file_entry(struct actuator *a, const char *path, int file)
{
	char *full;
	if (asprintf(&full, "%s/%s", path, files[file].name) < 0)
		return NULL;
	for (int i = 0; i < a->nfiles; i++)
		if (strcmp(a->files[i].path, full) == 0) {
			free(full);
			return &a->files[i];
		}
	if (a->nfiles == ACTUATE_FILES) {
		free(full);
		return NULL;
	}
	struct actuated_file *f = &a->files[a->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = full;
	return f;
}

/* The value a file should hold: its action kinds' targets combined (the lowest limit, the
 * highest protection), never looser than the original. -1: none is active. */
static int64_t file_target(const struct actuator *a, int file, int64_t usage, int64_t held,
			   int64_t original, const uint64_t *values, const int *used)
{
	int64_t target = -1;
	for (int k = 0; k < ACTUATE_KINDS; k++) {
		if (kinds[k].file != file || !used[k] || !values[k])
			continue;
		int64_t t = kinds[k].target(usage, values[k], held, a->page_size);
		if (target < 0 || (files[file].raise ? t > target : t < target))
			target = t;
	}
	if (target < 0)
		return -1;
	if (files[file].raise && original < 0)
		return -1;      /* "max" already: nothing to raise */
	if (files[file].raise)
		return (original > target ? original : target + a->page_size - 1) / a->page_size * a->page_size;
	if (original >= 0 && target > original)
		target = original;
	return target / a->page_size * a->page_size;
}

/* What a file holds now is still what memcg-run wrote: 1; else it is let go, reported,
 * 0. -1 when it cannot be read now (its cgroup may be going: the next period sees). */
static int still_ours(struct actuated_file *f, int dirfd, const char *name, FILE *out,
		      const char *prefix)
{
	char now[32];
	if (!f->held)
		return 1;
	if (read_value(dirfd, name, now, sizeof(now)) != 0) {
		if (errno != ENOENT)
			say(out, prefix, "cannot read %s: %s", f->path, strerror(errno));
		return -1;
	}
	if (strcmp(now, f->written) == 0)
		return 1;
	say(out, prefix, "%s is %s, not the %s memcg-run wrote: someone else changed it; left alone "
	    "from now on (it was %s before memcg-run)", f->path, now, f->written, f->original);
	f->abandoned = 1;
	f->held = 0;
	return 0;
}

/* A write made because of a transition (a->cause_ns): how long after it the write was
 * made, `at` (taken as the write began: the kernel puts the value in effect first, and a
 * memory.high below usage then reclaims inside the write, which is the kernel's reaction). */
static void note_reaction(struct actuator *a, uint64_t at)
{
	if (a->cause_ns)
		reaction_add(&a->reaction, at > a->cause_ns ? at - a->cause_ns : 0);
}

/* Journals and writes `value` into a file (its original when `value` is it). */
static int put(struct actuator *a, struct actuated_file *f, int dirfd, const char *name,
	       const char *value, const char *why, const char *prefix)
{
	char was[32];
	snprintf(was, sizeof(was), "%s", f->held ? f->written : f->original);
	if (journal(a->fd, f->original, value, f->path) != 0) {
		say(a->err, prefix, "cannot journal a write to %s in %s: %s; not written", f->path,
		    a->journal, strerror(errno));
		return 1;
	}
	uint64_t at = clock_ns();
	if (write_value(dirfd, name, value) != 0) {
		say(a->err, prefix, "cannot write %s to %s: %s", value, f->path, strerror(errno));
		journal(a->fd, f->original, was, f->path);     /* it still holds what it held */
		return 1;
	}
	note_reaction(a, at);
	snprintf(f->written, sizeof(f->written), "%s", value);
	f->held = strcmp(value, f->original) != 0;
	say(a->log, prefix, "%s %s -> %s (%s)", f->path, was, value, why);
	return 0;
}

/* The kinds that drive a file now, for the message: "over_high 8192" ... */
static void file_why(int file, const uint64_t *values, const int *used, char *buf, size_t size)
{
	buf[0] = 0;
	for (int k = 0; k < ACTUATE_KINDS; k++)
		if (kinds[k].file == file && used[k] && values[k])
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s %llu: %s",
				 buf[0] ? "; " : "", kinds[k].kind, (unsigned long long)values[k],
				 kinds[k].effect);
	if (!buf[0])
		snprintf(buf, size, "no action holds: restored");
}

static int drive_file(struct actuator *a, int dirfd, const char *path, int file,
		      const uint64_t *values, const int *used, const char *prefix)
{
	const char *name = files[file].name;
	struct actuated_file *f = file_entry(a, path, file);
	char usage_text[32], value[32], why[600];
	if (!f) {
		say(a->err, prefix, "%s/%s: memcg-run holds %d files already; not written", path, name,
		    ACTUATE_FILES);
		return 1;
	}
	if (f->abandoned)
		return 0;
	if (still_ours(f, dirfd, name, a->err, prefix) != 1)
		return 1;
	if ((!f->held && read_value(dirfd, name, f->original, sizeof(f->original)) != 0) ||
	    read_value(dirfd, "memory.current", usage_text, sizeof(usage_text)) != 0) {
		if (errno != ENOENT)    /* ENOENT: the cgroup is going; the rescan sees it */
			say(a->err, prefix, "cannot read %s or %s/memory.current: %s", f->path, path,
			    strerror(errno));
		return 1;
	}
	int64_t held = f->held ? bytes_of(f->written) : -1;
	int64_t target = file_target(a, file, bytes_of(usage_text), held, bytes_of(f->original),
				     values, used);
	file_why(file, values, used, why, sizeof(why));
	if (target < 0)
		return f->held ? put(a, f, dirfd, name, f->original, why, prefix) : 0;
	snprintf(value, sizeof(value), "%lld", (long long)target);
	if (!f->held && strcmp(value, f->original) == 0)
		return 0;
	if (f->held && llabs(target - held) < ACTUATE_STEP_BYTES)
		return 0;
	return put(a, f, dirfd, name, value, why, prefix);
}

int actuate_cgroup(struct actuator *a, int dirfd, const char *path, const uint64_t *values,
		   const int *used, const char *prefix)
{
	int problems = 0;
	for (int file = 0; file < NFILES; file++) {
		int any = 0;
		for (int k = 0; k < ACTUATE_KINDS; k++)
			any |= kinds[k].file == file && used[k];
		if (any)
			problems += drive_file(a, dirfd, path, file, values, used, prefix);
	}
	return problems;
}

int actuate_close(struct actuator *a, FILE *out)
{
	int problems = 0;
	for (int i = 0; i < a->nfiles; i++) {
		struct actuated_file *f = &a->files[i];
		if (f->held)
			problems += restore_file(a->fd, f->path, f->original, f->written, out);
		free(f->path);
	}
	a->nfiles = 0;
	if (a->fd >= 0) {
		if (!problems)
			unlink(a->journal);
		else
			say(out, "memcg-run: ", "the journal %s is kept: memcg-run --restore tries again",
			    a->journal);
		close(a->fd);
	}
	free(a->journal);
	a->journal = NULL;
	a->fd = -1;
	return problems;
}

/* The last record of each path of a journal's text, into files (paths allocated). */
static int parse_journal(char *text, struct actuated_file *out, int max)
{
	int n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char original[32], written[32];
		int at = 0;
		if (sscanf(line, "set %*s %31s %31s %n", original, written, &at) != 2 || !at)
			continue;
		int i = 0;
		while (i < n && strcmp(out[i].path, line + at) != 0)
			i++;
		if (i == n && n == max)
			continue;
		if (i == n)
			out[n++].path = strdup(line + at);
		snprintf(out[i].original, sizeof(out[i].original), "%s", original);
		snprintf(out[i].written, sizeof(out[i].written), "%s", written);
	}
	return n;
}

/* Restores one journal of a run that is gone, and removes it if all went back. */
static int restore_journal(const char *path, FILE *out)
{
	int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	char head[64] = "";
	if (fd < 0) {
		say(out, "memcg-run: ", "cannot open the journal %s: %s", path, strerror(errno));
		return 1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		ssize_t n = pread(fd, head, sizeof(head) - 1, 0);
		head[n > 0 ? strcspn(head, "\n") : 0] = 0;
		say(out, "memcg-run: ", "the journal %s belongs to a running memcg-run (%s): it "
		    "restores its files when it stops", path, head);
		close(fd);
		return 1;
	}
	struct stat st;
	char *text = fstat(fd, &st) == 0 && st.st_size < (16 << 20) ? calloc(1, (size_t)st.st_size + 1) : NULL;
	if (!text || pread(fd, text, (size_t)st.st_size, 0) != st.st_size) {
		say(out, "memcg-run: ", "cannot read the journal %s", path);
		free(text), close(fd);
		return 1;
	}
	struct actuated_file entries[256];
	int n = parse_journal(text, entries, 256), problems = 0;
	for (int i = 0; i < n; i++) {
		if (entries[i].path)
			problems += restore_file(fd, entries[i].path, entries[i].original,
						 entries[i].written, out);
		free(entries[i].path);
	}
	free(text);
	if (!problems)
		unlink(path);
	close(fd);
	say(out, "memcg-run: ", "journal %s: %d file%s, %s", path, n, n == 1 ? "" : "s",
	    problems ? "kept (see above): memcg-run --restore tries again" : "done, removed");
	return problems;
}

int actuate_restore(const char *dir, FILE *out, int *journals_found)
{
	DIR *d = opendir(dir);
	if (journals_found)
		*journals_found = 0;
	if (!d)
		return errno == ENOENT ? 0 : -1;
	char own[32];
	snprintf(own, sizeof(own), "journal.%d", (int)getpid());
	int problems = 0, journals = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (strncmp(e->d_name, "journal.", 8) != 0 || strcmp(e->d_name, own) == 0)
			continue;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			break;
		problems += restore_journal(path, out);
		journals++;
		free(path);
	}
	closedir(d);
	if (journals_found)
		*journals_found = journals;
	return problems;
}

void actuate_forget(struct actuator *a, const char *path, const char *prefix)
{
	size_t len = strlen(path);
	for (int i = 0; i < a->nfiles; i++) {
		struct actuated_file *f = &a->files[i];
		if (strncmp(f->path, path, len) != 0 || f->path[len] != '/' || strchr(f->path + len + 1, '/'))
			continue;
		if (f->held) {
			journal(a->fd, f->original, f->original, f->path);
			say(a->log, prefix, "%s belonged to a removed cgroup: forgotten (nothing to restore)",
			    f->path);
		}
		f->held = f->abandoned = 0;
	}
}
