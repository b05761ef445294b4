// SPDX-License-Identifier: GPL-2.0-only
/*
 * valgrind_kvm.so - LD_PRELOAD for tests/valgrind.sh: tell memcheck which
 * bytes a KVM ioctl wrote.
 *
 * memcheck knows a few KVM ioctls; for the others it trusts the _IOC size,
 * so the variable-length tails the kernel writes (kvm_cpuid2 entries, the
 * MSR list, kvm_msrs entries) stay "uninitialised" and every later use is
 * a false error.  After a successful call this marks exactly the bytes the
 * kernel wrote as defined, as a memcheck syscall wrapper would.  It never
 * marks memory the kernel did not write, so real uninitialised reads are
 * still reported.  Not used with the model, whose ioctl() comes first in
 * LD_PRELOAD and already copies its results through defined buffers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/kvm.h>
#include <valgrind/memcheck.h>

static void defined(const void *p, size_t len)
{
	(void)VALGRIND_MAKE_MEM_DEFINED(p, len);
}

int ioctl(int fd, unsigned long req, ...)
{
	struct kvm_msr_list *list;
	struct kvm_cpuid2 *cpuid;
	struct kvm_msrs *msrs;
	va_list ap;
	void *arg;
	long r;
	int e;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	r = syscall(SYS_ioctl, fd, req, arg);
	e = errno;
	switch (req) {
	case KVM_GET_SUPPORTED_CPUID:
	case KVM_GET_EMULATED_CPUID:
	case KVM_GET_CPUID2:
		/* nent is written back, entries only on success */
		cpuid = arg;
		if (r == 0)
			defined(cpuid, sizeof(*cpuid) +
				cpuid->nent * sizeof(cpuid->entries[0]));
		break;
	case KVM_GET_MSR_INDEX_LIST:
	case KVM_GET_MSR_FEATURE_INDEX_LIST:
		list = arg;
		if (r == 0)
			defined(list, sizeof(*list) +
				list->nmsrs * sizeof(list->indices[0]));
		break;
	case KVM_GET_MSRS:
		/* x86.c:4131: the whole array is written back */
		msrs = arg;
		if (r >= 0)
			defined(msrs->entries,
				msrs->nmsrs * sizeof(msrs->entries[0]));
		break;
	default:
		break;
	}
	errno = e;
	return (int)r;
}
