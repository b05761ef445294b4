/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_phase_fixture.h - a fixture with a variant per VM type, stamped once
 * per fixture (the kvm-x86-ops.h pattern, as kps_state_ioctls.h): define
 * KPS_FIXTURE and what it needs, include this file; it undefines them at
 * the end.  x86_64/protected_state_test.c takes its phase fixtures and
 * cases from here; the other programs only the variants.
 *
 *   KPS_FIXTURE            the fixture name, also the phase of its messages
 *   KPS_FIXTURE_PHASE      if defined, the fixture is declared here too: one
 *                          struct kps_pvm pvm, created by setup_pvm() in
 *                          this enum kps_phase, and the fd-leak check
 *                          (kps_leak.h: struct kps_fdset fds, taken first
 *                          in setup, checked last in teardown); if not,
 *                          the includer has declared it with FIXTURE() and
 *                          adds the setup, teardown and fd-leak check
 *   KPS_FIXTURE_LEGACY_ES  if defined, the VM gets legacy KVM_SEV_ES_INIT
 *                          (kps_pvm_create()'s legacy_es)
 *   KPS_FIXTURE_TYPES      if defined, the variants: a mask of
 *                          KPS_TYPE_BIT(type); else KPS_ALL_TYPES (every
 *                          VM type but sw_protected)
 *   KPS_FIXTURE_SYNC_REGS  if defined, the sync-regs cases (check_sync_cap(),
 *                          check_sync_run())
 *   KPS_FIXTURE_MEM_CAPS   if defined, the memory-capability cases
 *                          (check_readonly_mem() to check_pre_fault())
 *
 * The variants are the VM types in the order of their numbers, each named
 * exactly as the type (default, sw_protected, sev, sev_es, snp, tdx) with
 * .type its number; the cases keep the order they are listed in here.
 */
#ifndef KPS_PHASE_FIXTURE_H
#define KPS_PHASE_FIXTURE_H

#include <linux/stringify.h>

#include "kselftest_harness.h"
#include "kps_leak.h"
#include "kps_protected.h"
#include "kps_util.h"

/* The harness pastes its fixture argument: these expand KPS_FIXTURE first. */
#define KPS_FIXTURE_DECL(f)		FIXTURE(f)
#define KPS_FIXTURE_VARIANT_DECL(f)	FIXTURE_VARIANT(f)
#define KPS_FIXTURE_VARIANT_ADD(f, v)	FIXTURE_VARIANT_ADD(f, v)
#define KPS_FIXTURE_SETUP(f)		FIXTURE_SETUP(f)
#define KPS_FIXTURE_TEARDOWN(f)		FIXTURE_TEARDOWN(f)

#define KPS_TYPE_BIT(type)	(1 << (type))
#define KPS_ALL_TYPES		(KPS_TYPE_BIT(KVM_X86_DEFAULT_VM) |	\
				 KPS_TYPE_BIT(KVM_X86_SEV_VM) |		\
				 KPS_TYPE_BIT(KVM_X86_SEV_ES_VM) |	\
				 KPS_TYPE_BIT(KVM_X86_SNP_VM) |		\
				 KPS_TYPE_BIT(KVM_X86_TDX_VM))

/* A bit outside KVM_SYNC_X86_VALID_FIELDS: refused on every type. */
#define SYNC_X86_INVALID	((__u64)KVM_SYNC_X86_VALID_FIELDS + 1)

#endif /* KPS_PHASE_FIXTURE_H */

#ifdef KPS_FIXTURE
#ifndef KPS_FIXTURE_TYPES
#define KPS_FIXTURE_TYPES	KPS_ALL_TYPES
#endif
#ifdef KPS_FIXTURE_LEGACY_ES
#define KPS_FIXTURE_LEGACY	true
#else
#define KPS_FIXTURE_LEGACY	false
#endif

#ifdef KPS_FIXTURE_PHASE
KPS_FIXTURE_DECL(KPS_FIXTURE) {
	struct kps_fdset fds;
	struct kps_pvm pvm;
};
#endif

KPS_FIXTURE_VARIANT_DECL(KPS_FIXTURE) {
	unsigned long type;
};

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_DEFAULT_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, default) {
	.type = KVM_X86_DEFAULT_VM,
};
#endif

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_SW_PROTECTED_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, sw_protected) {
	.type = KVM_X86_SW_PROTECTED_VM,
};
#endif

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_SEV_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, sev) {
	.type = KVM_X86_SEV_VM,
};
#endif

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_SEV_ES_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, sev_es) {
	.type = KVM_X86_SEV_ES_VM,
};
#endif

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_SNP_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, snp) {
	.type = KVM_X86_SNP_VM,
};
#endif

#if KPS_FIXTURE_TYPES & KPS_TYPE_BIT(KVM_X86_TDX_VM)
KPS_FIXTURE_VARIANT_ADD(KPS_FIXTURE, tdx) {
	.type = KVM_X86_TDX_VM,
};
#endif

#ifdef KPS_FIXTURE_PHASE
KPS_FIXTURE_SETUP(KPS_FIXTURE)
{
	kps_fdset_take(&self->fds);
	if (!kps_require_type(_metadata, variant->type, KPS_FIXTURE_LEGACY))
		return;
	setup_pvm(_metadata, &self->pvm, variant->type, KPS_FIXTURE_LEGACY,
		  1, KPS_FIXTURE_PHASE);
}

KPS_FIXTURE_TEARDOWN(KPS_FIXTURE)
{
	kps_pvm_free(&self->pvm);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}
#endif

#ifdef KPS_FIXTURE_SYNC_REGS
TEST_F(KPS_FIXTURE, cap)
{
	check_sync_cap(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, valid_regs)
{
	check_sync_run(_metadata, &self->pvm, KVM_SYNC_X86_REGS, 0,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, valid_sregs)
{
	check_sync_run(_metadata, &self->pvm, KVM_SYNC_X86_SREGS, 0,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, valid_events)
{
	check_sync_run(_metadata, &self->pvm, KVM_SYNC_X86_EVENTS, 0,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, dirty_regs)
{
	check_sync_run(_metadata, &self->pvm, 0, KVM_SYNC_X86_REGS,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, dirty_sregs)
{
	check_sync_run(_metadata, &self->pvm, 0, KVM_SYNC_X86_SREGS,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, dirty_events)
{
	check_sync_run(_metadata, &self->pvm, 0, KVM_SYNC_X86_EVENTS,
		       __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, invalid_bit)
{
	check_sync_run(_metadata, &self->pvm, SYNC_X86_INVALID, 0,
		       __stringify(KPS_FIXTURE));
}
#endif /* KPS_FIXTURE_SYNC_REGS */

#ifdef KPS_FIXTURE_MEM_CAPS
TEST_F(KPS_FIXTURE, readonly_mem)
{
	check_readonly_mem(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, readonly_slot)
{
	check_readonly_slot(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, multi_as)
{
	check_multi_as(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, guest_memfd)
{
	check_guest_memfd(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, mem_attributes)
{
	check_mem_attributes(_metadata, &self->pvm,
			     __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, x86_smm)
{
	check_x86_smm(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}

TEST_F(KPS_FIXTURE, pre_fault)
{
	check_pre_fault(_metadata, &self->pvm, __stringify(KPS_FIXTURE));
}
#endif /* KPS_FIXTURE_MEM_CAPS */
#endif /* KPS_FIXTURE */

#undef KPS_FIXTURE
#undef KPS_FIXTURE_PHASE
#undef KPS_FIXTURE_LEGACY_ES
#undef KPS_FIXTURE_LEGACY
#undef KPS_FIXTURE_TYPES
#undef KPS_FIXTURE_SYNC_REGS
#undef KPS_FIXTURE_MEM_CAPS
