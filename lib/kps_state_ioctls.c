// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_state_ioctls.c - the guest-state ioctl catalog and its helpers.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm_util.h"
#include "processor.h"
#include "mce.h"

#include "kps_host.h"
#include "kps_state_ioctls.h"
#include "kps_util.h"

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
	case KPS_SIZE_NESTED:
		/* 6.12 x86.c:4347-4349: header + vendor data, 0 without ops */
		r = ioctl(vcpu->vm->kvm_fd, KVM_CHECK_EXTENSION,
			  KVM_CAP_NESTED_STATE);
		return r > (int)io->size ? (size_t)r : io->size;
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
	const struct kvm_nested_state *nested = buf;
	size_t max = kps_ioctl_buf_size(vcpu, io);
	size_t n;

	switch (io->size_kind) {
	case KPS_SIZE_NESTED:
		/* GET writes back the size it used (svm/nested.c:1652) */
		n = nested->size;
		break;
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

int kps_ioctl_base_errno(const struct kps_state_ioctl *io, const char **why)
{
	int saved = errno;
	enum kps_vendor vendor = kps_kvm_vendor();
	const char *r = NULL;
	bool vmx;
	int err = 0;

	switch (io - kps_state_ioctls) {
	case KPS_IO_interrupt:
		r = "irq >= KVM_NR_INTERRUPTS -> -EINVAL (x86.c:4748-4749)";
		err = EINVAL;
		break;
	case KPS_IO_kvmclock_ctrl:
		r = "no pv clock enabled -> -EINVAL (x86.c:5244-5245)";
		err = EINVAL;
		break;
	case KPS_IO_memory_encrypt_op_vcpu:
		/*
		 * 6.12: no vCPU case (x86.c:5864).  From 6.16 (TDX)
		 * kvm_arch_vcpu_ioctl() calls vcpu_mem_enc_ioctl: -ENOTTY
		 * when the vendor has none (SVM, PVM); VMX vt_vcpu_mem_enc_ioctl()
		 * gives -EINVAL for a non-TD vCPU and for this argument (id 0
		 * is no vCPU command) on a TD.  An advertised TDX type means
		 * kvm_intel (UP vmx/main.c vt_init()).
		 */
		vmx = vendor == KPS_VENDOR_VMX ||
		      (kps_supported_vm_types() > 0 &&
		       (kps_supported_vm_types() & BIT(KVM_X86_TDX_VM)));
		if (kps_kernel_version() >= KPS_KVER(6, 16) && !vmx) {
			r = "kernel >= 6.16, vendor without vcpu_mem_enc_ioctl -> -ENOTTY";
			err = ENOTTY;
		} else {
			r = vmx ? "VMX vt_vcpu_mem_enc_ioctl(): not a TD vCPU command -> -EINVAL" :
			    "not a vCPU ioctl: default case -> -EINVAL (x86.c:5864)";
			err = EINVAL;
		}
		break;
	case KPS_IO_get_nested_state:
	case KPS_IO_set_nested_state:
		if (vendor == KPS_VENDOR_SVM || vendor == KPS_VENDOR_VMX)
			break;
		if (kps_kvm_cap(KVM_CAP_NESTED_STATE) <= 0) {
			r = "no nested ops (KVM_CAP_NESTED_STATE=0) -> -EINVAL (x86.c:5742-5744)";
			err = EINVAL;
		}
		break;
	default:
		break;
	}
	if (why)
		*why = r;
	errno = saved;
	return err;
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
	int r;

	if (io->flags & KPS_RUNS_VCPU)
		return kps_sync_regs_call(vcpu, buf);
	if (io->flags & KPS_RET_VALUE) {
		r = ioctl(vcpu->fd, io->nr, 0);
		if (r > 0 && buf)
			*(__u64 *)buf = r;
		return r > 0 ? 0 : r;
	}
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
	case KPS_SIZE_NESTED:
		/* input: the room the caller has (x86.c:5747-5749) */
		((struct kvm_nested_state *)buf)->size = size;
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
	struct kvm_nested_state *nested = buf;
	struct kvm_signal_mask *sm = buf;
	struct kvm_translation *tr = buf;
	struct kvm_interrupt *irq = buf;
	struct kvm_x86_mce *mce = buf;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} mcg = { .hdr.nmsrs = 1, .e.index = MSR_IA32_MCG_CAP };
	sigset_t cur;
	int r, err;

	memset(buf, 0, size);
	if (io->dir == KPS_SET && get && get->dir == KPS_GET) {
		kps_ioctl_prep_get(vcpu, get, buf, size);
		r = kps_ioctl_call(vcpu, get, buf);
		err = errno;
		if (r && kps_ioctl_base_errno(get, NULL) == err &&
		    io - kps_state_ioctls == KPS_IO_set_nested_state) {
			/* No nested ops: what SVM's GET gives at reset. */
			memset(buf, 0, size);
			nested->format = KVM_STATE_NESTED_FORMAT_SVM;
			nested->flags = KVM_STATE_NESTED_GIF_SET;
			nested->size = sizeof(*nested);
			return 0;
		}
		errno = err;
		return r;
	}

	switch (io - kps_state_ioctls) {
	case KPS_IO_translate:
		tr->linear_address = 0;
		return 0;
	case KPS_IO_interrupt:
		irq->irq = KPS_IRQ_INVALID;
		return 0;
	case KPS_IO_x86_setup_mce:
		/* the current MCG_CAP (bank count + cap bits) is valid */
		r = ioctl(vcpu->fd, KVM_GET_MSRS, &mcg);
		if (r != 1)
			return r < 0 ? r : -1;
		*(__u64 *)buf = mcg.e.data;
		return 0;
	case KPS_IO_x86_set_mce:
		/* corrected error in bank 0: stored, no #MC (x86.c:4891-4898) */
		mce->bank = 0;
		mce->status = MCI_STATUS_VAL;
		return 0;
	case KPS_IO_set_signal_mask:
		/* the thread's own mask: KVM_RUN then behaves as without one */
		sigprocmask(SIG_SETMASK, NULL, &cur);
		sm->len = sizeof(__u64);
		memcpy(sm->sigset, &cur, sizeof(__u64));
		return 0;
	default:
		/* set_guest_debug: control = 0 disables debugging. */
		return 0;
	}
}
