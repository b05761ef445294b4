/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_state_ioctls.h - catalog of the vCPU guest-state ioctls.
 *
 * How to add a row: append one KPS_STATE_IOCTL(...) line at the end of this
 * file, in the column order of struct kps_state_ioctl: lowercase name (it
 * becomes a case name), ioctl number, direction, size kind, static size (the
 * fixed part for computed sizes), gating capability (0 = none), partner row
 * (the GET that reads a SET back, or the SET that writes a GET; none = no
 * partner), KPS_RULE_* | KPS_* flags, and the spec citation (6.12 file:line).
 * A new computed size needs a KPS_SIZE_* kind and a case in
 * kps_ioctl_buf_size()/kps_ioctl_data_size(); an input field (nent, nmsrs)
 * a case in kps_ioctl_prep_get().  A test stamps one TEST_F per row (the
 * kvm-x86-ops.h pattern; see x86_64/default_vm_state_test.c):
 *	#define KPS_STATE_IOCTL(name, ...) TEST_F(fix, name) { ... KPS_IO(name) }
 *	#include "kps_state_ioctls.h"	(expands the rows, then #undefs it)
 * and loops over kps_state_ioctls[] where one case per row is not needed.
 */
#ifndef KPS_STATE_IOCTLS_H
#define KPS_STATE_IOCTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

struct kvm_vm;
struct kvm_vcpu;

enum kps_dir {
	KPS_GET,	/* copies state to the user buffer */
	KPS_SET,	/* copies state from the user buffer */
	KPS_OTHER,	/* action or query: translate, nmi, sync_regs */
};

enum kps_size_kind {
	KPS_SIZE_STATIC,	/* the size column */
	KPS_SIZE_NONE,		/* no argument (nmi) */
	KPS_SIZE_XSAVE2,	/* max(size, KVM_CHECK_EXTENSION(XSAVE2) on the VM) */
	KPS_SIZE_CPUID2,	/* header + KPS_CPUID_MAX_NENT entries */
	KPS_SIZE_MSRS,		/* header + KPS_MSRS_MAX entries */
	KPS_SIZE_NESTED,	/* max(size, KVM_CAP_NESTED_STATE on /dev/kvm) */
};

/*
 * Protected-state rule (spec section 3/5), what blocks the ioctl on a
 * protected vCPU.  Exactly one KPS_RULE_* per row (KPS_RULE_NONE = 0).
 */
#define KPS_RULE_NONE		0x0	/* no check: 0 on every type */
/* has_protected_state && guest_state_protected -> -EINVAL */
#define KPS_RULE_PS		0x1
/* fpstate_is_confidential() -> has_protected_state ? -EINVAL : 0 */
#define KPS_RULE_FC		0x2
/* guest_state_protected only -> -EINVAL (also legacy SEV-ES on type 0) */
#define KPS_RULE_GSP		0x4
/* UP only, TDX (guest_apic_protected / guest_tsc_protected) -> -EINVAL */
#define KPS_RULE_TDX_ONLY	0x8
/* no ioctl check; per-MSR vendor refusal -> short positive count */
#define KPS_RULE_MSR		0x10
/* KVM_RUN sync regs: kvm_sync_valid_fields() = 0 on has_protected_state */
#define KPS_RULE_SYNC		0x20
/*
 * No protected-state check: the answer is kps_ioctl_base_errno() (0 or
 * -1/that errno) on every type and phase, e.g. KVM_KVMCLOCK_CTRL without
 * an active pv clock, or KVM_GET_NESTED_STATE without nested ops.
 */
#define KPS_RULE_BASE		0x40
#define KPS_RULE_MASK		0xff

/* Ordering and argument flags. */
#define KPS_COPY_FIRST		0x100	/* copy_from_user first: bad ptr -> -EFAULT */
#define KPS_CHECK_FIRST		0x200	/* protected check before the copy */
#define KPS_NEEDS_IRQCHIP	0x400	/* -EINVAL without an in-kernel LAPIC */
#define KPS_VALUE_ARG		0x800	/* arg is a value (buf holds a __u64) */
#define KPS_NO_ARG		0x1000	/* arg unused (KVM_NMI) */
#define KPS_RUNS_VCPU		0x2000	/* issues KVM_RUN (sync_regs) */
/*
 * The state is the ioctl's positive return value, by design
 * (KVM_GET_TSC_KHZ returns virtual_tsc_khz, x86.c:5721-5723):
 * kps_ioctl_call() stores a positive return in buf as a __u64 and
 * returns 0, so the row is a GET like the others; 0 or -1 pass through.
 */
#define KPS_RET_VALUE		0x4000

#define KPS_CPUID_MAX_NENT	256	/* KVM_MAX_CPUID_ENTRIES */
#define KPS_MSRS_MAX		16
/* KVM_INTERRUPT argument of the catalog: >= KVM_NR_INTERRUPTS (256) */
#define KPS_IRQ_INVALID		0xffffffffu

struct kps_state_ioctl {
	const char *name;	/* case name: get_regs */
	const char *nr_name;	/* for messages: KVM_GET_REGS */
	unsigned long nr;
	enum kps_dir dir;
	enum kps_size_kind size_kind;
	size_t size;		/* static size, or the fixed part */
	long cap;		/* 0: always available */
	const char *cap_name;
	int partner;		/* enum kps_ioctl_id, KPS_IO_none = -1 */
	unsigned int flags;	/* KPS_RULE_* | KPS_* */
	const char *cite;
};

enum kps_ioctl_id {
	KPS_IO_none = -1,
#define KPS_STATE_IOCTL(name, ...) KPS_IO_##name,
#include "kps_state_ioctls.h"
	KPS_NR_STATE_IOCTLS
};

extern const struct kps_state_ioctl kps_state_ioctls[KPS_NR_STATE_IOCTLS];

/* The row of a name token: KPS_IO(get_regs). */
#define KPS_IO(name) (&kps_state_ioctls[KPS_IO_##name])

/* Row by case name, or NULL. */
const struct kps_state_ioctl *kps_ioctl_by_name(const char *name);
/* The partner row, or NULL. */
const struct kps_state_ioctl *kps_ioctl_partner(const struct kps_state_ioctl *io);

static inline unsigned int kps_ioctl_rule(const struct kps_state_ioctl *io)
{
	return io->flags & KPS_RULE_MASK;
}

/*
 * Bytes to allocate for the argument: static size, XSAVE2 size from the
 * VM fd, CPUID2/MSRS header plus the maximal entry count, 0 for nmi.
 */
size_t kps_ioctl_buf_size(struct kvm_vcpu *vcpu,
			  const struct kps_state_ioctl *io);

/*
 * Bytes of buf that carry state, for comparisons: the allocation size,
 * except CPUID2 (header + nent entries) and MSRS (header + nmsrs entries).
 */
size_t kps_ioctl_data_size(struct kvm_vcpu *vcpu,
			   const struct kps_state_ioctl *io, const void *buf);

/*
 * The answer of the row with the catalog's argument on a vCPU whose state
 * is not protected, from the kernel's rule and an independent source
 * (never from the answer itself): 0 for success, else the errno.
 *   interrupt        EINVAL: irq KPS_IRQ_INVALID >= 256 (x86.c:4748-4749)
 *   kvmclock_ctrl    EINVAL: no pv clock enabled (x86.c:5244-5245)
 *   memory_encrypt_op_vcpu  EINVAL: no vCPU case in 6.12 (x86.c:5864);
 *                    kernels >= 6.16 have vcpu_mem_enc_ioctl: ENOTTY
 *                    unless the vendor is VMX (kvm_intel: EINVAL, non-TD)
 *   get/set_nested_state  EINVAL iff no nested ops (x86.c:5742-5744,
 *                    5772-5773): kvm_amd and kvm_intel always install
 *                    them (6.12 svm.c:5312, vmx/main.c:133, whatever their
 *                    "nested" parameter says); another vendor module (PVM)
 *                    has them iff KVM_CAP_NESTED_STATE > 0 (x86.c:4347-4349)
 * Every other row: 0.  *why (if not NULL) gets the reason.
 */
int kps_ioctl_base_errno(const struct kps_state_ioctl *io, const char **why);

/*
 * Is the ioctl available?  The capability is read on /dev/kvm (vm->kvm_fd),
 * not on the VM fd, so a per-VM answer (SYNC_REGS = 0 on a protected VM)
 * does not hide a row.  Rows with KPS_NEEDS_IRQCHIP also need
 * vm->has_irqchip (libkvm's vm_create_irqchip()).  *why gets the reason
 * when false.
 */
bool kps_ioctl_supported(struct kvm_vm *vm, const struct kps_state_ioctl *io,
			 const char **why);

/*
 * Issue the ioctl on the vCPU fd with buf as its argument (KPS_VALUE_ARG:
 * the __u64 in buf; KPS_NO_ARG: none).  Returns what ioctl() returns, -1
 * with errno on failure; GET/SET_MSRS return the count done.
 *
 * sync_regs: KVM_RUN with kvm_valid_regs = KVM_SYNC_X86_VALID_FIELDS and
 * immediate_exit = 1.  The sync-regs check (x86.c:11142) precedes the
 * immediate_exit check (x86.c:11186), so the guest never runs: an accepted
 * request stores kvm_run->s.regs and KVM_RUN fails -EINTR, which this
 * reports as 0, copying kvm_run->s.regs to buf (if not NULL); a rejected
 * one returns -1/EINVAL.  kvm_valid_regs and immediate_exit are cleared
 * afterwards.
 */
int kps_ioctl_call(struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		   void *buf);

/*
 * KVM_RUN with kvm_valid_regs = valid, kvm_dirty_regs = dirty and
 * immediate_exit = 1 (the guest never runs), all three cleared afterwards.
 * Returns what KVM_RUN returns, with its errno (0 before the call).
 */
int kps_run_immediate(struct kvm_vcpu *vcpu, __u64 valid, __u64 dirty);

/*
 * The return value that means success for this row and buffer: 0, or
 * nmsrs for GET/SET_MSRS.
 */
int kps_ioctl_success_ret(const struct kps_state_ioctl *io, const void *buf);

/*
 * Fill the input fields of a GET argument and leave the rest alone (a
 * canary survives): CPUID2 nent = KPS_CPUID_MAX_NENT, MSRS the default
 * index list (kps_default_msrs).  No-op for other rows.  size is the
 * buffer size (kps_ioctl_buf_size()).
 */
void kps_ioctl_prep_get(struct kvm_vcpu *vcpu,
			const struct kps_state_ioctl *io, void *buf,
			size_t size);

/*
 * Build a valid SET/OTHER argument in buf (size bytes): zero it, then run
 * the partner GET into it (so SET writes back what GET returned), or for
 * rows without a partner: set_guest_debug = all zero (disable),
 * translate = linear address 0, interrupt = KPS_IRQ_INVALID,
 * x86_setup_mce = the current MSR_IA32_MCG_CAP, x86_set_mce = a corrected
 * error (VAL only) in bank 0, set_signal_mask = the thread's signal mask.
 * set_nested_state without nested ops (the GET is refused): the header a
 * GET would give (GIF set, SVM format).  Returns the partner GET's return
 * value (compare with kps_ioctl_success_ret(io, buf)), or the MCG_CAP read
 * error, else 0.
 */
int kps_ioctl_prep_set(struct kvm_vcpu *vcpu,
		       const struct kps_state_ioctl *io, void *buf,
		       size_t size);

/*
 * MSR lists: kps_default_msrs are read and written back deterministically
 * on a default VM (no TSC).  kps_msrs_init() writes nmsrs and the indices
 * (n <= KPS_MSRS_MAX) and zeroes the data fields.
 */
extern const __u32 kps_default_msrs[];
extern const unsigned int kps_nr_default_msrs;
void kps_msrs_init(struct kvm_msrs *msrs, const __u32 *idx, unsigned int n);

#endif /* KPS_STATE_IOCTLS_H */

/*
 * The rows.  Outside the include guard: each inclusion with
 * KPS_STATE_IOCTL(name, ioctl, dir, size_kind, size, cap, partner, flags,
 * cite) defined expands it once per row, then undefines it.
 */
#ifdef KPS_STATE_IOCTL
KPS_STATE_IOCTL(get_regs, KVM_GET_REGS, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_regs), 0, set_regs, KPS_RULE_PS,
		"6.12 arch/x86/kvm/regs.c:92-94 get_regs: PS -> -EINVAL, nothing copied")
KPS_STATE_IOCTL(set_regs, KVM_SET_REGS, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_regs), 0, get_regs, KPS_RULE_PS | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/regs.c:137-139 set_regs: memdup_user first, PS -> -EINVAL")
KPS_STATE_IOCTL(get_sregs, KVM_GET_SREGS, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_sregs), 0, set_sregs, KPS_RULE_PS,
		"6.12 arch/x86/kvm/regs.c:509-511 get_sregs: PS -> -EINVAL")
KPS_STATE_IOCTL(set_sregs, KVM_SET_SREGS, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_sregs), 0, get_sregs, KPS_RULE_PS | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/regs.c:665-667 set_sregs: memdup_user first, PS -> -EINVAL")
KPS_STATE_IOCTL(get_sregs2, KVM_GET_SREGS2, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_sregs2), KVM_CAP_SREGS2, set_sregs2, KPS_RULE_PS,
		"6.12 arch/x86/kvm/x86.c:5827-5831 GET_SREGS2: PS before kzalloc -> -EINVAL")
KPS_STATE_IOCTL(set_sregs2, KVM_SET_SREGS2, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_sregs2), KVM_CAP_SREGS2, get_sregs2,
		KPS_RULE_PS | KPS_CHECK_FIRST,
		"6.12 arch/x86/kvm/x86.c:5844-5848 SET_SREGS2: PS before memdup_user -> -EINVAL")
KPS_STATE_IOCTL(get_fpu, KVM_GET_FPU, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_fpu), 0, set_fpu, KPS_RULE_FC,
		"6.12 arch/x86/kvm/x86.c:11431-11432 get_fpu: FC -> -EINVAL")
KPS_STATE_IOCTL(set_fpu, KVM_SET_FPU, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_fpu), 0, get_fpu, KPS_RULE_FC | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:11454-11455 set_fpu: memdup first, FC -> -EINVAL")
KPS_STATE_IOCTL(get_debugregs, KVM_GET_DEBUGREGS, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_debugregs), KVM_CAP_DEBUGREGS, set_debugregs,
		KPS_RULE_PS,
		"6.12 arch/x86/kvm/regs.c:828-830 get_debugregs: PS -> -EINVAL")
KPS_STATE_IOCTL(set_debugregs, KVM_SET_DEBUGREGS, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_debugregs), KVM_CAP_DEBUGREGS, get_debugregs,
		KPS_RULE_PS | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/regs.c:850-852 set_debugregs: copy first, PS -> -EINVAL")
KPS_STATE_IOCTL(get_xcrs, KVM_GET_XCRS, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_xcrs), KVM_CAP_XCRS, set_xcrs, KPS_RULE_PS,
		"6.12 arch/x86/kvm/x86.c:5193-5195 get_xcrs: PS -> -EINVAL")
KPS_STATE_IOCTL(set_xcrs, KVM_SET_XCRS, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_xcrs), KVM_CAP_XCRS, get_xcrs,
		KPS_RULE_PS | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5214-5216 set_xcrs: memdup first, PS -> -EINVAL")
KPS_STATE_IOCTL(get_xsave, KVM_GET_XSAVE, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_xsave), KVM_CAP_XSAVE, set_xsave, KPS_RULE_FC,
		"6.12 arch/x86/kvm/x86.c:5624-5626 size check, 5154-5155 FC -> -EINVAL")
KPS_STATE_IOCTL(set_xsave, KVM_SET_XSAVE, KPS_SET, KPS_SIZE_XSAVE2,
		sizeof(struct kvm_xsave), KVM_CAP_XSAVE, get_xsave2,
		KPS_RULE_FC | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5643 memdup_user(uabi_size) first, 5174-5175 FC")
KPS_STATE_IOCTL(get_xsave2, KVM_GET_XSAVE2, KPS_GET, KPS_SIZE_XSAVE2,
		sizeof(struct kvm_xsave), KVM_CAP_XSAVE2, set_xsave, KPS_RULE_FC,
		"6.12 arch/x86/kvm/x86.c:5659 kzalloc(uabi_size), 5154-5155 FC")
KPS_STATE_IOCTL(get_vcpu_events, KVM_GET_VCPU_EVENTS, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_vcpu_events), KVM_CAP_VCPU_EVENTS, set_vcpu_events,
		KPS_RULE_NONE,
		"6.12 arch/x86/kvm/x86.c:5575-5585 GET_VCPU_EVENTS: no protected check")
KPS_STATE_IOCTL(set_vcpu_events, KVM_SET_VCPU_EVENTS, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_vcpu_events), KVM_CAP_VCPU_EVENTS, get_vcpu_events,
		KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5016-5042 SET_VCPU_EVENTS: flag/vector checks only")
KPS_STATE_IOCTL(get_mp_state, KVM_GET_MP_STATE, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_mp_state), KVM_CAP_MP_STATE, set_mp_state,
		KPS_RULE_NONE,
		"6.12 arch/x86/kvm/x86.c:11211-11242 get_mpstate: no protected check")
KPS_STATE_IOCTL(set_mp_state, KVM_SET_MP_STATE, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_mp_state), KVM_CAP_MP_STATE, get_mp_state,
		KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:11244-11285 set_mpstate: state/LAPIC checks only")
KPS_STATE_IOCTL(get_lapic, KVM_GET_LAPIC, KPS_GET, KPS_SIZE_STATIC,
		sizeof(struct kvm_lapic_state), KVM_CAP_IRQCHIP, set_lapic,
		KPS_RULE_TDX_ONLY | KPS_NEEDS_IRQCHIP,
		"6.12 arch/x86/kvm/x86.c:5429 no check; UP: guest_apic_protected -> -EINVAL")
KPS_STATE_IOCTL(set_lapic, KVM_SET_LAPIC, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_lapic_state), KVM_CAP_IRQCHIP, get_lapic,
		KPS_RULE_TDX_ONLY | KPS_NEEDS_IRQCHIP | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5447 no check; UP: guest_apic_protected -> -EINVAL")
KPS_STATE_IOCTL(get_cpuid2, KVM_GET_CPUID2, KPS_GET, KPS_SIZE_CPUID2,
		sizeof(struct kvm_cpuid2), KVM_CAP_EXT_CPUID, set_cpuid2,
		KPS_RULE_NONE,
		"6.12 arch/x86/kvm/x86.c:5498 GET_CPUID2: no protected check (spec 6 item 7)")
KPS_STATE_IOCTL(set_cpuid2, KVM_SET_CPUID2, KPS_SET, KPS_SIZE_CPUID2,
		sizeof(struct kvm_cpuid2), KVM_CAP_EXT_CPUID, get_cpuid2,
		KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5487 no check; after KVM_RUN identical data only")
KPS_STATE_IOCTL(get_msrs, KVM_GET_MSRS, KPS_GET, KPS_SIZE_MSRS,
		sizeof(struct kvm_msrs), 0, set_msrs, KPS_RULE_MSR,
		"6.12 arch/x86/kvm/x86.c:4090-4103 __msr_io: count done; svm.c:2901-2918")
KPS_STATE_IOCTL(set_msrs, KVM_SET_MSRS, KPS_SET, KPS_SIZE_MSRS,
		sizeof(struct kvm_msrs), 0, get_msrs, KPS_RULE_MSR | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:4090-4103 __msr_io: count done; svm.c:3076-3077")
KPS_STATE_IOCTL(set_guest_debug, KVM_SET_GUEST_DEBUG, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_guest_debug), KVM_CAP_SET_GUEST_DEBUG, none,
		KPS_RULE_GSP | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:11348-11349 guest_state_protected -> -EINVAL")
KPS_STATE_IOCTL(set_tsc_khz, KVM_SET_TSC_KHZ, KPS_SET, KPS_SIZE_STATIC,
		sizeof(__u64), KVM_CAP_GET_TSC_KHZ, get_tsc_khz,
		KPS_RULE_TDX_ONLY | KPS_VALUE_ARG,
		"6.12 arch/x86/kvm/x86.c:5703 no check; UP: guest_tsc_protected -> -EINVAL")
KPS_STATE_IOCTL(translate, KVM_TRANSLATE, KPS_OTHER, KPS_SIZE_STATIC,
		sizeof(struct kvm_translation), 0, none, KPS_RULE_NONE,
		"6.12 arch/x86/kvm/x86.c:11406-11425 translate: no protected check")
KPS_STATE_IOCTL(nmi, KVM_NMI, KPS_OTHER, KPS_SIZE_NONE, 0, KVM_CAP_USER_NMI, none,
		KPS_RULE_NONE | KPS_NO_ARG,
		"6.12 arch/x86/kvm/x86.c:4773-4778 KVM_NMI: no protected check")
KPS_STATE_IOCTL(sync_regs, KVM_RUN, KPS_OTHER, KPS_SIZE_STATIC,
		sizeof(struct kvm_sync_regs), KVM_CAP_SYNC_REGS, none,
		KPS_RULE_SYNC | KPS_RUNS_VCPU,
		"6.12 arch/x86/kvm/x86.c:4179-4182,11142-11147 has_protected_state -> -EINVAL")
KPS_STATE_IOCTL(smi, KVM_SMI, KPS_OTHER, KPS_SIZE_NONE, 0, KVM_CAP_X86_SMM, none,
		KPS_RULE_NONE | KPS_NO_ARG,
		"6.12 arch/x86/kvm/x86.c:5473-5475, smm.h:143-147 request only, 0")
KPS_STATE_IOCTL(interrupt, KVM_INTERRUPT, KPS_OTHER, KPS_SIZE_STATIC,
		sizeof(struct kvm_interrupt), 0, none,
		KPS_RULE_BASE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5460-5467 copy first, 4748-4749 irq >= 256 -> -EINVAL")
KPS_STATE_IOCTL(get_nested_state, KVM_GET_NESTED_STATE, KPS_GET, KPS_SIZE_NESTED,
		sizeof(struct kvm_nested_state), 0, set_nested_state, KPS_RULE_BASE,
		"6.12 arch/x86/kvm/x86.c:5742-5744 no ops -> -EINVAL; svm/nested.c:1616 no check")
KPS_STATE_IOCTL(set_nested_state, KVM_SET_NESTED_STATE, KPS_SET, KPS_SIZE_NESTED,
		sizeof(struct kvm_nested_state), 0, get_nested_state,
		KPS_RULE_BASE | KPS_CHECK_FIRST,
		"6.12 arch/x86/kvm/x86.c:5772-5777 ops, then copy; svm/nested.c:1683 no check")
KPS_STATE_IOCTL(kvmclock_ctrl, KVM_KVMCLOCK_CTRL, KPS_OTHER, KPS_SIZE_NONE, 0,
		KVM_CAP_KVMCLOCK_CTRL, none, KPS_RULE_BASE | KPS_NO_ARG,
		"6.12 arch/x86/kvm/x86.c:5725-5727, 5244-5245 !pv_time.active -> -EINVAL")
KPS_STATE_IOCTL(x86_setup_mce, KVM_X86_SETUP_MCE, KPS_SET, KPS_SIZE_STATIC,
		sizeof(__u64), KVM_CAP_MCE, none, KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5557-5564 copy first, 4795-4798 bank count/cap bits")
KPS_STATE_IOCTL(x86_set_mce, KVM_X86_SET_MCE, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_x86_mce), KVM_CAP_MCE, none,
		KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 arch/x86/kvm/x86.c:5566-5573 copy first, 4862-4863 bank/VAL checks")
KPS_STATE_IOCTL(get_tsc_khz, KVM_GET_TSC_KHZ, KPS_GET, KPS_SIZE_STATIC,
		sizeof(__u64), KVM_CAP_GET_TSC_KHZ, set_tsc_khz,
		KPS_RULE_NONE | KPS_NO_ARG | KPS_RET_VALUE,
		"6.12 arch/x86/kvm/x86.c:5721-5723 returns virtual_tsc_khz: positive by design")
KPS_STATE_IOCTL(set_signal_mask, KVM_SET_SIGNAL_MASK, KPS_SET, KPS_SIZE_STATIC,
		sizeof(struct kvm_signal_mask) + sizeof(__u64), 0, none,
		KPS_RULE_NONE | KPS_COPY_FIRST,
		"6.12 virt/kvm/kvm_main.c:4619-4641 copy first, len != 8 -> -EINVAL")
KPS_STATE_IOCTL(memory_encrypt_op_vcpu, KVM_MEMORY_ENCRYPT_OP, KPS_OTHER,
		KPS_SIZE_STATIC, sizeof(struct kvm_sev_cmd), 0, none,
		KPS_RULE_BASE | KPS_CHECK_FIRST,
		"6.12 arch/x86/kvm/x86.c:5864-5865 not a vCPU ioctl: -EINVAL, argp unread")
#undef KPS_STATE_IOCTL
#endif /* KPS_STATE_IOCTL */
