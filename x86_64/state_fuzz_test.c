// SPDX-License-Identifier: GPL-2.0-only
/*
 * state_fuzz_test - random values in every field of the guest-state ioctl
 * arguments (the catalog, kps_state_ioctls.h), on a default vCPU and on
 * protected vCPUs of SEV-ES and SNP VMs after launch.
 *
 * One case per (VM type, catalog row): fuzz.<type>.<row>.  Each case runs
 * KPS_FUZZ_ITERS iterations (default 64) of the row with an argument of
 * random bytes, then structure-aware values where a field decides how much
 * the kernel reads (CPUID2 nent, MSRS nmsrs and indices, the kvm_run
 * sync-regs fields).  The generator is seeded from KPS_SEED (default: the
 * time), printed once per run; every case derives its own stream from the
 * seed and its name, so "KPS_SEED=<seed> state_fuzz_test -r
 * fuzz:<type>:<row>" replays one case exactly.  A failure names the seed,
 * the iteration and the first bytes of the argument.
 *
 * What is checked:
 *   default  no crash, no hang (harness timeout), no positive return where
 *            the kernel never returns one (only GET/SET_MSRS count), -1
 *            always with an errno, E2BIG for nmsrs >= 256 (MAX_IO_MSRS),
 *            and the vCPU still answers KVM_GET_REGS afterwards.
 *   sev_es,  exactly the spec's result (kps_expect_row()): rows blocked on
 *   snp      a protected vCPU return -1/EINVAL whatever the argument and
 *            leave it byte for byte untouched (spec 3); sync regs -1/EINVAL
 *            for any kvm_valid_regs/kvm_dirty_regs bit with kvm_run->s.regs
 *            untouched (spec 4); GET/SET_MSRS a count no larger than the
 *            index of the first blocked MSR, equal to it when every earlier
 *            MSR is one KVM always handles, with the GET write-back rules
 *            of spec 3 (stopping entry zeroed, later entries echoed);
 *            unblocked rows 0 or a validity error (EINVAL, E2BIG), never
 *            positive; KVM_NMI and KVM_TRANSLATE exactly 0.
 * Every case also checks that it leaves no fd open (kps_leak.h).
 *
 * The vCPU never enters the guest: KVM_RUN is only issued with
 * immediate_exit = 1, so random register state cannot hang a host whose
 * KVM cannot complete some instruction.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"

#include "kps_leak.h"
#include "kps_protected.h"
#include "kps_state_ioctls.h"
#include "kps_util.h"

#define FUZZ_ITERS_DEFAULT	64
#define FUZZ_ITERS_MAX		1000000
/* 6.12 x86.c:4124 msr_io(): nmsrs >= MAX_IO_MSRS -> -E2BIG */
#define FUZZ_MAX_IO_MSRS	256
#define MSG_LEN			768

static __u64 fuzz_seed;
static unsigned int fuzz_iters = FUZZ_ITERS_DEFAULT;

/*
 * Chosen once, in the harness' parent before it forks the cases, so that
 * every case of a run uses the same seed.
 */
static void __attribute__((constructor)) fuzz_init(void)
{
	const char *s = getenv("KPS_SEED");
	const char *n = getenv("KPS_FUZZ_ITERS");
	struct timespec ts;
	unsigned long v;
	char *end;

	if (s && *s) {
		fuzz_seed = strtoull(s, &end, 0);
		if (*end) {
			fprintf(stderr, "state_fuzz_test: KPS_SEED='%s' is not a number\n",
				s);
			exit(KSFT_FAIL);
		}
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		fuzz_seed = (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		fuzz_seed ^= (__u64)getpid() << 32;
	}
	if (n && *n) {
		v = strtoul(n, &end, 0);
		if (*end || !v || v > FUZZ_ITERS_MAX) {
			fprintf(stderr, "state_fuzz_test: KPS_FUZZ_ITERS='%s' is not 1..%d\n",
				n, FUZZ_ITERS_MAX);
			exit(KSFT_FAIL);
		}
		fuzz_iters = v;
	}
	/* Once per run, before the harness forks: a failure can be replayed. */
	printf("# state_fuzz_test: KPS_SEED=%#llx KPS_FUZZ_ITERS=%u (set both to replay)\n",
	       (unsigned long long)fuzz_seed, fuzz_iters);
	fflush(stdout);
}

/* splitmix64: small, fast, and every seed gives a full-period stream. */
static __u64 rnd_next(__u64 *st)
{
	__u64 z = (*st += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __u32 rnd_below(__u64 *st, __u32 n)
{
	return (__u32)(rnd_next(st) % n);
}

static void rnd_fill(__u64 *st, void *buf, size_t len)
{
	__u8 *p = buf;
	__u64 v;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		v = rnd_next(st);
		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		v = rnd_next(st);
		memcpy(p + i, &v, len - i);
	}
}

/* FNV-1a of the case name: the case's own stream. */
static __u64 case_seed(const char *variant, const char *row)
{
	__u64 h = 0xcbf29ce484222325ULL;
	const char *s;

	for (s = variant; *s; s++)
		h = (h ^ (__u8)*s) * 0x100000001b3ULL;
	h = (h ^ '.') * 0x100000001b3ULL;
	for (s = row; *s; s++)
		h = (h ^ (__u8)*s) * 0x100000001b3ULL;
	return fuzz_seed ^ h;
}

/* Random MSR index: biased to the MSRs whose rules are known (spec 3.1). */
static __u32 rnd_msr(__u64 *st)
{
	switch (rnd_below(st, 5)) {
	case 0:
	case 1:
		return kps_msrs_passthrough[rnd_below(st,
					kps_nr_msrs_passthrough)];
	case 2:
		return kps_msrs_intercepted[rnd_below(st,
					kps_nr_msrs_intercepted)];
	case 3:
		return kps_default_msrs[rnd_below(st, kps_nr_default_msrs)];
	default:
		return (__u32)rnd_next(st);
	}
}

static bool msr_known(__u32 msr)
{
	unsigned int i;

	for (i = 0; i < kps_nr_msrs_passthrough; i++)
		if (kps_msrs_passthrough[i] == msr)
			return true;
	for (i = 0; i < kps_nr_msrs_intercepted; i++)
		if (kps_msrs_intercepted[i] == msr)
			return true;
	return false;
}

FIXTURE(fuzz) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
	/* valid SET arguments, built before launch (capture_payloads()) */
	void *payloads[KPS_NR_STATE_IOCTLS];
	void *buf;
	void *ref;
	size_t size;
};

/* The variants (kps_phase_fixture.h). */
#define KPS_FIXTURE fuzz
#define KPS_FIXTURE_TYPES (KPS_TYPE_BIT(KVM_X86_DEFAULT_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SEV_ES_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_SNP_VM) |		\
			   KPS_TYPE_BIT(KVM_X86_TDX_VM))
#include "kps_phase_fixture.h"

/*
 * kps_ioctl_prep_set() on vCPU 0 of p; a TD's vCPU is protected from
 * creation (model/TDX-RULES.md 3), so its arguments come from a default
 * VM's vCPU, made and freed here.
 */
static int fuzz_prep_set(struct __test_metadata *_metadata, struct kps_pvm *p,
			 const struct kps_state_ioctl *io, void *buf,
			 size_t size)
{
	struct kps_pvm d;
	char err[320];
	int r, e;

	if (p->type != KVM_X86_TDX_VM)
		return kps_ioctl_prep_set(p->vcpus[0], io, buf, size);
	ASSERT_EQ(0, kps_pvm_create(&d, KVM_X86_DEFAULT_VM, false, 1,
				    KPS_PHASE_CREATED, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	r = kps_ioctl_prep_set(d.vcpus[0], io, buf, size);
	e = errno;
	kps_pvm_free(&d);
	errno = e;
	return r;
}

/*
 * A valid argument for every SET/OTHER row, from the partner GET while the
 * vCPU is not protected yet (kps_ioctl_prep_set()).  Iterations that change
 * only a few bytes of it reach past the validity checks, so that a SET
 * that is not blocked shows up as a 0 instead of hiding behind the EINVAL
 * a fully random argument gets anyway.
 */
static void capture_payloads(struct __test_metadata *_metadata,
			     struct _test_data_fuzz *self)
{
	struct kvm_vcpu *vcpu = self->pvm.vcpus[0];
	const struct kps_state_ioctl *io, *get;
	size_t size;
	int i, r;

	for (i = 0; i < KPS_NR_STATE_IOCTLS; i++) {
		io = &kps_state_ioctls[i];
		if (io->dir == KPS_GET || kps_ioctl_rule(io) == KPS_RULE_MSR ||
		    (io->flags & (KPS_NO_ARG | KPS_RUNS_VCPU)) ||
		    !kps_ioctl_supported(self->pvm.vm, io, NULL))
			continue;
		size = kps_ioctl_buf_size(vcpu, io);
		self->payloads[i] = calloc(1, size);
		ASSERT_NE(NULL, self->payloads[i]) {
			TH_LOG("setup: calloc(%zu) failed", size);
		}
		r = fuzz_prep_set(_metadata, &self->pvm, io, self->payloads[i],
				  size);
		get = kps_ioctl_partner(io);
		ASSERT_EQ(get ? kps_ioctl_success_ret(get, self->payloads[i]) : 0,
			  r) {
			TH_LOG("setup: building the %s argument on %s (%s): ret=%d errno=%s",
			       io->nr_name, kps_pvm_name(&self->pvm),
			       kps_phase_name(self->pvm.phase), r,
			       kps_errno_name(errno));
		}
	}
}

FIXTURE_SETUP(fuzz)
{
	char err[320];

	ASSERT_EQ(0, kps_fdset_take(&self->fds)) {
		TH_LOG("setup: cannot list /proc/self/fd: %s", strerror(errno));
	}
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	ASSERT_EQ(0, kps_pvm_create(&self->pvm, variant->type, false, 1,
				    KPS_PHASE_BEFORE, err, sizeof(err))) {
		TH_LOG("%s", err);
	}
	capture_payloads(_metadata, self);
	ASSERT_EQ(0, kps_pvm_advance(&self->pvm, KPS_PHASE_AFTER, err,
				     sizeof(err))) {
		TH_LOG("%s", err);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	/*
	 * 6.12 libkvm opens /dev/sev for SEV and SEV-ES VMs
	 * (processor.c:1138 kvm_init_vm_address_properties()) and
	 * kvm_vm_free() never closes it: one fd per VM.  Not this case's
	 * leak; close it here so that the check below sees the suite's own.
	 */
	if (self->pvm.vm && self->pvm.vm->arch.sev_fd >= 0) {
		close(self->pvm.vm->arch.sev_fd);
		self->pvm.vm->arch.sev_fd = -1;
	}
	kps_pvm_free(&self->pvm);
	for (i = 0; i < KPS_NR_STATE_IOCTLS; i++)
		free(self->payloads[i]);
	free(self->buf);
	free(self->ref);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

struct fuzz_ctx {
	struct __test_metadata *md;
	struct kps_pvm *p;
	const struct kps_state_ioctl *io;
	const void *payload;	/* valid argument, or NULL */
	__u64 st;
	unsigned int iter;
	bool prot;		/* the vCPU's state is protected */
};

/* "seed 0x.. iteration N, argument 0f 3a ..." for failure messages. */
static const char *ctx_str(const struct fuzz_ctx *c, const void *arg,
			   size_t len)
{
	static char s[200];
	const __u8 *b = arg;
	size_t i, off;

	off = snprintf(s, sizeof(s),
		       "KPS_SEED=%#llx iteration %u of %u (rerun: KPS_SEED=%#llx state_fuzz_test -r fuzz:%s:%s), argument",
		       (unsigned long long)fuzz_seed, c->iter, fuzz_iters,
		       (unsigned long long)fuzz_seed, kps_pvm_name(c->p),
		       c->io->name);
	for (i = 0; i < len && i < 16 && off < sizeof(s); i++)
		off += snprintf(s + off, sizeof(s) - off, " %02x", b[i]);
	if (!len && off < sizeof(s))
		snprintf(s + off, sizeof(s) - off, " none");
	return s;
}

/* Structure-aware values for the fields that size what the kernel reads. */
static void shape_arg(struct fuzz_ctx *c, void *buf, size_t size)
{
	struct kvm_cpuid2 *cpuid = buf;
	struct kvm_msrs *msrs = buf;
	unsigned int i, n;

	switch (c->io->size_kind) {
	case KPS_SIZE_CPUID2:
		/* 1 in 4: the raw random nent (mostly E2BIG) */
		if (rnd_below(&c->st, 4))
			cpuid->nent = rnd_below(&c->st,
						KPS_CPUID_MAX_NENT + 1);
		break;
	case KPS_SIZE_MSRS:
		n = (size - sizeof(*msrs)) / sizeof(msrs->entries[0]);
		switch (rnd_below(&c->st, 4)) {
		case 0:
			break;	/* raw random nmsrs: E2BIG */
		case 1:
			msrs->nmsrs = rnd_below(&c->st, n + 1);
			break;
		default:
			msrs->nmsrs = rnd_below(&c->st, KPS_MSRS_MAX + 1);
			break;
		}
		for (i = 0; i < n && i < KPS_MSRS_MAX * 2; i++)
			msrs->entries[i].index = rnd_msr(&c->st);
		break;
	default:
		break;
	}
}

static void check_errno(struct fuzz_ctx *c, int r, int err, const void *arg,
			size_t len)
{
	struct __test_metadata *_metadata = c->md;

	if (r != -1)
		return;
	/* -1 without an errno would be a broken return path */
	ASSERT_NE(0, err) {
		TH_LOG("%s returned -1 with errno 0; %s", c->io->nr_name,
		       ctx_str(c, arg, len));
	}
}

/* KVM_GET/SET_MSRS: a count, never -EINVAL (spec 3, spec 6 item 3). */
static void check_msrs(struct fuzz_ctx *c, int r, int err,
		       const struct kvm_msrs *m, const struct kvm_msrs *ref,
		       size_t size)
{
	struct __test_metadata *_metadata = c->md;
	bool get = c->io->dir == KPS_GET;
	unsigned int i, stop, exact;
	ssize_t diff;

	if (ref->nmsrs >= FUZZ_MAX_IO_MSRS) {
		/* x86.c:4124: E2BIG before anything is read or written */
		ASSERT_EQ(-1, r) {
			TH_LOG("%s with nmsrs %u: expected -1/E2BIG, seen %d; %s",
			       c->io->nr_name, ref->nmsrs, r,
			       ctx_str(c, ref, size));
		}
		ASSERT_EQ(E2BIG, err) {
			TH_LOG("%s with nmsrs %u: expected E2BIG, seen %s; %s",
			       c->io->nr_name, ref->nmsrs,
			       kps_errno_name(err), ctx_str(c, ref, size));
		}
		ASSERT_EQ(-1, kps_memdiff(m, ref, size)) {
			TH_LOG("%s E2BIG changed the caller's array; %s",
			       c->io->nr_name, ctx_str(c, ref, size));
		}
		return;
	}
	ASSERT_LE(0, r) {
		TH_LOG("%s with nmsrs %u: expected a count, seen -1 errno=%s; %s",
		       c->io->nr_name, ref->nmsrs, kps_errno_name(err),
		       ctx_str(c, ref, size));
	}
	ASSERT_GE((int)ref->nmsrs, r) {
		TH_LOG("%s with nmsrs %u returned %d; %s", c->io->nr_name,
		       ref->nmsrs, r, ctx_str(c, ref, size));
	}
	/* Header and indices are input only; SET writes nothing back. */
	diff = kps_memdiff(m, ref, get ? sizeof(*m) : size);
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s changed byte %zd of the caller's %s; %s",
		       c->io->nr_name, diff, get ? "header" : "array",
		       ctx_str(c, ref, size));
	}
	for (i = 0; get && i < ref->nmsrs; i++) {
		ASSERT_EQ(ref->entries[i].index, m->entries[i].index) {
			TH_LOG("KVM_GET_MSRS changed the index of entry %u; %s",
			       i, ctx_str(c, ref, size));
		}
		if ((int)i == r) {
			/* x86.c:499-504: a failed read is zeroed */
			ASSERT_EQ(0, m->entries[i].data) {
				TH_LOG("KVM_GET_MSRS stop entry %u (MSR %#x) data %#llx, not 0; %s",
				       i, m->entries[i].index,
				       (unsigned long long)m->entries[i].data,
				       ctx_str(c, ref, size));
			}
		} else if ((int)i > r) {
			/* x86.c:4131: later entries echo the input */
			ASSERT_EQ(ref->entries[i].data, m->entries[i].data) {
				TH_LOG("KVM_GET_MSRS entry %u after the stop at %d changed; %s",
				       i, r, ctx_str(c, ref, size));
			}
		}
	}
	if (!c->prot || !kps_pvm_has_protected_state(c->p))
		return;
	/* Protected: never past the first blocked MSR (svm.c:2901-2918). */
	stop = ref->nmsrs;
	exact = 1;
	for (i = 0; i < ref->nmsrs; i++) {
		if (kps_msr_blocked_dir(c->p, 0, ref->entries[i].index, get)) {
			stop = i;
			break;
		}
		if (!msr_known(ref->entries[i].index))
			exact = 0;
	}
	ASSERT_GE((int)stop, r) {
		TH_LOG("%s went past the blocked MSR %#x at entry %u: returned %d; %s",
		       c->io->nr_name, ref->entries[stop].index, stop, r,
		       ctx_str(c, ref, size));
	}
	/*
	 * Only MSRs KVM always reads (intercepted, or pass-through and thus
	 * blocked) before the stop: the GET count is exact.  SET of random
	 * data may be refused earlier (APIC_BASE, MISC_ENABLE validity).
	 */
	if (get && exact && stop < ref->nmsrs) {
		ASSERT_EQ((int)stop, r) {
			TH_LOG("KVM_GET_MSRS: expected %u (first blocked MSR %#x), seen %d; %s",
			       stop, ref->entries[stop].index, r,
			       ctx_str(c, ref, size));
		}
	}
}

/* One iteration of a row that takes a buffer (or a value, or nothing). */
static void fuzz_row_once(struct fuzz_ctx *c, void *buf, void *ref,
			  size_t size)
{
	struct __test_metadata *_metadata = c->md;
	struct kvm_vcpu *vcpu = c->p->vcpus[0];
	const struct kps_state_ioctl *io = c->io;
	struct kps_expect e;
	unsigned int i;
	char res[400];
	ssize_t diff;
	int r, err;

	if (c->payload && rnd_below(&c->st, 2)) {
		/* a valid argument with 1..4 random bytes */
		memcpy(buf, c->payload, size);
		for (i = 1 + rnd_below(&c->st, 4); i; i--)
			((__u8 *)buf)[rnd_below(&c->st, size)] =
				(__u8)rnd_next(&c->st);
	} else {
		rnd_fill(&c->st, buf, size);
		shape_arg(c, buf, size);
	}
	memcpy(ref, buf, size);

	errno = 0;
	r = kps_ioctl_call(vcpu, io, buf);
	err = errno;
	diff = kps_memdiff(buf, ref, size);
	check_errno(c, r, err, ref, size);

	if (kps_ioctl_rule(io) == KPS_RULE_MSR) {
		check_msrs(c, r, err, buf, ref, size);
		return;
	}
	/* Nothing but MSR rows returns a positive value (spec 3). */
	ASSERT_GE(0, r) {
		TH_LOG("%s returned %d; %s", io->nr_name, r,
		       ctx_str(c, ref, size));
	}
	if (!c->prot && !kps_pvm_has_protected_state(c->p))
		return;

	kps_expect_row(c->p, 0, io, &e);
	kps_fmt_result(res, sizeof(res), io->nr_name, kps_pvm_name(c->p),
		       kps_phase_name(c->p->phase), e.ret, e.err, r, err, diff);
	if (e.ret == -1) {
		/* io->cite: the check refuses any argument, copies nothing */
		ASSERT_EQ(-1, r) {
			TH_LOG("%s; spec row: %s; %s", res, e.rule,
			       ctx_str(c, ref, size));
		}
		ASSERT_EQ(e.err, err) {
			TH_LOG("%s; spec row: %s; %s", res, e.rule,
			       ctx_str(c, ref, size));
		}
		ASSERT_EQ(-1, diff) {
			TH_LOG("%s: the caller's buffer changed; spec row: %s; %s",
			       res, e.rule, ctx_str(c, ref, size));
		}
		return;
	}
	/* Not blocked: 0, or what the same argument gives unprotected. */
	if ((io->flags & KPS_NO_ARG) ||
	    io - kps_state_ioctls == KPS_IO_translate) {
		ASSERT_EQ(0, r) {
			TH_LOG("%s; spec row: %s; %s", res, e.rule,
			       ctx_str(c, ref, size));
		}
		return;
	}
	if (r == -1) {
		ASSERT_TRUE(err == EINVAL || err == E2BIG) {
			TH_LOG("%s: expected 0, EINVAL or E2BIG; spec row: %s; %s",
			       res, e.rule, ctx_str(c, ref, size));
		}
	}
	if (io->dir == KPS_SET && r == -1) {
		ASSERT_EQ(-1, diff) {
			TH_LOG("%s: a refused SET changed the caller's buffer; %s",
			       res, ctx_str(c, ref, size));
		}
	}
}

/*
 * The sync_regs row: random kvm_valid_regs, kvm_dirty_regs and s.regs,
 * KVM_RUN with immediate_exit = 1 (the guest never runs).
 */
static void fuzz_sync_once(struct fuzz_ctx *c)
{
	struct __test_metadata *_metadata = c->md;
	struct kvm_vcpu *vcpu = c->p->vcpus[0];
	struct kvm_run *run = vcpu->run;
	struct kvm_sync_regs ref;
	__u64 valid, dirty;
	ssize_t diff;
	int r, err;

	valid = rnd_next(&c->st);
	dirty = rnd_next(&c->st);
	switch (rnd_below(&c->st, 4)) {
	case 0:
		break;	/* raw: mostly invalid bits */
	case 1:
		valid &= KVM_SYNC_X86_VALID_FIELDS;
		dirty = 0;
		break;
	default:
		valid &= KVM_SYNC_X86_VALID_FIELDS;
		dirty &= KVM_SYNC_X86_VALID_FIELDS;
		break;
	}
	/* Both zero would be a plain KVM_RUN: keep one bit. */
	if (!valid && !dirty)
		valid = KVM_SYNC_X86_REGS;
	rnd_fill(&c->st, &run->s.regs, sizeof(run->s.regs));
	memcpy(&ref, &run->s.regs, sizeof(ref));

	r = kps_run_immediate(vcpu, valid, dirty);
	err = errno;
	diff = kps_memdiff(&run->s.regs, &ref, sizeof(ref));
	check_errno(c, r, err, &ref, sizeof(ref));

	/* KVM_RUN never returns a positive value */
	ASSERT_GE(0, r) {
		TH_LOG("KVM_RUN (valid %#llx, dirty %#llx) returned %d; %s",
		       (unsigned long long)valid, (unsigned long long)dirty,
		       r, ctx_str(c, &ref, sizeof(ref)));
	}
	/* immediate_exit: never 0, the guest does not run */
	ASSERT_EQ(-1, r) {
		TH_LOG("KVM_RUN with immediate_exit returned 0; %s",
		       ctx_str(c, &ref, sizeof(ref)));
	}
	if (!kps_pvm_has_protected_state(c->p)) {
		ASSERT_TRUE(err == EINVAL || err == EINTR) {
			TH_LOG("KVM_RUN (valid %#llx, dirty %#llx): errno %s, not EINVAL/EINTR; %s",
			       (unsigned long long)valid,
			       (unsigned long long)dirty, kps_errno_name(err),
			       ctx_str(c, &ref, sizeof(ref)));
		}
		return;
	}
	/* spec 4: x86.c:11142-11147, any bit -> -EINVAL, nothing stored */
	ASSERT_EQ(EINVAL, err) {
		TH_LOG("KVM_RUN on %s (valid %#llx, dirty %#llx): errno %s, not EINVAL; %s",
		       kps_pvm_name(c->p), (unsigned long long)valid,
		       (unsigned long long)dirty, kps_errno_name(err),
		       ctx_str(c, &ref, sizeof(ref)));
	}
	ASSERT_EQ(-1, diff) {
		TH_LOG("KVM_RUN on %s changed byte %zd of kvm_run->s.regs; %s",
		       kps_pvm_name(c->p), diff,
		       ctx_str(c, &ref, sizeof(ref)));
	}
}

/* Bytes of argument to fuzz: what the kernel may read or write. */
static size_t fuzz_size(struct kvm_vcpu *vcpu,
			const struct kps_state_ioctl *io)
{
	/* Room for every nmsrs the kernel accepts (< MAX_IO_MSRS). */
	if (io->size_kind == KPS_SIZE_MSRS)
		return sizeof(struct kvm_msrs) +
		       (FUZZ_MAX_IO_MSRS - 1) * sizeof(struct kvm_msr_entry);
	return kps_ioctl_buf_size(vcpu, io);
}

static void fuzz_row(struct __test_metadata *_metadata,
		     struct _test_data_fuzz *self,
		     const struct kps_state_ioctl *io)
{
	struct kps_pvm *p = &self->pvm;
	struct fuzz_ctx c = {
		.md = _metadata,
		.p = p,
		.io = io,
		.st = case_seed(kps_pvm_name(&self->pvm), io->name),
		.prot = kps_vcpu_protected(p, 0),
		.payload = self->payloads[io - kps_state_ioctls],
	};
	const char *why;
	__u64 probe[2];
	struct kvm_regs regs;
	struct kvm_mp_state mp;
	int r;

	if (!kps_ioctl_supported(p->vm, io, &why))
		SKIP(return, "%s", why);
	self->size = fuzz_size(p->vcpus[0], io);
	self->buf = calloc(1, self->size ? self->size : 1);
	self->ref = calloc(1, self->size ? self->size : 1);
	ASSERT_TRUE(self->buf && self->ref) {
		TH_LOG("setup: calloc(%zu) failed", self->size);
	}
	for (c.iter = 0; c.iter < fuzz_iters; c.iter++) {
		if (io->flags & KPS_RUNS_VCPU)
			fuzz_sync_once(&c);
		else if (io->flags & KPS_NO_ARG)
			fuzz_row_once(&c, probe, probe + 1, 0);
		else
			fuzz_row_once(&c, self->buf, self->ref, self->size);
		if (_metadata->exit_code != KSFT_PASS)
			return;
	}

	/* The vCPU survived: it still answers. */
	if (kps_pvm_has_protected_state(p)) {
		/* spec 3: KVM_GET_MP_STATE has no protected check */
		r = ioctl(p->vcpus[0]->fd, KVM_GET_MP_STATE, &mp);
		ASSERT_EQ(0, r) {
			TH_LOG("after %u runs of %s: KVM_GET_MP_STATE errno %s; KPS_SEED=%#llx",
			       fuzz_iters, io->nr_name, kps_errno_name(errno),
			       (unsigned long long)fuzz_seed);
		}
	} else {
		r = ioctl(p->vcpus[0]->fd, KVM_GET_REGS, &regs);
		ASSERT_EQ(0, r) {
			TH_LOG("after %u runs of %s: KVM_GET_REGS errno %s; KPS_SEED=%#llx",
			       fuzz_iters, io->nr_name, kps_errno_name(errno),
			       (unsigned long long)fuzz_seed);
		}
	}
}

/* One case per catalog row. */
#define KPS_STATE_IOCTL(name, ...)					\
static const struct kps_state_ioctl *const fuzz_row_##name =		\
	&kps_state_ioctls[KPS_IO_##name];				\
TEST_F(fuzz, name)							\
{									\
	fuzz_row(_metadata, self, fuzz_row_##name);			\
}

#include "kps_state_ioctls.h"

TEST_HARNESS_MAIN
