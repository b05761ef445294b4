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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

#include "kps_leak.h"
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

static void *alloc_buf(struct __test_metadata *_metadata, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	ASSERT_NE(NULL, p) {
		TH_LOG("calloc(%zu) failed", size);
	}
	return p;
}

/* ASSERT ret == exp with the suite's one-line message. */
static void assert_ret(struct __test_metadata *_metadata, const char *what,
		       struct kvm_vcpu *vcpu, const char *phase, int exp,
		       int ret, int err)
{
	char msg[256];

	kps_fmt_result(msg, sizeof(msg), what, type_name(vcpu->vm->type),
		       phase, exp, 0, ret, err, -1);
	ASSERT_EQ(exp, ret) {
		TH_LOG("%s", msg);
	}
}

/*
 * GET twice into buffers with different canaries: both return the success
 * value, and the state bytes agree, which shows every state byte was
 * written (a byte left alone keeps two different canary values) and that
 * GET is stable on an idle vCPU.
 */
static void check_get(struct __test_metadata *_metadata,
		      struct kvm_vcpu *vcpu, const struct kps_state_ioctl *io,
		      const char *phase)
{
	size_t size = kps_ioctl_buf_size(vcpu, io), n;
	void *a = alloc_buf(_metadata, size), *b = alloc_buf(_metadata, size);
	const char *type = type_name(vcpu->vm->type);
	int r, exp;

	kps_canary_fill(a, size, KPS_CANARY_SEED);
	kps_ioctl_prep_get(vcpu, io, a, size);
	exp = kps_ioctl_success_ret(io, a);
	r = kps_ioctl_call(vcpu, io, a);
	/* type 0: no protected-state check applies (spec section 3, col. D) */
	assert_ret(_metadata, io->nr_name, vcpu, phase, exp, r, errno);

	kps_canary_fill(b, size, KPS_CANARY_SEED2);
	kps_ioctl_prep_get(vcpu, io, b, size);
	r = kps_ioctl_call(vcpu, io, b);
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
 * SET of what the partner GET returned: SET returns the success value,
 * leaves the buffer alone, and the partner GET reads the same bytes back.
 */
static void check_set_round_trip(struct __test_metadata *_metadata,
				 struct kvm_vcpu *vcpu,
				 const struct kps_state_ioctl *io,
				 const char *phase)
{
	const struct kps_state_ioctl *get = kps_ioctl_partner(io);
	size_t size = kps_ioctl_buf_size(vcpu, io), n;
	void *buf = alloc_buf(_metadata, size);
	void *orig = alloc_buf(_metadata, size);
	void *back = alloc_buf(_metadata, size);
	const char *type = type_name(vcpu->vm->type);
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
	kps_ioctl_prep_get(vcpu, get, back, size);
	exp = kps_ioctl_success_ret(get, back);
	r = kps_ioctl_call(vcpu, get, back);
	assert_ret(_metadata, get->nr_name, vcpu, phase, exp, r, errno);
	n = kps_ioctl_data_size(vcpu, get, orig);
	ASSERT_EQ(n, kps_ioctl_data_size(vcpu, get, back));
	diff = kps_memdiff(orig, back, n);
	ASSERT_EQ(-1, diff) {
		TH_LOG("%s on type %s phase %s: %s reads back a change",
		       io->nr_name, type, phase, get->nr_name);
		TH_LOG("first changed byte %zd of %zu", diff, n);
	}
	free(buf);
	free(orig);
	free(back);
}

/* KVM_SET_TSC_KHZ(KVM_GET_TSC_KHZ) = 0 and the frequency stays. */
static void check_set_tsc_khz(struct __test_metadata *_metadata,
			      struct kvm_vcpu *vcpu,
			      const struct kps_state_ioctl *io,
			      const char *phase)
{
	const char *type = type_name(vcpu->vm->type);
	__u64 khz = 0;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &khz, sizeof(khz));
	ASSERT_EQ(0, r) {
		TH_LOG("KVM_GET_TSC_KHZ on type %s phase %s: ret=%d errno=%s",
		       type, phase, r, kps_errno_name(errno));
	}
	ASSERT_LT(0, khz);
	r = kps_ioctl_call(vcpu, io, &khz);
	/* 6.12 x86.c:5703: no check; the current frequency is accepted */
	assert_ret(_metadata, io->nr_name, vcpu, phase, 0, r, errno);
	r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, 0);
	assert_ret(_metadata, "KVM_GET_TSC_KHZ after SET", vcpu, phase,
		   (int)khz, r, errno);
}

/* KVM_SET_GUEST_DEBUG(control = 0) disables debugging: 0. */
static void check_set_guest_debug(struct __test_metadata *_metadata,
				  struct kvm_vcpu *vcpu,
				  const struct kps_state_ioctl *io,
				  const char *phase)
{
	struct kvm_guest_debug dbg;
	int r;

	r = kps_ioctl_prep_set(vcpu, io, &dbg, sizeof(dbg));
	ASSERT_EQ(0, r);
	r = kps_ioctl_call(vcpu, io, &dbg);
	/* 6.12 x86.c:11348-11349: only guest_state_protected blocks it */
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
	case KPS_IO_set_guest_debug:
		check_set_guest_debug(_metadata, vcpu, io, phase);
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
		check_set_round_trip(_metadata, vcpu, io, phase);
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

FIXTURE_SETUP(fresh_vcpu)
{
	kps_fdset_take(&self->fds);
	if (!kps_kvm_ok(_metadata))
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

	/* LAPIC rows need an in-kernel LAPIC, created before the vCPU. */
	if (io->flags & KPS_NEEDS_IRQCHIP)
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

FIXTURE_SETUP(after_run)
{
	struct vm_shape shape = {
		.mode = VM_MODE_DEFAULT,
		.type = variant->type,
	};
	struct ucall uc;

	kps_fdset_take(&self->fds);
	if (!kps_kvm_ok(_metadata))
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

TEST_HARNESS_MAIN
