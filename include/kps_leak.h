/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_leak.h - file descriptor and memory footprint checks for the
 * kvm-protected-state tests.
 *
 * A test case must close every VM, vCPU, guest_memfd and /dev/sev fd it
 * opened (libkvm's kvm_vm_free(), kps_pvm_free()).  Take a snapshot of
 * /proc/self/fd when the case starts and compare in FIXTURE_TEARDOWN,
 * after the VMs are freed:
 *
 *	FIXTURE(f) {
 *		struct kps_fdset fds;
 *		...
 *	};
 *	FIXTURE_SETUP(f)
 *	{
 *		kps_fdset_take(&self->fds);	(first, before any open)
 *		...
 *	}
 *	FIXTURE_TEARDOWN(f)
 *	{
 *		kps_pvm_free(&self->pvm);
 *		kps_assert_no_fd_leak(_metadata, &self->fds);
 *	}
 *
 * The harness runs setup, test and teardown in one forked process per
 * case, so the snapshot and the check see the same fd table.  Descriptors
 * at or above the RLIMIT_NOFILE soft limit are ignored: valgrind keeps its
 * own there.
 */
#ifndef KPS_LEAK_H
#define KPS_LEAK_H

#include <stdbool.h>
#include <stddef.h>

#define KPS_FDSET_MAX		1024

struct kps_fdset {
	bool valid;		/* the snapshot could be taken */
	int n;
	int fd[KPS_FDSET_MAX];	/* ascending */
};

/* Snapshot the open fds of the process: 0, or -1 with errno. */
int kps_fdset_take(struct kps_fdset *s);

/*
 * Descriptors open now that are not in before, described in buf as
 * "fd 7 -> anon_inode:kvm-vm, fd 8 -> /dev/sev".  Returns their number,
 * or -1 with errno when /proc/self/fd cannot be read.
 */
int kps_fd_leaks(const struct kps_fdset *before, char *buf, size_t len);

/* Number of open fds below the RLIMIT_NOFILE soft limit, or -1. */
int kps_fd_count(void);

/* Resident set size in KiB (/proc/self/statm), or -1. */
long kps_rss_kib(void);

#ifdef __KSELFTEST_HARNESS_H
/* FIXTURE_TEARDOWN helper: FAIL naming every fd the case left open. */
static inline void kps_assert_no_fd_leak(struct __test_metadata *_metadata,
					 const struct kps_fdset *before)
{
	char what[512];
	int n;

	if (!before->valid)
		return;
	n = kps_fd_leaks(before, what, sizeof(what));
	/*
	 * After a failed ASSERT the harness runs the teardown with its
	 * handler trigger still set, so a passing ASSERT_EQ would run the
	 * handler too: report only when there is a leak.
	 */
	if (!n)
		return;
	ASSERT_EQ(0, n) {
		TH_LOG("fd leak: %d fd(s) opened by the case still open after teardown: %s",
		       n, n < 0 ? "cannot read /proc/self/fd" : what);
	}
}
#endif

#endif /* KPS_LEAK_H */
