/* SPDX-License-Identifier: MIT */
/* The user's service from an OCI image, a rootfs or a binary (image.h). */
#include "image/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/probe.h"
#include "core/proc.h"
#include "core/util.h"
#include "image/oci.h"

extern char **environ;

/* ---- pure parts -------------------------------------------------------- */

void vcl_image_name_from_ref(const char *ref, char *out, size_t size)
{
	const char *colon = strchr(ref, ':'), *s = colon != NULL ? colon + 1 : ref, *slash;
	size_t o = 0;
	char tmp[256];

	/* Strip a trailing slash, take the last component. */
	snprintf(tmp, sizeof(tmp), "%s", s);
	while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
		tmp[strlen(tmp) - 1] = '\0';
	slash = strrchr(tmp, '/');
	s = slash != NULL ? slash + 1 : tmp;
	for (; *s != '\0' && *s != ':' && o + 1 < size; s++) {
		if (strncmp(s, ".tar", 4) == 0 || strncmp(s, ".oci", 4) == 0)
			break;
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-')
			out[o++] = *s;
	}
	if (o == 0)
		o = (size_t)snprintf(out, size, "service");
	out[o < size ? o : size - 1] = '\0';
}

static char **strv_from_json(struct json_object *a)
{
	size_t n =
	    a != NULL && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
	char **v = calloc(n + 1, sizeof(*v));

	for (size_t i = 0; v != NULL && i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));

		v[i] = strdup(s != NULL ? s : "");
		if (v[i] == NULL) {
			vcl_strvfreep(&v);
			return NULL;
		}
	}
	return v;
}

static int strv_push(char ***v, const char *s)
{
	size_t n = *v != NULL ? vcl_strv_len(*v) : 0;
	char **nv = realloc(*v, (n + 2) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	*v = nv;
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	return nv[n] == NULL ? -1 : 0;
}

/* A copy of a NULL-terminated list. */
static char **strv_dup(char *const *src)
{
	char **v = calloc(1, sizeof(*v));

	for (size_t i = 0; v != NULL && src[i] != NULL; i++)
		if (strv_push(&v, src[i]) < 0)
			vcl_strvfreep(&v);
	return v;
}

/* Set K=V in an environment, replacing an earlier K. */
static int env_set(char ***envp, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq != NULL ? (size_t)(eq - kv) : 0;

	if (eq == NULL || klen == 0)
		return -2;
	for (char **e = *envp; e != NULL && *e != NULL; e++)
		if (strncmp(*e, kv, klen + 1) == 0) {
			char *d = strdup(kv);

			if (d == NULL)
				return -1;
			free(*e);
			*e = d;
			return 0;
		}
	return strv_push(envp, kv);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The one exposed port ("8080/tcp"), 0 with *count set otherwise. */
static uint16_t exposed_port(struct json_object *ports, unsigned *count)
{
	uint16_t port = 0;

	*count = 0;
	if (ports == NULL || !json_object_is_type(ports, json_type_object))
		return 0;
	json_object_object_foreach(ports, key, val)
	{
		char *end;
		long p = strtol(key, &end, 10);

		(void)val;
		if (p > 0 && p < 65536 && (*end == '\0' || strcmp(end, "/tcp") == 0)) {
			port = (uint16_t)p;
			(*count)++;
		}
	}
	return *count == 1 ? port : 0;
}

int vcl_image_config_apply(struct json_object *config, const struct vcl_image_opts *o,
			   struct vcl_image *img, struct vcl_error **err)
{
	struct json_object *cfg = get(config, "config");
	const char *wd = json_object_get_string(get(cfg, "WorkingDir"));
	const char *user = json_object_get_string(get(cfg, "User"));
	cleanup_strv char **entry = o->entrypoint != NULL ? strv_dup(o->entrypoint)
							  : strv_from_json(get(cfg, "Entrypoint"));
	/* Kubernetes: a command without args runs without the image's Cmd. */
	cleanup_strv char **cmd = o->cmd != NULL || o->entrypoint != NULL
				      ? strv_dup((char *const[]){NULL})
				      : strv_from_json(get(cfg, "Cmd"));
	cleanup_strv char **env = strv_from_json(get(cfg, "Env"));
	unsigned nports;
	uint16_t port;

	if (entry == NULL || cmd == NULL || env == NULL)
		return vcl_fail(err, ENOMEM, "Image config");
	/* Entrypoint + Cmd, where -- CMD replaces Cmd (docker run semantics). */
	vcl_strvfreep(&img->argv);
	img->argv = steal_ptr(entry);
	for (char **c = o->cmd != NULL ? o->cmd : cmd; *c != NULL; c++)
		if (strv_push(&img->argv, *c) < 0)
			return vcl_fail(err, ENOMEM, "Image config");
	if (o->binary == NULL && (img->argv == NULL || img->argv[0] == NULL))
		return vcl_usage(err,
				 "Image %s has no entrypoint and no command (give -- CMD ARGS)",
				 img->reference);
	if (env[0] == NULL &&
	    env_set(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") < 0)
		return vcl_fail(err, ENOMEM, "Image config");
	for (char **e = o->env; e != NULL && *e != NULL; e++) {
		int r = env_set(&env, *e);

		if (r == -2)
			return vcl_usage(err, "--env %s: expected K=V", *e);
		if (r < 0)
			return vcl_fail(err, ENOMEM, "Image config");
	}
	vcl_strvfreep(&img->envp);
	img->envp = steal_ptr(env);
	free(img->cwd);
	img->cwd = strdup(wd != NULL && wd[0] == '/' ? wd : "/");
	free(img->user);
	img->user = strdup(o->user != NULL ? o->user : user != NULL ? user : "");
	if (img->cwd == NULL || img->user == NULL)
		return vcl_fail(err, ENOMEM, "Image config");
	port = exposed_port(get(cfg, "ExposedPorts"), &nports);
	if (o->port != 0)
		port = o->port;
	if (port == 0 && !o->port_optional)
		return vcl_usage(err,
				 nports > 1 ? "Image %s exposes %u ports: choose one with --port N"
					    : "No port known for %s: give --port N",
				 img->reference, nports);
	img->svc.port = port;
	return 0;
}

/* ---- host side --------------------------------------------------------- */

/* Run a command, stdout into *out (may be NULL), stderr kept for the
 * error: its last line ends the message. */
int vcl_image_run(char *const argv[], char **out, struct vcl_error **err)
{
	cleanup_close int ofd = memfd_create("vclab-out", MFD_CLOEXEC);
	cleanup_close int efd = memfd_create("vclab-err", MFD_CLOEXEC);
	int status = 0;
	pid_t pid;
	char ebuf[512];
	ssize_t n;

	if (ofd < 0 || efd < 0)
		return vcl_fail(err, errno, "memfd_create");
	pid = fork();
	if (pid < 0)
		return vcl_fail(err, errno, "Fork for %s", argv[0]);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul < 0 || dup2(nul, 0) < 0 || dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		dprintf(2, "%s: %s (install it: scripts/install-deps.sh)\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (vcl_waitpid(pid, &status, 0) < 0)
		return vcl_fail(err, errno, "Wait for %s", argv[0]);
	if (out != NULL) {
		off_t len = lseek(ofd, 0, SEEK_END);

		*out = malloc((size_t)(len > 0 ? len : 0) + 1);
		if (*out == NULL)
			return vcl_fail(err, ENOMEM, "%s output", argv[0]);
		n = len > 0 ? pread(ofd, *out, (size_t)len, 0) : 0;
		(*out)[n > 0 ? n : 0] = '\0';
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	{
		off_t len = lseek(efd, 0, SEEK_END);
		off_t from = len > (off_t)sizeof(ebuf) - 1 ? len - (off_t)sizeof(ebuf) + 1 : 0;
		char *last;

		n = pread(efd, ebuf, sizeof(ebuf) - 1, from);
		ebuf[n > 0 ? n : 0] = '\0';
		while (strlen(ebuf) > 0 && (ebuf[strlen(ebuf) - 1] == '\n'))
			ebuf[strlen(ebuf) - 1] = '\0';
		last = strrchr(ebuf, '\n');
		if (out != NULL) {
			free(*out);
			*out = NULL;
		}
		/* The tool failed, not the user: 127 is a tool that is not
		 * installed (the host's), anything else the tool's own failure.
		 * A caller that knows the cause is the user's input says so. */
		return vcl_error_set(
		    err, WIFEXITED(status) && WEXITSTATUS(status) == 127 ? VCL_E_ENV : VCL_E_FAIL,
		    0, "%s failed: %s", argv[0], last != NULL ? last + 1 : ebuf);
	}
}

const char *vcl_image_cache_root(void)
{
	const char *c = getenv("VCLAB_CACHE");

	return c != NULL && c[0] == '/' ? c : "/var/cache/vclab";
}

static int read_json(const char *path, struct json_object **out, struct vcl_error **err)
{
	cleanup_free char *text = NULL;
	size_t len;

	if (vcl_read_file(path, &text, &len, err) < 0)
		return -1;
	*out = json_tokener_parse(text);
	if (*out == NULL)
		return vcl_usage(err, "%s: not JSON", path);
	return 0;
}

/* blobs/sha256/<hex> of a digest vcl_oci_*_read has checked. */
static void blob_path(const char *layout, const char *digest, char *out, size_t size)
{
	snprintf(out, size, "%s/blobs/sha256/%s", layout, digest + 7);
}

/* The config blob of the layout's first manifest, and the image size. */
static int layout_config(const char *layout, struct json_object **config, uint64_t *size,
			 struct vcl_error **err)
{
	char path[PATH_MAX + 128], digest[VCL_OCI_DIGEST_LEN + 1];
	cleanup_free char *text = NULL;
	size_t len;

	snprintf(path, sizeof(path), "%s/index.json", layout);
	if (vcl_read_file(path, &text, &len, err) < 0 ||
	    vcl_oci_index_read(path, text, len, digest, err) < 0)
		return -1;
	free(text);
	text = NULL;
	blob_path(layout, digest, path, sizeof(path));
	if (vcl_read_file(path, &text, &len, err) < 0 ||
	    vcl_oci_manifest_read(path, text, len, digest, size, err) < 0)
		return -1;
	blob_path(layout, digest, path, sizeof(path));
	return read_json(path, config, err);
}

/* skopeo: digest and architecture, then the copy into the cache (once). */
static int fetch_image(struct vcl_image *img, char *layout, size_t size, struct vcl_error **err)
{
	cleanup_free char *out = NULL;
	char fmt[] = "{{.Digest}} {{.Architecture}}", tmp[PATH_MAX + 32], dst[PATH_MAX + 48];
	char a_skopeo[] = "skopeo", a_pol[] = "--insecure-policy", a_insp[] = "inspect",
	     a_fmt[] = "--format", a_copy[] = "copy", a_q[] = "--quiet";
	char *inspect[] = {a_skopeo, a_pol, a_insp, a_fmt, fmt, img->reference, NULL};
	char *copy[] = {a_skopeo, a_pol, a_copy, a_q, img->reference, dst, NULL};
	char arch[32] = "";
	struct stat st;

	/* skopeo inspect fails on a reference that names no image: the
	 * user's input, unless skopeo itself is missing (the host's). */
	if (vcl_image_run(inspect, &out, err) < 0) {
		if (err != NULL && *err != NULL && (*err)->kind == VCL_E_FAIL)
			vcl_error_set_kind(err, VCL_E_USAGE);
		return vcl_error_wrap(err, "Cannot read image %s", img->reference);
	}
	if (sscanf(out, "%79s %31s", img->digest, arch) < 1 || !vcl_oci_digest_ok(img->digest))
		return vcl_fail(err, 0, "Image %s: skopeo gave no digest", img->reference);
#if defined(__x86_64__)
	if (arch[0] != '\0' && strcmp(arch, "amd64") != 0)
		return vcl_usage(err, "Image %s is for %s, this host is amd64", img->reference,
				 arch);
#endif
	snprintf(tmp, sizeof(tmp), "%s/oci", vcl_image_cache_root());
	if (vcl_mkdir_p(tmp, err) < 0)
		return -1;
	snprintf(layout, size, "%s/oci/%s", vcl_image_cache_root(), img->digest + 7);
	if (stat(layout, &st) == 0)
		return 0; /* content-addressed: already there */
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", layout, (int)getpid());
	snprintf(dst, sizeof(dst), "oci:%s:img", tmp);
	if (vcl_image_run(copy, NULL, err) < 0) {
		vcl_rm_rf(tmp, NULL);
		return vcl_error_wrap(err, "Copy image %s", img->reference);
	}
	if (rename(tmp, layout) < 0 && errno != ENOTEMPTY && errno != EEXIST) {
		vcl_rm_rf(tmp, NULL);
		return vcl_fail(err, errno, "Rename %s", tmp);
	}
	vcl_rm_rf(tmp, NULL);
	return 0;
}

/* umoci raw unpack of the cached layout, once per digest. */
static int unpack_image(struct vcl_image *img, const char *layout, struct vcl_error **err)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16], ref[PATH_MAX + 8];
	char a_umoci[] = "umoci", a_raw[] = "raw", a_unpack[] = "unpack", a_img[] = "--image";
	char *argv[] = {a_umoci, a_raw, a_unpack, a_img, ref, tmp, NULL};
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/rootfs", vcl_image_cache_root());
	if (vcl_mkdir_p(dir, err) < 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s/rootfs/%s", vcl_image_cache_root(), img->digest + 7);
	img->rootfs = strdup(dir);
	if (img->rootfs == NULL)
		return vcl_fail(err, ENOMEM, "Rootfs path");
	if (stat(dir, &st) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dir, (int)getpid());
	snprintf(ref, sizeof(ref), "%s:img", layout);
	vcl_rm_rf(tmp, NULL);
	if (vcl_image_run(argv, NULL, err) < 0) {
		vcl_rm_rf(tmp, NULL);
		return vcl_error_wrap(err, "Unpack image %s", img->reference);
	}
	if (rename(tmp, dir) < 0) {
		int e = errno;

		vcl_rm_rf(tmp, NULL);
		if (e != ENOTEMPTY && e != EEXIST)
			return vcl_fail(err, e, "Rename %s", tmp);
	}
	return 0;
}

/* svc->export_archive of an image from the cache (the engine peers load
 * it): the cached layout's "img" as a docker-archive tagged tag. */
static int export_archive(const struct vcl_svc_spec *svc, const char *path, const char *tag,
			  struct vcl_error **err)
{
	const struct vcl_image *img =
	    (const struct vcl_image *)(const void *)((const char *)svc -
						     offsetof(struct vcl_image, svc));
	char src[PATH_MAX + 8], dst[PATH_MAX + 256];
	char a_skopeo[] = "skopeo", a_pol[] = "--insecure-policy", a_copy[] = "copy",
	     a_q[] = "--quiet";
	char *copy[] = {a_skopeo, a_pol, a_copy, a_q, src, dst, NULL};

	if (img->layout == NULL)
		return vcl_usage(err, "Image %s has no OCI layout to export", img->reference);
	snprintf(src, sizeof(src), "oci:%s:img", img->layout);
	if (snprintf(dst, sizeof(dst), "docker-archive:%s:%s", path, tag) >= (int)sizeof(dst))
		return vcl_usage(err, "Archive path %s is too long", path);
	unlink(path); /* skopeo refuses to write into an existing archive */
	if (vcl_image_run(copy, NULL, err) < 0)
		return vcl_error_wrap(err, "Export image %s as a docker-archive", img->reference);
	return 0;
}

/* A file of the rootfs, symlinks resolved inside it (RESOLVE_IN_ROOT). */
static int open_in_root(const char *rootfs, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	cleanup_close int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (root < 0)
		return -1;
	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static bool executable_in(const char *rootfs, const char *path)
{
	cleanup_close int fd = -1;
	struct stat st;

	if (rootfs == NULL)
		return access(path, X_OK) == 0;
	fd = open_in_root(rootfs, path, O_PATH);
	return fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* argv[0] as an absolute path inside the rootfs: searched in the
 * service's PATH when it has no slash, as execvp would. */
static int resolve_entrypoint(struct vcl_image *img, struct vcl_error **err)
{
	const char *a0 = img->argv[0], *path = "/usr/local/bin:/usr/bin:/bin";
	char cand[PATH_MAX];

	if (strchr(a0, '/') == NULL) {
		for (char **e = img->envp; *e != NULL; e++)
			if (strncmp(*e, "PATH=", 5) == 0)
				path = *e + 5;
		for (const char *p = path; *p != '\0';) {
			size_t len = strcspn(p, ":");

			snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, p, a0);
			if (executable_in(img->rootfs, cand)) {
				char *d = strdup(cand);

				if (d == NULL)
					return vcl_fail(err, ENOMEM, "Entrypoint");
				free(img->argv[0]);
				img->argv[0] = d;
				return 0;
			}
			p += len + (p[len] == ':');
		}
	} else if (executable_in(img->rootfs, a0)) {
		return 0;
	}
	return vcl_usage(err, "Entrypoint %s of %s is missing from %s (or not executable)", a0,
			 img->reference, img->rootfs != NULL ? "its rootfs" : "the host");
}

/* User "uid[:gid]" or a name of the rootfs's /etc/passwd. */
static int resolve_user(struct vcl_image *img, struct vcl_error **err)
{
	char name[64] = "", line[512];
	unsigned long uid = 0, gid = 0;
	const char *colon;
	char *end;
	FILE *f;
	int fd;

	if (img->user[0] == '\0')
		return 0;
	colon = strchr(img->user, ':');
	uid = strtoul(img->user, &end, 10);
	if (end != img->user && (*end == '\0' || *end == ':')) {
		gid = colon != NULL ? strtoul(colon + 1, NULL, 10) : uid;
		img->svc.uid = (uid_t)uid;
		img->svc.gid = (gid_t)gid;
		return 0;
	}
	snprintf(name, sizeof(name), "%.*s",
		 (int)(colon != NULL ? (size_t)(colon - img->user) : strlen(img->user)), img->user);
	fd = img->rootfs != NULL ? open_in_root(img->rootfs, "/etc/passwd", O_RDONLY) : -1;
	f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return vcl_usage(err, "User %s of %s: no /etc/passwd in the rootfs", img->user,
				 img->reference);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(name);

		if (strncmp(line, name, n) == 0 && line[n] == ':' &&
		    sscanf(line + n, ":%*[^:]:%lu:%lu", &uid, &gid) == 2) {
			fclose(f);
			img->svc.uid = (uid_t)uid;
			img->svc.gid = (gid_t)gid;
			return 0;
		}
	}
	fclose(f);
	return vcl_usage(err, "User %s of %s is not in its /etc/passwd", img->user, img->reference);
}

int vcl_image_load(const struct vcl_image_opts *o, struct vcl_image *img, struct vcl_error **err)
{
	struct json_object *config = NULL;
	char layout[1024];
	int r;

	memset(img, 0, sizeof(*img));
	if ((o->ref == NULL) == (o->binary == NULL))
		return vcl_usage(err, "Give one of --image REF and --binary PATH");
	snprintf(img->reference, sizeof(img->reference), "%s", o->ref ? o->ref : o->binary);
	if (o->name != NULL)
		snprintf(img->name, sizeof(img->name), "%s", o->name);
	else
		vcl_image_name_from_ref(img->reference, img->name, sizeof(img->name));
	img->svc.ready.kind = VCL_READY_HTTP;
	img->svc.ready.status = 200;
	snprintf(img->svc.ready.path, sizeof(img->svc.ready.path), "/");
	if (o->ready_spec != NULL)
		img->svc.ready = *o->ready_spec;
	else if (o->ready != NULL && vcl_ready_parse(o->ready, &img->svc.ready) < 0)
		return vcl_usage(
		    err, "--ready %s: expected http:PATH[=STATUS], tcp or tcp:SEND[=EXPECT]",
		    o->ready);
	if (o->load != NULL)
		snprintf(img->load, sizeof(img->load), "%s", o->load);

	if (o->binary != NULL) {
		if (o->binary[0] != '/')
			return vcl_usage(err, "--binary %s: give an absolute path", o->binary);
	} else if (strncmp(o->ref, "rootfs:", 7) == 0) {
		char real[PATH_MAX];
		struct stat st;

		if (realpath(o->ref + 7, real) == NULL || stat(real, &st) < 0 ||
		    !S_ISDIR(st.st_mode))
			return vcl_usage(err, "Cannot read image %s: not a folder", o->ref);
		img->rootfs = strdup(real);
		if (img->rootfs == NULL)
			return vcl_fail(err, ENOMEM, "Rootfs path");
	} else {
		if (fetch_image(img, layout, sizeof(layout), err) < 0 ||
		    layout_config(layout, &config, &img->size, err) < 0 ||
		    unpack_image(img, layout, err) < 0) {
			json_object_put(config);
			return -1;
		}
		img->layout = strdup(layout);
		if (img->layout == NULL) {
			json_object_put(config);
			return vcl_fail(err, ENOMEM, "Layout path");
		}
		img->svc.export_archive = export_archive;
	}
	r = vcl_image_config_apply(config, o, img, err);
	json_object_put(config);
	if (r < 0)
		return -1;
	if (o->binary != NULL) {
		/* A host executable runs as it is: -- ARGS are its arguments,
		 * and it gets the harness's environment. */
		char *b = strdup(o->binary);

		if (b == NULL)
			return vcl_fail(err, ENOMEM, "Binary");
		vcl_strvfreep(&img->argv);
		if (strv_push(&img->argv, b) < 0) {
			free(b);
			return vcl_fail(err, ENOMEM, "Binary");
		}
		free(b);
		vcl_strvfreep(&img->envp);
		for (char **c = o->cmd; c != NULL && *c != NULL; c++)
			if (strv_push(&img->argv, *c) < 0)
				return vcl_fail(err, ENOMEM, "Binary");
		for (char **e = environ; e != NULL && *e != NULL; e++)
			if (env_set(&img->envp, *e) == -1)
				return vcl_fail(err, ENOMEM, "Environment");
		for (char **e = o->env; e != NULL && *e != NULL; e++)
			if (env_set(&img->envp, *e) == -1)
				return vcl_fail(err, ENOMEM, "Environment");
	}
	if (resolve_entrypoint(img, err) < 0 || resolve_user(img, err) < 0)
		return -1;
	img->svc.name = img->name;
	img->svc.rootfs = img->rootfs;
	img->svc.argv = img->argv;
	img->svc.envp = img->envp;
	img->svc.cwd = img->cwd;
	if (img->rootfs != NULL)
		img->svc.disk = vcl_image_disk;
	return 0;
}

void vcl_image_free(struct vcl_image *img)
{
	vcl_image_disk_release(img);
	free(img->rootfs);
	free(img->layout);
	free(img->cwd);
	free(img->user);
	vcl_strvfreep(&img->argv);
	vcl_strvfreep(&img->envp);
	memset(img, 0, sizeof(*img));
}

struct json_object *vcl_image_json(const struct vcl_image *img)
{
	struct json_object *o = json_object_new_object(), *ep = json_object_new_array();

	json_object_object_add(o, "reference", json_object_new_string(img->reference));
	if (img->digest[0] != '\0')
		json_object_object_add(o, "digest", json_object_new_string(img->digest));
	if (img->size != 0)
		json_object_object_add(o, "size", json_object_new_int64((int64_t)img->size));
	for (char **a = img->argv; a != NULL && *a != NULL; a++)
		json_object_array_add(ep, json_object_new_string(*a));
	json_object_object_add(o, "entrypoint", ep);
	json_object_object_add(o, "port", json_object_new_int(img->svc.port));
	return o;
}
