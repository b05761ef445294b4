/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_protected.h - VMs with protected guest state for the
 * kvm-protected-state tests: availability per type (skip or fail), VM setup
 * per type and phase with raw KVM_MEMORY_ENCRYPT_OP, and the expected result
 * of every state-ioctl catalog row on a vCPU (spec sections 2, 3 and 4).
 *
 * VMs are libkvm "barebones" VMs (no guest memory, no ELF image) with a
 * split irqchip, so that creating and freeing one costs well under a
 * millisecond on the model and the in-kernel LAPIC rows of the catalog are
 * meaningful.  Guests that really run use libkvm's full VMs instead (see
 * protected_state_test.c, fixture "run_after").
 */
#ifndef KPS_PROTECTED_H
#define KPS_PROTECTED_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/kvm.h>

#include "kvm_util.h"
#include "kps_util.h"
#include "kps_state_ioctls.h"

#define KPS_MAX_VCPUS		8

/* 6.12 sev.c:66-71: policy bits KVM_SEV_SNP_LAUNCH_START requires. */
#define KPS_SNP_POLICY_SMT	BIT_ULL(16)
#define KPS_SNP_POLICY_RSVD_MBO	BIT_ULL(17)
#define KPS_SNP_POLICY		(KPS_SNP_POLICY_SMT | KPS_SNP_POLICY_RSVD_MBO)

/* libkvm sev.h */
#define KPS_SEV_POLICY_ES	BIT(2)

/* The one private page of an SNP VM (SNP_LAUNCH_UPDATE needs a gmem slot). */
#define KPS_SNP_GPA		0x100000ULL
#define KPS_SNP_SLOT		1

/* 6.12 sev.c:38-40 */
#define KPS_GHCB_VERSION_MAX	2

/*
 * Phases of a VM's life, in order.  A phase includes every earlier one.
 *
 * before: the last command before the one that protects the state, i.e.
 * KVM_SEV_INIT2 and KVM_SEV_LAUNCH_START (SEV, SEV-ES) or
 * KVM_SEV_SNP_LAUNCH_START and KVM_SEV_SNP_LAUNCH_UPDATE (SNP) are done.
 *
 * TDX: created includes KVM_TDX_INIT_VM (a TD's vCPUs need it), init is
 * KVM_TDX_INIT_VCPU, before KVM_TDX_INIT_MEM_REGION, after
 * KVM_TDX_FINALIZE_VM; TD vCPUs are protected from creation.
 *
 * after: KVM_SEV_LAUNCH_UPDATE_VMSA + LAUNCH_MEASURE + LAUNCH_FINISH
 * (SEV-ES; SEV without UPDATE_VMSA) or KVM_SEV_SNP_LAUNCH_FINISH (SNP) are
 * done; guest_state_protected is set on every vCPU that existed then
 * (spec 2: sev.c:944, sev.c:2491).
 */
enum kps_phase {
	KPS_PHASE_CREATED,	/* KVM_CREATE_VM (+ vCPUs), no SEV command */
	KPS_PHASE_INIT,		/* + KVM_SEV_INIT2, or legacy KVM_SEV_ES_INIT */
	KPS_PHASE_BEFORE,	/* + launch start (+ SNP launch update) */
	KPS_PHASE_AFTER,	/* + the protecting command(s) */
};

struct kps_pvm {
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpus[KPS_MAX_VCPUS];
	unsigned int nr_vcpus;
	/* vCPUs [0, nr_launched) went through the protecting command. */
	unsigned int nr_launched;
	unsigned long type;	/* the KVM_CREATE_VM type */
	bool legacy_es;		/* type 0 + KVM_SEV_ES_INIT (spec 2.1) */
	int sev_fd;		/* /dev/sev, -1 for types without SEV */
	enum kps_phase phase;
	/* Destination of KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM (spec 2). */
	bool migrated;
};

const char *kps_phase_name(enum kps_phase phase);

/* "sev_es", ..., or "legacy_es" for type 0 + KVM_SEV_ES_INIT. */
const char *kps_pvm_name(const struct kps_pvm *p);

/* Types 2, 3, 4 and legacy SEV-ES need /dev/sev and KVM_MEMORY_ENCRYPT_OP. */
bool kps_type_is_sev(unsigned long type);

/* CPUID 0x8000001F.EAX bit of a type (SEV 1, SEV-ES 3, SNP 4), or -1. */
int kps_type_cpuid_bit(unsigned long type);

enum kps_avail {
	KPS_AVAIL_OK,
	KPS_AVAIL_SKIP,		/* type not advertised, /dev/kvm or /dev/sev absent/denied */
	KPS_AVAIL_FAIL,		/* CPUID vs KVM_CAP_VM_TYPES disagree, other /dev/sev errors */
};

/*
 * Can VMs of this type be created here (legacy_es: a type-0 VM that takes
 * KVM_SEV_ES_INIT, which needs what type 3 needs)?  why receives the skip
 * or failure reason, naming the knob: "KVM_CAP_VM_TYPES=0x1 lacks
 * KVM_X86_SEV_ES_VM (kvm_amd.sev_es=N or no SEV-ES firmware; kvm_amd not
 * loaded)", "/dev/sev: No such file or directory", or for a FAIL
 * "KVM_GET_SUPPORTED_CPUID 0x8000001F.EAX=0x1a advertises SEV-ES (bit 3)
 * but KVM_CAP_VM_TYPES=0x5 lacks KVM_X86_SEV_ES_VM".
 *
 * TDX: OK where type 5 is advertised (setup in lib/kps_tdx.c).
 */
enum kps_avail kps_type_avail(unsigned long type, bool legacy_es,
			      char *why, size_t len);

#ifdef __KSELFTEST_HARNESS_H
/*
 * FIXTURE_SETUP / TEST_F helper: SKIP or FAIL as kps_type_avail() says.
 * Returns false when the caller must return.
 */
static inline bool kps_require_type(struct __test_metadata *_metadata,
				    unsigned long type, bool legacy_es)
{
	char why[320];
	enum kps_avail a = kps_type_avail(type, legacy_es, why, sizeof(why));

	if (a == KPS_AVAIL_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(KPS_AVAIL_OK, a) {
		TH_LOG("setup: %s", why);
	}
	return true;
}
#endif

/*
 * KVM_MEMORY_ENCRYPT_OP(id, data) on vm_fd.  Returns the ioctl's return
 * (-1 with errno); *fw_error (if not NULL) receives kvm_sev_cmd.error.
 */
int kps_sev_cmd(int vm_fd, int sev_fd, __u32 id, void *data, __u32 *fw_error);

/* The same, on a kps_pvm. */
int kps_pvm_cmd(struct kps_pvm *p, __u32 id, void *data, __u32 *fw_error);

/*
 * Create a VM of the type with nr_vcpus vCPUs and bring it to phase.
 * Order: KVM_CREATE_VM, split irqchip, /dev/sev, INIT (types 2-4, legacy
 * ES), vCPUs (after INIT: sev.c:414-415), launch.  Returns 0, or -1 with
 * err describing the failed step, its return, errno and firmware error.
 * The struct is usable for kps_pvm_free() in both cases.
 */
int kps_pvm_create(struct kps_pvm *p, unsigned long type, bool legacy_es,
		   unsigned int nr_vcpus, enum kps_phase phase,
		   char *err, size_t len);

/* Advance a VM created by kps_pvm_create() to a later phase. */
int kps_pvm_advance(struct kps_pvm *p, enum kps_phase phase,
		    char *err, size_t len);

/* KVM_CREATE_VCPU for the next id (made runnable), or NULL with err. */
struct kvm_vcpu *kps_pvm_add_vcpu(struct kps_pvm *p, char *err, size_t len);

void kps_pvm_free(struct kps_pvm *p);

/*
 * guest_state_protected of vCPU idx (spec 2): true after the protecting
 * command for vCPUs that existed then (SEV-ES, SNP, legacy SEV-ES), and
 * always for TDX.  Never for SEV, default, SW_PROTECTED.
 */
bool kps_vcpu_protected(const struct kps_pvm *p, unsigned int idx);

/* kvm->arch.has_protected_state (spec 1.1): types 3, 4, 5; never legacy. */
bool kps_pvm_has_protected_state(const struct kps_pvm *p);

/*
 * The expected result of a catalog row on vCPU idx of p (spec section 3;
 * the promise, not a known bug: SNP FPU/XSAVE expect -EINVAL although
 * 6.12.117 returns 0, spec 6 item 1).
 *
 * ret: -1 (with err) or KPS_EXPECT_SUCCESS (0, or nmsrs for MSR rows, which
 * kps_ioctl_success_ret() gives); zero_out: a successful GET must fill the
 * buffer with zeros (legacy SEV-ES FPU/XSAVE, spec 2.1); rule: the spec
 * row to print.
 */
#define KPS_EXPECT_SUCCESS	1000

struct kps_expect {
	int ret;
	int err;
	bool zero_out;
	const char *rule;
	const char *bug;	/* a known kernel deviation to name, or NULL */
};

void kps_expect_row(const struct kps_pvm *p, unsigned int idx,
		    const struct kps_state_ioctl *io, struct kps_expect *e);

/*
 * The expected result of a catalog row called with an unreadable and
 * unwritable argument (spec 3 "ordering" column, spec 6 item 4): -EFAULT
 * where the copy comes first or the vCPU is not protected, -EINVAL where a
 * protected check comes first.  Rows without a user pointer (KPS_NO_ARG,
 * KPS_VALUE_ARG, KPS_RUNS_VCPU) expect what kps_expect_row() says.
 */
void kps_expect_bad_pointer(const struct kps_pvm *p, unsigned int idx,
			    const struct kps_state_ioctl *io,
			    struct kps_expect *e);

/*
 * MSRs for the KVM_GET/SET_MSRS rules (spec 3.1).  Blocked on a protected
 * SEV-ES/SNP vCPU: in an MSRPM range with the write intercept off.
 * Deterministic members: the always-pass-through list (svm.c:88-120), EFER
 * and PAT for SEV-ES (sev.c:4677-4678), the LBR MSRs after launch
 * (svm.c:1003-1014), SPEC_CTRL from vCPU creation on hosts with
 * X86_FEATURE_V_SPEC_CTRL (svm.c:1353-1354; Zen 3 and later, every
 * SNP-capable host: a pre-Zen 3 SEV-ES-only host passes it through only
 * after a guest write, svm.c:3145, and fails the SPEC_CTRL checks).
 * Anything else (TSC_AUX, XSS...) depends on guest CPUID or behaviour;
 * kps_msr_blocked() returns false for those, so only use MSRs from the two
 * lists below in tests.
 */
extern const __u32 kps_msrs_passthrough[];	/* blocked when protected */
extern const unsigned int kps_nr_msrs_passthrough;
extern const __u32 kps_msrs_intercepted[];	/* never blocked */
extern const unsigned int kps_nr_msrs_intercepted;
bool kps_msr_blocked(const struct kps_pvm *p, unsigned int idx, __u32 msr);
/*
 * The same for KVM_GET_MSRS (get) or KVM_SET_MSRS: on a TD the refused set
 * depends on the direction (model/TDX-RULES.md 3: EFER and APICBASE are
 * readable, not writable; LSTAR and the other non-emulated MSRs neither).
 */
bool kps_msr_blocked_dir(const struct kps_pvm *p, unsigned int idx,
			 __u32 msr, bool get);

/* Allocate a zeroed buffer that survives the test (freed at exit). */
void *kps_zalloc(size_t size);

/*
 * An argument that faults both ways: a PROT_NONE mapping of size bytes
 * (rounded up to pages).  NULL on failure.
 */
void *kps_bad_pointer(size_t size);

#endif /* KPS_PROTECTED_H */
