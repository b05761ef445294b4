// SPDX-License-Identifier: GPL-2.0-only
/*
 * sev_cmd_acceptance_test - which KVM_MEMORY_ENCRYPT_OP commands each VM
 * type accepts, and in which order (spec section 3, KVM_MEMORY_ENCRYPT_OP,
 * KVM_SEV_INIT/ES_INIT, KVM_SEV_INIT2 and "other SEV cmds" rows; section
 * 1.1 need_init; section 6 items 4 and 13).
 *
 * One fixture, sev_cmds, with a variant per VM type (default,
 * sw_protected, sev, sev_es, snp); each case creates a fresh barebones VM
 * (lib/kps_protected.c) before any SEV command, then issues the commands
 * the test names.  Expected results depend on the host only through
 * "SEV enabled" and "SEV-ES enabled" (KVM_CAP_VM_TYPES bits 2 and 3, which
 * 6.12 sets together with the CPUID bits, sev.c:2975-2982): without SEV
 * every command fails -ENOTTY (sev.c:2586-2587; VMX has no mem_enc_ioctl,
 * x86.c:6868-6875), so the default variant runs everywhere.
 *
 * TDX: fixture tdx_cmds (variants default and tdx, where kvm_intel
 * advertises TDX) checks the KVM_TDX_* commands on the VM and vCPU fds,
 * their order and errors, and SEV commands on a TD (model/TDX-RULES.md 2).
 *
 * Each failure names the command, the VM type, the phase, the expected and
 * seen return and errno, the firmware error and the spec row.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "sev.h"

#include "kps_leak.h"
#include "kps_protected.h"
#include "kps_tdx.h"
#include "kps_util.h"

/* sev_init2_tests.c: the one vmsa_features bit known to work alone. */
#define SVM_SEV_FEAT_DEBUG_SWAP	BIT_ULL(5)

#define MSG_LEN			640

static bool sev_on(void)
{
	long mask = kps_supported_vm_types();

	return mask > 0 && (mask & BIT(KVM_X86_SEV_VM));
}

static bool sev_es_on(void)
{
	long mask = kps_supported_vm_types();

	return mask > 0 && (mask & BIT(KVM_X86_SEV_ES_VM));
}

/* Types that start with need_init = true (svm.c:5183). */
static bool needs_init2(unsigned long type)
{
	return kps_type_is_sev(type);
}

/* KVM_X86_SEV_VMSA_FEATURES on /dev/kvm (sev.c:2164), 0 if absent. */
static __u64 supported_vmsa_features(void)
{
	__u64 val = 0;
	struct kvm_device_attr attr = {
		.group = KVM_X86_GRP_SEV,
		.attr = KVM_X86_SEV_VMSA_FEATURES,
		.addr = (__u64)(unsigned long)&val,
	};
	int fd = kps_open_kvm();

	if (fd < 0)
		return 0;
	if (ioctl(fd, KVM_GET_DEVICE_ATTR, &attr))
		val = 0;
	close(fd);
	return val;
}

/*
 * Issue one command and compare: exp_err 0 means success (0), otherwise
 * -1 with that errno.
 */
static void check_cmd(struct __test_metadata *_metadata, struct kps_pvm *p,
		      __u32 id, const char *name, void *data, int exp_err,
		      const char *rule)
{
	int exp = exp_err ? -1 : 0;
	char res[400], msg[MSG_LEN];
	__u32 fw = 0;
	int r, err;

	errno = 0;
	r = kps_pvm_cmd(p, id, data, &fw);
	err = errno;
	kps_fmt_result(res, sizeof(res), name, kps_pvm_name(p),
		       kps_phase_name(p->phase), exp, exp_err, r, err, -1);
	snprintf(msg, sizeof(msg), "%s; fw_error %u; spec: %s", res, fw, rule);
	ASSERT_EQ(exp, r) {
		TH_LOG("%s", msg);
	}
	if (exp_err) {
		ASSERT_EQ(exp_err, err) {
			TH_LOG("%s", msg);
		}
	}
}

#define CHECK_CMD(p, id, data, exp_err, rule)				\
	check_cmd(_metadata, p, id, #id, data, exp_err, rule)

static void new_vm(struct __test_metadata *_metadata, struct kps_pvm *p,
		   unsigned long type, unsigned int nr_vcpus)
{
	char err[320];

	ASSERT_EQ(0, kps_pvm_create(p, type, false, nr_vcpus,
				    KPS_PHASE_CREATED, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
}

/* The expected errno of KVM_SEV_INIT2 on a fresh VM of this type. */
static int init2_err(unsigned long type)
{
	int err = needs_init2(type) ? 0 : EINVAL;	/* sev.c:508-509 */

	return sev_on() ? err : ENOTTY;			/* sev.c:2586-2587 */
}

FIXTURE(sev_cmds) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
};

/* The variants: every type but tdx (kps_phase_fixture.h). */
#define KPS_FIXTURE sev_cmds
#define KPS_FIXTURE_TYPES (KPS_TYPE_BIT(KVM_X86_DEFAULT_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SW_PROTECTED_VM) |	\
			   KPS_TYPE_BIT(KVM_X86_SEV_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_ES_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SNP_VM))
#include "kps_phase_fixture.h"

FIXTURE_SETUP(sev_cmds)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	new_vm(_metadata, &self->pvm, variant->type, 0);
}

FIXTURE_TEARDOWN(sev_cmds)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* KVM_SEV_INIT: type 0 only (sev.c:488-489). */
TEST_F(sev_cmds, sev_init)
{
	int exp = !sev_on() ? ENOTTY :
		  variant->type == KVM_X86_DEFAULT_VM ? 0 : EINVAL;

	CHECK_CMD(&self->pvm, KVM_SEV_INIT, NULL, exp,
		  "3 KVM_SEV_INIT: only on KVM_X86_DEFAULT_VM, else -EINVAL (sev.c:488-489); -ENOTTY without SEV (sev.c:2586-2587)");
}

/* KVM_SEV_ES_INIT: -ENOTTY without SEV-ES first, then type 0 only. */
TEST_F(sev_cmds, sev_es_init)
{
	int exp = !sev_on() || !sev_es_on() ? ENOTTY :
		  variant->type == KVM_X86_DEFAULT_VM ? 0 : EINVAL;

	CHECK_CMD(&self->pvm, KVM_SEV_ES_INIT, NULL, exp,
		  "3 KVM_SEV_ES_INIT: -ENOTTY if !sev_es_enabled (sev.c:2614-2618), then type 0 only (sev.c:488-489)");
}

/* KVM_SEV_INIT2 with a zeroed argument: types 2, 3, 4 only. */
TEST_F(sev_cmds, init2)
{
	struct kvm_sev_init init = { 0 };

	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, init2_err(variant->type),
		  "3 KVM_SEV_INIT2: -EINVAL unless need_init (types 2/3/4 before INIT2, sev.c:508-509)");
}

/*
 * need_init is checked before copy_from_user (sev.c:508-514): a bad
 * argument is -EINVAL on a type that cannot take INIT2, -EFAULT on one
 * that can (spec 6 item 4).
 */
TEST_F(sev_cmds, init2_bad_pointer)
{
	void *bad = kps_bad_pointer(sizeof(struct kvm_sev_init));
	int exp = init2_err(variant->type);

	ASSERT_NE(NULL, bad);
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, bad, exp ? exp : EFAULT,
		  "3 KVM_SEV_INIT2: need_init checked before the argument is read (sev.c:508-514)");
}

/*
 * A second INIT2: need_init is false (-EINVAL, sev.c:508-509) also for a
 * bad argument, which is not read; on SNP every id < 100 is -EPERM once
 * INIT2 made it an SNP guest (sev.c:2608-2611).
 */
TEST_F(sev_cmds, init2_twice)
{
	struct kvm_sev_init init = { 0 };
	void *bad = kps_bad_pointer(sizeof(init));
	int exp = init2_err(variant->type);

	ASSERT_NE(NULL, bad);
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, exp,
		  "3 KVM_SEV_INIT2 (first)");
	if (!exp) {
		self->pvm.phase = KPS_PHASE_INIT;
		exp = variant->type == KVM_X86_SNP_VM ? EPERM : EINVAL;
	}
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, exp,
		  "3 KVM_SEV_INIT2 again: -EINVAL (need_init false, sev.c:508-509); SNP -EPERM (sev.c:2608-2611)");
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, bad, exp,
		  "3 KVM_SEV_INIT2 again, bad argument: refused before it is read (sev.c:508-509, 2605-2612)");
}

/* Every kvm_sev_init.flags bit: -EINVAL (sev.c:417-418). */
TEST_F(sev_cmds, init2_flags)
{
	struct kvm_sev_init init = { 0 };
	struct kps_pvm p;
	int i;

	for (i = 0; i < 32; i++) {
		new_vm(_metadata, &p, variant->type, 0);
		init.flags = BIT(i);
		CHECK_CMD(&p, KVM_SEV_INIT2, &init,
			  init2_err(variant->type) ?: EINVAL,
			  "3 KVM_SEV_INIT2: any flags bit -> -EINVAL (sev.c:417-418)");
		kps_pvm_free(&p);
	}
}

/*
 * vmsa_features: none for SEV, KVM_X86_SEV_VMSA_FEATURES for SEV-ES and
 * SNP (sev.c:411, 420-421); each other bit alone is -EINVAL.  As in
 * sev_init2_tests.c, only DEBUG_SWAP is known to work on its own.
 */
TEST_F(sev_cmds, init2_vmsa_features)
{
	__u64 valid = variant->type == KVM_X86_SEV_ES_VM ||
		      variant->type == KVM_X86_SNP_VM ?
		      supported_vmsa_features() : 0;
	struct kvm_sev_init init = { 0 };
	struct kps_pvm p;
	int i, exp;

	for (i = 0; i < 64; i++) {
		exp = init2_err(variant->type);
		if (!exp && (valid & BIT_ULL(i)) &&
		    !(SVM_SEV_FEAT_DEBUG_SWAP & BIT_ULL(i)))
			continue;
		if (!exp && !(valid & BIT_ULL(i)))
			exp = EINVAL;
		new_vm(_metadata, &p, variant->type, 0);
		init.vmsa_features = BIT_ULL(i);
		CHECK_CMD(&p, KVM_SEV_INIT2, &init, exp,
			  "3 KVM_SEV_INIT2: vmsa_features outside KVM_X86_SEV_VMSA_FEATURES (none for SEV) -> -EINVAL (sev.c:411, 420-421)");
		kps_pvm_free(&p);
	}
}

/*
 * ghcb_version: at most GHCB_VERSION_MAX (2), and 0 for SEV
 * (sev.c:423-424).
 */
TEST_F(sev_cmds, init2_ghcb_version)
{
	bool es = variant->type == KVM_X86_SEV_ES_VM ||
		  variant->type == KVM_X86_SNP_VM;
	struct kvm_sev_init init = { 0 };
	struct kps_pvm p;
	int v, exp;

	for (v = 1; v <= KPS_GHCB_VERSION_MAX + 1; v++) {
		exp = init2_err(variant->type);
		if (!exp && (!es || v > KPS_GHCB_VERSION_MAX))
			exp = EINVAL;
		new_vm(_metadata, &p, variant->type, 0);
		init.ghcb_version = v;
		CHECK_CMD(&p, KVM_SEV_INIT2, &init, exp,
			  "3 KVM_SEV_INIT2: ghcb_version > GHCB_VERSION_MAX, or != 0 for SEV -> -EINVAL (sev.c:423-424)");
		kps_pvm_free(&p);
	}
}

/* INIT/INIT2 once a vCPU exists: -EINVAL (sev.c:414-415). */
TEST_F(sev_cmds, init_after_vcpu)
{
	struct kvm_sev_init init = { 0 };
	char err[320];
	int exp;

	ASSERT_NE(NULL, kps_pvm_add_vcpu(&self->pvm, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	if (needs_init2(variant->type)) {
		CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init,
			  init2_err(variant->type) ?: EINVAL,
			  "3 KVM_SEV_INIT2 after KVM_CREATE_VCPU: -EINVAL (sev.c:414-415)");
		return;
	}
	exp = !sev_on() ? ENOTTY : EINVAL;
	CHECK_CMD(&self->pvm, KVM_SEV_INIT, NULL, exp,
		  "3 KVM_SEV_INIT after KVM_CREATE_VCPU: -EINVAL (sev.c:414-415; other types sev.c:488-489)");
}

/*
 * Legacy command ids (< KVM_SEV_SNP_LAUNCH_START) on an initialised SNP
 * VM: -EPERM before the command is decoded (sev.c:2608-2611).  Elsewhere
 * the same ids are decoded: KVM_SEV_INIT gives -EINVAL on types 1-3.
 */
TEST_F(sev_cmds, legacy_on_snp)
{
	struct kvm_sev_init init = { 0 };
	struct kvm_sev_launch_start start = { 0 };
	struct kvm_sev_guest_status status;
	__u8 measure[256];
	struct kvm_sev_launch_measure lm = {
		.uaddr = (__u64)(unsigned long)measure,
		.len = sizeof(measure),
	};
	const char *rule =
		"3: SNP guest + id < KVM_SEV_SNP_LAUNCH_START -> -EPERM (sev.c:2608-2611)";
	int exp = init2_err(variant->type);

	if (variant->type != KVM_X86_SNP_VM || exp) {
		exp = !sev_on() ? ENOTTY :
		      variant->type == KVM_X86_DEFAULT_VM ? 0 : EINVAL;
		CHECK_CMD(&self->pvm, KVM_SEV_INIT, NULL, exp,
			  "3 KVM_SEV_INIT: decoded (not -EPERM) on non-SNP VMs (sev.c:488-489)");
		return;
	}
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, 0, "3 KVM_SEV_INIT2");
	self->pvm.phase = KPS_PHASE_INIT;
	CHECK_CMD(&self->pvm, KVM_SEV_INIT, NULL, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_ES_INIT, NULL, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_START, &start, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_MEASURE, &lm, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_FINISH, NULL, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_GUEST_STATUS, &status, EPERM, rule);
	CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, EPERM, rule);
}

/*
 * KVM_SEV_LAUNCH_UPDATE_VMSA on a VM that is not SEV-ES: -ENOTTY
 * (sev.c:962-963), also for plain SEV after its launch started.  On
 * SEV-ES with no vCPU it has nothing to do (0); on SNP it is a legacy id
 * (-EPERM).
 */
TEST_F(sev_cmds, update_vmsa_non_es)
{
	char err[320];
	int exp;

	if (needs_init2(variant->type) && sev_on()) {
		ASSERT_EQ(0, kps_pvm_advance(&self->pvm, variant->type ==
					     KVM_X86_SNP_VM ? KPS_PHASE_INIT :
					     KPS_PHASE_BEFORE, err,
					     sizeof(err))) {
			TH_LOG("%s", err);
		}
	}
	switch (variant->type) {
	case KVM_X86_SEV_ES_VM:
		exp = 0;
		break;
	case KVM_X86_SNP_VM:
		exp = EPERM;
		break;
	default:
		exp = ENOTTY;
		break;
	}
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, exp,
		  "3 KVM_SEV_LAUNCH_UPDATE_VMSA: -ENOTTY unless sev_es_guest (sev.c:962-963); SNP -EPERM (sev.c:2608-2611)");
}

/*
 * KVM_RUN before KVM_SEV_INIT2: svm_vcpu_pre_run() -> -EINVAL while
 * need_init (svm.c:4285-4289).  The check follows the immediate_exit one
 * (x86.c:11189-11192), so the vCPU is really run; types without need_init
 * are run with immediate_exit and leave with -EINTR.
 */
TEST_F_TIMEOUT(sev_cmds, run_before_init2, 30)
{
	struct kps_expect e = {
		.rule = "1.1/3 KVM_RUN: -EINVAL while need_init (svm.c:4285-4289)",
	};
	struct kvm_vcpu *vcpu;
	char err[320], res[400];
	bool gated = needs_init2(variant->type);
	int r, errn;

	vcpu = kps_pvm_add_vcpu(&self->pvm, err, sizeof(err));
	ASSERT_NE(NULL, vcpu) {
		TH_LOG("%s", err);
	}
	e.err = gated ? EINVAL : EINTR;
	vcpu->run->immediate_exit = !gated;
	errno = 0;
	r = ioctl(vcpu->fd, KVM_RUN, NULL);
	errn = errno;
	vcpu->run->immediate_exit = 0;
	kps_fmt_result(res, sizeof(res), "KVM_RUN", kps_pvm_name(&self->pvm),
		       "before KVM_SEV_INIT2", -1, e.err, r, errn, -1);
	ASSERT_EQ(-1, r) {
		TH_LOG("%s; exit reason %u; spec: %s", res,
		       vcpu->run->exit_reason, e.rule);
	}
	ASSERT_EQ(e.err, errn) {
		TH_LOG("%s; spec: %s", res, e.rule);
	}
}

/* spec 6 item 13: a NULL argument is 0 when SEV is enabled. */
TEST_F(sev_cmds, null_argp)
{
	char res[400];
	int exp = sev_on() ? 0 : -1;
	int r, err;

	errno = 0;
	r = ioctl(self->pvm.vm->fd, KVM_MEMORY_ENCRYPT_OP, NULL);
	err = errno;
	kps_fmt_result(res, sizeof(res), "KVM_MEMORY_ENCRYPT_OP(NULL)",
		       kps_pvm_name(&self->pvm), "created", exp,
		       exp ? ENOTTY : 0, r, err, -1);
	/* sev.c:2589-2590: !argp -> 0, after the sev_enabled check */
	ASSERT_EQ(exp, r) {
		TH_LOG("%s; spec: 3 KVM_MEMORY_ENCRYPT_OP (sev.c:2586-2590)",
		       res);
	}
	if (exp) {
		ASSERT_EQ(ENOTTY, err) {
			TH_LOG("%s", res);
		}
	}
}

/*
 * Launch commands out of order.  SEV/SEV-ES: LAUNCH_FINISH straight after
 * LAUNCH_START is refused by the firmware (-EIO; SEV API: LAUNCH_FINISH
 * needs the LSECRET state, i.e. a LAUNCH_MEASURE first).  SNP: finish
 * without start is -EINVAL (no snp_context, snp_launch_finish()).  Types
 * without SEV init: -ENOTTY (sev_launch_start: !sev_guest).
 */
TEST_F(sev_cmds, launch_order)
{
	struct kvm_sev_snp_launch_finish finish = { 0 };
	struct kvm_sev_launch_start start = { 0 };
	struct kvm_sev_init init = { 0 };
	char err[320];

	if (!needs_init2(variant->type) || !sev_on()) {
		CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_START, &start, ENOTTY,
			  "3 other SEV cmds before init: -ENOTTY (sev_launch_start: !sev_guest)");
		return;
	}
	if (variant->type == KVM_X86_SNP_VM) {
		CHECK_CMD(&self->pvm, KVM_SEV_INIT2, &init, 0, "3 KVM_SEV_INIT2");
		self->pvm.phase = KPS_PHASE_INIT;
		CHECK_CMD(&self->pvm, KVM_SEV_SNP_LAUNCH_FINISH, &finish, EINVAL,
			  "SNP_LAUNCH_FINISH before SNP_LAUNCH_START: -EINVAL (sev.c:2516-2517, !snp_context)");
		return;
	}
	ASSERT_EQ(0, kps_pvm_advance(&self->pvm, KPS_PHASE_BEFORE, err,
				     sizeof(err))) {
		TH_LOG("%s", err);
	}
	CHECK_CMD(&self->pvm, KVM_SEV_LAUNCH_FINISH, NULL, EIO,
		  "LAUNCH_FINISH before LAUNCH_MEASURE: firmware refuses (-EIO, SEV_RET_INVALID_GUEST_STATE)");
}

/*
 * Mirror VMs (KVM_CAP_VM_COPY_ENC_CONTEXT_FROM, sev.c:2818-2882): only a
 * launched SEV or SEV-ES VM can be mirrored (not SNP, sev.c:2843-2844), and
 * the mirror accepts only LAUNCH_UPDATE_VMSA, GUEST_STATUS, DBG_DECRYPT
 * and DBG_ENCRYPT; every other command is -EINVAL before its argument is
 * read (is_cmd_allowed_from_mirror(), sev.c:1857-1869, 2597-2601).
 */
TEST_F(sev_cmds, mirror_cmds)
{
	bool mirrorable = sev_on() && (variant->type == KVM_X86_SEV_VM ||
				       variant->type == KVM_X86_SEV_ES_VM);
	struct kps_pvm mirror;
	char err[320], res[400];
	__u32 id;
	int r;

	if (needs_init2(variant->type) && sev_on()) {
		ASSERT_EQ(0, kps_pvm_advance(&self->pvm, KPS_PHASE_AFTER, err,
					     sizeof(err))) {
			TH_LOG("%s", err);
		}
	}
	new_vm(_metadata, &mirror, KVM_X86_DEFAULT_VM, 0);
	errno = 0;
	r = __vm_enable_cap(mirror.vm, KVM_CAP_VM_COPY_ENC_CONTEXT_FROM,
			    self->pvm.vm->fd);
	kps_fmt_result(res, sizeof(res),
		       "KVM_CAP_VM_COPY_ENC_CONTEXT_FROM (mirror of it)",
		       kps_pvm_name(&self->pvm), kps_phase_name(self->pvm.phase),
		       mirrorable ? 0 : -1, mirrorable ? 0 : EINVAL, r, errno,
		       -1);
	ASSERT_EQ(mirrorable ? 0 : -1, r) {
		TH_LOG("%s; spec: 7, sev.c:2843-2844", res);
	}
	if (!mirrorable) {
		ASSERT_EQ(EINVAL, errno) {
			TH_LOG("%s", res);
		}
		kps_pvm_free(&mirror);
		return;
	}
	mirror.phase = KPS_PHASE_INIT;
	for (id = 0; id < KVM_SEV_NR_MAX; id++) {
		if (id == KVM_SEV_LAUNCH_UPDATE_VMSA ||
		    id == KVM_SEV_GUEST_STATUS || id == KVM_SEV_DBG_DECRYPT ||
		    id == KVM_SEV_DBG_ENCRYPT)
			continue;
		snprintf(res, sizeof(res), "KVM_MEMORY_ENCRYPT_OP(id %u) on a mirror", id);
		check_cmd(_metadata, &mirror, id, res, NULL, EINVAL,
			  "7 mirror VMs: commands other than UPDATE_VMSA, GUEST_STATUS, DBG_* -> -EINVAL (sev.c:1857-1869, 2597-2601)");
	}
	kps_pvm_free(&mirror);
}

/*
 * ---- TDX: KVM_MEMORY_ENCRYPT_OP with struct kvm_tdx_cmd (TDX-RULES.md 2).
 * Each case starts from a VM of the variant's type with a split irqchip
 * and nothing else: no KVM_TDX_INIT_VM, no vCPU.
 */
FIXTURE(tdx_cmds) {
	struct kps_fdset fds;
	struct kvm_vm *vm;
};

#define KPS_FIXTURE tdx_cmds
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_TDX_VM)
#include "kps_phase_fixture.h"

/* The same setup on a default VM, for the TDX commands on non-TDs. */
FIXTURE(tdx_on_default) {
	struct kps_fdset fds;
	struct kvm_vm *vm;
};

#define KPS_FIXTURE tdx_on_default
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

static void tdx_fixture_setup(struct __test_metadata *_metadata,
			      struct kps_fdset *fds, struct kvm_vm **vmp,
			      unsigned long type)
{
	struct kvm_vm *vm;
	int r;

	kps_fdset_take(fds);
	*vmp = NULL;
	/* The KVM_TDX_* commands exist where kvm_intel advertises TDX. */
	if (!kps_require_type(_metadata, KVM_X86_TDX_VM, false))
		return;
	vm = vm_create_barebones_type(type);
	*vmp = vm;
	r = __vm_enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 24);
	ASSERT_EQ(0, r) {
		TH_LOG("setup: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): errno=%s",
		       kps_errno_name(errno));
	}
	vm->has_irqchip = true;
}

FIXTURE_SETUP(tdx_cmds)
{
	tdx_fixture_setup(_metadata, &self->fds, &self->vm, variant->type);
}

FIXTURE_TEARDOWN(tdx_cmds)
{
	if (self->vm)
		kvm_vm_free(self->vm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

FIXTURE_SETUP(tdx_on_default)
{
	tdx_fixture_setup(_metadata, &self->fds, &self->vm, variant->type);
}

FIXTURE_TEARDOWN(tdx_on_default)
{
	if (self->vm)
		kvm_vm_free(self->vm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* KVM_TDX_* id on fd (VM or vCPU) -> exactly exp (0, or -1 with exp_err). */
static void check_tdx(struct __test_metadata *_metadata, int fd,
		      const char *fd_name, __u32 id, __u32 flags, __u64 data,
		      int exp, int exp_err, const char *rule)
{
	char res[400];
	int r, err;

	errno = 0;
	r = kps_tdx_cmd(fd, id, flags, data, NULL);
	err = errno;
	snprintf(res, sizeof(res),
		 "KVM_MEMORY_ENCRYPT_OP(KVM_TDX id %u, flags %#x) on the %s fd: expected %d errno %s, seen %d errno %s; rule: %s",
		 id, flags, fd_name, exp, kps_errno_name(exp_err), r,
		 kps_errno_name(err), rule);
	ASSERT_EQ(exp, r) {
		TH_LOG("%s", res);
	}
	if (exp) {
		ASSERT_EQ(exp_err, err) {
			TH_LOG("%s", res);
		}
	}
}

#define CHECK_TDX(fd, fdn, id, flags, data, exp, err, rule)		\
	check_tdx(_metadata, fd, fdn, id, flags, (__u64)(unsigned long)(data), \
		  exp, err, rule)

static void tdx_init_vm(struct __test_metadata *_metadata, struct kvm_vm *vm)
{
	char err[320];

	ASSERT_EQ(0, kps_tdx_init_vm(vm, 0, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
}

/* A vCPU through KVM_TDX_INIT_VCPU (init) or just created. */
static struct kvm_vcpu *tdx_vcpu(struct __test_metadata *_metadata,
				 struct kvm_vm *vm, bool init)
{
	struct kvm_vcpu *vcpu = __vm_vcpu_add(vm, 0);
	char err[320];

	if (init) {
		ASSERT_EQ(0, kps_tdx_init_vcpu(vcpu, err, sizeof(err))) {
			TH_LOG("%s", err);
		}
	}
	return vcpu;
}

/* KVM_CREATE_VCPU(0) on vm: exactly exp_err (TDX-RULES.md 2.2). */
static void check_create_vcpu(struct __test_metadata *_metadata,
			      struct kvm_vm *vm, int exp_err, const char *rule)
{
	int fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0), err = errno;

	if (fd >= 0)
		close(fd);
	ASSERT_EQ(-1, fd) {
		TH_LOG("KVM_CREATE_VCPU on a tdx VM: expected -1 errno %s, seen %d; rule: %s",
		       kps_errno_name(exp_err), fd, rule);
	}
	ASSERT_EQ(exp_err, err) {
		TH_LOG("KVM_CREATE_VCPU on a tdx VM: expected errno %s, seen %s; rule: %s",
		       kps_errno_name(exp_err), kps_errno_name(err), rule);
	}
}

/*
 * TDX commands on a VM that is not a TD: -ENOTTY on the VM fd (UP main.c
 * vt_mem_enc_ioctl()), -EINVAL on a vCPU fd (vt_vcpu_mem_enc_ioctl()).
 */
TEST_F(tdx_on_default, not_a_td)
{
	struct kvm_vcpu *vcpu;
	__u32 id;

	for (id = KVM_TDX_CAPABILITIES; id <= KVM_TDX_GET_CPUID; id++)
		CHECK_TDX(self->vm->fd, "default VM", id, 0, 0, -1, ENOTTY,
			  "vt_mem_enc_ioctl(): !is_td() -> -ENOTTY");
	vcpu = __vm_vcpu_add(self->vm, 0);
	for (id = KVM_TDX_CAPABILITIES; id <= KVM_TDX_GET_CPUID; id++)
		CHECK_TDX(vcpu->fd, "default vCPU", id, 0, 0, -1, EINVAL,
			  "vt_vcpu_mem_enc_ioctl(): !is_td_vcpu() -> -EINVAL");
}

/* CAPABILITIES: flags -> -EINVAL, a cpuid array too small -> -E2BIG. */
TEST_F(tdx_cmds, capabilities)
{
	struct kvm_tdx_capabilities *caps;

	caps = kps_tdx_get_caps(self->vm->fd);
	ASSERT_NE(NULL, caps) {
		TH_LOG("KVM_TDX_CAPABILITIES on a fresh TD: errno=%s (tdx_get_capabilities())",
		       kps_errno_name(errno));
	}
	/* KVM_SUPPORTED_TD_ATTRS: SEPT_VE_DISABLE only, never DEBUG */
	ASSERT_EQ(0, caps->supported_attrs & KPS_TDX_ATTR_DEBUG) {
		TH_LOG("KVM_TDX_CAPABILITIES supported_attrs %#llx offers DEBUG",
		       (unsigned long long)caps->supported_attrs);
	}
	memset(caps, 0, sizeof(*caps));
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_CAPABILITIES, 1, caps, -1, EINVAL,
		  "tdx_get_capabilities(): flags -> -EINVAL");
	caps->cpuid.nent = 0;
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_CAPABILITIES, 0, caps, -1, E2BIG,
		  "tdx_get_capabilities(): nent < num_cpuid_config -> -E2BIG");
	free(caps);
}

/* INIT_VM: DEBUG refused; once only; vCPUs only after it. */
TEST_F(tdx_cmds, init_vm)
{
	char err[320];

	/* tdx_vcpu_create(): state != TD_STATE_INITIALIZED -> -EIO */
	check_create_vcpu(_metadata, self->vm, EIO,
			  "tdx_vcpu_create() before KVM_TDX_INIT_VM -> -EIO");
	/* setup_tdparams(): attributes & ~KVM_SUPPORTED_TD_ATTRS -> -EINVAL */
	ASSERT_EQ(-1, kps_tdx_init_vm(self->vm, KPS_TDX_ATTR_DEBUG, err,
				      sizeof(err))) {
		TH_LOG("KVM_TDX_INIT_VM with DEBUG accepted (%s)",
		       "setup_tdparams(): debug TD vCPUs are not protected");
	}
	ASSERT_EQ(EINVAL, errno) {
		TH_LOG("%s; expected EINVAL (setup_tdparams())", err);
	}
	tdx_init_vm(_metadata, self->vm);
	/* tdx_td_init(): state != TD_STATE_UNINITIALIZED -> -EINVAL */
	ASSERT_EQ(-1, kps_tdx_init_vm(self->vm, 0, err, sizeof(err))) {
		TH_LOG("a second KVM_TDX_INIT_VM succeeded (tdx_td_init())");
	}
	ASSERT_EQ(EINVAL, errno) {
		TH_LOG("%s; expected EINVAL (tdx_td_init())", err);
	}
}

/* TDX needs a split irqchip: KVM_CREATE_IRQCHIP -ENOTTY, vCPU -EINVAL. */
TEST_F(tdx_cmds, irqchip)
{
	struct kvm_vm *vm;
	int r, err;

	vm = vm_create_barebones_type(KVM_X86_TDX_VM);
	errno = 0;
	r = ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0);
	err = errno;
	ASSERT_EQ(-1, r) {
		TH_LOG("KVM_CREATE_IRQCHIP on a TD: expected -1/ENOTTY, seen %d (%s)",
		       r, "UP x86.c has_protected_eoi");
	}
	ASSERT_EQ(ENOTTY, err) {
		TH_LOG("KVM_CREATE_IRQCHIP on a TD: expected ENOTTY, seen %s",
		       kps_errno_name(err));
	}
	tdx_init_vm(_metadata, vm);
	check_create_vcpu(_metadata, vm, EINVAL,
			  "tdx_vcpu_create(): !irqchip_split() -> -EINVAL");
	kvm_vm_free(vm);
}

/* FINALIZE_VM: -EINVAL before INIT_VM and when already RUNNABLE. */
TEST_F(tdx_cmds, finalize_order)
{
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_FINALIZE_VM, 0, 0, -1, EINVAL,
		  "tdx_td_finalize(): no HKID before KVM_TDX_INIT_VM -> -EINVAL");
	tdx_init_vm(_metadata, self->vm);
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_FINALIZE_VM, 0, 0, 0, 0,
		  "tdx_td_finalize() after KVM_TDX_INIT_VM");
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_FINALIZE_VM, 0, 0, -1, EINVAL,
		  "tdx_td_finalize(): already RUNNABLE -> -EINVAL");
	/* tdx_vcpu_create(): RUNNABLE is not INITIALIZED -> -EIO */
	check_create_vcpu(_metadata, self->vm, EIO,
			  "tdx_vcpu_create() after KVM_TDX_FINALIZE_VM -> -EIO");
}

/* vCPU commands: INIT_VCPU once, INIT_MEM_REGION after it, none once RUNNABLE. */
TEST_F(tdx_cmds, vcpu_order)
{
	struct kvm_tdx_init_mem_region region = { 0 };
	struct kvm_vcpu *vcpu;
	char err[320];
	void *bad;

	tdx_init_vm(_metadata, self->vm);
	vcpu = tdx_vcpu(_metadata, self->vm, false);
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_MEM_REGION, 0, &region, -1,
		  EINVAL, "tdx_vcpu_init_mem_region(): vCPU not initialized -> -EINVAL");
	ASSERT_EQ(0, kps_tdx_init_vcpu(vcpu, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_VCPU, 0, 0, -1, EINVAL,
		  "tdx_vcpu_init(): already initialized -> -EINVAL");
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_MEM_REGION, 2, &region, -1,
		  EINVAL, "tdx_vcpu_init_mem_region(): unknown flag -> -EINVAL");
	region.gpa = KPS_TDX_GPA | KPS_TDX_SHARED_BIT;
	region.nr_pages = 1;
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_MEM_REGION, 0, &region, -1,
		  EINVAL, "tdx_vcpu_init_mem_region(): shared GPA -> -EINVAL");
	ASSERT_EQ(0, kps_tdx_init_mem_region(self->vm, vcpu, err,
					     sizeof(err))) {
		TH_LOG("%s", err);
	}
	ASSERT_EQ(0, kps_tdx_finalize(self->vm, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	/* tdx_vcpu_ioctl(): RUNNABLE -> -EINVAL before the argument is read */
	bad = kps_bad_pointer(sizeof(struct kvm_tdx_cmd));
	ASSERT_NE(NULL, bad);
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_VCPU, 0, 0, -1, EINVAL,
		  "tdx_vcpu_ioctl(): TD RUNNABLE -> -EINVAL");
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_INIT_MEM_REGION, 0, &region, -1,
		  EINVAL, "tdx_vcpu_ioctl(): TD RUNNABLE -> -EINVAL");
	CHECK_TDX(vcpu->fd, "vCPU", KVM_TDX_GET_CPUID, 0, bad, -1, EINVAL,
		  "tdx_vcpu_ioctl(): TD RUNNABLE -> -EINVAL");
	errno = 0;
	ASSERT_EQ(-1, ioctl(vcpu->fd, KVM_MEMORY_ENCRYPT_OP, bad)) {
		TH_LOG("KVM_MEMORY_ENCRYPT_OP(bad pointer) on a RUNNABLE TD's vCPU succeeded");
	}
	ASSERT_EQ(EINVAL, errno) {
		TH_LOG("KVM_MEMORY_ENCRYPT_OP(bad pointer), RUNNABLE TD vCPU: %s, seen %s",
		       "expected EINVAL (state check first)",
		       kps_errno_name(errno));
	}
	munmap(bad, getpagesize());
}

/* KVM_RUN: -EINVAL until the vCPU is initialized and the TD RUNNABLE. */
TEST_F_TIMEOUT(tdx_cmds, run_before_finalize, 30)
{
	struct kvm_vcpu *vcpu;
	int r, err;

	tdx_init_vm(_metadata, self->vm);
	vcpu = tdx_vcpu(_metadata, self->vm, true);
	errno = 0;
	r = ioctl(vcpu->fd, KVM_RUN, 0);
	err = errno;
	ASSERT_EQ(-1, r) {
		TH_LOG("KVM_RUN on a TD vCPU before FINALIZE_VM: expected -1/EINVAL, seen %d (%s)",
		       r, "tdx_vcpu_pre_run()");
	}
	ASSERT_EQ(EINVAL, err) {
		TH_LOG("KVM_RUN before KVM_TDX_FINALIZE_VM: expected EINVAL, seen %s",
		       kps_errno_name(err));
	}
}

/*
 * SEV commands on a TD reach tdx_vm_ioctl(): kvm_sev_cmd's error and
 * sev_fd overlay hw_error, so a nonzero sev_fd is -EINVAL whatever the
 * id; a NULL argument is -EFAULT (SVM returns 0); unknown ids -EINVAL.
 */
TEST_F(tdx_cmds, sev_cmds_on_td)
{
	static const __u32 ids[] = {
		KVM_SEV_INIT, KVM_SEV_ES_INIT, KVM_SEV_LAUNCH_START,
		KVM_SEV_LAUNCH_UPDATE_VMSA, KVM_SEV_LAUNCH_FINISH,
		KVM_SEV_INIT2, KVM_SEV_SNP_LAUNCH_START,
	};
	struct kvm_sev_init init = { 0 };
	unsigned int i;
	char res[320];
	int r, err;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		errno = 0;
		r = kps_sev_cmd(self->vm->fd, -1, ids[i], &init, NULL);
		err = errno;
		snprintf(res, sizeof(res),
			 "SEV command id %u (sev_fd -1) on a TD: expected -1 errno EINVAL, seen %d errno %s (tdx_vm_ioctl(): hw_error != 0)",
			 ids[i], r, kps_errno_name(err));
		ASSERT_EQ(-1, r) {
			TH_LOG("%s", res);
		}
		ASSERT_EQ(EINVAL, err) {
			TH_LOG("%s", res);
		}
	}
	errno = 0;
	r = ioctl(self->vm->fd, KVM_MEMORY_ENCRYPT_OP, NULL);
	err = errno;
	ASSERT_EQ(-1, r) {
		TH_LOG("KVM_MEMORY_ENCRYPT_OP(NULL) on a TD: expected -1 errno EFAULT, seen %d",
		       r);
	}
	ASSERT_EQ(EFAULT, err) {
		TH_LOG("KVM_MEMORY_ENCRYPT_OP(NULL) on a TD: expected EFAULT, seen %s",
		       kps_errno_name(err));
	}
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_CMD_NR_MAX, 0, 0, -1, EINVAL,
		  "tdx_vm_ioctl(): unknown id -> -EINVAL");
	CHECK_TDX(self->vm->fd, "VM", KVM_TDX_INIT_VCPU, 0, 0, -1, EINVAL,
		  "tdx_vm_ioctl(): a vCPU command on the VM fd -> -EINVAL");
}

TEST_HARNESS_MAIN
