// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_leak.c - fd snapshots and memory footprint for leak checks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "kps_leak.h"

/* Descriptors at or above the soft limit belong to valgrind, if any. */
static long kps_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY)
		return 1L << 30;
	return (long)rl.rlim_cur;
}

static int kps_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Open fds into fds[max], ascending; the total count (may exceed max). */
static int kps_fd_list(int *fds, int max)
{
	long limit = kps_fd_limit();
	struct dirent *de;
	int n = 0, self;
	char *end;
	DIR *d;
	long fd;

	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	self = dirfd(d);
	while ((de = readdir(d))) {
		fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd == self || fd >= limit)
			continue;
		if (n < max)
			fds[n] = (int)fd;
		n++;
	}
	closedir(d);
	if (fds)
		qsort(fds, n < max ? n : max, sizeof(*fds), kps_cmp_int);
	return n;
}

int kps_fdset_take(struct kps_fdset *s)
{
	int n = kps_fd_list(s->fd, KPS_FDSET_MAX);

	s->valid = false;
	s->n = 0;
	if (n < 0)
		return -1;
	if (n > KPS_FDSET_MAX) {
		errno = E2BIG;
		return -1;
	}
	s->n = n;
	s->valid = true;
	return 0;
}

int kps_fd_leaks(const struct kps_fdset *before, char *buf, size_t len)
{
	static int now[KPS_FDSET_MAX];
	char path[64], target[256];
	int n, i, leaks = 0;
	size_t off = 0;
	ssize_t t;

	if (len)
		buf[0] = '\0';
	n = kps_fd_list(now, KPS_FDSET_MAX);
	if (n < 0)
		return -1;
	if (n > KPS_FDSET_MAX)
		n = KPS_FDSET_MAX;
	for (i = 0; i < n; i++) {
		if (bsearch(&now[i], before->fd, before->n, sizeof(int),
			    kps_cmp_int))
			continue;
		leaks++;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", now[i]);
		t = readlink(path, target, sizeof(target) - 1);
		target[t < 0 ? 0 : t] = '\0';
		if (off < len)
			off += snprintf(buf + off, len - off, "%sfd %d -> %s",
					leaks > 1 ? ", " : "", now[i],
					t < 0 ? "?" : target);
	}
	return leaks;
}

int kps_fd_count(void)
{
	return kps_fd_list(NULL, 0);
}

long kps_rss_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");
	int r;

	if (!f)
		return -1;
	r = fscanf(f, "%ld %ld", &size, &resident);
	fclose(f);
	if (r != 2)
		return -1;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}
