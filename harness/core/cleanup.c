/* SPDX-License-Identifier: MIT */
#include "core/cleanup.h"
#include "core/proc.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void vcl_freep(void *p)
{
	free(*(void **)p);
}

void vcl_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		*fd = -1;
		errno = saved;
	}
}

void vcl_fclosep(FILE **f)
{
	if (*f != NULL) {
		fclose(*f);
		*f = NULL;
	}
}

void vcl_closedirp(DIR **d)
{
	if (*d != NULL) {
		closedir(*d);
		*d = NULL;
	}
}

void vcl_killpidp(pid_t *pid)
{
	int saved = errno;

	if (*pid <= 0)
		return;
	vcl_proc_kill_reap(*pid, -1, SIGKILL, 0, NULL);
	*pid = -1;
	errno = saved;
}

void vcl_strvfreep(char ***v)
{
	if (*v == NULL)
		return;
	for (char **p = *v; *p != NULL; p++)
		free(*p);
	free(*v);
	*v = NULL;
}
