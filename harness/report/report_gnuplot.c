/* SPDX-License-Identifier: MIT */
/*
 * Figures drawn: gnuplot located and run as a program on the scripts that
 * report_plots.c planned (fork/exec), and the SVGs it draws made fit to live
 * inline in one HTML page.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/proc.h"
#include "core/util.h"

/* ---- running gnuplot ---- */

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *vcl_report_find_gnuplot(char **why)
{
	const char *env = getenv("VCLAB_GNUPLOT");
	const char *path = getenv("PATH");

	*why = NULL;
	if (env != NULL && *env != '\0') {
		if (executable(env))
			return vcl_rxstrdup(env);
		*why = vcl_rxasprintf("VCLAB_GNUPLOT=%s is not an executable file, so no figures "
				      "were drawn",
				      env);
		return NULL;
	}
	if (path == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path != '\0') {
		const char *colon = strchr(path, ':');
		size_t len = colon != NULL ? (size_t)(colon - path) : strlen(path);
		char *cand = vcl_rxasprintf("%.*s/gnuplot", (int)len, len == 0 ? "." : path);

		if (executable(cand))
			return cand;
		free(cand);
		path += len;
		if (*path == ':')
			path++;
	}
	*why = vcl_rxstrdup("gnuplot is not on PATH (install gnuplot-nox, or set VCLAB_GNUPLOT), "
			    "so no figures were drawn");
	return NULL;
}

/* First line of a message, for a one-line warning. */
static void first_line(char *s)
{
	char *nl;

	while (*s == '\n' || *s == ' ')
		memmove(s, s + 1, strlen(s));
	nl = strchr(s, '\n');
	if (nl != NULL)
		*nl = '\0';
}

/* Run gnuplot on NAME.gp in figdir. 0 on success; otherwise *problem says why. */
static int run_gnuplot(const char *gnuplot, const char *figdir, const char *script, char **problem)
{
	int pfd[2];
	pid_t pid;
	char msg[2048];
	size_t len = 0;
	ssize_t got;
	int status;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		*problem = vcl_rxasprintf("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		*problem = vcl_rxasprintf("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || chdir(figdir) < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(126);
		execl(gnuplot, "gnuplot", script, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((got = read(pfd[0], msg + len, sizeof(msg) - 1 - len)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)got;
		if (len == sizeof(msg) - 1) {
			/* Keep reading so gnuplot never blocks on a full pipe. */
			char sink[512];

			while ((got = read(pfd[0], sink, sizeof(sink))) > 0 ||
			       (got < 0 && errno == EINTR))
				;
			break;
		}
	}
	msg[len] = '\0';
	close(pfd[0]);
	if (vcl_waitpid(pid, &status, 0) < 0) {
		*problem = vcl_rxasprintf("waitpid: %s", strerror(errno));
		return -1;
	}
	first_line(msg);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			*problem = vcl_rxasprintf("could not run %s", gnuplot);
		else
			*problem = vcl_rxasprintf(
			    "gnuplot failed (%s %d)%s%s", WIFEXITED(status) ? "exit" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			    *msg != '\0' ? ": " : "", msg);
		return -1;
	}
	if (*msg != '\0')
		*problem = vcl_rxasprintf("gnuplot said: %s", msg);
	return 0;
}

int vcl_report_draw(struct vcl_report_figs *figs, const char *figdir, const char *gnuplot,
		    struct vcl_error **err)
{
	for (size_t i = 0; i < figs->n; i++) {
		struct vcl_report_fig *fig = &figs->v[i];
		cleanup_free char *gp = vcl_rxasprintf("%s/%s.gp", figdir, fig->name);
		cleanup_free char *svg = vcl_rxasprintf("%s/%s.svg", figdir, fig->name);
		cleanup_free char *png = vcl_rxasprintf("%s/%s.png", figdir, fig->name);
		cleanup_free char *script = vcl_rxasprintf("%s.gp", fig->name);
		cleanup_free char *text = NULL;
		char *problem = NULL;
		size_t len;

		if (vcl_write_atomic(gp, fig->script, strlen(fig->script), err) < 0)
			return vcl_error_wrap(err, "Figure script");
		/* A figure from an earlier report must never pass for this one. */
		if ((unlink(svg) < 0 && errno != ENOENT) || (unlink(png) < 0 && errno != ENOENT))
			return vcl_fail(err, errno, "Remove old figure %s", svg);
		if (gnuplot == NULL)
			continue;
		if (run_gnuplot(gnuplot, figdir, script, &problem) < 0) {
			/* No half-written figure is left to be mistaken for a drawn one. */
			(void)unlink(svg);
			(void)unlink(png);
			fig->problem = problem;
			vcl_warn("figure %s not drawn: %s", fig->name, problem);
			continue;
		}
		if (problem != NULL) {
			vcl_warn("figure %s: %s", fig->name, problem);
			free(problem);
			problem = NULL;
		}
		if (vcl_read_file(svg, &text, &len, NULL) < 0) {
			fig->problem = vcl_rxasprintf("gnuplot wrote no %s.svg", fig->name);
			vcl_warn("figure %s not drawn: %s", fig->name, fig->problem);
			continue;
		}
		fig->svg = vcl_report_svg_inline(text, fig->name);
	}
	return 0;
}

/* Copy svg from its <svg element on, prefixing every id and every reference
 * to one (id='x', href='#x', url(#x)) so ids stay unique in one HTML page. */
char *vcl_report_svg_inline(const char *svg, const char *prefix)
{
	static const char *const pats[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
	const char *p = strstr(svg, "<svg");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort();
	if (p == NULL)
		p = svg;
	while (*p != '\0') {
		bool hit = false;

		for (size_t i = 0; i < ARRAY_SIZE(pats); i++) {
			size_t pl = strlen(pats[i]);

			/* "id=" must start an attribute, not end one like "gridid=". */
			if (strncmp(p, pats[i], pl) == 0 &&
			    (pats[i][0] != 'i' ||
			     (p > svg && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n')))) {
				fprintf(f, "%s%s-", pats[i], prefix);
				p += pl;
				hit = true;
				break;
			}
		}
		if (!hit)
			fputc(*p++, f);
	}
	fclose(f);
	return buf;
}
