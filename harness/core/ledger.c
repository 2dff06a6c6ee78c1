/* SPDX-License-Identifier: MIT */
#include "core/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/util.h"

struct vcl_ledger {
	int fd; /* O_APPEND */
	char dir[256];
	char run[64];
	const struct vcl_ledger_kinds *kinds; /* borrowed */
	int peers_fd;			      /* its "peers" journal, -1 until announced */
	int64_t started;		      /* announced at (CLOCK_REALTIME ns), 0 = not */
	char placements[256];
};

#define VCL_BOOT_ID "/proc/sys/kernel/random/boot_id"

/* This boot's id ("" when unknown). /run is a plain disk folder on some
 * hosts (these lab machines), so a ledger can outlive a reboot, and a pid it
 * names can then belong to anyone. */
static void boot_id(char *buf, size_t len)
{
	cleanup_free char *b = NULL;

	buf[0] = '\0';
	if (vcl_read_file(VCL_BOOT_ID, &b, NULL, NULL) == 0)
		snprintf(buf, len, "%.*s", (int)strcspn(b, " \n"), b);
}

/* Did the run whose owner file reads owner start in this boot? Owners
 * written without a boot id (older ledgers) count as this boot. */
static bool boot_matches(const char *owner)
{
	char rec[64] = "", now[64];

	if (sscanf(owner, "%*d %*s %63s", rec) != 1)
		return true;
	boot_id(now, sizeof(now));
	return now[0] == '\0' || strcmp(rec, "-") == 0 || strcmp(rec, now) == 0;
}

/* The same, for the ledger in dir; an unreadable owner counts as this boot. */
static bool same_boot(const char *dir)
{
	cleanup_free char *buf = NULL;
	char path[600];

	snprintf(path, sizeof(path), "%s/owner", dir);
	return vcl_read_file(path, &buf, NULL, NULL) < 0 || boot_matches(buf);
}

int vcl_ledger_open(struct vcl_ledger **out, const char *run_id,
		    const struct vcl_ledger_kinds *kinds, struct vcl_error **err)
{
	char path[600], tmp[300], owner[128], boot[64];
	unsigned long long st = 0;
	cleanup_free struct vcl_ledger *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return vcl_fail(err, ENOMEM, "Open the resource ledger");
	l->fd = -1;
	l->peers_fd = -1;
	l->kinds = kinds;
	snprintf(l->dir, sizeof(l->dir), "%s/%s", VCL_LEDGER_ROOT, run_id);
	snprintf(l->run, sizeof(l->run), "%s", run_id);
	/* The folder appears under its run's name with its owner file in it
	 * (made under a dot name gc skips, then renamed): a `vclab gc` running
	 * at that moment never sees a run without an owner and takes it for
	 * dead. */
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", VCL_LEDGER_ROOT, run_id);
	if (vcl_mkdir_p(tmp, err) < 0)
		return vcl_error_wrap(err, "Open the resource ledger");
	vcl_proc_starttime(getpid(), &st);
	boot_id(boot, sizeof(boot));
	snprintf(owner, sizeof(owner), "%d %llu %s\n", (int)getpid(), st,
		 boot[0] != '\0' ? boot : "-");
	snprintf(path, sizeof(path), "%s/owner", tmp);
	if (vcl_write_atomic(path, owner, strlen(owner), err) < 0) {
		vcl_rm_rf(tmp, NULL);
		return vcl_error_wrap(err, "Open the resource ledger");
	}
	snprintf(path, sizeof(path), "%s/ledger", tmp);
	l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (l->fd < 0 || rename(tmp, l->dir) < 0) {
		int e = errno;

		if (l->fd >= 0)
			close(l->fd);
		vcl_rm_rf(tmp, NULL);
		return vcl_fail(err, e, "Open the resource ledger %s", l->dir);
	}
	*out = steal_ptr(l);
	return 0;
}

const char *vcl_ledger_dir(const struct vcl_ledger *l)
{
	return l != NULL ? l->dir : NULL;
}

int vcl_ledger_add(struct vcl_ledger *l, struct vcl_error **err, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	if (l == NULL)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return vcl_fail(err, EOVERFLOW, "Ledger record too long");
	line[n++] = '\n';
	/* One write() per record on an O_APPEND fd: records never interleave.
	 * Once write() returns, the record survives a crash (even SIGKILL) of
	 * vclab: it is in the kernel's page cache. No fsync: what the ledger
	 * describes (processes, cgroups, domains, mounts) does not survive a
	 * reboot either, and /run is not tmpfs on every host (an fdatasync
	 * cost 5-9 ms per record on a loaded ext4 /run, inside timed windows). */
	if (write(l->fd, line, (size_t)n) != n)
		return vcl_fail(err, errno, "Write the resource ledger %s", l->dir);
	return 0;
}

int vcl_ledger_add_pid(struct vcl_ledger *l, pid_t pid, struct vcl_error **err)
{
	unsigned long long st = 0;

	if (l == NULL || vcl_proc_starttime(pid, &st) < 0)
		return 0; /* no ledger, or already gone: nothing to record */
	return vcl_ledger_add(l, err, "pid %d %llu", (int)pid, st);
}

/* ---- the kinds of resource and their undo ---- */

static const struct vcl_ledger_kind *kind_find(const struct vcl_ledger_kinds *kinds,
					       const char *name)
{
	for (size_t i = 0; kinds != NULL && i < kinds->n; i++)
		if (strcmp(kinds->k[i]->name, name) == 0)
			return kinds->k[i];
	return NULL;
}

int vcl_ledger_register(struct vcl_ledger_kinds *kinds, const struct vcl_ledger_kind *kind,
			struct vcl_error **err)
{
	const struct vcl_ledger_kind *had;

	if (kind->name == NULL || kind->name[0] == '\0' ||
	    kind->name[strspn(kind->name, "abcdefghijklmnopqrstuvwxyz")] != '\0' ||
	    kind->undo == NULL)
		return vcl_usage(err, "Ledger kind '%s': a name of a-z and an undo are needed",
				 kind->name != NULL ? kind->name : "");
	had = kind_find(kinds, kind->name);
	if (had != NULL)
		return had == kind ? 0
				   : vcl_fail(err, EEXIST, "Ledger kind %s is registered twice",
					      kind->name);
	if (kinds->n == VCL_LEDGER_MAX_KINDS)
		return vcl_fail(err, ENOSPC, "More than %d ledger kinds", VCL_LEDGER_MAX_KINDS);
	kinds->k[kinds->n++] = kind;
	return 0;
}

/* Only the very process we started: same boot, pid and start time. */
static int pid_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	pid_t pid = (pid_t)atoi(r->a);
	unsigned long long st = 0;

	if (r->b == NULL || !r->this_boot || pid <= 1 || vcl_proc_starttime(pid, &st) < 0 ||
	    st != strtoull(r->b, NULL, 10))
		return 0;
	if (r->print)
		printf("  %s process %d\n", r->dry_run ? "would kill" : "kill", (int)pid);
	if (!r->dry_run) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, WNOHANG);
	}
	return 0;
}

static int mount_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	if (r->print)
		printf("  %s mount %s\n", r->dry_run ? "would unmount" : "unmount", r->a);
	if (!r->dry_run && umount2(r->a, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return vcl_fail(err, errno, "Unmount %s", r->a);
	return 0;
}

/* The common start of dir and file: true when the path is there and is to be
 * removed now (not a dry run). */
static bool path_undo_begin(const struct vcl_ledger_rec *r)
{
	if (access(r->a, F_OK) < 0)
		return false;
	if (r->print)
		printf("  %s %s\n", r->dry_run ? "would remove" : "remove", r->a);
	return !r->dry_run;
}

static int dir_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	return path_undo_begin(r) ? vcl_rm_rf(r->a, err) : 0;
}

static int file_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	if (path_undo_begin(r) && unlink(r->a) < 0 && errno != ENOENT)
		return vcl_fail(err, errno, "Remove %s", r->a);
	return 0;
}

const struct vcl_ledger_kind vcl_ledger_kind_pid = {.name = "pid", .undo = pid_undo};
const struct vcl_ledger_kind vcl_ledger_kind_dir = {.name = "dir", .undo = dir_undo};
const struct vcl_ledger_kind vcl_ledger_kind_file = {.name = "file", .undo = file_undo};
const struct vcl_ledger_kind vcl_ledger_kind_mount = {.name = "mount", .undo = mount_undo};

/* Undo one ledger record through its kind. print: say what is (or would
 * be) removed. this_boot: false when the run started before the last
 * reboot. A record no registered kind knows is an error: skipping it would
 * leave its resource behind without a word. */
static int undo(const struct vcl_ledger_kinds *kinds, char *line, bool this_boot, bool dry_run,
		bool print, struct vcl_error **err)
{
	/* strtok_r: libvirt's threads (alive after a domain's undo) may use
	 * strtok's one static state in between. */
	char *save = NULL, *kind = strtok_r(line, " ", &save), *a = strtok_r(NULL, " ", &save),
	     *b = strtok_r(NULL, " ", &save);
	struct vcl_ledger_rec r = {a, b, this_boot, dry_run, print};
	const struct vcl_ledger_kind *k;

	if (kind == NULL || a == NULL)
		return 0;
	k = kind_find(kinds, kind);
	if (k == NULL)
		return vcl_fail(err, 0,
				"Ledger record '%s %s': no undo is registered for kind %s (is the "
				"part that makes it built into this vclab?)",
				kind, a, kind);
	return k->undo(&r, err);
}

/* Undo every record of the ledger in dir, newest first; then remove the
 * kinds finish (cgroup: the run's parent cgroups, when empty) and remove the
 * ledger folder itself. */
static int teardown(const struct vcl_ledger_kinds *kinds, const char *dir, const char *run,
		    bool dry_run, bool print, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	char path[600];
	char **lines = NULL;
	size_t n = 0;
	int ret = 0;
	bool this_boot = same_boot(dir);

	snprintf(path, sizeof(path), "%s/ledger", dir);
	if (vcl_read_file(path, &buf, NULL, NULL) == 0) {
		char *save = NULL;

		for (char *p = strtok_r(buf, "\n", &save); p != NULL;
		     p = strtok_r(NULL, "\n", &save)) {
			char **g = realloc(lines, (n + 1) * sizeof(*g));

			if (g == NULL)
				break;
			lines = g;
			lines[n++] = p;
		}
	}
	/* Copies: undo() tokenises its line. */
	for (size_t i = n; i-- > 0;) {
		cleanup_free char *line = strdup(lines[i]);
		struct vcl_error *e = NULL;

		if (line != NULL && undo(kinds, line, this_boot, dry_run, print, &e) < 0) {
			if (ret == 0 && err != NULL) {
				*err = e;
				e = NULL;
			}
			ret = -1;
		}
		vcl_error_free(e);
	}
	free(lines);
	if (dry_run)
		return ret;
	if (ret < 0) {
		/* Something could not be removed now (libvirtd down, say): keep
		 * the ledger, so `vclab gc` finishes the job once the runner is
		 * gone and the host is back. */
		return ret;
	}
	for (size_t i = 0; kinds != NULL && i < kinds->n; i++)
		if (kinds->k[i]->finish != NULL)
			kinds->k[i]->finish(run);
	snprintf(path, sizeof(path), "%s/ledger", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/owner", dir);
	unlink(path);
	vcl_rm_rf(dir, NULL);
	return ret;
}

static void announce_end(struct vcl_ledger *l);

int vcl_ledger_close(struct vcl_ledger **lp, struct vcl_error **err)
{
	struct vcl_ledger *l = *lp;
	int r;

	if (l == NULL)
		return 0;
	*lp = NULL;
	close(l->fd);
	announce_end(l);
	r = teardown(l->kinds, l->dir, l->run, false, false, err);
	rmdir(VCL_LEDGER_ROOT); /* only when no other run is live */
	free(l);
	return r;
}

/* Is the run's owner (pid + start time) still alive? When it is not, why
 * says why in a few words (gc prints it): which fact about the owner shows
 * the runner is gone. */
static bool owner_alive(const char *dir, char *why, size_t size)
{
	cleanup_free char *buf = NULL;
	char path[600], rec[64] = "", now_boot[64];
	int pid = 0;
	unsigned long long st = 0, now = 0;

	snprintf(path, sizeof(path), "%s/owner", dir);
	if (vcl_read_file(path, &buf, NULL, NULL) < 0) {
		snprintf(why, size, "%s",
			 access(path, F_OK) < 0 ? "no owner file" : "owner file unreadable");
		return false;
	}
	if (sscanf(buf, "%d %llu", &pid, &st) != 2) {
		snprintf(why, size, "its owner file names no pid and start time");
		return false;
	}
	if (!boot_matches(buf)) {
		sscanf(buf, "%*d %*s %63s", rec);
		boot_id(now_boot, sizeof(now_boot));
		snprintf(why, size, "started before the last reboot: boot %.8s, now %.8s", rec,
			 now_boot);
		return false;
	}
	if (pid == getpid())
		return true;
	if (vcl_proc_starttime(pid, &now) < 0) {
		snprintf(why, size, "pid %d is gone", pid);
		return false;
	}
	if (now != st) {
		snprintf(why, size,
			 "pid %d was reused: that process started at tick %llu, the runner at "
			 "tick %llu",
			 pid, now, st);
		return false;
	}
	return true;
}

/* ---- runs beside this one (ledger.h) ---- */

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Append line to the journal of the run in dir, when it has one: never
 * O_CREAT, so a run being torn down is not left with a new file. */
static void journal_append(const char *dir, const char *line)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/peers", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	/* One write() on O_APPEND: lines of two writers never interleave.
	 * A failure means the run is going away: nothing left to tell. */
	if (write(fd, line, strlen(line)) < 0)
		errno = 0;
	close(fd);
}

/* Call fn for every other run under the ledger root whose owner is alive
 * and that has announced itself (its "run" file: start and placements). */
static void each_live_run(const struct vcl_ledger *l,
			  void (*fn)(const struct vcl_ledger *l, const char *dir, const char *name,
				     long long start, const char *placements))
{
	cleanup_dir DIR *d = opendir(VCL_LEDGER_ROOT);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *info = NULL;
		char dir[512], path[600], why[192], pl[256];
		long long start = 0;

		if (de->d_name[0] == '.' || strcmp(de->d_name, l->run) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", VCL_LEDGER_ROOT, de->d_name);
		snprintf(path, sizeof(path), "%s/run", dir);
		if (!owner_alive(dir, why, sizeof(why)) ||
		    vcl_read_file(path, &info, NULL, NULL) < 0 ||
		    sscanf(info, "%lld %255s", &start, pl) != 2)
			continue;
		fn(l, dir, de->d_name, start, pl);
	}
}

/* A live run found at announce: note it here, and tell it about us. */
static void note_peer(const struct vcl_ledger *l, const char *dir, const char *name,
		      long long start, const char *placements)
{
	char line[400];
	int n = snprintf(line, sizeof(line), "start %s %lld %s\n", name, start, placements);

	if (n > 0 && (size_t)n < sizeof(line) && write(l->peers_fd, line, (size_t)n) < 0)
		errno = 0; /* our own journal: a lost line loses one mention, no more */
	snprintf(line, sizeof(line), "start %s %lld %s\n", l->run, (long long)l->started,
		 l->placements);
	journal_append(dir, line);
}

static void tell_end(const struct vcl_ledger *l, const char *dir, const char *name, long long start,
		     const char *placements)
{
	char line[128];

	snprintf(line, sizeof(line), "end %s %lld\n", l->run, (long long)realtime_ns());
	journal_append(dir, line);
}

int vcl_ledger_announce(struct vcl_ledger *l, const char *placements, struct vcl_error **err)
{
	char path[600], info[300];
	int n;

	if (l == NULL)
		return 0;
	/* The journal first: a run that sees our "run" file can append at once. */
	snprintf(path, sizeof(path), "%s/peers", l->dir);
	l->peers_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (l->peers_fd < 0)
		return vcl_fail(err, errno, "Create %s", path);
	l->started = realtime_ns();
	snprintf(l->placements, sizeof(l->placements), "%s",
		 placements != NULL && placements[0] != '\0' ? placements : "-");
	n = snprintf(info, sizeof(info), "%lld %s\n", (long long)l->started, l->placements);
	snprintf(path, sizeof(path), "%s/run", l->dir);
	if (vcl_write_atomic(path, info, (size_t)n, err) < 0)
		return vcl_error_wrap(err, "Announce run %s", l->run);
	each_live_run(l, note_peer);
	return 0;
}

/* At close: every live run learns that this one ended. */
static void announce_end(struct vcl_ledger *l)
{
	if (l->started == 0)
		return;
	each_live_run(l, tell_end);
	close(l->peers_fd);
	l->peers_fd = -1;
}

int64_t vcl_ledger_started(const struct vcl_ledger *l)
{
	return l != NULL ? l->started : 0;
}

static struct vcl_ledger_peer *peer_of(struct vcl_ledger_peer **v, size_t *n, const char *run)
{
	struct vcl_ledger_peer *g;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].run, run) == 0)
			return &(*v)[i];
	g = realloc(*v, (*n + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	*v = g;
	g = &g[(*n)++];
	memset(g, 0, sizeof(*g));
	snprintf(g->run, sizeof(g->run), "%s", run);
	return g;
}

int vcl_ledger_peers(const struct vcl_ledger *l, struct vcl_ledger_peer **out, size_t *n,
		     struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	char path[600], *save = NULL;

	*out = NULL;
	*n = 0;
	if (l == NULL || l->started == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/peers", l->dir);
	if (vcl_read_file(path, &buf, NULL, err) < 0)
		return -1;
	for (char *p = strtok_r(buf, "\n", &save); p != NULL; p = strtok_r(NULL, "\n", &save)) {
		char run[64], pl[256] = "";
		long long t = 0;
		struct vcl_ledger_peer *e;
		bool start = sscanf(p, "start %63s %lld %255s", run, &t, pl) == 3;

		if (!start && sscanf(p, "end %63s %lld", run, &t) != 2)
			continue; /* a line cut short by a full /run: skipped */
		e = peer_of(out, n, run);
		if (e == NULL) {
			free(*out);
			*out = NULL;
			*n = 0;
			return vcl_fail(err, ENOMEM, "Peers of run %s", l->run);
		}
		if (start) {
			e->start_ns = t;
			snprintf(e->placements, sizeof(e->placements), "%s", pl);
		} else {
			e->end_ns = t;
		}
	}
	return 0;
}

/* The time (ns) in the claim file of name in dir, -1 when there is none. */
static long long claim_time(const char *dir, const char *name)
{
	cleanup_free char *buf = NULL;
	char path[600];
	long long t = -1;

	snprintf(path, sizeof(path), "%s/claim-%s", dir, name);
	if (vcl_read_file(path, &buf, NULL, NULL) < 0 || sscanf(buf, "%lld", &t) != 1)
		return -1;
	return t;
}

int vcl_ledger_claim(struct vcl_ledger *l, const char *name, bool *got,
		     struct vcl_ledger_peer *holder, struct vcl_error **err)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	char path[600], text[32];
	long long mine = realtime_ns(), best = mine;

	*got = true;
	if (l == NULL)
		return 0;
	snprintf(path, sizeof(path), "%s/claim-%s", l->dir, name);
	snprintf(text, sizeof(text), "%lld\n", mine);
	if (vcl_write_atomic(path, text, strlen(text), err) < 0)
		return vcl_error_wrap(err, "Claim %s", name);
	d = opendir(VCL_LEDGER_ROOT);
	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *info = NULL;
		char dir[512], why[192], pl[256] = "-";
		long long t, start = 0;

		if (de->d_name[0] == '.' || strcmp(de->d_name, l->run) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", VCL_LEDGER_ROOT, de->d_name);
		t = claim_time(dir, name);
		if (t < 0 || t > best || (t == best && strcmp(de->d_name, l->run) > 0) ||
		    !owner_alive(dir, why, sizeof(why)))
			continue;
		best = t;
		*got = false;
		snprintf(path, sizeof(path), "%s/run", dir);
		if (vcl_read_file(path, &info, NULL, NULL) == 0)
			sscanf(info, "%lld %255s", &start, pl);
		memset(holder, 0, sizeof(*holder));
		snprintf(holder->run, sizeof(holder->run), "%.63s", de->d_name);
		snprintf(holder->placements, sizeof(holder->placements), "%s", pl);
		holder->start_ns = start;
	}
	if (!*got) {
		snprintf(path, sizeof(path), "%s/claim-%s", l->dir, name);
		unlink(path);
	}
	return 0;
}

/* How old a ".RUN.new" without an owner file must be before gc takes its
 * opener for dead: vcl_ledger_open writes the owner file right after the
 * mkdir, so only a crash in between leaves one without. */
#define LEDGER_NEW_GRACE_S 60

/* A ledger's temporary ".RUN.new" (vcl_ledger_open): it holds an owner
 * file and an empty ledger until its rename, never a record, so a dead
 * opener's is removed whole. Its owner's liveness says; one without an
 * owner file is dead once older than LEDGER_NEW_GRACE_S. */
static int gc_new(const struct vcl_gc_opts *opts, const char *dir, const char *name,
		  unsigned *removed, struct vcl_error **err)
{
	char path[600], why[192];
	struct stat sb;
	bool has_owner;

	snprintf(path, sizeof(path), "%s/owner", dir);
	has_owner = access(path, F_OK) == 0;
	if (has_owner && owner_alive(dir, why, sizeof(why)))
		return 0;
	if (!has_owner) {
		if (stat(dir, &sb) < 0 || time(NULL) - sb.st_mtime < LEDGER_NEW_GRACE_S)
			return 0;
		snprintf(why, sizeof(why), "no owner file after %d s", LEDGER_NEW_GRACE_S);
	}
	printf("ledger temporary %s: its opener is dead (%s), %s\n", name, why,
	       opts->dry_run ? "would remove" : "removing");
	if (!opts->dry_run && vcl_rm_rf(dir, err) < 0)
		return -1;
	(*removed)++;
	return 0;
}

static bool gc_temporary(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' && n > 5 && strcmp(name + n - 4, ".new") == 0;
}

int vcl_gc(const struct vcl_gc_opts *opts, unsigned *removed, struct vcl_error **err)
{
	const char *root = opts->root != NULL ? opts->root : VCL_LEDGER_ROOT;
	cleanup_dir DIR *d = opendir(root);
	struct dirent *de;
	int ret = 0;

	*removed = 0;
	if (d == NULL)
		return errno == ENOENT ? 0 : vcl_fail(err, errno, "Open %s", root);
	while ((de = readdir(d)) != NULL) {
		char dir[512], why[192];

		snprintf(dir, sizeof(dir), "%s/%s", root, de->d_name);
		if (opts->prefix != NULL && strncmp(de->d_name + gc_temporary(de->d_name),
						    opts->prefix, strlen(opts->prefix)) != 0)
			continue;
		if (gc_temporary(de->d_name)) {
			if (gc_new(opts, dir, de->d_name, removed, err) < 0)
				ret = -1;
			continue;
		}
		if (de->d_name[0] == '.')
			continue;
		if (owner_alive(dir, why, sizeof(why))) {
			printf("run %s: still running, left alone\n", de->d_name);
			continue;
		}
		printf("run %s: dead (%s), %s\n", de->d_name, why,
		       opts->dry_run ? "would tear down:" : "tearing down");
		if (teardown(opts->kinds, dir, de->d_name, opts->dry_run, true, err) < 0)
			ret = -1;
		else
			(*removed)++;
	}
	if (!opts->dry_run)
		rmdir(root);
	return ret;
}
