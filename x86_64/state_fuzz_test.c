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
 *   rows blocked on a protected vCPU (kps_expect_row()): -1/EINVAL
 *            whatever the argument, the argument byte for byte untouched
 *            (spec 3); sync regs -1/EINVAL for any kvm_valid_regs/
 *            kvm_dirty_regs bit with kvm_run->s.regs untouched (spec 4).
 *   every other row (default vCPU, unblocked rows of SEV-ES/SNP): the
 *            argument is drawn from classes whose answer the row's 6.12
 *            checks fix (gen_arg(), gen_msrs(), gen_sync()): a valid
 *            argument with its unchecked fields random gives 0, one field
 *            invalid by construction gives exactly its errno, an MSR list
 *            of known-good and never-implemented indices gives exactly the
 *            count before the first failing entry; refused SETs leave the
 *            argument untouched, GET_MSRS write-back follows x86.c:4131.
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
#include "mce.h"
#include "processor.h"

#include "kps_host.h"
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
	unsigned int cpuid_nent;	/* entries set with KVM_SET_CPUID2 */
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

/*
 * The answer the kernel's checks give for one generated argument of an
 * unblocked row: ret (0, -1, or the MSR count) and errno, with the rule.
 */
struct fuzz_exp {
	int ret;
	int err;
	const char *rule;
};

static void exp_set(struct fuzz_exp *e, int ret, int err, const char *rule)
{
	e->ret = ret;
	e->err = err;
	e->rule = rule;
}

/* A random value with at least one bit of mask set. */
static __u64 rnd_bits(__u64 *st, __u64 mask)
{
	__u64 v;

	do {
		v = rnd_next(st) & mask;
	} while (!v);
	return v;
}

/*
 * Segment, descriptor-table and CR2 fields of kvm_sregs(2): stored without
 * a validity check (6.12 regs.c:578-628 __set_sregs_common()).  CS is left
 * alone: cs.l is checked (regs.c:551-555).
 */
static void rnd_sregs_free_fields(__u64 *st, struct kvm_sregs *s)
{
	struct kvm_segment *seg[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
				      &s->tr, &s->ldt };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(seg); i++) {
		if (rnd_below(st, 2))
			continue;
		seg[i]->base = rnd_next(st);
		seg[i]->limit = (__u32)rnd_next(st);
		seg[i]->selector = (__u16)rnd_next(st);
	}
	s->gdt.base = rnd_next(st);
	s->gdt.limit = (__u16)rnd_next(st);
	s->idt.base = rnd_next(st);
	s->idt.limit = (__u16)rnd_next(st);
	s->cr2 = rnd_next(st);
}

/*
 * kvm_sregs(2) classes from a valid argument: free fields only -> 0; a
 * reserved CR4 bit or CR0[63:32] -> -EINVAL (6.12 regs.c:559-560
 * kvm_is_valid_sregs(), called first at 570-571).  (Not EFER: the PVM
 * host accepts reserved EFER bits in KVM_SET_SREGS.)
 */
static void gen_sregs(__u64 *st, struct kvm_sregs *s, struct fuzz_exp *e)
{
	rnd_sregs_free_fields(st, s);
	switch (rnd_below(st, 3)) {
	case 0:
		s->cr4 |= 1ULL << (63 - rnd_below(st, 8));
		exp_set(e, -1, EINVAL,
			"CR4 reserved bit: 6.12 regs.c:559 kvm_is_valid_cr4() -> -EINVAL");
		break;
	case 1:
		s->cr0 |= rnd_bits(st, 0xffffffff00000000ULL);
		exp_set(e, -1, EINVAL,
			"CR0[63:32]: 6.12 regs.c:206-207, 560 kvm_is_valid_cr0() -> -EINVAL");
		break;
	default:
		exp_set(e, 0, 0,
			"segments, GDT/IDT, CR2 only: no check (6.12 regs.c:578-628)");
		break;
	}
}

/* MSR pool of one class: readable and writable back with their value. */
static __u32 rnd_msr_ok(struct fuzz_ctx *c)
{
	unsigned int n = kps_nr_msrs_intercepted + kps_nr_msrs_passthrough;
	unsigned int i;

	/* SYSENTER_ESP/EIP are blocked or not by guest CPUID on SEV-ES. */
	if (!c->prot)
		n += kps_nr_default_msrs;
	i = rnd_below(&c->st, n);
	if (i < kps_nr_msrs_intercepted)
		return kps_msrs_intercepted[i];
	i -= kps_nr_msrs_intercepted;
	if (i < kps_nr_msrs_passthrough)
		return kps_msrs_passthrough[i];
	return kps_default_msrs[i - kps_nr_msrs_passthrough];
}

/*
 * No KVM handles an index in 0x01000000-0x3fffffff (not advertised, below
 * the Hyper-V range): a host-initiated access fails unless kvm.ignore_msrs
 * (6.12 x86.c kvm_do_msr_access()).
 */
#define FUZZ_JUNK_MSR_LO	0x01000000U
#define FUZZ_JUNK_MSR_HI	0x3fffffffU

static bool msr_junk(__u32 msr)
{
	return msr >= FUZZ_JUNK_MSR_LO && msr <= FUZZ_JUNK_MSR_HI;
}

static int ignore_msrs = -1;

/*
 * KVM_GET/SET_MSRS: nmsrs >= MAX_IO_MSRS -> -E2BIG (6.12 x86.c:4124);
 * else entries from the pool (SET data: the MSR's current value) and junk
 * indices, and the count is the index of the first entry that fails:
 * junk without kvm.ignore_msrs, or a pass-through MSR of a protected vCPU
 * (svm.c:2901-2918), x86.c:4090-4103 __msr_io().
 */
static void gen_msrs(struct fuzz_ctx *c, struct kvm_msrs *m, size_t size,
		     struct fuzz_exp *e)
{
	struct kvm_vcpu *vcpu = c->p->vcpus[0];
	unsigned int i, n, stop;
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry ent;
	} one;

	rnd_fill(&c->st, m, size);
	if (!rnd_below(&c->st, 8)) {
		m->nmsrs = FUZZ_MAX_IO_MSRS + rnd_below(&c->st, 0x7fffff00);
		exp_set(e, -1, E2BIG, "nmsrs >= MAX_IO_MSRS: 6.12 x86.c:4124 -> -E2BIG");
		return;
	}
	n = rnd_below(&c->st, KPS_MSRS_MAX + 1);
	m->nmsrs = n;
	stop = n;
	for (i = 0; i < n; i++) {
		if (!rnd_below(&c->st, 6))
			m->entries[i].index = FUZZ_JUNK_MSR_LO +
				rnd_below(&c->st, FUZZ_JUNK_MSR_HI - FUZZ_JUNK_MSR_LO + 1);
		else
			m->entries[i].index = rnd_msr_ok(c);
		if (c->io->dir == KPS_SET && !msr_junk(m->entries[i].index)) {
			memset(&one, 0, sizeof(one));
			one.hdr.nmsrs = 1;
			one.ent.index = m->entries[i].index;
			ioctl(vcpu->fd, KVM_GET_MSRS, &one);
			m->entries[i].data = one.ent.data;
		}
		if (stop == n &&
		    ((msr_junk(m->entries[i].index) && !ignore_msrs) ||
		     (kps_pvm_has_protected_state(c->p) &&
		      kps_msr_blocked_dir(c->p, 0, m->entries[i].index,
					  c->io->dir == KPS_GET))))
			stop = i;
	}
	exp_set(e, stop, 0,
		"count of MSRs before the first failing one: 6.12 x86.c:4090-4103, kvm_do_msr_access(), svm.c:2901-2918");
}

/* KVM_SET_CPUID2 classes from the vCPU's CPUID (6.12 cpuid.c). */
static void gen_cpuid(struct fuzz_ctx *c, struct kvm_cpuid2 *cp, size_t size,
		      struct fuzz_exp *e)
{
	struct kvm_cpuid_entry2 *ent = NULL;
	unsigned int i, vaddr;

	switch (rnd_below(&c->st, 3)) {
	case 0:
		cp->nent = KPS_CPUID_MAX_NENT + 1 +
			   rnd_below(&c->st, 0x7fffff00);
		exp_set(e, -1, E2BIG,
			"nent > KVM_MAX_CPUID_ENTRIES: 6.12 cpuid.c:562-563 -> -E2BIG");
		return;
	case 1:
		/* cpuid.c:166-171 kvm_check_cpuid(): 0x80000008 vaddr bits */
		for (i = 0; i < cp->nent; i++)
			if (cp->entries[i].function == 0x80000008)
				ent = &cp->entries[i];
		if (!ent && cp->nent < KPS_CPUID_MAX_NENT) {
			ent = &cp->entries[cp->nent++];
			memset(ent, 0, sizeof(*ent));
			ent->function = 0x80000008;
		}
		if (ent) {
			do {
				vaddr = rnd_below(&c->st, 256);
			} while (vaddr == 0 || vaddr == 48 || vaddr == 57);
			ent->eax = (ent->eax & ~0xff00U) | vaddr << 8;
			exp_set(e, -1, EINVAL,
				"0x80000008.EAX[15:8] not 0/48/57: 6.12 cpuid.c:166-171 -> -EINVAL");
			return;
		}
		break;
	}
	/* A prefix of a valid table is valid. */
	cp->nent = rnd_below(&c->st, cp->nent + 1);
	exp_set(e, 0, 0, "a prefix of the vCPU's CPUID: 6.12 cpuid.c kvm_set_cpuid()");
}

/*
 * Build one argument for an unblocked row and say what the kernel answers
 * (6.12 source, per row).  Returns false for rows without a generator.
 */
/*
 * KVM_X86_SETUP_MCE (6.12 x86.c:4790-4798): 1..KVM_MAX_MCE_BANKS (32) banks
 * and no bit outside supported_mce_cap | 0xff | 0xff0000 -> 0, else -EINVAL.
 */
static void gen_setup_mce(struct fuzz_ctx *c, __u64 *cap, struct fuzz_exp *e)
{
	struct __test_metadata *_metadata = c->md;
	__u64 ok = 0, banks;
	int fd = kps_open_kvm();
	unsigned int bit;

	ASSERT_EQ(0, ioctl(fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &ok)) {
		TH_LOG("KVM_X86_GET_MCE_CAP_SUPPORTED: errno=%s",
		       kps_errno_name(errno));
	}
	close(fd);
	ok |= 0xff0000;
	banks = 1 + rnd_below(&c->st, 32);
	*cap = (rnd_next(&c->st) & ok & ~0xffULL) | banks;
	switch (rnd_below(&c->st, 3)) {
	case 0:
		exp_set(e, 0, 0, "6.12 x86.c:4795-4798: valid bank count and bits");
		return;
	case 1:
		*cap &= ~0xffULL;
		*cap |= rnd_below(&c->st, 2) ? 0 : 33 + rnd_below(&c->st, 223);
		exp_set(e, -1, EINVAL,
			"6.12 x86.c:4795-4796: 0 or > KVM_MAX_MCE_BANKS banks -> -EINVAL");
		return;
	}
	do
		bit = rnd_below(&c->st, 64);
	while ((ok | 0xff) & BIT_ULL(bit));
	*cap |= BIT_ULL(bit);
	exp_set(e, -1, EINVAL,
		"6.12 x86.c:4797-4798: a bit outside supported_mce_cap -> -EINVAL");
}

/*
 * KVM_X86_SET_MCE (6.12 x86.c:4862-4863): bank >= the vCPU's bank count or
 * MCI_STATUS_VAL clear -> -EINVAL; every other path returns 0.
 */
static void gen_set_mce(struct fuzz_ctx *c, struct kvm_x86_mce *m,
			struct fuzz_exp *e)
{
	__u32 banks = vcpu_get_msr(c->p->vcpus[0], MSR_IA32_MCG_CAP) & 0xff;

	rnd_fill(&c->st, m, sizeof(*m));
	m->status |= MCI_STATUS_VAL;
	m->bank = rnd_below(&c->st, banks);
	switch (rnd_below(&c->st, 3)) {
	case 0:
		exp_set(e, 0, 0, "6.12 x86.c:4862-4863: bank in range, VAL set");
		return;
	case 1:
		m->bank = banks + rnd_below(&c->st, 256 - banks);
		exp_set(e, -1, EINVAL,
			"6.12 x86.c:4862-4863: bank >= the vCPU's bank count -> -EINVAL");
		return;
	}
	m->status &= ~MCI_STATUS_VAL;
	exp_set(e, -1, EINVAL, "6.12 x86.c:4862-4863: MCI_STATUS_VAL clear -> -EINVAL");
}

/*
 * KVM_SET_NESTED_STATE where the vendor has nested ops.  6.12 x86.c:5780-5793:
 * size < the header, an unknown flag, or RUN_PENDING without GUEST_MODE
 * -> -EINVAL.  SVM (svm/nested.c:1700-1726): format other than SVM, a flag
 * beyond GUEST_MODE|RUN_PENDING|GIF_SET, or with EFER.SVME clear any flags
 * but exactly GIF_SET -> -EINVAL; not in guest mode -> 0 (leave nested,
 * set GIF): exactly GIF_SET is valid whatever EFER.SVME is.  Other vendors
 * get the generic classes only.
 */
static void gen_nested(struct fuzz_ctx *c, struct kvm_nested_state *ns,
		       size_t size, struct fuzz_exp *e)
{
	bool svm = kps_kvm_vendor() == KPS_VENDOR_SVM;
	/* EFER of a protected vCPU cannot be read: assume nothing there */
	bool known = svm && !c->prot;
	bool svme = known && (vcpu_get_msr(c->p->vcpus[0], MSR_EFER) & EFER_SVME);
	unsigned int cls = rnd_below(&c->st, svm ? 6 : 3), bit;

	rnd_fill(&c->st, ns, size);
	ns->size = sizeof(*ns) + rnd_below(&c->st, size - sizeof(*ns) + 1);
	ns->format = KVM_STATE_NESTED_FORMAT_SVM;
	ns->flags = svme && rnd_below(&c->st, 2) ? 0 : KVM_STATE_NESTED_GIF_SET;
	switch (cls) {
	case 0:
		ns->size = rnd_below(&c->st, sizeof(*ns));
		exp_set(e, -1, EINVAL, "6.12 x86.c:5780-5782: size < header -> -EINVAL");
		return;
	case 1:
		do
			bit = 4 + rnd_below(&c->st, 12);
		while (bit == 8);	/* KVM_STATE_NESTED_GIF_SET */
		ns->flags |= 1u << bit;
		exp_set(e, -1, EINVAL, "6.12 x86.c:5784-5788: unknown flag -> -EINVAL");
		return;
	case 2:
		ns->flags |= KVM_STATE_NESTED_RUN_PENDING;
		ns->flags &= ~KVM_STATE_NESTED_GUEST_MODE;
		exp_set(e, -1, EINVAL,
			"6.12 x86.c:5790-5793: RUN_PENDING without GUEST_MODE -> -EINVAL");
		return;
	case 3:
		ns->format = KVM_STATE_NESTED_FORMAT_VMX;
		exp_set(e, -1, EINVAL,
			"6.12 svm/nested.c:1700-1701: not the SVM format -> -EINVAL");
		return;
	case 4:
		if (known && !svme) {
			ns->flags = 0;
			exp_set(e, -1, EINVAL,
				"6.12 svm/nested.c:1712-1716: EFER.SVME clear, flags != GIF_SET -> -EINVAL");
			return;
		}
		ns->flags |= KVM_STATE_NESTED_EVMCS;
		exp_set(e, -1, EINVAL,
			"6.12 svm/nested.c:1703-1706: EVMCS is no SVM flag -> -EINVAL");
		return;
	}
	exp_set(e, 0, 0,
		"6.12 svm/nested.c:1722-1726: not in guest mode -> leave nested, set GIF, 0");
}

static bool gen_arg(struct fuzz_ctx *c, void *buf, size_t size,
		    struct fuzz_exp *e)
{
	const struct kps_state_ioctl *io = c->io;
	int id = io - kps_state_ioctls;
	struct kvm_debugregs *dbg = buf;
	struct kvm_xcrs *xcrs = buf;
	struct kvm_vcpu_events *ev = buf;
	struct kvm_mp_state *mp = buf;
	struct kvm_guest_debug *gd = buf;
	struct kvm_cpuid2 *cp = buf;
	struct kvm_xsave *xs = buf;
	struct kvm_signal_mask *sm;
	__u64 *xfeatures = (__u64 *)((__u8 *)buf + 512);
	__u32 *mxcsr = (__u32 *)((__u8 *)buf + 24);
	unsigned int i, v;

	if (io->flags & KPS_NO_ARG) {
		exp_set(e, 0, 0, io->cite);
		return true;
	}
	if (kps_ioctl_rule(io) == KPS_RULE_MSR) {
		gen_msrs(c, buf, size, e);
		return true;
	}
	if (io->dir == KPS_GET) {
		rnd_fill(&c->st, buf, size);
		if (io->size_kind != KPS_SIZE_CPUID2) {
			exp_set(e, 0, 0, "a GET's argument is output only");
			return true;
		}
		v = c->cpuid_nent;
		cp->nent = rnd_below(&c->st, 2) ? rnd_below(&c->st, v) :
			   v + rnd_below(&c->st, 0x7fffff00);
		exp_set(e, cp->nent < v ? -1 : 0, cp->nent < v ? E2BIG : 0,
			"nent < the vCPU's entries: 6.12 cpuid.c:582-583 -> -E2BIG");
		return true;
	}
	if (!c->payload && id != KPS_IO_translate)
		return false;
	if (c->payload)
		memcpy(buf, c->payload, size);
	switch (id) {
	case KPS_IO_set_regs:
		rnd_fill(&c->st, buf, size);
		exp_set(e, 0, 0, "6.12 regs.c:102-135 __set_regs(): no check");
		return true;
	case KPS_IO_set_fpu:
		rnd_fill(&c->st, buf, size);
		exp_set(e, 0, 0, "6.12 x86.c:11450-11471 set_fpu: no check");
		return true;
	case KPS_IO_translate:
		rnd_fill(&c->st, buf, size);
		exp_set(e, 0, 0, io->cite);
		return true;
	case KPS_IO_set_lapic:
		/* xAPIC mode: no check (lapic.c kvm_apic_state_fixup()) */
		rnd_fill(&c->st, buf, size);
		exp_set(e, 0, 0, "xAPIC: 6.12 lapic.c kvm_apic_state_fixup() checks only x2APIC");
		return true;
	case KPS_IO_set_sregs:
		gen_sregs(&c->st, buf, e);
		return true;
	case KPS_IO_set_sregs2:
		if (!rnd_below(&c->st, 4)) {
			((struct kvm_sregs2 *)buf)->flags |=
				rnd_bits(&c->st, ~(__u64)KVM_SREGS2_FLAGS_PDPTRS_VALID);
			exp_set(e, -1, EINVAL,
				"unknown flag: 6.12 regs.c:684-685 -> -EINVAL");
			return true;
		}
		/* kvm_sregs2 starts with the fields of kvm_sregs */
		gen_sregs(&c->st, buf, e);
		return true;
	case KPS_IO_set_debugregs:
		rnd_fill(&c->st, dbg->db, sizeof(dbg->db));
		dbg->flags = 0;
		dbg->dr6 = (__u32)rnd_next(&c->st);
		dbg->dr7 = (__u32)rnd_next(&c->st);
		exp_set(e, 0, 0, "6.12 regs.c:854-860: flags 0, DR6/DR7 < 2^32");
		switch (rnd_below(&c->st, 4)) {
		case 0:
			dbg->flags = (__u32)rnd_bits(&c->st, 0xffffffff);
			exp_set(e, -1, EINVAL, "flags != 0: 6.12 regs.c:854-855");
			break;
		case 1:
			dbg->dr6 |= rnd_bits(&c->st, ~0xffffffffULL);
			exp_set(e, -1, EINVAL, "DR6[63:32]: 6.12 regs.c:857-858 kvm_dr6_valid()");
			break;
		case 2:
			dbg->dr7 |= rnd_bits(&c->st, ~0xffffffffULL);
			exp_set(e, -1, EINVAL, "DR7[63:32]: 6.12 regs.c:859-860 kvm_dr7_valid()");
			break;
		}
		return true;
	case KPS_IO_set_xcrs:
		if (!xcrs->nr_xcrs) {
			/* GET_XCRS gave none: no XSAVE on the host */
			exp_set(e, -1, EINVAL, "no XSAVE: 6.12 x86.c:5218-5219");
			return true;
		}
		exp_set(e, 0, 0, "XCR0 as read, other XCR indices ignored: 6.12 x86.c:5221-5232");
		switch (rnd_below(&c->st, 4)) {
		case 0:
			xcrs->nr_xcrs = KVM_MAX_XCRS + 1 + rnd_below(&c->st, 1000);
			exp_set(e, -1, EINVAL, "nr_xcrs > KVM_MAX_XCRS: 6.12 x86.c:5221");
			break;
		case 1:
			xcrs->flags = (__u32)rnd_bits(&c->st, 0xffffffff);
			exp_set(e, -1, EINVAL, "flags != 0: 6.12 x86.c:5221");
			break;
		case 2:
			xcrs->xcrs[0].value &= ~1ULL;
			exp_set(e, -1, EINVAL,
				"XCR0 without x87: __kvm_set_xcr() fails, 6.12 x86.c:5227-5232");
			break;
		default:
			/* move XCR0 behind entries with other indices */
			v = rnd_below(&c->st, KVM_MAX_XCRS);
			xcrs->xcrs[v] = xcrs->xcrs[0];
			for (i = 0; i < v; i++)
				xcrs->xcrs[i].xcr = 1 + rnd_below(&c->st, 0xfffffffe);
			xcrs->nr_xcrs = v + 1;
			break;
		}
		return true;
	case KPS_IO_set_xsave:
		/* x87 and XMM registers: not checked (fpu/xstate.c) */
		rnd_fill(&c->st, (__u8 *)buf + 32, 416 - 32);
		exp_set(e, 0, 0, "register contents only: no check (6.12 fpu/core.c:409-440)");
		switch (rnd_below(&c->st, 3)) {
		case 0:
			*xfeatures |= 1ULL << 62;
			exp_set(e, -1, EINVAL,
				"XSTATE_BV outside supported XCR0: 6.12 arch/x86/kernel/fpu/core.c:424-425");
			break;
		case 1:
			*xfeatures |= 2;	/* SSE: the MXCSR is read */
			*mxcsr |= 0x80000000U;
			exp_set(e, -1, EINVAL,
				"MXCSR reserved bit: 6.12 arch/x86/kernel/fpu/xstate.c:1282-1283");
			break;
		}
		(void)xs;
		return true;
	case KPS_IO_set_vcpu_events:
		ev->flags &= KVM_VCPUEVENT_VALID_NMI_PENDING |
			     KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			     KVM_VCPUEVENT_VALID_SHADOW;
		ev->exception.injected = 0;
		ev->exception.pending = 0;
		ev->nmi.pending = rnd_below(&c->st, 2);
		ev->nmi.masked = rnd_below(&c->st, 2);
		ev->sipi_vector = rnd_next(&c->st);
		exp_set(e, 0, 0, "known flags, no exception: 6.12 x86.c:5016-5135");
		switch (rnd_below(&c->st, 4)) {
		case 0:
			ev->flags |= rnd_bits(&c->st, ~0x3fU);
			exp_set(e, -1, EINVAL, "unknown flag: 6.12 x86.c:5018-5024");
			break;
		case 1:
			ev->flags |= KVM_VCPUEVENT_VALID_PAYLOAD;
			exp_set(e, -1, EINVAL,
				"VALID_PAYLOAD without KVM_CAP_EXCEPTION_PAYLOAD: 6.12 x86.c:5026-5028");
			break;
		case 2:
			ev->exception.injected = 1;
			v = rnd_below(&c->st, 225);
			ev->exception.nr = v ? 31 + v : NMI_VECTOR;
			exp_set(e, -1, EINVAL,
				"exception vector NMI or > 31: 6.12 x86.c:5037-5039");
			break;
		}
		return true;
	case KPS_IO_set_mp_state:
		/* 6.12 x86.c:11251-11266; INIT/SIPI depend on the vendor */
		if (rnd_below(&c->st, 2)) {
			static const __u32 ok[] = {
				KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_UNINITIALIZED,
				KVM_MP_STATE_HALTED, KVM_MP_STATE_AP_RESET_HOLD,
			};
			mp->mp_state = ok[rnd_below(&c->st, ARRAY_SIZE(ok))];
			exp_set(e, 0, 0, "valid state, in-kernel LAPIC: 6.12 x86.c:11251-11262");
		} else {
			v = rnd_below(&c->st, 5);
			mp->mp_state = v < 4 ? KVM_MP_STATE_STOPPED + v :
				       KVM_MP_STATE_AP_RESET_HOLD + 1 +
				       rnd_below(&c->st, 0xfffffff0);
			exp_set(e, -1, EINVAL, "unknown state: 6.12 x86.c:11264-11265");
		}
		return true;
	case KPS_IO_set_cpuid2:
		gen_cpuid(c, cp, size, e);
		return true;
	case KPS_IO_set_guest_debug:
		/* No valid-mask check on x86; INJECT_* would queue #DB/#BP. */
		rnd_fill(&c->st, buf, size);
		gd->control &= ~(KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP);
		exp_set(e, 0, 0, "no INJECT_*: 6.12 x86.c:11342-11396, no control check");
		return true;
	case KPS_IO_set_nested_state:
		gen_nested(c, buf, size, e);
		return true;
	case KPS_IO_x86_setup_mce:
		gen_setup_mce(c, buf, e);
		return true;
	case KPS_IO_x86_set_mce:
		gen_set_mce(c, buf, e);
		return true;
	case KPS_IO_set_signal_mask:
		/* 6.12 kvm_main.c:4628-4630: len must be sizeof(sigset_t) */
		rnd_fill(&c->st, buf, size);
		sm = buf;
		if (rnd_below(&c->st, 2))
			sm->len = 8;
		else if (sm->len == 8)
			sm->len = 9;
		exp_set(e, sm->len == 8 ? 0 : -1, sm->len == 8 ? 0 : EINVAL,
			"6.12 kvm_main.c:4628-4630: len != sizeof(sigset_t) -> -EINVAL");
		return true;
	case KPS_IO_set_tsc_khz:
		/* (u32)arg (x86.c:5707): the upper half is ignored */
		*(__u64 *)buf = rnd_next(&c->st) << 32 |
				(rnd_below(&c->st, 2) ? (__u32)*(__u64 *)c->payload : 0);
		exp_set(e, 0, 0,
			"the vCPU's own frequency, or 0 = tsc_khz: 6.12 x86.c:5703-5718, within tsc_tolerance_ppm");
		return true;
	}
	return false;
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

/*
 * KVM_GET/SET_MSRS (spec 3, spec 6 item 3): exactly e->ret (the count, or
 * -1/E2BIG), header and indices untouched, SET writes nothing back, GET
 * zeroes the stopping entry (x86.c:499-504) and echoes later ones
 * (x86.c:4131).
 */
static void check_msrs(struct fuzz_ctx *c, int r, int err,
		       const struct kvm_msrs *m, const struct kvm_msrs *ref,
		       size_t size, const struct fuzz_exp *e)
{
	struct __test_metadata *_metadata = c->md;
	bool get = c->io->dir == KPS_GET;
	ssize_t diff;
	unsigned int i;

	ASSERT_EQ(e->ret, r) {
		TH_LOG("%s with nmsrs %u: expected %d%s%s, seen %d errno=%s (%s); %s",
		       c->io->nr_name, ref->nmsrs, e->ret,
		       e->ret == -1 ? "/" : "", e->ret == -1 ?
		       kps_errno_name(e->err) : "", r, kps_errno_name(err),
		       e->rule, ctx_str(c, ref, size));
	}
	if (r == -1) {
		ASSERT_EQ(e->err, err) {
			TH_LOG("%s with nmsrs %u: expected %s, seen %s (%s); %s",
			       c->io->nr_name, ref->nmsrs,
			       kps_errno_name(e->err), kps_errno_name(err),
			       e->rule, ctx_str(c, ref, size));
		}
		ASSERT_EQ(-1, kps_memdiff(m, ref, size)) {
			TH_LOG("%s E2BIG changed the caller's array; %s",
			       c->io->nr_name, ctx_str(c, ref, size));
		}
		return;
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
}

/*
 * One iteration of a row that takes a buffer (or a value, or nothing).
 * A row blocked on this vCPU gets any argument (random bytes, or a valid
 * one with a few random bytes) and must refuse it; any other row gets an
 * argument of a class whose answer the kernel's checks fix (gen_arg()).
 */
static void fuzz_row_once(struct fuzz_ctx *c, void *buf, void *ref,
			  size_t size)
{
	struct __test_metadata *_metadata = c->md;
	struct kvm_vcpu *vcpu = c->p->vcpus[0];
	const struct kps_state_ioctl *io = c->io;
	struct fuzz_exp x;
	struct kps_expect e;
	unsigned int i;
	char res[400];
	ssize_t diff;
	bool guard;
	int r, err;

	kps_expect_row(c->p, 0, io, &e);
	if (e.ret != -1 || kps_ioctl_rule(io) == KPS_RULE_MSR) {
		ASSERT_TRUE(gen_arg(c, buf, size, &x)) {
			TH_LOG("no argument generator for %s", io->nr_name);
		}
	} else if (c->payload && rnd_below(&c->st, 2)) {
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
	guard = io->dir == KPS_GET && size;
	if (guard)
		kps_guard_fill(buf, size);

	errno = 0;
	r = kps_ioctl_call(vcpu, io, buf);
	err = errno;
	diff = kps_memdiff(buf, ref, size);
	check_errno(c, r, err, ref, size);
	/* guard bytes: a GET, refused or not, never writes past its struct */
	if (guard) {
		ASSERT_EQ(-1, kps_guard_check(buf, size)) {
			TH_LOG("%s (ret %d) wrote past its %zu-byte argument: byte %zd changed; %s",
			       io->nr_name, r, size,
			       kps_guard_check(buf, size),
			       ctx_str(c, ref, size));
		}
	}

	if (kps_ioctl_rule(io) == KPS_RULE_MSR) {
		check_msrs(c, r, err, buf, ref, size, &x);
		return;
	}
	if (e.ret == -1) {
		kps_fmt_result(res, sizeof(res), io->nr_name,
			       kps_pvm_name(c->p), kps_phase_name(c->p->phase),
			       e.ret, e.err, r, err, diff);
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
	/* Not blocked: exactly what the row's checks give this argument. */
	kps_fmt_result(res, sizeof(res), io->nr_name, kps_pvm_name(c->p),
		       kps_phase_name(c->p->phase), x.ret, x.err, r, err, diff);
	ASSERT_EQ(x.ret, r) {
		TH_LOG("%s; rule: %s; %s", res, x.rule, ctx_str(c, ref, size));
	}
	if (r == -1) {
		ASSERT_EQ(x.err, err) {
			TH_LOG("%s; rule: %s; %s", res, x.rule,
			       ctx_str(c, ref, size));
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
 * kvm_valid_regs/kvm_dirty_regs and kvm_run->s.regs for a vCPU whose VM
 * allows sync regs, in classes with one answer each (6.12 x86.c):
 *   a bit outside KVM_SYNC_X86_VALID_FIELDS   -EINVAL (11142-11147)
 *   valid bits, nothing dirty                 -EINTR (immediate_exit, 11189)
 *   dirty state as KVM stored it, registers and free sregs fields random
 *                                              -EINTR (regs.c:721-738)
 *   dirty SREGS with a reserved CR4/CR0 bit    -EINVAL (regs.c:731-732)
 */
static void gen_sync(struct fuzz_ctx *c, __u64 *valid, __u64 *dirty,
		     struct fuzz_exp *e)
{
	struct kvm_run *run = c->p->vcpus[0]->run;
	struct fuzz_exp se;

	*valid = rnd_next(&c->st) & KVM_SYNC_X86_VALID_FIELDS;
	*dirty = 0;
	switch (rnd_below(&c->st, 4)) {
	case 0:
		if (rnd_below(&c->st, 2))
			*valid |= rnd_bits(&c->st, ~(__u64)KVM_SYNC_X86_VALID_FIELDS);
		else
			*dirty = rnd_bits(&c->st, ~(__u64)KVM_SYNC_X86_VALID_FIELDS);
		rnd_fill(&c->st, &run->s.regs, sizeof(run->s.regs));
		exp_set(e, -1, EINVAL,
			"bit outside KVM_SYNC_X86_VALID_FIELDS: 6.12 x86.c:11142-11147");
		return;
	case 1:
		if (!*valid)
			*valid = KVM_SYNC_X86_REGS;
		rnd_fill(&c->st, &run->s.regs, sizeof(run->s.regs));
		exp_set(e, -1, EINTR, "nothing dirty: immediate_exit, 6.12 x86.c:11189");
		return;
	}
	/* Let KVM store its state, then change what has no check. */
	kps_run_immediate(c->p->vcpus[0], KVM_SYNC_X86_VALID_FIELDS, 0);
	rnd_fill(&c->st, &run->s.regs.regs, sizeof(run->s.regs.regs));
	*dirty = rnd_bits(&c->st, KVM_SYNC_X86_VALID_FIELDS);
	gen_sregs(&c->st, &run->s.regs.sregs, &se);
	if (se.ret == -1 && (*dirty & KVM_SYNC_X86_SREGS)) {
		exp_set(e, -1, EINVAL, se.rule);
		return;
	}
	exp_set(e, -1, EINTR,
		"dirty state valid: 6.12 regs.c:721-738, then immediate_exit (x86.c:11189)");
}

/*
 * The sync_regs row: KVM_RUN with immediate_exit = 1 (the guest never
 * runs).  On a VM with protected state any bit gives -EINVAL with
 * kvm_run->s.regs untouched (spec 4); elsewhere gen_sync()'s answer.
 */
static void fuzz_sync_once(struct fuzz_ctx *c)
{
	struct __test_metadata *_metadata = c->md;
	struct kvm_vcpu *vcpu = c->p->vcpus[0];
	struct kvm_run *run = vcpu->run;
	bool ps = kps_pvm_has_protected_state(c->p);
	struct kvm_sync_regs ref;
	struct fuzz_exp x;
	__u64 valid, dirty;
	ssize_t diff;
	int r, err;

	if (ps) {
		valid = rnd_next(&c->st);
		dirty = rnd_next(&c->st);
		if (rnd_below(&c->st, 4)) {
			valid &= KVM_SYNC_X86_VALID_FIELDS;
			dirty &= KVM_SYNC_X86_VALID_FIELDS;
		}
		/* Both zero would be a plain KVM_RUN: keep one bit. */
		if (!valid && !dirty)
			valid = KVM_SYNC_X86_REGS;
		rnd_fill(&c->st, &run->s.regs, sizeof(run->s.regs));
		/* spec 4: x86.c:11142-11147, any bit -> -EINVAL, nothing stored */
		exp_set(&x, -1, EINVAL,
			"spec 4: has_protected_state, 6.12 x86.c:4179-4182, 11142-11147");
	} else {
		gen_sync(c, &valid, &dirty, &x);
	}
	memcpy(&ref, &run->s.regs, sizeof(ref));

	r = kps_run_immediate(vcpu, valid, dirty);
	err = errno;
	diff = kps_memdiff(&run->s.regs, &ref, sizeof(ref));
	check_errno(c, r, err, &ref, sizeof(ref));

	ASSERT_EQ(x.ret, r) {
		TH_LOG("KVM_RUN on %s (valid %#llx, dirty %#llx): expected %d, seen %d (%s); %s",
		       kps_pvm_name(c->p), (unsigned long long)valid,
		       (unsigned long long)dirty, x.ret, r, x.rule,
		       ctx_str(c, &ref, sizeof(ref)));
	}
	ASSERT_EQ(x.err, err) {
		TH_LOG("KVM_RUN on %s (valid %#llx, dirty %#llx): expected %s, seen %s (%s); %s",
		       kps_pvm_name(c->p), (unsigned long long)valid,
		       (unsigned long long)dirty, kps_errno_name(x.err),
		       kps_errno_name(err), x.rule,
		       ctx_str(c, &ref, sizeof(ref)));
	}
	if (!ps)
		return;
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
	ignore_msrs = kps_module_param_bool("kvm", "ignore_msrs");
	ASSERT_LE(0, ignore_msrs) {
		TH_LOG("setup: /sys/module/kvm/parameters/ignore_msrs unreadable");
	}
	self->size = fuzz_size(p->vcpus[0], io);
	self->buf = calloc(1, self->size + KPS_GUARD_LEN);
	self->ref = calloc(1, self->size ? self->size : 1);
	ASSERT_TRUE(self->buf && self->ref) {
		TH_LOG("setup: calloc(%zu) failed", self->size);
	}
	if (io - kps_state_ioctls == KPS_IO_get_cpuid2) {
		/* a known entry count: libkvm's supported CPUID */
		const struct kvm_cpuid2 *sup = kvm_get_supported_cpuid();
		struct kvm_cpuid2 *now = self->buf;

		r = ioctl(p->vcpus[0]->fd, KVM_SET_CPUID2, sup);
		ASSERT_EQ(0, r) {
			TH_LOG("setup: KVM_SET_CPUID2 of the supported CPUID: errno %s",
			       kps_errno_name(errno));
		}
		/*
		 * The vCPU's cpuid_nent, the state the rule compares with:
		 * read back, as the PVM host keeps 2 entries fewer than set.
		 */
		now->nent = KPS_CPUID_MAX_NENT;
		ASSERT_EQ(0, ioctl(p->vcpus[0]->fd, KVM_GET_CPUID2, now));
		c.cpuid_nent = now->nent;
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
