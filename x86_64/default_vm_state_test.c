// SPDX-License-Identifier: GPL-2.0-only
/*
 * default_vm_state_test - every guest-state ioctl of the catalog works on a
 * KVM_X86_DEFAULT_VM vCPU.
 *
 * On a type-0 VM nothing is protected (spec section 3, column D: has_protected_state
 * is never set for type 0, 6.12 svm.c:5179-5182), so each catalog row returns
 * exactly its success value (0; GET/SET_MSRS: the number of MSRs asked) and
 * SET of what GET returned reads back byte for byte.  Two phases, one result
 * line per (phase, ioctl):
 *   fresh_vcpu: right after KVM_CREATE_VCPU (+ KVM_SET_CPUID2 of the
 *               supported CPUID, as every VMM does);
 *   after_run:  after the vCPU ran a libkvm guest to a GUEST_SYNC ucall.
 * The sync_regs row checks kvm_run->s.regs against GET_REGS/SREGS/
 * VCPU_EVENTS and that kvm_dirty_regs is applied.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kps_host.h"
#include "kps_leak.h"
#include "kps_protected.h"
#include "kps_state_ioctls.h"
#include "kps_util.h"

#define SYNC_RBX	0xdead0000ull

/*
 * After a GUEST_SYNC the guest spins on the ucall port touching only RAX
 * (the "in") and RBX (+1 per exit), as upstream sync_regs_test does, so a
 * dirty RBX can be checked after a real KVM_RUN.
 */
static struct ucall uc_none = {
	.cmd = UCALL_NONE,
};

static void guest_code(void)
{
	GUEST_SYNC(0);
	asm volatile("1: in %[port], %%al\n\t"
		     "add $0x1, %%rbx\n\t"
		     "jmp 1b"
		     : : [port] "d" ((uint16_t)0x1000), "D" (&uc_none)
		     : "rax", "rbx");
}

static const char *type_name(unsigned long type)
{
	const char *name = kps_vm_type_name(type);

	return name ? name : "?";
}

/* Room for the argument plus the guard bytes after it (kps_util.h). */
static void *alloc_buf(struct __test_metadata *_metadata, size_t size)
{
	void *p = calloc(1, size + KPS_GUARD_LEN);

	ASSERT_NE(NULL, p) {
		TH_LOG("calloc(%zu) failed", size + KPS_GUARD_LEN);
	}
	return p;
}

/* ASSERT ret == exp (and errno when exp is -1) with the one-line message. */
static void assert_res(struct __test_metadata *_metadata, const char *what,
		       struct kvm_vcpu *vcpu, const char *phase, int exp,
		       int exp_err, int ret, int err)
{
	char msg[256];

	kps_fmt_result(msg, sizeof(msg), what, type_name(vcpu->vm->type),
		       phase, exp, exp_err, ret, err, -1);
	ASSERT_EQ(exp, ret) {
		TH_LOG("%s", msg);
	}
	if (exp == -1) {
		ASSERT_EQ(exp_err, err) {
			TH_LOG("%s", msg);
		}
	}
}

static void assert_ret(struct __test_metadata *_metadata, const char *what,
		       struct kvm_vcpu *vcpu, const char *phase, int exp,
		       int ret, int err)
{
	assert_res(_metadata, what, vcpu, phase, exp, 0, ret, err);
}

/*
 * A GET of the row into buf (size bytes, guard bytes after it): returns
 * what kps_ioctl_call() returns, errno kept; fails, naming the offset, if
 * KVM wrote past the struct, whether the GET succeeded or not.
 */
static int guarded_get(struct __test_metadata *_metadata,
		       struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		       void *buf, size_t size, const char *phase)
{
	ssize_t off;
	int r, err;

	kps_guard_fill(buf, size);
	kps_ioctl_prep_get(vcpu, io, buf, size);
	errno = 0;
	r = kps_ioctl_call(vcpu, io, buf);
	err = errno;
	off = kps_guard_check(buf, size);
	ASSERT_EQ(-1, off) {
		TH_LOG("%s on type %s phase %s (ret %d) wrote past its %zu-byte argument: byte %zd",
		       io->nr_name, type_name(vcpu->vm->type), phase, r, size,
		       off);
	}
	errno = err;
	return r;
}

/*
 * GET twice into buffers with different canaries: both return the success
 * value, and the state bytes agree, which shows every state byte was
 * written (a byte left alone keeps two different canary values) and that
 * GET is stable on an idle vCPU.  A row whose rule refuses it here
 * (kps_ioctl_base_errno()) returns exactly -1 with that errno and writes
 * nothing.
 */
static void check_get(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		      const char *phase)
{
	size_t size = kps_ioctl_buf_size(vcpu, io), n;
	void *a = alloc_buf(_metadata, size), *b = alloc_buf(_metadata, size);
	const char *type = type_name(vcpu->vm->type);
	int r, exp, base = kps_ioctl_base_errno(io, NULL);
	ssize_t d;

	kps_canary_fill(a, size, KPS_CANARY_SEED);
	kps_ioctl_prep_get(vcpu, io, a, size);
	memcpy(b, a, size);
	exp = base ? -1 : kps_ioctl_success_ret(io, a);
	r = guarded_get(_metadata, vcpu, io, a, size, phase);
	/* type 0: no protected-state check applies (spec section 3, col. D) */
	assert_res(_metadata, io->nr_name, vcpu, phase, exp, base, r, errno);
	if (base) {
		/* io->cite: refused before anything is copied out */
		d = kps_memdiff(a, b, size);
		ASSERT_EQ(-1, d) {
			TH_LOG("%s on type %s phase %s: refused, but byte %zd changed",
			       io->nr_name, type, phase, d);
		}
		free(a);
		free(b);
		return;
	}

	kps_canary_fill(b, size, KPS_CANARY_SEED2);
	r = guarded_get(_metadata, vcpu, io, b, size, phase);
	assert_ret(_metadata, io->nr_name, vcpu, phase, exp, r, errno);

	n = kps_ioctl_data_size(vcpu, io, a);
	ASSERT_EQ(n, kps_ioctl_data_size(vcpu, io, b));
	ASSERT_EQ(-1, kps_memdiff(a, b, n)) {
		TH_LOG("%s on type %s phase %s: two GETs differ at byte %zd of %zu",
		       io->nr_name, type, phase, kps_memdiff(a, b, n), n);
		TH_LOG("(a byte KVM did not write, or state that moved)");
	}
	free(a);
	free(b);
}

/*
 * A change for item 4 of the SET rows with a GET partner: a valid value
 * different from the current one, at [off, off + len) of the GET image.
 * Returns false when the row has no field to change here (the caller
 * says why).
 */
struct change {
	size_t off, len;
	const char *field;
};

static __u64 tsc_khz_now(struct kvm_vcpu *vcpu)
{
	return ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
}

static int find_msr(const struct kvm_msrs *m, __u32 index)
{
	unsigned int i;

	for (i = 0; i < m->nmsrs; i++)
		if (m->entries[i].index == index)
			return i;
	return -1;
}

static bool make_change(struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
			void *buf, struct change *c)
{
	struct kvm_regs *regs = buf;
	struct kvm_sregs *sregs = buf;
	struct kvm_sregs2 *sregs2 = buf;
	struct kvm_fpu *fpu = buf;
	struct kvm_debugregs *dbg = buf;
	struct kvm_xcrs *xcrs = buf;
	struct kvm_xsave *xsave = buf;
	struct kvm_vcpu_events *ev = buf;
	struct kvm_mp_state *mp = buf;
	struct kvm_lapic_state *lapic = buf;
	struct kvm_cpuid2 *cpuid = buf;
	struct kvm_msrs *msrs = buf;
	__u64 *val = buf;
	unsigned int i;
	int k;

#define CHANGE(ptr, name) do {						\
		c->off = (char *)&(ptr) - (char *)buf;			\
		c->len = sizeof(ptr);					\
		c->field = name;					\
	} while (0)

	switch (io - kps_state_ioctls) {
	case KPS_IO_set_regs:
		regs->rbx ^= 0x5a5a5a5a5a5a5a5aull;
		CHANGE(regs->rbx, "rbx");
		return true;
	case KPS_IO_set_sregs:
		sregs->cr2 ^= 0x12345000ull;
		CHANGE(sregs->cr2, "cr2");
		return true;
	case KPS_IO_set_sregs2:
		sregs2->cr2 ^= 0x12345000ull;
		CHANGE(sregs2->cr2, "cr2");
		return true;
	case KPS_IO_set_fpu:
		fpu->xmm[0][0] ^= 0xff;
		CHANGE(fpu->xmm[0], "xmm0");
		return true;
	case KPS_IO_set_debugregs:
		dbg->db[0] ^= 0x1000;
		CHANGE(dbg->db[0], "db[0]");
		return true;
	case KPS_IO_set_xcrs:
		if (!xcrs->nr_xcrs)
			return false;
		/* XCR0 x87 alone or x87|SSE: valid either way (x86.c __kvm_set_xcr) */
		xcrs->xcrs[0].value = xcrs->xcrs[0].value == 1 ? 3 : 1;
		CHANGE(xcrs->xcrs[0].value, "XCR0");
		return true;
	case KPS_IO_set_xsave:
		/* xmm0 of the legacy area, with XSTATE_BV.SSE (offset 512) */
		xsave->region[160 / 4] ^= 0xff;
		xsave->region[512 / 4] |= 2;
		CHANGE(xsave->region[160 / 4], "xmm0");
		return true;
	case KPS_IO_set_vcpu_events:
		ev->nmi.masked ^= 1;
		CHANGE(ev->nmi.masked, "nmi.masked");
		return true;
	case KPS_IO_set_mp_state:
		/* needs the in-kernel LAPIC the test created (x86.c:11259) */
		mp->mp_state = mp->mp_state == KVM_MP_STATE_RUNNABLE ?
			       KVM_MP_STATE_HALTED : KVM_MP_STATE_RUNNABLE;
		CHANGE(mp->mp_state, "mp_state");
		return true;
	case KPS_IO_set_lapic:
		lapic->regs[0x80] = lapic->regs[0x80] == 0x20 ? 0x30 : 0x20;
		CHANGE(lapic->regs[0x80], "TPR");
		return true;
	case KPS_IO_set_cpuid2:
		for (i = 0; i < cpuid->nent; i++) {
			if (cpuid->entries[i].function == 1 &&
			    cpuid->entries[i].index == 0) {
				/* CPUID.1:ECX[31], the hypervisor bit */
				cpuid->entries[i].ecx ^= 1u << 31;
				CHANGE(cpuid->entries[i].ecx, "CPUID.1.ECX");
				return true;
			}
		}
		return false;
	case KPS_IO_set_msrs:
		k = find_msr(msrs, MSR_LSTAR);
		if (k < 0)
			return false;
		/* bit 12: canonical stays canonical */
		msrs->entries[k].data ^= 0x1000;
		CHANGE(msrs->entries[k].data, "MSR_LSTAR");
		return true;
	case KPS_IO_set_tsc_khz:
		/*
		 * 10% up: outside the tolerance, so KVM scales, or without
		 * TSC scaling catches up (x86.c:2021-2025): 0 either way.
		 */
		*val += *val / 10;
		CHANGE(*val, "tsc_khz");
		return true;
	default:
		return false;
	}
#undef CHANGE
}

/*
 * SET of what the partner GET returned: SET returns the success value,
 * leaves the buffer alone, and the partner GET reads the same bytes back.
 * Then item 4: SET a valid value different from the current one, the GET
 * sees exactly that change, and SET of the original restores it.
 */
static void check_set_round_trip(struct __test_metadata *_metadata,
				 struct kvm_vcpu *vcpu,
				 const struct kps_state_ioctl *io,
				 const char *phase, bool ran)
{
	const struct kps_state_ioctl *get = kps_ioctl_partner(io);
	size_t size = kps_ioctl_buf_size(vcpu, io), n;
	void *buf = alloc_buf(_metadata, size);
	void *orig = alloc_buf(_metadata, size);
	void *back = alloc_buf(_metadata, size);
	const char *type = type_name(vcpu->vm->type);
	struct change c;
	ssize_t diff;
	int r, exp;

	r = kps_ioctl_prep_set(vcpu, io, buf, size);
	exp = kps_ioctl_success_ret(get, buf);
	assert_ret(_metadata, get->nr_name, vcpu, phase, exp, r, errno);
	memcpy(orig, buf, size);

	exp = kps_ioctl_success_ret(io, buf);
	r = kps_ioctl_call(vcpu, io, buf);
	/* type 0: no protected-state check applies (spec section 3, col. D) */
	assert_ret(_metadata, io->nr_name, vcpu, phase, exp, r, errno);
	diff = kps_memdiff(orig, buf, size);
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s on type %s phase %s wrote its input buffer at byte %zd",
		       io->nr_name, type, phase, diff);
	}

	kps_canary_fill(back, size, KPS_CANARY_SEED);
	exp = kps_ioctl_success_ret(get, back);
	r = guarded_get(_metadata, vcpu, get, back, size, phase);
	exp = kps_ioctl_success_ret(get, back);
	assert_ret(_metadata, get->nr_name, vcpu, phase, exp, r, errno);
	n = kps_ioctl_data_size(vcpu, get, orig);
	ASSERT_EQ(n, kps_ioctl_data_size(vcpu, get, back));
	diff = kps_memdiff(orig, back, n);
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s on type %s phase %s: %s reads back a change",
		       io->nr_name, type, phase, get->nr_name);
		TH_LOG("first changed byte %zd of %zu", diff, n);
	}

	/* Item 4: a different valid value is applied, then restored. */
	memcpy(buf, orig, size);
	ASSERT_TRUE(make_change(vcpu, io, buf, &c)) {
		TH_LOG("%s: no field to change on type %s phase %s",
		       io->nr_name, type, phase);
	}
	r = kps_ioctl_call(vcpu, io, buf);
	if (ran && io == KPS_IO(set_cpuid2)) {
		/* 6.12 cpuid.c:475-476: after KVM_RUN only identical data */
		assert_res(_metadata, "KVM_SET_CPUID2(changed) after KVM_RUN",
			   vcpu, phase, -1, EINVAL, r, errno);
		memcpy(buf, orig, size);
	} else {
		assert_ret(_metadata, io->nr_name, vcpu, phase,
			   kps_ioctl_success_ret(io, buf), r, errno);
	}
	kps_canary_fill(back, size, KPS_CANARY_SEED2);
	r = guarded_get(_metadata, vcpu, get, back, size, phase);
	assert_ret(_metadata, get->nr_name, vcpu, phase,
		   kps_ioctl_success_ret(get, back), r, errno);
	ASSERT_EQ(-1, kps_memdiff((char *)buf + c.off, (char *)back + c.off,
				  c.len)) {
		TH_LOG("%s on type %s phase %s: changed %s not seen by %s (SET ignored?)",
		       io->nr_name, type, phase, c.field, get->nr_name);
	}
	if (memcmp(buf, orig, size))
		ASSERT_NE(-1, kps_memdiff((char *)orig + c.off,
					  (char *)back + c.off, c.len));
	r = kps_ioctl_call(vcpu, io, orig);
	assert_ret(_metadata, "restore", vcpu, phase,
		   kps_ioctl_success_ret(io, orig), r, errno);
	free(buf);
	free(orig);
	free(back);
}

/*
 * KVM_SET_TSC_KHZ: the current frequency (SET of GET) is accepted, a
 * frequency 10% higher is accepted and KVM_GET_TSC_KHZ reports it, then
 * the original is restored.  KVM_GET_TSC_KHZ returns the frequency as its
 * positive return value, by design (x86.c:5721-5723).
 */
static void check_set_tsc_khz(struct __test_metadata *_metadata,
			      struct kvm_vcpu *vcpu,
			      const struct kps_state_ioctl *io,
			      const char *phase)
{
	__u64 khz = tsc_khz_now(vcpu);

	/* the raw ioctl: positive, the frequency itself */
	ASSERT_LT(0, (int)khz) {
		TH_LOG("KVM_GET_TSC_KHZ phase %s: %d, expected a positive frequency",
		       phase, (int)khz);
	}
	/* 6.12 x86.c:5703: no check; then the generic round trip + change */
	check_set_round_trip(_metadata, vcpu, io, phase, false);
	assert_ret(_metadata, "KVM_GET_TSC_KHZ after restore", vcpu, phase,
		   (int)khz, (int)tsc_khz_now(vcpu), errno);
}

/* KVM_GET_TSC_KHZ: the generic GET, and the raw return is that value. */
static void check_get_tsc_khz(struct __test_metadata *_metadata,
			      struct kvm_vcpu *vcpu,
			      const struct kps_state_ioctl *io,
			      const char *phase)
{
	int r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);

	/* x86.c:5721-5723: r = virtual_tsc_khz, positive by design */
	ASSERT_LT(0, r) {
		TH_LOG("KVM_GET_TSC_KHZ on type %s phase %s: ret %d errno %s, expected > 0",
		       type_name(vcpu->vm->type), phase, r,
		       kps_errno_name(errno));
	}
	check_get(_metadata, vcpu, io, phase);
}

/*
 * KVM_SET_GUEST_DEBUG: control = 0 (disable) returns 0; INJECT_DB queues
 * #DB, which KVM_GET_VCPU_EVENTS then reports as injected (x86.c:11353-11360;
 * not #BP: a soft exception is not reported, x86.c:4969-4978); the
 * original events restore it.  After a run, SINGLESTEP makes the next
 * KVM_RUN exit with KVM_EXIT_DEBUG instead of the guest's port I/O.
 */
static void check_set_guest_debug(struct __test_metadata *_metadata,
				  struct kvm_vcpu *vcpu,
				  const struct kps_state_ioctl *io,
				  const char *phase, bool ran)
{
	struct kvm_vcpu_events ev0, ev;
	struct kvm_guest_debug dbg;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &dbg, sizeof(dbg));
	ASSERT_EQ(0, r);
	r = kps_ioctl_call(vcpu, io, &dbg);
	/* 6.12 x86.c:11348-11349: only guest_state_protected blocks it */
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);

	vcpu_events_get(vcpu, &ev0);
	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_INJECT_DB;
	r = kps_ioctl_call(vcpu, io, &dbg);
	assert_ret(_metadata, "KVM_SET_GUEST_DEBUG(INJECT_DB)", vcpu, phase, 0,
		   r, errno);
	vcpu_events_get(vcpu, &ev);
	/* without KVM_CAP_EXCEPTION_PAYLOAD: injected |= pending */
	ASSERT_TRUE(ev.exception.injected == 1 && ev.exception.nr == 1) {
		TH_LOG("after INJECT_DB phase %s: exception injected %u pending %u nr %u, want #DB",
		       phase, ev.exception.injected, ev.exception.pending,
		       ev.exception.nr);
	}
	dbg.control = 0;
	r = kps_ioctl_call(vcpu, io, &dbg);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	vcpu_events_set(vcpu, &ev0);
	if (!ran)
		return;

	dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	r = kps_ioctl_call(vcpu, io, &dbg);
	assert_ret(_metadata, "KVM_SET_GUEST_DEBUG(SINGLESTEP)", vcpu, phase,
		   0, r, errno);
	r = _vcpu_run(vcpu);
	assert_ret(_metadata, "KVM_RUN with SINGLESTEP", vcpu, phase, 0, r,
		   errno);
	ASSERT_EQ(KVM_EXIT_DEBUG, vcpu->run->exit_reason) {
		TH_LOG("single-step: exit reason %u (%s), expected KVM_EXIT_DEBUG",
		       vcpu->run->exit_reason,
		       exit_reason_str(vcpu->run->exit_reason));
	}
	dbg.control = 0;
	r = kps_ioctl_call(vcpu, io, &dbg);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
}

/*
 * KVM_TRANSLATE of the linear RIP: 0 and valid (the vCPU fetches from
 * there); with paging off (fresh vCPU) the GPA is the linear address.
 */
static void check_translate(struct __test_metadata *_metadata,
			    struct kvm_vcpu *vcpu,
			    const struct kps_state_ioctl *io,
			    const char *phase, bool paging)
{
	struct kvm_translation tr;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	__u64 linear;
	int r;

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	linear = sregs.cs.base + regs.rip;
	r = kps_ioctl_prep_set(vcpu, io, &tr, sizeof(tr));
	ASSERT_EQ(0, r);
	tr.linear_address = linear;
	r = kps_ioctl_call(vcpu, io, &tr);
	/* 6.12 x86.c:11406-11425: no check */
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	ASSERT_EQ(1, tr.valid) {
		TH_LOG("KVM_TRANSLATE(%#llx) phase %s: not valid", linear, phase);
	}
	if (!paging)
		ASSERT_EQ(linear, tr.physical_address) {
			TH_LOG("KVM_TRANSLATE(%#llx) with paging off gave %#llx",
			       linear, tr.physical_address);
		}
}

/* KVM_NMI: 0, and GET_VCPU_EVENTS then reports the NMI pending. */
static void check_nmi(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		      const char *phase)
{
	struct kvm_vcpu_events ev;
	int r;

	r = kps_ioctl_call(vcpu, io, NULL);
	/* 6.12 x86.c:4773-4778: no check */
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	vcpu_events_get(vcpu, &ev);
	ASSERT_EQ(1, ev.nmi.pending) {
		TH_LOG("KVM_GET_VCPU_EVENTS after KVM_NMI phase %s: nmi.pending=%u",
		       phase, ev.nmi.pending);
	}
}

/* KVM_SMI: 0, and GET_VCPU_EVENTS then reports the SMI pending. */
static void check_smi(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		      const char *phase)
{
	struct kvm_vcpu_events ev;
	int r;

	r = kps_ioctl_call(vcpu, io, NULL);
	/* 6.12 smm.h:143-147: KVM_REQ_SMI, 0 */
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	/* x86.c:4955-4956: GET_VCPU_EVENTS processes the request first */
	vcpu_events_get(vcpu, &ev);
	ASSERT_TRUE((ev.flags & KVM_VCPUEVENT_VALID_SMM) && ev.smi.pending) {
		TH_LOG("KVM_GET_VCPU_EVENTS after KVM_SMI phase %s: flags %#x smi.pending=%u",
		       phase, ev.flags, ev.smi.pending);
	}
}

/*
 * KVM_INTERRUPT: the catalog's irq >= 256 -> -EINVAL (x86.c:4748-4749).
 * A valid vector: without an in-kernel irqchip it is queued and
 * GET_VCPU_EVENTS reports it (x86.c:4752-4755); with the in-kernel PIC
 * libkvm creates for a full VM, -ENXIO (x86.c:4762-4763).
 */
static void check_interrupt(struct __test_metadata *_metadata,
			    struct kvm_vcpu *vcpu,
			    const struct kps_state_ioctl *io,
			    const char *phase, bool pic)
{
	struct kvm_interrupt irq;
	struct kvm_vcpu_events ev;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &irq, sizeof(irq));
	ASSERT_EQ(0, r);
	r = kps_ioctl_call(vcpu, io, &irq);
	assert_res(_metadata, "KVM_INTERRUPT(irq 0xffffffff)", vcpu, phase,
		   -1, kps_ioctl_base_errno(io, NULL), r, errno);

	irq.irq = 0x30;
	r = kps_ioctl_call(vcpu, io, &irq);
	if (pic) {
		assert_res(_metadata, "KVM_INTERRUPT(0x30) with in-kernel PIC",
			   vcpu, phase, -1, ENXIO, r, errno);
		return;
	}
	assert_ret(_metadata, "KVM_INTERRUPT(0x30)", vcpu, phase, 0, r, errno);
	vcpu_events_get(vcpu, &ev);
	ASSERT_TRUE(ev.interrupt.injected == 1 && ev.interrupt.nr == 0x30) {
		TH_LOG("KVM_GET_VCPU_EVENTS after KVM_INTERRUPT(0x30) phase %s: injected %u nr %#x",
		       phase, ev.interrupt.injected, ev.interrupt.nr);
	}
}

/*
 * KVM_KVMCLOCK_CTRL: -EINVAL while no pv clock is enabled (x86.c:5244);
 * after a run, with MSR_KVM_SYSTEM_TIME_NEW pointing at a guest page
 * (host write, x86.c:3940), 0; the MSR is then cleared again.
 */
static void check_kvmclock_ctrl(struct __test_metadata *_metadata,
				struct kvm_vcpu *vcpu,
				const struct kps_state_ioctl *io,
				const char *phase, bool ran)
{
	__u64 gpa;
	int r;

	r = kps_ioctl_call(vcpu, io, NULL);
	assert_res(_metadata, io->nr_name, vcpu, phase, -1,
		   kps_ioctl_base_errno(io, NULL), r, errno);
	if (!ran)
		return;
	gpa = addr_gva2gpa(vcpu->vm, vm_vaddr_alloc_page(vcpu->vm));
	vcpu_set_msr(vcpu, MSR_KVM_SYSTEM_TIME_NEW, gpa | 1);
	r = kps_ioctl_call(vcpu, io, NULL);
	assert_ret(_metadata, "KVM_KVMCLOCK_CTRL with pv clock enabled", vcpu,
		   phase, 0, r, errno);
	vcpu_set_msr(vcpu, MSR_KVM_SYSTEM_TIME_NEW, 0);
	r = kps_ioctl_call(vcpu, io, NULL);
	assert_res(_metadata, "KVM_KVMCLOCK_CTRL after disabling it", vcpu,
		   phase, -1, EINVAL, r, errno);
}

/* A row the kernel refuses on every vCPU: exact errno, argument unread. */
static void check_refused(struct __test_metadata *_metadata,
			  struct kvm_vcpu *vcpu,
			  const struct kps_state_ioctl *io, const char *phase)
{
	size_t size = kps_ioctl_buf_size(vcpu, io);
	void *buf = alloc_buf(_metadata, size);
	ssize_t d;
	int r;

	kps_canary_fill(buf, size, KPS_CANARY_SEED);
	r = kps_ioctl_call(vcpu, io, buf);
	/* io->cite */
	assert_res(_metadata, io->nr_name, vcpu, phase, -1,
		   kps_ioctl_base_errno(io, NULL), r, errno);
	d = kps_canary_check(buf, size, KPS_CANARY_SEED);
	ASSERT_EQ(-1, d) {
		TH_LOG("%s phase %s changed byte %zd of its argument", io->nr_name,
		       phase, d);
	}
	free(buf);
}

static __u64 get_msr(struct __test_metadata *_metadata, struct kvm_vcpu *vcpu,
		     __u32 index)
{
	return vcpu_get_msr(vcpu, index);
}

/*
 * KVM_X86_SETUP_MCE: the current MCG_CAP is accepted; another bank count
 * is too, and MSR_IA32_MCG_CAP reads it back (x86.c:4799); restored.
 */
static void check_setup_mce(struct __test_metadata *_metadata,
			    struct kvm_vcpu *vcpu,
			    const struct kps_state_ioctl *io,
			    const char *phase)
{
	__u64 cap, want;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &cap, sizeof(cap));
	assert_ret(_metadata, "KVM_GET_MSRS(MCG_CAP)", vcpu, phase, 0, r,
		   errno);
	r = kps_ioctl_call(vcpu, io, &cap);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	want = (cap & ~0xffull) | ((cap & 0xff) == 10 ? 11 : 10);
	r = kps_ioctl_call(vcpu, io, &want);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	ASSERT_EQ(want, get_msr(_metadata, vcpu, MSR_IA32_MCG_CAP)) {
		TH_LOG("KVM_X86_SETUP_MCE(%#llx) phase %s: MCG_CAP reads %#llx",
		       want, phase,
		       get_msr(_metadata, vcpu, MSR_IA32_MCG_CAP));
	}
	r = kps_ioctl_call(vcpu, io, &cap);
	assert_ret(_metadata, "restore", vcpu, phase, 0, r, errno);
	ASSERT_EQ(cap, get_msr(_metadata, vcpu, MSR_IA32_MCG_CAP));
}

/*
 * KVM_X86_SET_MCE of a corrected error in bank 0: 0, and MC0_STATUS /
 * MC0_ADDR read it back (x86.c:4891-4898); cleared again by host writes.
 */
static void check_set_mce(struct __test_metadata *_metadata,
			  struct kvm_vcpu *vcpu,
			  const struct kps_state_ioctl *io, const char *phase)
{
	struct kvm_x86_mce mce;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &mce, sizeof(mce));
	ASSERT_EQ(0, r);
	mce.status |= 0x1234;
	mce.addr = 0xabc000;
	r = kps_ioctl_call(vcpu, io, &mce);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	ASSERT_EQ(mce.status, get_msr(_metadata, vcpu, MSR_IA32_MC0_STATUS)) {
		TH_LOG("KVM_X86_SET_MCE phase %s: MC0_STATUS %#llx, expected %#llx",
		       phase, get_msr(_metadata, vcpu, MSR_IA32_MC0_STATUS),
		       mce.status);
	}
	ASSERT_EQ(mce.addr, get_msr(_metadata, vcpu, MSR_IA32_MC0_ADDR));
	vcpu_set_msr(vcpu, MSR_IA32_MC0_STATUS, 0);
	vcpu_set_msr(vcpu, MSR_IA32_MC0_ADDR, 0);
}

static void sig_nop(int sig)
{
}

/*
 * KVM_SET_SIGNAL_MASK: the thread's own mask and NULL are accepted
 * (kvm_main.c:4619-4641).  After a run: with SIGUSR1 blocked in the
 * thread and pending, a vCPU mask that unblocks it makes KVM_RUN return
 * -EINTR / KVM_EXIT_INTR before the guest runs (the mask applies during
 * KVM_RUN); back to NULL, the guest runs to its port I/O again.
 */
static void check_signal_mask(struct __test_metadata *_metadata,
			      struct kvm_vcpu *vcpu,
			      const struct kps_state_ioctl *io,
			      const char *phase, bool ran)
{
	size_t size = kps_ioctl_buf_size(vcpu, io);
	struct kvm_signal_mask *sm = alloc_buf(_metadata, size);
	sigset_t set, old;
	int r, err, sig;

	r = kps_ioctl_prep_set(vcpu, io, sm, size);
	ASSERT_EQ(0, r);
	r = kps_ioctl_call(vcpu, io, sm);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	r = ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	assert_ret(_metadata, "KVM_SET_SIGNAL_MASK(NULL)", vcpu, phase, 0, r,
		   errno);
	if (!ran) {
		free(sm);
		return;
	}

	signal(SIGUSR1, sig_nop);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	raise(SIGUSR1);
	memcpy(&set, sm->sigset, sizeof(__u64));
	sigdelset(&set, SIGUSR1);
	memcpy(sm->sigset, &set, sizeof(__u64));
	r = kps_ioctl_call(vcpu, io, sm);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	r = __vcpu_run(vcpu);
	err = errno;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	/* the pending SIGUSR1 is still blocked in the thread: take it */
	ASSERT_EQ(SIGUSR1, sigwait(&set, &sig) ? -1 : sig);
	assert_res(_metadata, "KVM_RUN with SIGUSR1 pending and unblocked by the vCPU mask",
		   vcpu, phase, -1, EINTR, r, err);
	ASSERT_EQ(KVM_EXIT_INTR, vcpu->run->exit_reason);

	r = ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, NULL);
	assert_ret(_metadata, "KVM_SET_SIGNAL_MASK(NULL)", vcpu, phase, 0, r,
		   errno);
	raise(SIGUSR1);
	r = __vcpu_run(vcpu);
	err = errno;
	sigwait(&set, &sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_ret(_metadata, "KVM_RUN with SIGUSR1 pending and blocked", vcpu,
		   phase, 0, r, err);
	ASSERT_EQ(KVM_EXIT_IO, vcpu->run->exit_reason) {
		TH_LOG("exit reason %u (%s)", vcpu->run->exit_reason,
		       exit_reason_str(vcpu->run->exit_reason));
	}
	free(sm);
}

/* /sys/module/kvm_amd/parameters/nested is Y or 1. */
static bool svm_nested_on(void)
{
	char v[8] = "";
	FILE *f = fopen("/sys/module/kvm_amd/parameters/nested", "r");

	if (!f)
		return false;
	if (!fgets(v, sizeof(v), f))
		v[0] = '\0';
	fclose(f);
	return v[0] == 'Y' || v[0] == '1';
}

/*
 * KVM_GET/SET_NESTED_STATE: without nested ops (kps_ioctl_base_errno())
 * both are -EINVAL and nothing changes.  kvm_amd (6.12 SVM rules, which
 * install the ops whatever kvm_amd.nested says): KVM_CAP_NESTED_STATE is
 * the header plus one VMCB (x86.c:4347-4349, svm/nested.c:1631-1632),
 * GET/SET round-trips, and a SET that clears GIF is refused while
 * EFER.SVME is clear (svm/nested.c:1712-1716); with kvm_amd.nested=Y the
 * test sets EFER.SVME first, then GIF clear is accepted and GET reads it
 * back; all restored.
 */
static void check_nested(struct __test_metadata *_metadata,
			 struct kvm_vcpu *vcpu,
			 const struct kps_state_ioctl *io, const char *phase)
{
	size_t size = kps_ioctl_buf_size(vcpu, io);
	struct kvm_nested_state *ns, *back;
	struct kvm_sregs sregs, sregs0;
	const char *why;
	int r, cap = kps_kvm_cap(KVM_CAP_NESTED_STATE);
	bool svme;

	if (kps_ioctl_base_errno(io, &why)) {
		if (io->dir == KPS_GET)
			check_get(_metadata, vcpu, io, phase);
		else
			check_refused(_metadata, vcpu, io, phase);
		return;
	}
	if (kps_kvm_vendor() != KPS_VENDOR_SVM) {
		/* VMX: the round trip only (the VMX change rule is not encoded) */
		if (io->dir == KPS_GET)
			check_get(_metadata, vcpu, io, phase);
		else
			check_set_round_trip(_metadata, vcpu, io, phase, false);
		return;
	}
	ASSERT_EQ((int)(sizeof(*ns) + KVM_STATE_NESTED_SVM_VMCB_SIZE), cap) {
		TH_LOG("kvm_amd: KVM_CAP_NESTED_STATE=%d, expected %zu (svm/nested.c:1631-1632)",
		       cap, sizeof(*ns) + KVM_STATE_NESTED_SVM_VMCB_SIZE);
	}
	if (io->dir == KPS_GET) {
		check_get(_metadata, vcpu, io, phase);
		return;
	}

	ns = alloc_buf(_metadata, size);
	back = alloc_buf(_metadata, size);
	r = kps_ioctl_prep_set(vcpu, io, ns, size);
	assert_ret(_metadata, "KVM_GET_NESTED_STATE", vcpu, phase, 0, r, errno);
	ASSERT_EQ(KVM_STATE_NESTED_FORMAT_SVM, ns->format);
	r = kps_ioctl_call(vcpu, io, ns);
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);

	vcpu_sregs_get(vcpu, &sregs0);
	svme = svm_nested_on();
	if (svme) {
		sregs = sregs0;
		sregs.efer |= EFER_SVME;
		vcpu_sregs_set(vcpu, &sregs);
	}
	ns->flags &= ~KVM_STATE_NESTED_GIF_SET;
	r = kps_ioctl_call(vcpu, io, ns);
	if (!svme) {
		/* kvm_amd.nested=N: EFER.SVME stays clear, GIF must be set */
		assert_res(_metadata, "KVM_SET_NESTED_STATE(GIF clear, EFER.SVME=0)",
			   vcpu, phase, -1, EINVAL, r, errno);
		free(ns);
		free(back);
		return;
	}
	assert_ret(_metadata, "KVM_SET_NESTED_STATE(GIF clear, EFER.SVME=1)",
		   vcpu, phase, 0, r, errno);
	r = guarded_get(_metadata, vcpu, KPS_IO(get_nested_state), back, size,
			phase);
	assert_ret(_metadata, "KVM_GET_NESTED_STATE", vcpu, phase, 0, r, errno);
	ASSERT_EQ(0, back->flags & KVM_STATE_NESTED_GIF_SET) {
		TH_LOG("KVM_SET_NESTED_STATE(GIF clear) phase %s: GET flags %#x",
		       phase, back->flags);
	}
	ns->flags |= KVM_STATE_NESTED_GIF_SET;
	r = kps_ioctl_call(vcpu, io, ns);
	assert_ret(_metadata, "restore", vcpu, phase, 0, r, errno);
	vcpu_sregs_set(vcpu, &sregs0);
	free(ns);
	free(back);
}

/* kvm_run->s.regs must equal what the GET ioctls report, byte for byte. */
static void check_sync_regs_match(struct __test_metadata *_metadata,
				  struct kvm_vcpu *vcpu, const char *phase)
{
	struct kvm_sync_regs *s = &vcpu->run->s.regs;
	struct kvm_vcpu_events ev;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	ssize_t d;

	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	vcpu_events_get(vcpu, &ev);
	d = kps_memdiff(&s->regs, &regs, sizeof(regs));
	ASSERT_EQ(-1, d) {
		TH_LOG("sync_regs phase %s: s.regs.regs differs from KVM_GET_REGS at byte %zd",
		       phase, d);
	}
	d = kps_memdiff(&s->sregs, &sregs, sizeof(sregs));
	ASSERT_EQ(-1, d) {
		TH_LOG("sync_regs phase %s: s.regs.sregs differs from KVM_GET_SREGS at byte %zd",
		       phase, d);
	}
	d = kps_memdiff(&s->events, &ev, sizeof(ev));
	ASSERT_EQ(-1, d) {
		TH_LOG("sync_regs phase %s: s.regs.events != GET_VCPU_EVENTS at byte %zd",
		       phase, d);
	}
}

/*
 * Fresh vCPU: KVM_RUN with immediate_exit (the guest never runs): valid
 * regs are stored, dirty regs are applied (6.12 x86.c:11142-11154 before
 * the immediate_exit check at 11186), KVM_RUN fails -EINTR.
 */
static void check_sync_regs_fresh(struct __test_metadata *_metadata,
				  struct kvm_vcpu *vcpu,
				  const struct kps_state_ioctl *io)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs want, regs;
	char msg[256];
	ssize_t d;
	int r, err;

	r = kps_ioctl_call(vcpu, io, NULL);
	/* 6.12 x86.c:4179-4182: type 0 accepts KVM_SYNC_X86_VALID_FIELDS */
	assert_ret(_metadata, "KVM_RUN(valid_regs=7, immediate_exit)", vcpu,
		   "fresh_vcpu", 0, r, errno);
	check_sync_regs_match(_metadata, vcpu, "fresh_vcpu");

	want = run->s.regs.regs;
	want.rbx = SYNC_RBX;
	want.r15 = ~SYNC_RBX;
	run->s.regs.regs = want;
	r = kps_run_immediate(vcpu, 0, KVM_SYNC_X86_REGS);
	err = errno;
	kps_fmt_result(msg, sizeof(msg), "KVM_RUN(dirty, immediate_exit)",
		       type_name(vcpu->vm->type), "fresh_vcpu", -1, EINTR, r,
		       err, -1);
	ASSERT_EQ(-1, r) {
		TH_LOG("%s", msg);
	}
	ASSERT_EQ(EINTR, err) {
		TH_LOG("%s", msg);
	}
	vcpu_regs_get(vcpu, &regs);
	d = kps_memdiff(&want, &regs, sizeof(regs));
	ASSERT_EQ(-1, d) {
		TH_LOG("dirty s.regs.regs not applied: GET_REGS differs at byte %zd",
		       d);
		TH_LOG("rbx %#llx r15 %#llx", regs.rbx, regs.r15);
	}
}

/*
 * After a run: a real KVM_RUN with kvm_valid_regs = REGS|SREGS|EVENTS
 * returns 0 and stores s.regs equal to the GETs; then a dirty RBX is
 * picked up by the guest loop (rbx + 1 at the next exit).
 */
static void check_sync_regs_run(struct __test_metadata *_metadata,
				struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kvm_regs regs;
	int r;

	run->kvm_valid_regs = KVM_SYNC_X86_VALID_FIELDS;
	r = _vcpu_run(vcpu);
	/* 6.12 x86.c:4179-4182, 11142-11147: type 0 has all sync fields */
	assert_ret(_metadata, "KVM_RUN(valid_regs=7)", vcpu, "after_run", 0,
		   r, errno);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason) {
		TH_LOG("exit reason %u (%s)", run->exit_reason,
		       exit_reason_str(run->exit_reason));
	}
	check_sync_regs_match(_metadata, vcpu, "after_run");

	run->s.regs.regs.rbx = SYNC_RBX;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	r = _vcpu_run(vcpu);
	run->kvm_dirty_regs = 0;
	run->kvm_valid_regs = 0;
	assert_ret(_metadata, "KVM_RUN(dirty_regs=REGS)", vcpu, "after_run",
		   0, r, errno);
	ASSERT_EQ(KVM_EXIT_IO, run->exit_reason);
	ASSERT_EQ(SYNC_RBX + 1, run->s.regs.regs.rbx) {
		TH_LOG("s.regs.regs.rbx %#llx, want %#llx",
		       run->s.regs.regs.rbx, SYNC_RBX + 1);
	}
	vcpu_regs_get(vcpu, &regs);
	ASSERT_EQ(SYNC_RBX + 1, regs.rbx) {
		TH_LOG("KVM_GET_REGS rbx %#llx, want %#llx", regs.rbx,
		       SYNC_RBX + 1);
	}
}

static void check_row(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		      const char *phase, bool ran)
{
	const char *why;

	if (!kps_ioctl_supported(vcpu->vm, io, &why))
		SKIP(return, "%s", why);

	switch (io - kps_state_ioctls) {
	case KPS_IO_sync_regs:
		if (ran)
			check_sync_regs_run(_metadata, vcpu);
		else
			check_sync_regs_fresh(_metadata, vcpu, io);
		return;
	case KPS_IO_set_tsc_khz:
		check_set_tsc_khz(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_get_tsc_khz:
		check_get_tsc_khz(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_set_guest_debug:
		check_set_guest_debug(_metadata, vcpu, io, phase, ran);
		return;
	case KPS_IO_smi:
		check_smi(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_interrupt:
		/* after_run: libkvm's VM has the in-kernel PIC (processor.c:621) */
		check_interrupt(_metadata, vcpu, io, phase, ran);
		return;
	case KPS_IO_kvmclock_ctrl:
		check_kvmclock_ctrl(_metadata, vcpu, io, phase, ran);
		return;
	case KPS_IO_memory_encrypt_op_vcpu:
		check_refused(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_x86_setup_mce:
		check_setup_mce(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_x86_set_mce:
		check_set_mce(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_set_signal_mask:
		check_signal_mask(_metadata, vcpu, io, phase, ran);
		return;
	case KPS_IO_get_nested_state:
	case KPS_IO_set_nested_state:
		check_nested(_metadata, vcpu, io, phase);
		return;
	case KPS_IO_translate:
		check_translate(_metadata, vcpu, io, phase, ran);
		return;
	case KPS_IO_nmi:
		check_nmi(_metadata, vcpu, io, phase);
		return;
	}

	if (io->dir == KPS_GET)
		check_get(_metadata, vcpu, io, phase);
	else
		check_set_round_trip(_metadata, vcpu, io, phase, ran);
}

/* Phase 1: a vCPU that never ran; the VM is created per case. */
FIXTURE(fresh_vcpu) {
	struct kps_fdset fds;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT(fresh_vcpu) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(fresh_vcpu, default) {
	.type = KVM_X86_DEFAULT_VM,
};

/*
 * SW_PROTECTED (type 1): private memory, no protected state (spec 1.1,
 * x86.c:11963-11964), so every row answers as on a default VM.  Skips
 * naming the knob where the type is not advertised
 * (CONFIG_KVM_SW_PROTECTED_VM, kvm.tdp_mmu).
 */
FIXTURE_VARIANT_ADD(fresh_vcpu, sw_protected) {
	.type = KVM_X86_SW_PROTECTED_VM,
};

FIXTURE_SETUP(fresh_vcpu)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	/* No memory, no irqchip unless a row needs one (cheap teardown). */
	self->vm = vm_create_barebones_type(variant->type);
}

FIXTURE_TEARDOWN(fresh_vcpu)
{
	if (self->vm)
		kvm_vm_free(self->vm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

static struct kvm_vcpu *fresh_vcpu_add(struct kvm_vm *vm,
				       const struct kps_state_ioctl *io)
{
	struct kvm_vcpu *vcpu;

	/*
	 * LAPIC rows need an in-kernel LAPIC, created before the vCPU; so
	 * does an mp_state other than RUNNABLE (x86.c:11257-11259).
	 */
	if ((io->flags & KPS_NEEDS_IRQCHIP) || io == KPS_IO(set_mp_state))
		vm_create_irqchip(vm);
	vcpu = __vm_vcpu_add(vm, 0);
	vcpu_init_cpuid(vcpu, kvm_get_supported_cpuid());
	return vcpu;
}

/* Phase 2: the vCPU ran a guest to GUEST_SYNC (libkvm VM, irqchip). */
FIXTURE(after_run) {
	struct kps_fdset fds;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
};

FIXTURE_VARIANT(after_run) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(after_run, default) {
	.type = KVM_X86_DEFAULT_VM,
};

/*
 * SW_PROTECTED (type 1): private memory, no protected state (spec 1.1,
 * x86.c:11963-11964), so every row answers as on a default VM.  Skips
 * naming the knob where the type is not advertised
 * (CONFIG_KVM_SW_PROTECTED_VM, kvm.tdp_mmu).
 */
FIXTURE_VARIANT_ADD(after_run, sw_protected) {
	.type = KVM_X86_SW_PROTECTED_VM,
};

FIXTURE_SETUP(after_run)
{
	struct vm_shape shape = {
		.mode = VM_MODE_DEFAULT,
		.type = variant->type,
	};
	struct ucall uc;

	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, false))
		return;
	self->vm = vm_create_shape_with_one_vcpu(shape, &self->vcpu, guest_code);
	vcpu_run(self->vcpu);
	ASSERT_EQ(KVM_EXIT_IO, self->vcpu->run->exit_reason) {
		TH_LOG("setup run: exit reason %u (%s)",
		       self->vcpu->run->exit_reason,
		       exit_reason_str(self->vcpu->run->exit_reason));
	}
	ASSERT_EQ(UCALL_SYNC, get_ucall(self->vcpu, &uc));
}

FIXTURE_TEARDOWN(after_run)
{
	if (self->vm)
		kvm_vm_free(self->vm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* One case per catalog row and phase. */
#define KPS_STATE_IOCTL(name, ...)					\
static const struct kps_state_ioctl *const fresh_row_##name =		\
	&kps_state_ioctls[KPS_IO_##name];				\
TEST_F(fresh_vcpu, name)						\
{									\
	self->vcpu = fresh_vcpu_add(self->vm, fresh_row_##name);	\
	check_row(_metadata, self->vcpu, fresh_row_##name, "fresh_vcpu",	\
		  false);						\
}

#include "kps_state_ioctls.h"

#define KPS_STATE_IOCTL(name, ...)					\
static const struct kps_state_ioctl *const run_row_##name =		\
	&kps_state_ioctls[KPS_IO_##name];				\
TEST_F(after_run, name)							\
{									\
	check_row(_metadata, self->vcpu, run_row_##name, "after_run", true); \
}

#include "kps_state_ioctls.h"

/* UP uapi: KVM_CAP_GUEST_MEMFD_FLAGS and its mmap flag (not in 6.12) */
#define KPS_CAP_GUEST_MEMFD_FLAGS	244
#define KPS_GUEST_MEMFD_FLAG_MMAP	1

/*
 * The private-memory capabilities on the VM fd (spec 4): GUEST_MEMFD 1 and
 * MEMORY_ATTRIBUTES = PRIVATE iff has_private_mem (6.12 kvm_main.c:
 * 4963-4968, kvm_arch_has_private_mem); without private memory
 * GUEST_MEMFD is 1 only where guest_memfd can be mmap'ed (UP
 * KVM_CAP_GUEST_MEMFD_FLAGS).
 */
TEST_F(fresh_vcpu, private_mem_caps)
{
	bool priv = kps_vm_type(variant->type)->private_mem;
	int flags = kps_kvm_cap(KPS_CAP_GUEST_MEMFD_FLAGS);
	int gmem = priv || (flags > 0 && (flags & KPS_GUEST_MEMFD_FLAG_MMAP));
	int r;

	r = ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD);
	ASSERT_EQ(gmem, r) {
		TH_LOG("KVM_CAP_GUEST_MEMFD on a %s VM fd: %d, expected %d",
		       type_name(variant->type), r, gmem);
	}
	r = ioctl(self->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES);
	ASSERT_EQ(priv ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0, r) {
		TH_LOG("KVM_CAP_MEMORY_ATTRIBUTES on a %s VM fd: %d",
		       type_name(variant->type), r);
	}
}

TEST_HARNESS_MAIN
