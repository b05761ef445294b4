// SPDX-License-Identifier: GPL-2.0-only
/*
 * A stand-in for a platform bug, for the self-tests (t_fault_preload in
 * tests/lib.sh): KVM_GET_REGS fails with EIO unless T_NO_EIO is set, and
 * with T_HANG set KVM_RUN never returns.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/kvm.h>

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, void *);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == KVM_GET_REGS && !getenv("T_NO_EIO")) {
		errno = EIO;
		return -1;
	}
	if (req == KVM_RUN && getenv("T_HANG"))
		for (;;)
			pause();
	if (!real)
		real = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}
