// SPDX-License-Identifier: GPL-2.0-only
/*
 * protected_state_test - guest-state ioctls on VMs whose vCPU state is
 * protected (SEV-ES type 3, SNP type 4, TDX type 5), against the kernel's
 * rules (6.12 source, cited at each assertion), with controls that a
 * blanket "always -EINVAL" cannot pass: SEV (type 2), the default VM, and
 * legacy KVM_SEV_ES_INIT on a type-0 VM.
 *
 * One result line per case <fixture>.<variant>.<test>: the fixture is the
 * phase or concern, the variant exactly the VM type name (default, sev,
 * sev_es, snp, tdx), the test a row of the state-ioctl catalog
 * (kps_state_ioctls.h, stamped with KPS_STATE_IOCTL) or a named check.
 *
 *   before_launch    INIT2 + launch start done, protection not yet: every
 *                    row as on a default VM, except sync regs (spec 3).
 *   after_launch     after LAUNCH_UPDATE_VMSA / SNP_LAUNCH_FINISH: blocked
 *                    rows -1/EINVAL with the caller's buffer untouched, GET
 *                    and SET; unblocked rows 0 (spec 6 item 7); MSR rows a
 *                    short count (spec 3.1).  A default VM in the same
 *                    process runs every row too and must keep working.
 *   bad_pointer      the rows with an unreadable, unwritable argument:
 *                    -EFAULT where the copy comes first, -EINVAL where the
 *                    check does (spec 6 item 4).
 *   legacy_es_before legacy KVM_SEV_ES_INIT on type 0 (variant default):
 *   legacy_es_after  success with zero or stale data, SET_GUEST_DEBUG
 *                    -EINVAL (spec 2.1, the asymmetry).
 *   legacy_es_sregs  legacy SEV-ES GET_SREGS(2) values and SET_SREGS2 with
 *                    PDPTRS_VALID after protection (spec 2.1).
 *   legacy_es_bad_ptr, legacy_es_vcpus, legacy_es_sync_regs,
 *   legacy_es_mem_caps  legacy SEV-ES after protection: bad pointers, two
 *                    vCPUs, per-VM capabilities and memslots (spec 2.1, 4).
 *   sync_regs_before KVM_CAP_SYNC_REGS and KVM_RUN with each sync-regs bit,
 *   sync_regs_after  kvm_run->s byte for byte (spec 4, x86.c:4179-4182,
 *                    11142-11147, 11202-11203).
 *   mem_caps_before  READONLY_MEM, MULTI_ADDRESS_SPACE, GUEST_MEMFD,
 *   mem_caps_after   MEMORY_ATTRIBUTES, X86_SMM, KVM_MEM_READONLY slots,
 *                    KVM_PRE_FAULT_MEMORY (spec 4).
 *   msrs             KVM_GET/SET_MSRS lists around blocked MSRs (spec 3.1).
 *   vcpus            2 and 4 vCPUs, a vCPU created after protection, a
 *                    second protecting command (spec 2).
 *   run_after        KVM_RUN of a launched guest to its GHCB termination or
 *                    ucall (as upstream sev_smoke_test.c), then every row.
 *
 * Cost: the harness forks a process per case and KVM refuses vCPU ioctls
 * from another mm (-EIO, kvm_main.c kvm_vcpu_ioctl), so a VM cannot be set
 * up once per (type, phase) and shared by the cases of a fixture.  Each
 * case builds its own VM in FIXTURE_SETUP instead, as cheaply as possible:
 * a libkvm "barebones" VM (no memory, no ELF image, split irqchip) that is
 * created, launched and freed in well under a millisecond on the model.
 * The matrix grows with types x rows, not with guest boots; only run_after
 * boots guests (one per case).
 *
 * SNP: 6.12's libkvm has no SNP helpers; lib/kps_protected.c drives SNP with
 * raw KVM_MEMORY_ENCRYPT_OP (INIT2, SNP_LAUNCH_START/UPDATE/FINISH), one
 * guest_memfd page made private with KVM_SET_MEMORY_ATTRIBUTES.  No SNP
 * guest is booted (run_after has no snp variant).
 *
 * TDX: 6.12's uapi has no KVM_X86_TDX_VM (kps_util.h defines it as 5).  The
 * tdx variants skip with the knob while type 5 is not advertised.  Where
 * it is, they fail: the suite has no TDX setup code (KVM_TDX_INIT_VM,
 * KVM_TDX_INIT_VCPU, KVM_TDX_FINALIZE_VM), and a skip would hide that.
 *
 * Every failure message names the ioctl, the VM type, the phase, the
 * expected and seen return and errno, the first byte of the caller's
 * buffer that changed, and the spec row.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "sev.h"
#include "ucall_common.h"

#include "kps_host.h"
#include "kps_leak.h"
#include "kps_protected.h"
#include "kps_state_ioctls.h"
#include "kps_util.h"

/* KVM_CAP_GUEST_MEMFD_FLAGS, UP include/uapi/linux/kvm.h (not in 6.12) */
#define KPS_CAP_GUEST_MEMFD_FLAGS	244

/* Data the MSR checks put in entries the kernel must not touch. */
#define MSR_CANARY			0xa5a5a5a500000000ULL

#define MSG_LEN				768

static void *buf_alloc(struct __test_metadata *_metadata, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	ASSERT_NE(NULL, p) {
		TH_LOG("setup: calloc(%zu) failed", size);
	}
	return p;
}

static char *row_msg(char *msg, const struct kps_pvm *p, unsigned int idx,
		     const char *phase, const char *ioctl_name,
		     const struct kps_expect *e, int exp, int r, int err,
		     ssize_t diff)
{
	char res[400];

	kps_fmt_result(res, sizeof(res), ioctl_name, kps_pvm_name(p), phase,
		       exp, exp == -1 ? e->err : 0, r, err, diff);
	snprintf(msg, MSG_LEN, "%s; vCPU %u; spec row: %s%s%s", res, idx,
		 e->rule, e->bug ? "; known deviation: " : "",
		 e->bug ? e->bug : "");
	return msg;
}

static void setup_pvm(struct __test_metadata *_metadata, struct kps_pvm *p,
		      unsigned long type, bool legacy_es,
		      unsigned int nr_vcpus, enum kps_phase phase)
{
	char err[320];

	ASSERT_EQ(0, kps_pvm_create(p, type, legacy_es, nr_vcpus, phase, err,
				    sizeof(err))) {
		TH_LOG("%s", err);
	}
}

static void advance_pvm(struct __test_metadata *_metadata, struct kps_pvm *p,
			enum kps_phase phase)
{
	char err[320];

	ASSERT_EQ(0, kps_pvm_advance(p, phase, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
}

/*
 * kps_ioctl_prep_set() for vCPU idx of p; a TD's vCPUs are protected from
 * KVM_CREATE_VCPU (model/TDX-RULES.md 3), so for them the argument comes
 * from the vCPU of a default VM, made and freed here.
 */
static int prep_set_arg(struct __test_metadata *_metadata, struct kps_pvm *p,
			unsigned int idx, const struct kps_state_ioctl *io,
			void *buf, size_t size)
{
	struct kps_pvm d;
	int r, err;

	if (p->type != KVM_X86_TDX_VM)
		return kps_ioctl_prep_set(p->vcpus[idx], io, buf, size);
	setup_pvm(_metadata, &d, KVM_X86_DEFAULT_VM, false, 1,
		  KPS_PHASE_CREATED);
	r = kps_ioctl_prep_set(d.vcpus[0], io, buf, size);
	err = errno;
	kps_pvm_free(&d);
	errno = err;
	return r;
}

/*
 * A valid argument for every SET/OTHER row of vCPU idx, built from the
 * partner GET while the vCPU is not protected yet, so that on a protected
 * vCPU only the protected-state check can make the SET fail (an invalid
 * payload would fail a validity check with the same -EINVAL).
 */
static void capture_payloads(struct __test_metadata *_metadata,
			     struct kps_pvm *p, unsigned int idx,
			     void **payloads)
{
	struct kvm_vcpu *vcpu = p->vcpus[idx];
	const struct kps_state_ioctl *io, *get;
	size_t size;
	int i, r, exp;

	for (i = 0; i < KPS_NR_STATE_IOCTLS; i++) {
		io = &kps_state_ioctls[i];
		if (io->dir == KPS_GET || kps_ioctl_rule(io) == KPS_RULE_MSR ||
		    !kps_ioctl_supported(p->vm, io, NULL))
			continue;
		size = kps_ioctl_buf_size(vcpu, io);
		payloads[i] = buf_alloc(_metadata, size);
		r = prep_set_arg(_metadata, p, idx, io, payloads[i], size);
		get = kps_ioctl_partner(io);
		exp = get ? kps_ioctl_success_ret(get, payloads[i]) : 0;
		/* Not protected yet: every GET works (spec 3, column ES-pre). */
		ASSERT_EQ(exp, r) {
			TH_LOG("setup: building %s argument on %s vCPU %u (%s): ret=%d errno=%s",
			       io->nr_name, kps_pvm_name(p), idx,
			       kps_phase_name(p->phase), r,
			       kps_errno_name(errno));
		}
	}
}

/* Skip a row the host cannot run at all (capability absent). */
static bool row_ok(struct __test_metadata *_metadata, struct kps_pvm *p,
		   const struct kps_state_ioctl *io)
{
	const char *why;

	if (!kps_ioctl_supported(p->vm, io, &why))
		SKIP(return false, "%s", why);
	/*
	 * Without nested ops every VM refuses nested state (6.12
	 * x86.c:5742-5744, default_vm_state_test checks that), so whether a
	 * protected vCPU's nested state is blocked cannot be seen here.
	 */
	if ((io == KPS_IO(get_nested_state) || io == KPS_IO(set_nested_state)) &&
	    kps_kvm_cap(KVM_CAP_NESTED_STATE) <= 0)
		SKIP(return false,
		     "KVM_CAP_NESTED_STATE=0: this KVM has no nested ops (a vendor module without nested virtualization), so blocking cannot be observed");
	return true;
}

/* An MSR list for a row: intercepted MSRs first, then pass-through ones. */
static const __u32 row_msrs[] = {
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE, MSR_LSTAR, MSR_STAR,
};

/* KVM_GET_MSRS of one MSR: 1 and its value, or 0 if refused. */
static int read_msr(struct kvm_vcpu *vcpu, __u32 index, __u64 *val)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entry;
	} one = { .hdr.nmsrs = 1, .entry.index = index };
	int r = ioctl(vcpu->fd, KVM_GET_MSRS, &one);

	*val = one.entry.data;
	return r;
}

/*
 * KVM_GET/SET_MSRS of list on vCPU idx (spec 3, KVM_GET_MSRS row, and 3.1):
 * never -EINVAL; the return is the number of MSRs before the first blocked
 * one on a protected vCPU of a has_protected_state VM (__msr_io stops,
 * x86.c:4090-4103), all of them elsewhere (legacy SEV-ES: blocked MSRs
 * succeed with data 0, svm.c:2914-2917).  GET writes the whole array back
 * (x86.c:4131-4132): entries before the stop hold real values, the
 * stopping entry data 0 (x86.c:499-504), later entries the caller's input.
 * SET writes nothing back.
 */
static void check_msr_list(struct __test_metadata *_metadata,
			   struct kps_pvm *p, unsigned int idx, bool get,
			   const __u32 *list, unsigned int n, const char *phase)
{
	const char *name = get ? "KVM_GET_MSRS" : "KVM_SET_MSRS";
	struct kvm_vcpu *vcpu = p->vcpus[idx];
	/* exactly n entries, so a write past them lands in the guard */
	size_t size = sizeof(struct kvm_msrs) +
		      n * sizeof(struct kvm_msr_entry);
	struct kvm_msrs *m = buf_alloc(_metadata, size + KPS_GUARD_LEN);
	struct kvm_msrs *ref = buf_alloc(_metadata, size);
	bool ps = kps_pvm_has_protected_state(p);
	struct kps_expect e = {
		.err = 0,
		.rule =
			"3.1 + KVM_GET/SET_MSRS: count of MSRs before the first blocked one (x86.c:4090-4103, svm.c:2901-2918)",
	};
	unsigned int i, stop = n;
	char msg[MSG_LEN];
	__u64 val;
	int r, err;

	for (i = 0; i < n; i++) {
		if (ps && kps_msr_blocked_dir(p, idx, list[i], get)) {
			stop = i;
			break;
		}
	}
	kps_msrs_init(m, list, n);
	for (i = 0; i < n; i++) {
		m->entries[i].data = MSR_CANARY | i;
		if (get)
			continue;
		/*
		 * SET: a valid value, so that only the protected-state check
		 * can stop the list: the current one where it can be read,
		 * else 0 (valid for every MSR of kps_msrs_passthrough).
		 */
		m->entries[i].data = read_msr(vcpu, list[i], &val) == 1 ? val : 0;
	}
	memcpy(ref, m, size);
	kps_guard_fill(m, size);

	errno = 0;
	r = ioctl(vcpu->fd, get ? KVM_GET_MSRS : KVM_SET_MSRS, m);
	err = errno;
	row_msg(msg, p, idx, phase, name, &e, stop, r, err,
		kps_memdiff(m, ref, size));
	/* the array is written back in place, never past its entries */
	ASSERT_EQ(-1, kps_guard_check(m, size)) {
		TH_LOG("%s: written past the %zu-byte argument at offset %zd",
		       msg, size, kps_guard_check(m, size));
	}
	/* spec 6 item 3: a short positive count, never -EINVAL */
	ASSERT_EQ((int)stop, r) {
		TH_LOG("%s", msg);
	}
	if (!get) {
		/* SET_MSRS has no writeback (x86.c:4131, writeback = 0) */
		ASSERT_EQ(-1, kps_memdiff(m, ref, size)) {
			TH_LOG("%s: SET_MSRS modified the caller's array", msg);
		}
		free(m);
		free(ref);
		return;
	}
	/* Header and indices are input only. */
	ASSERT_EQ(n, m->nmsrs) {
		TH_LOG("%s: nmsrs changed to %u", msg, m->nmsrs);
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(list[i], m->entries[i].index) {
			TH_LOG("%s: entry %u index changed", msg, i);
		}
		if (i < stop && kps_vcpu_protected(p, idx) &&
		    kps_msr_blocked_dir(p, idx, list[i], get)) {
			/* legacy SEV-ES: svm_get_msr() succeeds, data 0 */
			ASSERT_EQ(0, m->entries[i].data) {
				TH_LOG("%s: entry %u (MSR %#x) data %#llx, not 0 (svm.c:2914)",
				       msg, i, list[i],
				       (unsigned long long)m->entries[i].data);
			}
		} else if (i < stop) {
			ASSERT_EQ(1, read_msr(vcpu, list[i], &val)) {
				TH_LOG("%s: MSR %#x alone is refused", msg,
				       list[i]);
			}
			/* entries before the stop: the real values */
			ASSERT_EQ(val, m->entries[i].data) {
				TH_LOG("%s: entry %u (MSR %#x) data %#llx, read alone %#llx",
				       msg, i, list[i],
				       (unsigned long long)m->entries[i].data,
				       (unsigned long long)val);
			}
		} else if (i == stop) {
			/* kvm_do_msr_access() zeroes a failed read (x86.c:499-504) */
			ASSERT_EQ(0, m->entries[i].data) {
				TH_LOG("%s: stopping entry %u (MSR %#x) data %#llx, expected 0",
				       msg, i, list[i],
				       (unsigned long long)m->entries[i].data);
			}
		} else {
			/* after the stop: the caller's input, written back as is */
			ASSERT_EQ(ref->entries[i].data, m->entries[i].data) {
				TH_LOG("%s: entry %u (MSR %#x) data %#llx, caller's input %#llx",
				       msg, i, list[i],
				       (unsigned long long)m->entries[i].data,
				       (unsigned long long)ref->entries[i].data);
			}
		}
	}
	free(m);
	free(ref);
}

/* ---- kvm_run->s: what a KVM_RUN with sync regs may write (spec 4) ---- */

#define SYNC_LEN	sizeof(((struct kvm_run *)0)->s.padding)

/*
 * The parts of kvm_run->s a KVM_RUN with kvm_valid_regs = valid writes.
 * store_regs() runs on the exit path of every KVM_RUN, success or error,
 * also after the sync-regs check refused the request with -EINVAL, unless
 * the vCPU is protected (6.12 x86.c:11202-11203 kvm_arch_vcpu_ioctl_run()),
 * and writes only the REGS, SREGS and EVENTS parts asked for (x86.c:11474
 * store_regs(), regs.c:707-716 kvm_run_sync_regs_to_user()).
 */
static __u64 sync_stored(const struct kps_pvm *p, unsigned int idx,
			 __u64 valid)
{
	if (kps_vcpu_protected(p, idx))
		return 0;
	return valid & KVM_SYNC_X86_VALID_FIELDS;
}

/*
 * Fill kvm_run->s with a canary, and with zeros where store_regs() will
 * write: it fills fields in place, so on a zero baseline it leaves the
 * same bytes as the GET ioctls' kzalloc'ed buffers (kvm_main.c, x86.c:4961).
 */
static void sync_fill(struct kvm_run *run, __u64 stored)
{
	kps_canary_fill(run->s.padding, SYNC_LEN, KPS_CANARY_SEED);
	if (stored & KVM_SYNC_X86_REGS)
		memset(&run->s.regs.regs, 0, sizeof(run->s.regs.regs));
	if (stored & KVM_SYNC_X86_SREGS)
		memset(&run->s.regs.sregs, 0, sizeof(run->s.regs.sregs));
	if (stored & KVM_SYNC_X86_EVENTS)
		memset(&run->s.regs.events, 0, sizeof(run->s.regs.events));
}

/*
 * kvm_run->s after the call against before (its copy from before the
 * call): byte for byte the same, except the stored parts, which hold what
 * KVM_GET_REGS, KVM_GET_SREGS and KVM_GET_VCPU_EVENTS return now.  Returns
 * the offset of the first differing byte, or -1; exp receives the bytes
 * expected.
 */
static ssize_t sync_diff(struct __test_metadata *_metadata,
			 struct kvm_vcpu *vcpu, __u64 stored,
			 const void *before, __u8 *exp)
{
	struct kvm_sync_regs *e = (struct kvm_sync_regs *)exp;

	memcpy(exp, before, SYNC_LEN);
	if (stored & KVM_SYNC_X86_REGS) {
		memset(&e->regs, 0, sizeof(e->regs));
		vcpu_regs_get(vcpu, &e->regs);
	}
	if (stored & KVM_SYNC_X86_SREGS) {
		memset(&e->sregs, 0, sizeof(e->sregs));
		vcpu_sregs_get(vcpu, &e->sregs);
	}
	if (stored & KVM_SYNC_X86_EVENTS) {
		memset(&e->events, 0, sizeof(e->events));
		vcpu_events_get(vcpu, &e->events);
	}
	return kps_memdiff(vcpu->run->s.padding, exp, SYNC_LEN);
}

/* Assert sync_diff() found nothing; what names the request. */
static void sync_assert(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, __u64 stored,
			const void *before, const char *msg)
{
	__u8 exp[SYNC_LEN];
	const __u8 *seen = (const __u8 *)vcpu->run->s.padding;
	ssize_t diff = sync_diff(_metadata, vcpu, stored, before, exp);

	/* x86.c:11202-11203: only the parts store_regs() writes change */
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s: kvm_run->s byte %zd is %#x, expected %#x (stored parts %#llx: %s)",
		       msg, diff, seen[diff], exp[diff],
		       (unsigned long long)stored,
		       stored ? "the state KVM_GET_* return, the rest untouched" :
				"untouched");
	}
}

/*
 * A protected SET must also refuse a pure canary argument and leave it
 * untouched (the spec's "caller's buffer is byte-for-byte unchanged").
 */
static void check_set_canary(struct __test_metadata *_metadata,
			     struct kps_pvm *p, unsigned int idx,
			     const struct kps_state_ioctl *io,
			     const struct kps_expect *e, const char *phase)
{
	struct kvm_vcpu *vcpu = p->vcpus[idx];
	size_t size = kps_ioctl_buf_size(vcpu, io);
	void *buf = buf_alloc(_metadata, size + KPS_GUARD_LEN);
	char msg[MSG_LEN];
	ssize_t diff;
	int r, err;

	kps_canary_fill(buf, size, KPS_CANARY_SEED2);
	kps_guard_fill(buf, size);
	errno = 0;
	r = kps_ioctl_call(vcpu, io, buf);
	err = errno;
	diff = kps_canary_check(buf, size, KPS_CANARY_SEED2);
	if (diff < 0)
		diff = kps_guard_check(buf, size);
	row_msg(msg, p, idx, phase, io->nr_name, e, -1, r, err, diff);
	/* io->cite: the protected check refuses any argument */
	ASSERT_EQ(-1, r) {
		TH_LOG("canary argument: %s", msg);
	}
	ASSERT_EQ(e->err, err) {
		TH_LOG("canary argument: %s", msg);
	}
	ASSERT_EQ(-1, diff) {
		TH_LOG("canary argument: %s", msg);
	}
	free(buf);
}

/*
 * Run one catalog row on vCPU idx of p and compare with kps_expect_row().
 * payload: a valid SET/OTHER argument (capture_payloads()), or NULL to
 * build one now (only on a vCPU that is not protected).
 */
static void check_row(struct __test_metadata *_metadata, struct kps_pvm *p,
		      unsigned int idx, const struct kps_state_ioctl *io,
		      const void *payload, const char *phase)
{
	struct kvm_vcpu *vcpu = p->vcpus[idx];
	size_t size = kps_ioctl_buf_size(vcpu, io), n;
	/* KVM reads or writes buf (not a value, not kvm_run->s) */
	bool user_buf = !(io->flags & (KPS_NO_ARG | KPS_VALUE_ARG |
				       KPS_RUNS_VCPU));
	__u8 sync_before[SYNC_LEN];
	__u64 stored = 0;
	void *buf, *ref;
	struct kps_expect e;
	char msg[MSG_LEN];
	ssize_t diff, guard;
	int r, err, exp;

	if (kps_ioctl_rule(io) == KPS_RULE_MSR) {
		check_msr_list(_metadata, p, idx, io->dir == KPS_GET, row_msrs,
			       ARRAY_SIZE(row_msrs), phase);
		return;
	}

	kps_expect_row(p, idx, io, &e);
	buf = buf_alloc(_metadata, size + KPS_GUARD_LEN);
	ref = buf_alloc(_metadata, size);
	if (io->dir == KPS_GET) {
		kps_canary_fill(buf, size, KPS_CANARY_SEED);
		kps_ioctl_prep_get(vcpu, io, buf, size);
	} else if (payload) {
		memcpy(buf, payload, size);
	} else {
		r = prep_set_arg(_metadata, p, idx, io, buf, size);
		ASSERT_LE(0, r) {
			TH_LOG("setup: building the %s argument on %s vCPU %u: ret=%d errno=%s",
			       io->nr_name, kps_pvm_name(p), idx, r,
			       kps_errno_name(errno));
		}
	}
	memcpy(ref, buf, size);
	kps_guard_fill(buf, size);
	exp = e.ret == KPS_EXPECT_SUCCESS ? kps_ioctl_success_ret(io, ref) :
					    e.ret;
	if (io->flags & KPS_RUNS_VCPU) {
		/* KVM never sees buf: kvm_run->s is what it may write */
		stored = sync_stored(p, idx, KVM_SYNC_X86_VALID_FIELDS);
		sync_fill(vcpu->run, stored);
		memcpy(sync_before, vcpu->run->s.padding, SYNC_LEN);
	}

	errno = 0;
	r = kps_ioctl_call(vcpu, io, buf);
	err = errno;
	diff = kps_memdiff(buf, ref, size);
	guard = kps_guard_check(buf, size);
	row_msg(msg, p, idx, phase, io->nr_name, &e, exp, r, err, diff);

	/* The rule of the row: e.rule = io->cite (spec 3 / 5). */
	ASSERT_EQ(exp, r) {
		TH_LOG("%s", msg);
	}
	/* Whatever the answer, nothing is written past the struct. */
	if (user_buf) {
		ASSERT_EQ(-1, guard) {
			TH_LOG("%s: %s wrote past its %zu-byte argument, at offset %zd",
			       msg, io->nr_name, size, guard);
		}
	}
	if (io->flags & KPS_RUNS_VCPU)
		sync_assert(_metadata, vcpu, stored, sync_before, msg);
	if (exp == -1) {
		ASSERT_EQ(e.err, err) {
			TH_LOG("%s", msg);
		}
		/* spec 3: a refused GET copies nothing, a SET never writes */
		if (user_buf) {
			ASSERT_EQ(-1, diff) {
				TH_LOG("%s: the caller's buffer changed", msg);
			}
		}
		if (io->dir == KPS_SET)
			check_set_canary(_metadata, p, idx, io, &e, phase);
	} else if (io->dir == KPS_GET && e.zero_out) {
		/* spec 2.1: legacy SEV-ES copies out the kzalloc'ed buffer */
		n = kps_ioctl_data_size(vcpu, io, buf);
		memset(ref, 0, n);
		diff = kps_memdiff(buf, ref, n);
		ASSERT_EQ(-1, diff) {
			TH_LOG("%s: byte %zd of the buffer is not zero", msg,
			       diff);
		}
	} else if (io->dir == KPS_GET) {
		/* Success must mean the state was copied out. */
		ASSERT_NE(-1, diff) {
			TH_LOG("%s: success, but the canary buffer is untouched",
			       msg);
		}
	} else if (io->dir == KPS_SET) {
		ASSERT_EQ(-1, diff) {
			TH_LOG("%s: SET modified the caller's buffer", msg);
		}
	}
	free(buf);
	free(ref);
}

/*
 * The row called with an argument that can be neither read nor written
 * (spec 3 "ordering" column, spec 6 item 4).  Rows without a user pointer
 * (nmi, set_tsc_khz, sync_regs) are checked as in after_launch.
 */
static void check_bad_pointer(struct __test_metadata *_metadata,
			      struct kps_pvm *p, unsigned int idx,
			      const struct kps_state_ioctl *io,
			      const void *payload, const char *phase)
{
	struct kvm_vcpu *vcpu = p->vcpus[idx];
	size_t size = kps_ioctl_buf_size(vcpu, io);
	struct kps_expect e;
	char msg[MSG_LEN];
	void *bad;
	int r, err;

	if (io->flags & (KPS_NO_ARG | KPS_VALUE_ARG | KPS_RUNS_VCPU)) {
		check_row(_metadata, p, idx, io, payload, phase);
		return;
	}
	kps_expect_bad_pointer(p, idx, io, &e);
	bad = kps_bad_pointer(size);
	ASSERT_NE(NULL, bad) {
		TH_LOG("setup: mmap(PROT_NONE, %zu) failed", size);
	}
	errno = 0;
	r = ioctl(vcpu->fd, io->nr, bad);
	err = errno;
	row_msg(msg, p, idx, phase, io->nr_name, &e, -1, r, err, -1);
	/* COPY_FIRST -> -EFAULT; check first (GET, SET_SREGS2) -> -EINVAL */
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(e.err, err) {
		TH_LOG("%s", msg);
	}
	munmap(bad, size);
}

/* Every row on vCPU idx (the multi-vCPU checks). */
static void check_all_rows(struct __test_metadata *_metadata,
			   struct kps_pvm *p, unsigned int idx,
			   void **payloads, const char *phase)
{
	const struct kps_state_ioctl *io;
	int i;

	for (i = 0; i < KPS_NR_STATE_IOCTLS; i++) {
		io = &kps_state_ioctls[i];
		if (!kps_ioctl_supported(p->vm, io, NULL))
			continue;
		check_row(_metadata, p, idx, io,
			  payloads ? payloads[i] : NULL, phase);
	}
}

/* ---- before_launch: INIT2 + launch start, nothing protected yet ---- */

#define KPS_FIXTURE before_launch
#define KPS_FIXTURE_PHASE KPS_PHASE_BEFORE
#include "kps_phase_fixture.h"

/* ---- after_launch: protected, plus a default VM in the same process ---- */

FIXTURE(after_launch) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	struct kps_pvm ctl;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE after_launch
#include "kps_phase_fixture.h"

FIXTURE_SETUP(after_launch)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	setup_pvm(_metadata, &self->ctl, KVM_X86_DEFAULT_VM, false, 1,
		  KPS_PHASE_AFTER);
	setup_pvm(_metadata, &self->pvm, variant->type, false, 1,
		  KPS_PHASE_BEFORE);
	capture_payloads(_metadata, &self->pvm, 0, self->payloads);
	advance_pvm(_metadata, &self->pvm, KPS_PHASE_AFTER);
}

FIXTURE_TEARDOWN(after_launch)
{
	kps_pvm_free(&self->pvm);
	kps_pvm_free(&self->ctl);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* ---- bad_pointer: after launch, argument neither readable nor writable -- */

FIXTURE(bad_pointer) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE bad_pointer
#include "kps_phase_fixture.h"

FIXTURE_SETUP(bad_pointer)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	setup_pvm(_metadata, &self->pvm, variant->type, false, 1,
		  KPS_PHASE_BEFORE);
	capture_payloads(_metadata, &self->pvm, 0, self->payloads);
	advance_pvm(_metadata, &self->pvm, KPS_PHASE_AFTER);
}

FIXTURE_TEARDOWN(bad_pointer)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/*
 * The setup of the legacy fixtures that start launched: legacy
 * KVM_SEV_ES_INIT on a type-0 VM, payloads captured, LAUNCH_UPDATE_VMSA.
 */
static void setup_legacy_es_launched(struct __test_metadata *_metadata,
				     struct kps_fdset *fds, struct kps_pvm *pvm,
				     void **payloads, unsigned long type)
{
	kps_fdset_take(fds);
	if (!kps_require_type(_metadata, type, true))
		return;
	setup_pvm(_metadata, pvm, type, true, 1, KPS_PHASE_BEFORE);
	capture_payloads(_metadata, pvm, 0, payloads);
	advance_pvm(_metadata, pvm, KPS_PHASE_AFTER);
}

/*
 * The same after legacy KVM_SEV_ES_INIT (spec 2.1): no row is blocked, so
 * every argument is copied and a bad pointer is -EFAULT everywhere.
 */
FIXTURE(legacy_es_bad_ptr) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE legacy_es_bad_ptr
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

FIXTURE_SETUP(legacy_es_bad_ptr)
{
	setup_legacy_es_launched(_metadata, &self->fds, &self->pvm,
				 self->payloads, variant->type);
}

FIXTURE_TEARDOWN(legacy_es_bad_ptr)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* ---- legacy KVM_SEV_ES_INIT on a type-0 VM (spec 2.1) ---- */

#define KPS_FIXTURE legacy_es_before
#define KPS_FIXTURE_PHASE KPS_PHASE_BEFORE
#define KPS_FIXTURE_LEGACY_ES
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

FIXTURE(legacy_es_after) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE legacy_es_after
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

FIXTURE_SETUP(legacy_es_after)
{
	setup_legacy_es_launched(_metadata, &self->fds, &self->pvm,
				 self->payloads, variant->type);
}

FIXTURE_TEARDOWN(legacy_es_after)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/*
 * ---- after_migrate: the destination of KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM
 * (spec 2, migration row; spec 6 item 2).  sev_migrate_from() sets
 * guest_state_protected on every destination vCPU (sev.c:2056) but never
 * calls fpstate_set_confidential(): 6.12 then answers the FC rows (FPU,
 * XSAVE) with 0 [inf].  The suite asserts the promise (-EINVAL, as for
 * every other state row), so those cases report that bug.  SNP VMs cannot
 * be migrated (sev.c:2109-2110), so there is no snp variant; sev is the
 * control (no protected state moves).
 */
FIXTURE(after_migrate) {
	struct kps_fdset fds;
	struct kps_pvm src;
	struct kps_pvm pvm;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE after_migrate
#define KPS_FIXTURE_TYPES (KPS_TYPE_BIT(KVM_X86_SEV_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_ES_VM))
#include "kps_phase_fixture.h"

FIXTURE_SETUP(after_migrate)
{
	int r;

	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	setup_pvm(_metadata, &self->src, variant->type, false, 1,
		  KPS_PHASE_AFTER);
	/* The destination: same type, no INIT2 (sev.c:2109-2110). */
	setup_pvm(_metadata, &self->pvm, variant->type, false, 1,
		  KPS_PHASE_CREATED);
	capture_payloads(_metadata, &self->pvm, 0, self->payloads);
	r = __vm_enable_cap(self->pvm.vm, KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM,
			    self->src.vm->fd);
	ASSERT_EQ(0, r) {
		TH_LOG("setup: KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM %s -> %s: ret=%d errno=%s",
		       kps_pvm_name(&self->src), kps_pvm_name(&self->pvm), r,
		       kps_errno_name(errno));
	}
	/* The destination now holds the launched, protected context. */
	self->pvm.phase = KPS_PHASE_AFTER;
	self->pvm.nr_launched = self->src.nr_launched;
	self->pvm.migrated = true;
}

FIXTURE_TEARDOWN(after_migrate)
{
	kps_pvm_free(&self->pvm);
	kps_pvm_free(&self->src);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/*
 * spec 2.1: KVM_RUN with kvm_valid_regs is allowed on legacy SEV-ES, but
 * store_regs() is skipped while the vCPU is protected (x86.c:11202), so
 * kvm_run->s.regs keeps what userspace left there.
 */
TEST_F(legacy_es_after, sync_regs_store)
{
	struct kvm_vcpu *vcpu = self->pvm.vcpus[0];
	struct kvm_run *run = vcpu->run;
	size_t size = sizeof(run->s.regs);
	struct kps_expect e = {
		.err = EINTR,
		.rule =
			"2.1 KVM_RUN with kvm_valid_regs: allowed, store_regs skipped (x86.c:4179-4182, 11202)",
	};
	char msg[MSG_LEN];
	ssize_t diff;
	int r, err;

	kps_canary_fill(&run->s.regs, size, KPS_CANARY_SEED);
	r = kps_run_immediate(vcpu, KVM_SYNC_X86_VALID_FIELDS, 0);
	err = errno;
	diff = kps_canary_check(&run->s.regs, size, KPS_CANARY_SEED);
	row_msg(msg, &self->pvm, 0, "legacy_es_after", "KVM_RUN(sync regs)",
		&e, -1, r, err, diff);
	/* the sync-regs check passes: immediate_exit then gives -EINTR */
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(EINTR, err) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s: kvm_run->s.regs written", msg);
	}
}

/*
 * ---- legacy SEV-ES: the state KVM reports after protection (spec 2.1) ----
 *
 * Each case puts vCPU 0 into 32-bit PAE paging with PDPTRs from userspace
 * (SET_SREGS2 with KVM_SREGS2_FLAGS_PDPTRS_VALID, regs.c:684-701) before
 * LAUNCH_UPDATE_VMSA, so that every field the rules hide is non-zero
 * before protection: segments, descriptor tables, CR2, CR3, the PDPTRs.
 */
#define KPS_FIXTURE legacy_es_sregs
#define KPS_FIXTURE_PHASE KPS_PHASE_BEFORE
#define KPS_FIXTURE_LEGACY_ES
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

#define LES_SREGS_RULE "2.1 legacy SEV-ES GET_SREGS(2): segments, descriptor tables, CR2, CR3 skipped (regs.c:461 __get_sregs_common()), no interrupt bitmap (regs.c:498), no PDPTRs (regs.c:526), all 0 from the kzalloc'ed buffer; CR0, CR4, CR8, EFER, APIC base are KVM's (regs.c:487-491)"

/*
 * PAE paging with PDPTRs, then protection.  pre receives KVM_GET_SREGS2
 * from just before LAUNCH_UPDATE_VMSA; pae the KVM_SET_SREGS2 argument.
 * Returns whether the PDPTRs read back before protection: a KVM that does
 * not keep CR0.PG from KVM_SET_SREGS2 (the PVM host KVM here) cannot show
 * PDPTRs at all, so the "no PDPTRs after protection" half says nothing
 * there.
 */
static bool les_protect_pae(struct __test_metadata *_metadata,
			    struct kps_pvm *p, struct kvm_sregs2 *pae,
			    struct kvm_sregs2 *pre)
{
	bool pdptrs;

	struct kvm_vcpu *vcpu = p->vcpus[0];
	int r, i;

	memset(pae, 0, sizeof(*pae));
	vcpu_ioctl(vcpu, KVM_GET_SREGS2, pae);
	pae->cr0 |= X86_CR0_PE | X86_CR0_PG;
	pae->cr4 |= X86_CR4_PAE;
	pae->efer &= ~(__u64)(EFER_LME | EFER_LMA);
	pae->cr2 = 0x5000;
	pae->cr3 = 0x1000;
	pae->flags = KVM_SREGS2_FLAGS_PDPTRS_VALID;
	for (i = 0; i < 4; i++)
		pae->pdptrs[i] = 0x2001 + i * 0x1000;
	r = __vcpu_ioctl(vcpu, KVM_SET_SREGS2, pae);
	ASSERT_EQ(0, r) {
		TH_LOG("setup: KVM_SET_SREGS2 (PAE, PDPTRS_VALID): ret=%d errno=%s",
		       r, kps_errno_name(errno));
	}
	memset(pre, 0, sizeof(*pre));
	vcpu_ioctl(vcpu, KVM_GET_SREGS2, pre);
	/* before protection the PDPTRs read back (regs.c:528-534) */
	pdptrs = pre->cr0 == pae->cr0 &&
		 pre->flags == KVM_SREGS2_FLAGS_PDPTRS_VALID &&
		 !memcmp(pre->pdptrs, pae->pdptrs, sizeof(pre->pdptrs));
	if (!pdptrs)
		TH_LOG("%s %#llx flags %#llx after KVM_SET_SREGS2 (CR0 %#llx, PDPTRS_VALID)%s",
		       "note: this KVM read back CR0", (unsigned long long)pre->cr0,
		       (unsigned long long)pre->flags,
		       (unsigned long long)pae->cr0,
		       ": no PAE paging here, the PDPTR rules are not observable");
	ASSERT_NE(0, pre->cs.base | pre->cs.selector) {
		TH_LOG("setup: CS is all zero before protection");
	}
	ASSERT_NE(0, pre->cr3) {
		TH_LOG("setup: CR3 is 0 before protection");
	}
	advance_pvm(_metadata, p, KPS_PHASE_AFTER);
	return pdptrs;
}

/* A GET of size bytes into a canary buffer with guard bytes, against exp. */
static void les_get_exact(struct __test_metadata *_metadata,
			  struct kps_pvm *p, unsigned long nr,
			  const char *nr_name, const void *exp, size_t size)
{
	struct kps_expect e = { .rule = LES_SREGS_RULE };
	__u8 *buf = buf_alloc(_metadata, size + KPS_GUARD_LEN);
	char msg[MSG_LEN];
	ssize_t diff, guard;
	int r, err;

	kps_canary_fill(buf, size, KPS_CANARY_SEED);
	kps_guard_fill(buf, size);
	errno = 0;
	r = ioctl(p->vcpus[0]->fd, nr, buf);
	err = errno;
	diff = kps_memdiff(buf, exp, size);
	guard = kps_guard_check(buf, size);
	row_msg(msg, p, 0, "after_launch", nr_name, &e, 0, r, err, diff);
	ASSERT_EQ(0, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(-1, guard) {
		TH_LOG("%s: wrote past its %zu-byte argument, at offset %zd",
		       msg, size, guard);
	}
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s: byte %zd is %#x, expected %#x", msg, diff,
		       buf[diff], ((const __u8 *)exp)[diff]);
	}
	free(buf);
}

TEST_F(legacy_es_sregs, get_sregs)
{
	struct kvm_sregs2 pae, pre;
	struct kvm_sregs exp = { 0 };

	les_protect_pae(_metadata, &self->pvm, &pae, &pre);
	exp.cr0 = pre.cr0;
	exp.cr4 = pre.cr4;
	exp.cr8 = pre.cr8;
	exp.efer = pre.efer;
	exp.apic_base = pre.apic_base;
	les_get_exact(_metadata, &self->pvm, KVM_GET_SREGS, "KVM_GET_SREGS",
		      &exp, sizeof(exp));
}

TEST_F(legacy_es_sregs, get_sregs2)
{
	struct kvm_sregs2 pae, pre, exp = { 0 };

	les_protect_pae(_metadata, &self->pvm, &pae, &pre);
	exp.cr0 = pre.cr0;
	exp.cr4 = pre.cr4;
	exp.cr8 = pre.cr8;
	exp.efer = pre.efer;
	exp.apic_base = pre.apic_base;
	les_get_exact(_metadata, &self->pvm, KVM_GET_SREGS2, "KVM_GET_SREGS2",
		      &exp, sizeof(exp));
}

/*
 * The PDPTRs alone: GET_SREGS2 reports flags 0 and no PDPTRs once the
 * vCPU is protected (regs.c:526), where it reported them just before.
 * get_sregs2 checks the same bytes, but on a KVM without PAE paging it
 * cannot tell; this case skips there.
 */
TEST_F(legacy_es_sregs, no_pdptrs)
{
	struct kvm_sregs2 pae, pre, seen;
	struct kps_expect e = { .rule = LES_SREGS_RULE };
	char msg[MSG_LEN];
	__u64 zero[4] = { 0 };
	int r, err;

	if (!les_protect_pae(_metadata, &self->pvm, &pae, &pre))
		SKIP(return,
		     "KVM_SET_SREGS2 with PAE paging and PDPTRS_VALID does not read back on this KVM (CR0.PG not kept): no PDPTRs to hide");
	memset(&seen, 0, sizeof(seen));
	errno = 0;
	r = ioctl(self->pvm.vcpus[0]->fd, KVM_GET_SREGS2, &seen);
	err = errno;
	row_msg(msg, &self->pvm, 0, "after_launch", "KVM_GET_SREGS2", &e, 0,
		r, err, -1);
	ASSERT_EQ(0, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(0, seen.flags) {
		TH_LOG("%s: flags %#llx (before protection %#llx)", msg,
		       (unsigned long long)seen.flags,
		       (unsigned long long)pre.flags);
	}
	ASSERT_EQ(0, memcmp(seen.pdptrs, zero, sizeof(zero))) {
		TH_LOG("%s: PDPTRs %#llx %#llx %#llx %#llx, expected 0", msg,
		       (unsigned long long)seen.pdptrs[0],
		       (unsigned long long)seen.pdptrs[1],
		       (unsigned long long)seen.pdptrs[2],
		       (unsigned long long)seen.pdptrs[3]);
	}
}

/*
 * SET_SREGS2 with PDPTRS_VALID: -EINVAL once the vCPU is protected, even
 * in PAE mode (regs.c:687-688); the same argument was accepted before
 * protection (les_protect_pae()), and without the flag it is accepted
 * after (regs.c:578-580: only the APIC base is applied).
 */
TEST_F(legacy_es_sregs, set_sregs2_pdptrs)
{
	struct kps_expect e = {
		.err = EINVAL,
		.rule =
			"2.1 legacy SEV-ES SET_SREGS2 with KVM_SREGS2_FLAGS_PDPTRS_VALID: -EINVAL when guest_state_protected (regs.c:687-688)",
	};
	struct kvm_sregs2 pae, pre, arg;
	struct kvm_vcpu *vcpu = self->pvm.vcpus[0];
	char msg[MSG_LEN];
	int r, err;

	if (!les_protect_pae(_metadata, &self->pvm, &pae, &pre))
		SKIP(return,
		     "KVM_SET_SREGS2 with PAE paging and PDPTRS_VALID does not read back on this KVM (CR0.PG not kept): the PDPTRS_VALID rule cannot be told from the PAE check (regs.c:687)");
	arg = pae;
	errno = 0;
	r = ioctl(vcpu->fd, KVM_SET_SREGS2, &arg);
	err = errno;
	row_msg(msg, &self->pvm, 0, "after_launch",
		"KVM_SET_SREGS2(PDPTRS_VALID)", &e, -1, r, err,
		kps_memdiff(&arg, &pae, sizeof(arg)));
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(EINVAL, err) {
		TH_LOG("%s", msg);
	}
	/* control: the flag is what is refused */
	arg = pae;
	arg.flags = 0;
	errno = 0;
	r = ioctl(vcpu->fd, KVM_SET_SREGS2, &arg);
	err = errno;
	row_msg(msg, &self->pvm, 0, "after_launch",
		"KVM_SET_SREGS2(flags 0)", &e, 0, r, err, -1);
	ASSERT_EQ(0, r) {
		TH_LOG("%s", msg);
	}
}

/*
 * One TEST_F per catalog row and fixture: each inclusion of the catalog
 * expands KPS_STATE_IOCTL once per row, then undefines it.  The row
 * pointer is a named constant per fixture and row (prefix pfx); check is
 * check_row() or check_bad_pointer().
 */
#define ROW_TEST(fixture, pfx, name, check, payload, phase)		\
static const struct kps_state_ioctl *const pfx##_##name =		\
	&kps_state_ioctls[KPS_IO_##name];				\
TEST_F(fixture, name)							\
{									\
	if (row_ok(_metadata, &self->pvm, pfx##_##name))		\
		check(_metadata, &self->pvm, 0, pfx##_##name, payload,	\
		      phase);						\
}

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(before_launch, bl, name, check_row, NULL, "before_launch")

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
static const struct kps_state_ioctl *const al_##name =			\
	&kps_state_ioctls[KPS_IO_##name];				\
TEST_F(after_launch, name)						\
{									\
	if (!row_ok(_metadata, &self->pvm, al_##name))			\
		return;							\
	check_row(_metadata, &self->pvm, 0, al_##name,			\
		  self->payloads[KPS_IO_##name], "after_launch");	\
	/* control: the default VM of this process keeps working */	\
	check_row(_metadata, &self->ctl, 0, al_##name, NULL,		\
		  "after_launch(control)");				\
}

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(bad_pointer, bp, name, check_bad_pointer,		\
		 self->payloads[KPS_IO_##name], "after_launch")

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(after_migrate, am, name, check_row,			\
		 self->payloads[KPS_IO_##name], "after_migrate")

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(legacy_es_before, lb, name, check_row, NULL,		\
		 "before_launch")

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(legacy_es_after, la, name, check_row,			\
		 self->payloads[KPS_IO_##name], "after_launch")

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
	ROW_TEST(legacy_es_bad_ptr, lbp, name, check_bad_pointer,	\
		 self->payloads[KPS_IO_##name], "after_launch")

#include "kps_state_ioctls.h"

/* ---- sync regs, per VM (spec 4, x86.c:4179-4182, 11142-11147) ---- */

static void check_sync_cap(struct __test_metadata *_metadata,
			   struct kps_pvm *p, const char *phase)
{
	bool ps = kps_pvm_has_protected_state(p);
	int exp = ps ? 0 : KVM_SYNC_X86_VALID_FIELDS;
	struct kps_expect e = {
		.rule =
			"4 KVM_CAP_SYNC_REGS: has_protected_state ? 0 : KVM_SYNC_X86_VALID_FIELDS (x86.c:4179-4182, 4291-4292)",
	};
	char msg[MSG_LEN];
	int r;

	r = ioctl(p->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	row_msg(msg, p, 0, phase, "KVM_CHECK_EXTENSION(KVM_CAP_SYNC_REGS) on the VM fd",
		&e, exp, r, errno, -1);
	ASSERT_EQ(exp, r) {
		TH_LOG("%s", msg);
	}
}

/*
 * KVM_RUN with immediate_exit = 1: the sync-regs check (x86.c:11142)
 * precedes the immediate_exit check (x86.c:11189), so an accepted request
 * fails -EINTR without entering the guest; a refused one -EINVAL.  Any
 * bit outside KVM_SYNC_X86_VALID_FIELDS is refused on every type.
 *
 * kvm_run->s afterwards, byte for byte: untouched on a protected vCPU and
 * for kvm_dirty_regs alone; otherwise the parts kvm_valid_regs asks for
 * hold the vCPU's state, even when the request was refused: store_regs()
 * runs on the error path too (x86.c:11202-11203), so the spec's "refused
 * sync regs leave kvm_run->s.regs untouched" holds only once the vCPU is
 * protected.
 */
static void check_sync_run(struct __test_metadata *_metadata,
			   struct kps_pvm *p, __u64 valid, __u64 dirty,
			   const char *phase)
{
	struct kvm_vcpu *vcpu = p->vcpus[0];
	bool refused = kps_pvm_has_protected_state(p) ||
		       ((valid | dirty) & ~(__u64)KVM_SYNC_X86_VALID_FIELDS);
	__u64 stored = sync_stored(p, 0, valid);
	struct kps_expect e = {
		.err = refused ? EINVAL : EINTR,
		.rule =
			"4/3 KVM_RUN + kvm_valid_regs/kvm_dirty_regs: kvm_sync_valid_fields() = 0 if has_protected_state (x86.c:4179-4182, 11142-11147), any phase; store_regs() unless protected (x86.c:11202-11203)",
	};
	char what[96], msg[MSG_LEN];
	__u8 before[SYNC_LEN];
	int r, err;

	/*
	 * An accepted kvm_dirty_regs loads kvm_run->s into the vCPU: start
	 * from the vCPU's own state (stored where it is not protected).
	 * Otherwise a canary, zeroed where store_regs() will write.
	 */
	if (!refused && dirty)
		kps_run_immediate(vcpu, KVM_SYNC_X86_VALID_FIELDS, 0);
	else
		sync_fill(vcpu->run, stored);
	memcpy(before, vcpu->run->s.padding, SYNC_LEN);
	r = kps_run_immediate(vcpu, valid, dirty);
	err = errno;

	snprintf(what, sizeof(what),
		 "KVM_RUN(kvm_valid_regs=%#llx kvm_dirty_regs=%#llx)",
		 (unsigned long long)valid, (unsigned long long)dirty);
	row_msg(msg, p, 0, phase, what, &e, -1, r, err, -1);
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(e.err, err) {
		TH_LOG("%s", msg);
	}
	sync_assert(_metadata, vcpu, stored, before, msg);
}

/* Every case of kps_phase_fixture.h's KPS_FIXTURE_SYNC_REGS, per phase. */
#define KPS_FIXTURE sync_regs_before
#define KPS_FIXTURE_PHASE KPS_PHASE_BEFORE
#define KPS_FIXTURE_SYNC_REGS
#include "kps_phase_fixture.h"

#define KPS_FIXTURE sync_regs_after
#define KPS_FIXTURE_PHASE KPS_PHASE_AFTER
#define KPS_FIXTURE_SYNC_REGS
#include "kps_phase_fixture.h"

/* ---- memslots and capabilities per type (spec 4) ---- */

static void check_vm_cap(struct __test_metadata *_metadata,
			 struct kps_pvm *p, long cap, const char *cap_name,
			 int exp, const char *rule, const char *phase)
{
	struct kps_expect e = { .rule = rule };
	char what[96], msg[MSG_LEN];
	int r;

	r = ioctl(p->vm->fd, KVM_CHECK_EXTENSION, cap);
	snprintf(what, sizeof(what), "KVM_CHECK_EXTENSION(%s) on the VM fd",
		 cap_name);
	row_msg(msg, p, 0, phase, what, &e, exp, r, errno, -1);
	ASSERT_EQ(exp, r) {
		TH_LOG("%s", msg);
	}
}

static bool pvm_private_mem(const struct kps_pvm *p)
{
	const struct kps_vm_type *t = kps_vm_type(p->type);

	return !p->legacy_es && t && t->private_mem;
}

/* sev_es_guest(): SEV-ES or SNP after INIT, legacy SEV-ES after ES_INIT. */
static bool pvm_es_active(const struct kps_pvm *p)
{
	return p->phase >= KPS_PHASE_INIT &&
	       (p->legacy_es || p->type == KVM_X86_SEV_ES_VM ||
		p->type == KVM_X86_SNP_VM);
}

static void check_readonly_mem(struct __test_metadata *_metadata,
			       struct kps_pvm *p, const char *phase)
{
	check_vm_cap(_metadata, p, KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM",
		     !kps_pvm_has_protected_state(p),
		     "4 KVM_CAP_READONLY_MEM: !has_protected_state (x86.c:4390-4391, kvm_host.h:2243)",
		     phase);
}

static void check_readonly_slot(struct __test_metadata *_metadata,
				struct kps_pvm *p, const char *phase)
{
	bool ps = kps_pvm_has_protected_state(p);
	size_t size = getpagesize();
	struct kps_expect e = {
		.err = EINVAL,
		.rule =
			"4 KVM_MEM_READONLY: valid only if kvm_arch_has_readonly_mem() (kvm_main.c:1572-1596)",
	};
	char msg[MSG_LEN];
	void *hva;
	int r, err;

	hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hva);
	errno = 0;
	r = __vm_set_user_memory_region(p->vm, 2, KVM_MEM_READONLY, 0x200000,
					size, hva);
	err = errno;
	row_msg(msg, p, 0, phase,
		"KVM_SET_USER_MEMORY_REGION(KVM_MEM_READONLY)", &e,
		ps ? -1 : 0, r, err, -1);
	ASSERT_EQ(ps ? -1 : 0, r) {
		TH_LOG("%s", msg);
	}
	if (ps) {
		ASSERT_EQ(EINVAL, err) {
			TH_LOG("%s", msg);
		}
	}
}

/*
 * kvm_main.c:4936-4940: VM fd kvm_arch_nr_memslot_as_ids() =
 * has_private_mem ? 1 : 2; compiled out (0) without CONFIG_KVM_SMM, which
 * comes from the kernel config or KVM_CAP_X86_SMM on /dev/kvm
 * (kps_config_smm()), not from this capability on /dev/kvm.
 */
static void check_multi_as(struct __test_metadata *_metadata,
			   struct kps_pvm *p, const char *phase)
{
	const char *rule_smm =
		"4 MULTI_ADDRESS_SPACE: has_private_mem ? 1 : 2 (kvm_main.c:4936-4940)";
	char why[320];
	int smm = kps_config_smm(true, why, sizeof(why));

	ASSERT_LE(0, smm) {
		TH_LOG("cannot derive CONFIG_KVM_SMM: %s", why);
	}
	check_vm_cap(_metadata, p, KVM_CAP_MULTI_ADDRESS_SPACE,
		     "KVM_CAP_MULTI_ADDRESS_SPACE",
		     !smm ? 0 : pvm_private_mem(p) ? 1 : 2, smm ? rule_smm :
		     "4 KVM_CAP_MULTI_ADDRESS_SPACE: 0 without CONFIG_KVM_SMM (kvm_main.c:4935-4940)",
		     phase);
}

/* kps_guest_memfd_rule(): by kernel version, config and has_private_mem. */
static void check_guest_memfd(struct __test_metadata *_metadata,
			      struct kps_pvm *p, const char *phase)
{
	char why[320], rule[480];
	int cfg, exp;

	exp = kps_guest_memfd_rule(pvm_private_mem(p), &cfg, why, sizeof(why));
	ASSERT_LE(0, exp) {
		TH_LOG("cannot derive KVM_CAP_GUEST_MEMFD: %s", why);
	}
	snprintf(rule, sizeof(rule),
		 "4 KVM_CAP_GUEST_MEMFD: has_private_mem (6.12 kvm_main.c:4966-4968), every VM from 6.18; %s",
		 why);
	check_vm_cap(_metadata, p, KVM_CAP_GUEST_MEMFD, "KVM_CAP_GUEST_MEMFD",
		     exp, rule, phase);
}

static void check_mem_attributes(struct __test_metadata *_metadata,
				 struct kps_pvm *p, const char *phase)
{
	check_vm_cap(_metadata, p, KVM_CAP_MEMORY_ATTRIBUTES,
		     "KVM_CAP_MEMORY_ATTRIBUTES",
		     pvm_private_mem(p) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
		     "4 KVM_CAP_MEMORY_ATTRIBUTES: PRIVATE iff has_private_mem (kvm_main.c:2403-2410, 4963-4964)",
		     phase);
}

/*
 * 4 KVM_CAP_X86_SMM: x86.c:4308-4318 has_emulated_msr(kvm, SMBASE): 0
 * without CONFIG_KVM_SMM (from the kernel config or
 * KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm), 0 once sev_es_guest()
 * (svm.c:4563-4569) and on TDX, else the vendor rule (kps_x86_smm_rule()).
 */
static void check_x86_smm(struct __test_metadata *_metadata,
			  struct kps_pvm *p, const char *phase)
{
	bool off = pvm_es_active(p) || p->type == KVM_X86_TDX_VM;
	char why[320], rule[200], text[600];
	int smm, on;

	smm = kps_config_smm(false, why, sizeof(why));
	ASSERT_LE(0, smm) {
		TH_LOG("cannot derive CONFIG_KVM_SMM: %s", why);
	}
	on = kps_x86_smm_rule(smm, rule, sizeof(rule));
	ASSERT_LE(0, on) {
		TH_LOG("cannot derive KVM_CAP_X86_SMM: %s; %s", rule, why);
	}
	/* Turning SMM off cannot be observed where it was never on. */
	if (off && !on)
		SKIP(return,
		     "KVM_CAP_X86_SMM is 0 on every VM here (%s; %s): SMM off after SEV-ES init not observable",
		     rule, why);
	snprintf(text, sizeof(text),
		 "4 KVM_CAP_X86_SMM: 0 once sev_es_guest() (svm.c:4563-4569), TDX 0, else %s; %s",
		 rule, why);
	check_vm_cap(_metadata, p, KVM_CAP_X86_SMM, "KVM_CAP_X86_SMM",
		     off ? 0 : on, text, phase);
}

static void check_pre_fault(struct __test_metadata *_metadata,
			    struct kps_pvm *p, const char *phase)
{
	/* SNP until SNP_LAUNCH_FINISH, TDX until FINALIZE (tdx_td_finalize()) */
	bool launch_gated = p->type == KVM_X86_SNP_VM ||
			    p->type == KVM_X86_TDX_VM;
	bool gated = launch_gated && p->phase < KPS_PHASE_AFTER;
	struct kvm_pre_fault_memory range = {
		.gpa = KPS_SNP_GPA,
		.size = getpagesize(),
	};
	struct kps_expect e = {
		.err = EOPNOTSUPP,
		.rule =
			"4 KVM_PRE_FAULT_MEMORY: -EOPNOTSUPP until pre_fault_allowed (mmu.c:4811-4812; SNP: sev.c:2567-2568)",
	};
	char msg[MSG_LEN], why[160];
	void *hva;
	int r, err, tdp;

	/*
	 * Without TDP every VM fails the ioctl, so neither the gate nor its
	 * absence can be observed.  tdp_enabled comes from the vendor's
	 * module parameter, not from KVM_CAP_PRE_FAULT_MEMORY.
	 */
	tdp = kps_tdp_enabled(why, sizeof(why));
	ASSERT_LE(0, tdp) {
		TH_LOG("cannot derive tdp_enabled: %s", why);
	}
	if (!tdp)
		SKIP(return,
		     "no TDP (%s): KVM_PRE_FAULT_MEMORY fails on every VM (mmu.c:4772-4773)",
		     why);
	/* SNP and TDX VMs have their private page there (KPS_TDX_GPA) */
	if (!launch_gated) {
		hva = mmap(NULL, range.size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, hva);
		ASSERT_EQ(0, __vm_set_user_memory_region(p->vm, 1, 0,
							 range.gpa, range.size,
							 hva));
	}
	errno = 0;
	r = ioctl(p->vcpus[0]->fd, KVM_PRE_FAULT_MEMORY, &range);
	err = errno;
	row_msg(msg, p, 0, phase, "KVM_PRE_FAULT_MEMORY", &e, gated ? -1 : 0,
		r, err, -1);
	if (gated) {
		ASSERT_EQ(-1, r) {
			TH_LOG("%s", msg);
		}
		ASSERT_EQ(EOPNOTSUPP, err) {
			TH_LOG("%s", msg);
		}
	} else {
		ASSERT_EQ(0, r) {
			TH_LOG("%s", msg);
		}
	}
}

/* Every case of kps_phase_fixture.h's KPS_FIXTURE_MEM_CAPS, per phase. */
#define KPS_FIXTURE mem_caps_before
#define KPS_FIXTURE_PHASE KPS_PHASE_BEFORE
#define KPS_FIXTURE_MEM_CAPS
#include "kps_phase_fixture.h"

#define KPS_FIXTURE mem_caps_after
#define KPS_FIXTURE_PHASE KPS_PHASE_AFTER
#define KPS_FIXTURE_MEM_CAPS
#include "kps_phase_fixture.h"

/*
 * Legacy KVM_SEV_ES_INIT after protection (spec 2.1, 4): has_protected_state
 * stays false (sev.c:488-489 keeps vm_type DEFAULT, only svm_vm_init() sets
 * it), so SYNC_REGS and READONLY_MEM stay and KVM_RUN with sync regs is
 * accepted (store_regs() skipped: s.regs untouched); sev_es_guest() is
 * true, so X86_SMM is 0 (svm.c:4563-4569 svm_has_emulated_msr()).
 */
#define KPS_FIXTURE legacy_es_sync_regs
#define KPS_FIXTURE_PHASE KPS_PHASE_AFTER
#define KPS_FIXTURE_LEGACY_ES
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#define KPS_FIXTURE_SYNC_REGS
#include "kps_phase_fixture.h"

#define KPS_FIXTURE legacy_es_mem_caps
#define KPS_FIXTURE_PHASE KPS_PHASE_AFTER
#define KPS_FIXTURE_LEGACY_ES
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#define KPS_FIXTURE_MEM_CAPS
#include "kps_phase_fixture.h"

/* ---- KVM_GET/SET_MSRS around blocked MSRs, after launch (spec 3.1) ---- */

#define KPS_FIXTURE msrs
#define KPS_FIXTURE_PHASE KPS_PHASE_AFTER
#include "kps_phase_fixture.h"

/* EFER: write intercept cleared for SEV-ES vCPUs (sev.c:4677). */
static const __u32 msrs_efer[] = {
	MSR_IA32_APICBASE, MSR_EFER, MSR_IA32_MISC_ENABLE,
};

/* A blocked MSR first: count 0, not -EINVAL (spec 6 item 3). */
static const __u32 msrs_first[] = {
	MSR_LSTAR, MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
};

/* PAT: write intercept cleared for SEV-ES vCPUs (sev.c:4678). */
static const __u32 msrs_pat[] = {
	MSR_IA32_MISC_ENABLE, MSR_IA32_CR_PAT, MSR_STAR,
};

TEST_F(msrs, get_efer)
{
	check_msr_list(_metadata, &self->pvm, 0, true, msrs_efer,
		       ARRAY_SIZE(msrs_efer), "after_launch");
}

TEST_F(msrs, set_efer)
{
	check_msr_list(_metadata, &self->pvm, 0, false, msrs_efer,
		       ARRAY_SIZE(msrs_efer), "after_launch");
}

TEST_F(msrs, get_first_blocked)
{
	check_msr_list(_metadata, &self->pvm, 0, true, msrs_first,
		       ARRAY_SIZE(msrs_first), "after_launch");
}

TEST_F(msrs, set_first_blocked)
{
	check_msr_list(_metadata, &self->pvm, 0, false, msrs_first,
		       ARRAY_SIZE(msrs_first), "after_launch");
}

TEST_F(msrs, get_pat)
{
	check_msr_list(_metadata, &self->pvm, 0, true, msrs_pat,
		       ARRAY_SIZE(msrs_pat), "after_launch");
}

/* Intercepted MSRs stay readable and writable after protection. */
TEST_F(msrs, intercepted)
{
	check_msr_list(_metadata, &self->pvm, 0, true, kps_msrs_intercepted,
		       kps_nr_msrs_intercepted, "after_launch");
	check_msr_list(_metadata, &self->pvm, 0, false, kps_msrs_intercepted,
		       kps_nr_msrs_intercepted, "after_launch");
}

/* Every pass-through MSR alone: blocked on protected vCPUs. */
TEST_F(msrs, passthrough)
{
	unsigned int i;

	for (i = 0; i < kps_nr_msrs_passthrough; i++) {
		check_msr_list(_metadata, &self->pvm, 0, true,
			       &kps_msrs_passthrough[i], 1, "after_launch");
		check_msr_list(_metadata, &self->pvm, 0, false,
			       &kps_msrs_passthrough[i], 1, "after_launch");
	}
}

/* ---- more vCPUs (spec 2) ---- */

FIXTURE(vcpus) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	void *payloads[KPS_MAX_VCPUS][KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE vcpus
#define KPS_FIXTURE_TYPES (KPS_TYPE_BIT(KVM_X86_SEV_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_ES_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SNP_VM))
#include "kps_phase_fixture.h"

FIXTURE_SETUP(vcpus)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
}

FIXTURE_TEARDOWN(vcpus)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* Launch a VM with n vCPUs and check every row on every vCPU. */
static void check_n_vcpus(struct __test_metadata *_metadata,
			  struct kps_pvm *p,
			  void *payloads[][KPS_NR_STATE_IOCTLS],
			  unsigned long type, bool legacy_es, unsigned int n)
{
	unsigned int i;

	setup_pvm(_metadata, p, type, legacy_es, n, KPS_PHASE_BEFORE);
	for (i = 0; i < n; i++)
		capture_payloads(_metadata, p, i, payloads[i]);
	advance_pvm(_metadata, p, KPS_PHASE_AFTER);
	/* sev.c:968-977, 2485-2491: every vCPU existing at launch */
	for (i = 0; i < n; i++)
		check_all_rows(_metadata, p, i, payloads[i], "after_launch");
}

TEST_F(vcpus, two_vcpus)
{
	check_n_vcpus(_metadata, &self->pvm, self->payloads, variant->type,
		      false, 2);
}

TEST_F(vcpus, four_vcpus)
{
	check_n_vcpus(_metadata, &self->pvm, self->payloads, variant->type,
		      false, 4);
}

/*
 * Legacy KVM_SEV_ES_INIT with two vCPUs: LAUNCH_UPDATE_VMSA protects both
 * (sev.c:968-977), and both answer as spec 2.1 says (SET_GUEST_DEBUG
 * -EINVAL, FPU/XSAVE zero, the rest KVM's copies).
 */
FIXTURE(legacy_es_vcpus) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	void *payloads[KPS_MAX_VCPUS][KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE legacy_es_vcpus
#define KPS_FIXTURE_TYPES KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
#include "kps_phase_fixture.h"

FIXTURE_SETUP(legacy_es_vcpus)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, true))
		return;
}

FIXTURE_TEARDOWN(legacy_es_vcpus)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

TEST_F(legacy_es_vcpus, two_vcpus)
{
	check_n_vcpus(_metadata, &self->pvm, self->payloads, variant->type,
		      true, 2);
}

/*
 * The protecting command again: SEV-ES LAUNCH_UPDATE_VMSA and SNP
 * SNP_LAUNCH_FINISH stop at vCPU 0, already protected (sev_es_sync_vmsa,
 * sev.c:817-818) with -EINVAL; SEV has no VMSA (-ENOTTY, sev.c:962-963).
 */
static void check_second_launch(struct __test_metadata *_metadata,
				struct kps_pvm *p, const char *phase)
{
	struct kvm_sev_snp_launch_finish finish = { 0 };
	bool snp = p->type == KVM_X86_SNP_VM;
	int exp_err = p->type == KVM_X86_SEV_VM ? ENOTTY : EINVAL;
	struct kps_expect e = {
		.err = exp_err,
		.rule =
			"2 second LAUNCH_UPDATE_VMSA / SNP_LAUNCH_FINISH: -EINVAL at the first protected vCPU (sev.c:817-818); SEV: -ENOTTY (sev.c:962-963)",
	};
	char msg[MSG_LEN];
	__u32 fw = 0;
	int r, err;

	errno = 0;
	r = snp ? kps_pvm_cmd(p, KVM_SEV_SNP_LAUNCH_FINISH, &finish, &fw) :
		  kps_pvm_cmd(p, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, &fw);
	err = errno;
	row_msg(msg, p, 0, phase,
		snp ? "KVM_SEV_SNP_LAUNCH_FINISH (again)" :
		      "KVM_SEV_LAUNCH_UPDATE_VMSA (again)",
		&e, -1, r, err, -1);
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(exp_err, err) {
		TH_LOG("%s", msg);
	}
}

TEST_F(vcpus, second_launch)
{
	setup_pvm(_metadata, &self->pvm, variant->type, false, 1,
		  KPS_PHASE_BEFORE);
	capture_payloads(_metadata, &self->pvm, 0, self->payloads[0]);
	advance_pvm(_metadata, &self->pvm, KPS_PHASE_AFTER);
	check_second_launch(_metadata, &self->pvm, "after_launch");
	/* vCPU 0 is as protected as before */
	check_all_rows(_metadata, &self->pvm, 0, self->payloads[0],
		       "after second launch");
}

/*
 * spec 2 [inf]: a vCPU created after protection keeps guest_state_protected
 * false, every row works on it (sync regs stay refused: that check is per
 * VM), and a second protecting command cannot protect it (it stops at
 * vCPU 0).
 */
TEST_F(vcpus, late_vcpu)
{
	char err[320];

	setup_pvm(_metadata, &self->pvm, variant->type, false, 1,
		  KPS_PHASE_BEFORE);
	capture_payloads(_metadata, &self->pvm, 0, self->payloads[0]);
	advance_pvm(_metadata, &self->pvm, KPS_PHASE_AFTER);
	ASSERT_NE(NULL, kps_pvm_add_vcpu(&self->pvm, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	check_all_rows(_metadata, &self->pvm, 1, NULL, "late vCPU");
	check_all_rows(_metadata, &self->pvm, 0, self->payloads[0],
		       "after_launch");
	check_second_launch(_metadata, &self->pvm, "late vCPU");
	check_all_rows(_metadata, &self->pvm, 1, NULL,
		       "late vCPU after second launch");
}

/* ---- KVM_RUN after protection (as upstream sev_smoke_test.c) ---- */

static void guest_default_code(void)
{
	GUEST_DONE();
}

static void guest_sev_code(void)
{
	GUEST_ASSERT(this_cpu_has(X86_FEATURE_SEV));
	GUEST_ASSERT(rdmsr(MSR_AMD64_SEV) & MSR_AMD64_SEV_ENABLED);

	GUEST_DONE();
}

static void guest_sev_es_code(void)
{
	GUEST_ASSERT(rdmsr(MSR_AMD64_SEV) & MSR_AMD64_SEV_ENABLED);
	GUEST_ASSERT(rdmsr(MSR_AMD64_SEV) & MSR_AMD64_SEV_ES_ENABLED);

	/* No GHCB ucalls for SEV-ES: "done" is a GHCB MSR termination. */
	wrmsr(MSR_AMD64_SEV_ES_GHCB, GHCB_MSR_TERM_REQ);
	__asm__ __volatile__("rep; vmmcall");
}

FIXTURE(run_after) {
	struct kps_fdset fds;
	struct kvm_vm *vm;
	struct kvm_vm *ctl;
	/* the libkvm VM as the catalog checks see it (not freed by kps_pvm_free) */
	struct kps_pvm pvm;
	void *payloads[KPS_NR_STATE_IOCTLS];
};

#define KPS_FIXTURE run_after
#define KPS_FIXTURE_TYPES (KPS_TYPE_BIT(KVM_X86_DEFAULT_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_ES_VM))
#include "kps_phase_fixture.h"

FIXTURE_SETUP(run_after)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
}

/*
 * kvm_vm_free() for a libkvm VM: 6.12 libkvm opens /dev/sev for every SEV
 * and SEV-ES VM (processor.c:1138 kvm_init_vm_address_properties()) and
 * never closes it, as kps_pvm_free() knows.
 */
static void free_libkvm_vm(struct kvm_vm *vm)
{
	if (!vm)
		return;
	if (vm->arch.sev_fd >= 0)
		close(vm->arch.sev_fd);
	vm->arch.sev_fd = -1;
	kvm_vm_free(vm);
}

FIXTURE_TEARDOWN(run_after)
{
	free_libkvm_vm(self->vm);
	free_libkvm_vm(self->ctl);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

static void run_to_done(struct __test_metadata *_metadata,
			struct kvm_vcpu *vcpu, const char *type)
{
	struct ucall uc;
	int r;

	r = __vcpu_run(vcpu);
	ASSERT_EQ(0, r) {
		TH_LOG("KVM_RUN on %s after_launch: expected 0, seen %d errno=%s",
		       type, r, kps_errno_name(errno));
	}
	switch (get_ucall(vcpu, &uc)) {
	case UCALL_DONE:
		break;
	case UCALL_ABORT:
		ASSERT_EQ(UCALL_DONE, UCALL_ABORT) {
			TH_LOG("type %s: guest assertion %s at %s:%ld", type,
			       uc.buffer, uc.args[1] ? (char *)uc.args[1] : "?",
			       uc.args[2]);
		}
		break;
	default:
		ASSERT_EQ(UCALL_DONE, uc.cmd) {
			TH_LOG("KVM_RUN on %s after_launch: exit %u (%s), no UCALL_DONE",
			       type, vcpu->run->exit_reason,
			       exit_reason_str(vcpu->run->exit_reason));
		}
	}
}

/*
 * The software Secure Processor (kernel/swpsp/, "6.12.117+swpsp") runs KVM's
 * SEV launch path on a CPU without SEV: the launch is real, but no
 * encrypted guest can execute there.
 */
static bool sev_is_software(void)
{
	return access("/sys/bus/platform/devices/swpsp", F_OK) == 0;
}

/*
 * Create the type's VM with libkvm (full VM, in-kernel irqchip), capture
 * the SET payloads while nothing is protected, launch it, and run the
 * guest to its end: UCALL_DONE, or for SEV-ES the GHCB MSR termination
 * request (sev_smoke_test.c).  p describes it for check_row().  Returns
 * false after a skip (an encrypted guest where none can execute).
 */
static bool boot_and_run(struct __test_metadata *_metadata,
			 struct kvm_vm **vm, struct kps_pvm *p,
			 void **payloads, unsigned long type)
{
	struct kvm_vcpu *vcpu;
	int r;

	switch (type) {
	case KVM_X86_SEV_VM:
		*vm = vm_sev_create_with_one_vcpu(KVM_X86_SEV_VM,
						  guest_sev_code, &vcpu);
		break;
	case KVM_X86_SEV_ES_VM:
		*vm = vm_sev_create_with_one_vcpu(KVM_X86_SEV_ES_VM,
						  guest_sev_es_code, &vcpu);
		break;
	default:
		*vm = vm_create_with_one_vcpu(&vcpu, guest_default_code);
		break;
	}
	memset(p, 0, sizeof(*p));
	p->vm = *vm;
	p->vcpus[0] = vcpu;
	p->nr_vcpus = 1;
	p->type = type;
	p->sev_fd = -1;
	p->phase = KPS_PHASE_BEFORE;
	capture_payloads(_metadata, p, 0, payloads);

	if (type == KVM_X86_SEV_VM)
		vm_sev_launch(*vm, SEV_POLICY_NO_DBG, NULL);
	if (type == KVM_X86_SEV_ES_VM)
		vm_sev_launch(*vm, SEV_POLICY_ES | SEV_POLICY_NO_DBG, NULL);
	/* sev.c:944: LAUNCH_UPDATE_VMSA protected vCPU 0 (SEV-ES) */
	p->phase = KPS_PHASE_AFTER;
	p->nr_launched = type == KVM_X86_SEV_ES_VM;

	if (type != KVM_X86_DEFAULT_VM && sev_is_software())
		SKIP(return false,
		     "KVM_RUN of an encrypted %s guest: SEV is the software Secure Processor (/sys/bus/platform/devices/swpsp) on a CPU without SEV, which cannot run one (launch checked)",
		     kps_vm_type_name(type));
	if (type != KVM_X86_SEV_ES_VM) {
		run_to_done(_metadata, vcpu, kps_vm_type_name(type));
		return true;
	}
	r = __vcpu_run(vcpu);
	/* sev_smoke_test.c: GHCB MSR protocol termination request */
	ASSERT_EQ(0, r) {
		TH_LOG("KVM_RUN on sev_es after_launch: expected 0, seen %d errno=%s",
		       r, kps_errno_name(errno));
	}
	ASSERT_EQ(KVM_EXIT_SYSTEM_EVENT, vcpu->run->exit_reason) {
		TH_LOG("KVM_RUN on sev_es after_launch: exit %u (%s), not SYSTEM_EVENT",
		       vcpu->run->exit_reason,
		       exit_reason_str(vcpu->run->exit_reason));
	}
	ASSERT_EQ(KVM_SYSTEM_EVENT_SEV_TERM, vcpu->run->system_event.type);
	ASSERT_EQ(1, vcpu->run->system_event.ndata);
	ASSERT_EQ(GHCB_MSR_TERM_REQ, vcpu->run->system_event.data[0]);
	return true;
}

TEST_F_TIMEOUT(run_after, kvm_run, 60)
{
	struct kvm_vcpu *ctl_vcpu;

	if (!boot_and_run(_metadata, &self->vm, &self->pvm, self->payloads,
			  variant->type))
		return;

	/* control: a default VM in the same process still runs */
	self->ctl = vm_create_with_one_vcpu(&ctl_vcpu, guest_default_code);
	run_to_done(_metadata, ctl_vcpu, "default(control)");
}

/*
 * Every catalog row once the guest has run (check_all_rows() walks
 * kps_state_ioctls[], so rows added to the catalog are covered): the same
 * exact return, errno and buffer rules as after_launch; a protected vCPU
 * stays protected whatever the guest did, SEV and default keep working.
 * One guest boot for all rows: a boot per row would cost a guest boot
 * each (about 0.5 s under TCG).
 */
TEST_F_TIMEOUT(run_after, rows, 60)
{
	if (!boot_and_run(_metadata, &self->vm, &self->pvm, self->payloads,
			  variant->type))
		return;
	check_all_rows(_metadata, &self->pvm, 0, self->payloads, "run_after");
}

TEST_HARNESS_MAIN
