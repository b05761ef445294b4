/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_util.h - small helpers shared by the kvm-protected-state tests.
 *
 * VM type names and properties (spec section 1.1), raw KVM_CREATE_VM that
 * reports errno instead of exiting, /dev/kvm probing with the suite's
 * skip/fail rule, canary buffers and a uniform "expected vs seen" message.
 */
#ifndef KPS_UTIL_H
#define KPS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/kvm.h>

/* 6.12 uapi stops at KVM_X86_SNP_VM; UP arch/x86/include/uapi/asm/kvm.h. */
#ifndef KVM_X86_TDX_VM
#define KVM_X86_TDX_VM		5
#endif

#define KPS_NR_VM_TYPES		6	/* 0 (default) .. 5 (tdx) */

struct kps_vm_type {
	unsigned long type;
	const char *name;	/* variant name: default, sw_protected, ... */
	const char *uapi;	/* KVM_X86_DEFAULT_VM, ... */
	bool private_mem;	/* kvm->arch.has_private_mem */
	bool protected_state;	/* kvm->arch.has_protected_state */
	const char *knob;	/* what enables it, for skip reasons */
	/*
	 * The module parameter that gates the type: "kvm_amd" "sev_es".  For
	 * SEV, SEV-ES, SNP and TDX its value after hardware setup is the
	 * KVM_CAP_VM_TYPES bit (param_is_bit); for SW_PROTECTED it is only
	 * necessary (kvm.tdp_mmu); NULL for DEFAULT.
	 */
	const char *mod;
	const char *param;
	bool param_is_bit;
};

/* Indexed by type value, 0..KPS_NR_VM_TYPES-1. */
extern const struct kps_vm_type kps_vm_types[KPS_NR_VM_TYPES];

/* NULL for a type outside 0..5. */
const struct kps_vm_type *kps_vm_type(unsigned long type);
/* "default", ..., "tdx"; NULL when out of range. */
const char *kps_vm_type_name(unsigned long type);
/* Type value for a name, or -1. */
long kps_vm_type_from_name(const char *name);

/*
 * Decode a KVM_CAP_VM_TYPES mask into "default,sev,bit6" in buf; returns
 * buf.  An empty mask gives "none".
 */
char *kps_vm_types_str(unsigned long mask, char *buf, size_t len);

/*
 * KVM_CAP_VM_TYPES from /dev/kvm.  A kernel without the capability (< 6.10)
 * returns 0 from KVM_CHECK_EXTENSION; it only accepts type 0, so report
 * BIT(KVM_X86_DEFAULT_VM) then.  Returns -1 with errno if /dev/kvm cannot
 * be opened.
 */
long kps_supported_vm_types(void);

/*
 * The reason a type cannot be created, for SKIP():
 * "KVM_CAP_VM_TYPES=0x1 lacks KVM_X86_SEV_ES_VM (kvm_amd.sev_es=N or no
 * SEV-ES firmware)".  Returns buf.
 */
char *kps_vm_type_absent(unsigned long type, unsigned long mask,
			 char *buf, size_t len);

/*
 * Read /sys/module/<mod>/parameters/<param> into val (first line).
 * Returns 1 when read, 0 when the module is not loaded (no
 * /sys/module/<mod>), -1 when the module has no such parameter.
 */
int kps_module_param(const char *mod, const char *param, char *val,
		     size_t len);

/* open("/dev/kvm", O_RDWR): fd, or -1 with errno. */
int kps_open_kvm(void);

/*
 * KVM_CHECK_EXTENSION on /dev/kvm without exiting: the value, or -1 with
 * errno (open or ioctl failure).
 */
int kps_kvm_cap(long cap);

/*
 * Raw KVM_CREATE_VM(type) on a fresh /dev/kvm fd: the VM fd, or -1 with
 * errno from KVM_CREATE_VM (or from open()).  The /dev/kvm fd is closed.
 */
int kps_create_vm_raw(unsigned long type);

/*
 * Probe /dev/kvm.  Returns 0 when it opens, 1 when it does not exist or
 * cannot be opened for lack of permission (EACCES/EPERM: a skip), -1 for
 * any other error (a failure); why receives the text,
 * e.g. "/dev/kvm: No such file or directory".  In a test, kps_kvm_ok().
 */
int kps_kvm_probe(char *why, size_t len);

#ifdef __KSELFTEST_HARNESS_H
/*
 * FIXTURE_SETUP helper: skip when /dev/kvm is missing or this user may not
 * open it, fail on any other open error (kps_kvm_probe()).  Returns false
 * after a skip.
 */
static inline bool kps_kvm_ok(struct __test_metadata *_metadata)
{
	char why[128];
	int r = kps_kvm_probe(why, sizeof(why));

	if (r > 0)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, r) {
		TH_LOG("setup: %s", why);
	}
	return true;
}
#endif

/* "EINVAL", "EFAULT", ...; "E<n>" for an errno without a name here. */
const char *kps_errno_name(int err);

/* Canary buffers: byte i of the pattern depends on seed and i. */
#define KPS_CANARY_SEED		0xa5
#define KPS_CANARY_SEED2	0x5a

__u8 kps_canary_byte(__u8 seed, size_t i);
void kps_canary_fill(void *buf, size_t len, __u8 seed);
/* Offset of the first byte that differs from the pattern, or -1. */
ssize_t kps_canary_check(const void *buf, size_t len, __u8 seed);
/*
 * Guard bytes after an ioctl argument: allocate size + KPS_GUARD_LEN,
 * kps_guard_fill() before the call, kps_guard_check() after it.  The check
 * returns the offset from buf of the first guard byte that changed (an
 * ioctl that wrote past its struct), or -1.
 */
#define KPS_GUARD_LEN		64
#define KPS_GUARD_SEED		0x3c

void kps_guard_fill(void *buf, size_t size);
ssize_t kps_guard_check(const void *buf, size_t size);

/* Offset of the first differing byte of a and b, or -1. */
ssize_t kps_memdiff(const void *a, const void *b, size_t len);

/*
 * Format one result line for TH_LOG:
 * "ioctl KVM_GET_REGS on type sev_es phase post_launch: expected ret=-1
 * errno=EINVAL, seen ret=0 errno=0 (none), first changed byte 12".
 * exp_errno 0 prints no expected errno; changed < 0 prints "none".
 * Returns buf.
 */
char *kps_fmt_result(char *buf, size_t len, const char *ioctl,
		     const char *type, const char *phase,
		     int exp_ret, int exp_errno, int ret, int err,
		     ssize_t changed);

#endif /* KPS_UTIL_H */
