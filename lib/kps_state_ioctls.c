// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_state_ioctls.c - the guest-state ioctl catalog and its helpers.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_util.h"
#include "processor.h"

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(_name, _nr, _dir, _kind, _size, _cap, _partner, \
			_flags, _cite)					\
	[KPS_IO_##_name] = {						\
		.name = #_name,						\
		.nr_name = #_nr,					\
		.nr = _nr,						\
		.dir = _dir,						\
		.size_kind = _kind,					\
		.size = _size,						\
		.cap = _cap,						\
		.cap_name = #_cap,					\
		.partner = KPS_IO_##_partner,				\
		.flags = _flags,					\
		.cite = _cite,						\
	},

const struct kps_state_ioctl kps_state_ioctls[KPS_NR_STATE_IOCTLS] = {
#include "kps_state_ioctls.h"
};

/* Deterministic on a default VM: no TSC, no MSR that moves by itself. */
const __u32 kps_default_msrs[] = {
	MSR_IA32_SYSENTER_CS,
	MSR_IA32_SYSENTER_ESP,
	MSR_IA32_SYSENTER_EIP,
	MSR_IA32_CR_PAT,
	MSR_EFER,
	MSR_STAR,
	MSR_LSTAR,
	MSR_CSTAR,
	MSR_SYSCALL_MASK,
	MSR_KERNEL_GS_BASE,
};

const unsigned int kps_nr_default_msrs = ARRAY_SIZE(kps_default_msrs);

const struct kps_state_ioctl *kps_ioctl_by_name(const char *name)
{
	int i;

	for (i = 0; i < KPS_NR_STATE_IOCTLS; i++)
		if (!strcmp(kps_state_ioctls[i].name, name))
			return &kps_state_ioctls[i];
	return NULL;
}

const struct kps_state_ioctl *kps_ioctl_partner(const struct kps_state_ioctl *io)
{
	return io->partner == KPS_IO_none ? NULL : &kps_state_ioctls[io->partner];
}

size_t kps_ioctl_buf_size(struct kvm_vcpu *vcpu,
			  const struct kps_state_ioctl *io)
{
	int r;

	switch (io->size_kind) {
	case KPS_SIZE_NONE:
		return 0;
	case KPS_SIZE_XSAVE2:
		/* 6.12 x86.c KVM_CAP_XSAVE2: guest_fpu uabi_size, >= 4096 */
		r = ioctl(vcpu->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
		return r > (int)io->size ? (size_t)r : io->size;
	case KPS_SIZE_CPUID2:
		return io->size +
		       KPS_CPUID_MAX_NENT * sizeof(struct kvm_cpuid_entry2);
	case KPS_SIZE_MSRS:
		return io->size + KPS_MSRS_MAX * sizeof(struct kvm_msr_entry);
	case KPS_SIZE_STATIC:
	default:
		return io->size;
	}
}

size_t kps_ioctl_data_size(struct kvm_vcpu *vcpu,
			   const struct kps_state_ioctl *io, const void *buf)
{
	const struct kvm_cpuid2 *cpuid = buf;
	const struct kvm_msrs *msrs = buf;
	size_t max = kps_ioctl_buf_size(vcpu, io);
	size_t n;

	switch (io->size_kind) {
	case KPS_SIZE_CPUID2:
		n = io->size + cpuid->nent * sizeof(struct kvm_cpuid_entry2);
		break;
	case KPS_SIZE_MSRS:
		n = io->size + msrs->nmsrs * sizeof(struct kvm_msr_entry);
		break;
	default:
		return max;
	}
	return n < max ? n : max;
}

bool kps_ioctl_supported(struct kvm_vm *vm, const struct kps_state_ioctl *io,
			 const char **why)
{
	static __thread char reason[160];
	int r;

	if (io->cap) {
		r = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, io->cap);
		if (r <= 0) {
			snprintf(reason, sizeof(reason),
				 "%s=%d on /dev/kvm: %s not available",
				 io->cap_name, r, io->nr_name);
			if (why)
				*why = reason;
			return false;
		}
	}
	if ((io->flags & KPS_NEEDS_IRQCHIP) && !vm->has_irqchip) {
		snprintf(reason, sizeof(reason),
			 "%s needs an in-kernel irqchip and this VM has none",
			 io->nr_name);
		if (why)
			*why = reason;
		return false;
	}
	if (why)
		*why = NULL;
	return true;
}

int kps_run_immediate(struct kvm_vcpu *vcpu, __u64 valid, __u64 dirty)
{
	struct kvm_run *run = vcpu->run;
	int r, err;

	run->kvm_valid_regs = valid;
	run->kvm_dirty_regs = dirty;
	run->immediate_exit = 1;
	errno = 0;
	r = ioctl(vcpu->fd, KVM_RUN, NULL);
	err = errno;
	run->immediate_exit = 0;
	run->kvm_valid_regs = 0;
	run->kvm_dirty_regs = 0;
	errno = err;
	return r;
}

static int kps_sync_regs_call(struct kvm_vcpu *vcpu, void *buf)
{
	int r = kps_run_immediate(vcpu, KVM_SYNC_X86_VALID_FIELDS, 0);

	if (r == -1 && errno == EINTR) {
		if (buf)
			memcpy(buf, &vcpu->run->s.regs,
			       sizeof(struct kvm_sync_regs));
		return 0;
	}
	return r;
}

int kps_ioctl_call(struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		   void *buf)
{
	if (io->flags & KPS_RUNS_VCPU)
		return kps_sync_regs_call(vcpu, buf);
	if (io->flags & KPS_NO_ARG)
		return ioctl(vcpu->fd, io->nr, 0);
	if (io->flags & KPS_VALUE_ARG)
		return ioctl(vcpu->fd, io->nr, (unsigned long)*(__u64 *)buf);
	return ioctl(vcpu->fd, io->nr, buf);
}

int kps_ioctl_success_ret(const struct kps_state_ioctl *io, const void *buf)
{
	const struct kvm_msrs *msrs = buf;

	return io->size_kind == KPS_SIZE_MSRS ? (int)msrs->nmsrs : 0;
}

void kps_msrs_init(struct kvm_msrs *msrs, const __u32 *idx, unsigned int n)
{
	unsigned int i;

	if (n > KPS_MSRS_MAX)
		n = KPS_MSRS_MAX;
	msrs->nmsrs = n;
	msrs->pad = 0;
	for (i = 0; i < n; i++) {
		msrs->entries[i].index = idx[i];
		msrs->entries[i].reserved = 0;
		msrs->entries[i].data = 0;
	}
}

void kps_ioctl_prep_get(struct kvm_vcpu *vcpu,
			const struct kps_state_ioctl *io, void *buf,
			size_t size)
{
	struct kvm_cpuid2 *cpuid = buf;

	switch (io->size_kind) {
	case KPS_SIZE_CPUID2:
		cpuid->nent = (size - io->size) /
			      sizeof(struct kvm_cpuid_entry2);
		cpuid->padding = 0;	/* input; KVM writes back nent only */
		break;
	case KPS_SIZE_MSRS:
		kps_msrs_init(buf, kps_default_msrs, kps_nr_default_msrs);
		break;
	default:
		break;
	}
}

int kps_ioctl_prep_set(struct kvm_vcpu *vcpu,
		       const struct kps_state_ioctl *io, void *buf,
		       size_t size)
{
	const struct kps_state_ioctl *get = kps_ioctl_partner(io);
	struct kvm_translation *tr = buf;
	int r;

	memset(buf, 0, size);
	if (io->dir == KPS_SET && get && get->dir == KPS_GET) {
		kps_ioctl_prep_get(vcpu, get, buf, size);
		return kps_ioctl_call(vcpu, get, buf);
	}

	switch (io - kps_state_ioctls) {
	case KPS_IO_set_tsc_khz:
		r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
		if (r < 0)
			return r;
		*(__u64 *)buf = r;
		return 0;
	case KPS_IO_translate:
		tr->linear_address = 0;
		return 0;
	default:
		/* set_guest_debug: control = 0 disables debugging. */
		return 0;
	}
}
