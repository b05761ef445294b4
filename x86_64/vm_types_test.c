// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm_types_test - KVM_CREATE_VM type values and the per-VM capabilities of
 * each VM type.
 *
 * For every type 0..5 and for out-of-range values, KVM_CREATE_VM succeeds
 * iff KVM_CAP_VM_TYPES has the type's bit (a kernel without the capability
 * accepts type 0 only) and fails with exactly -1/EINVAL otherwise (6.12
 * arch/x86/kvm/x86.c:4174 kvm_is_vm_type_supported(), 11959-11960).  Each
 * creatable type reports the per-VM capabilities that follow from its
 * has_private_mem / has_protected_state (spec section 4), and for the SEV
 * types KVM_GET_SUPPORTED_CPUID 0x8000001F agrees with KVM_CAP_VM_TYPES.
 * Expectations are derived from the type's properties, never from the host.
 */
#include <errno.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"

#include "kps_host.h"
#include "kps_leak.h"
#include "kps_util.h"

/* 6.18 uapi; unknown to 6.12, where KVM_CHECK_EXTENSION gives 0. */
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS	244
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP		BIT_ULL(0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED	BIT_ULL(1)
#endif

static const char *tname(unsigned long type)
{
	const char *name = kps_vm_type_name(type);

	return name ? name : "out-of-range";
}

/* 6.12 x86.c:4174 kvm_is_vm_type_supported(): type < 32 && bit set */
static bool advertised(unsigned long mask, unsigned long type)
{
	return type < 32 && (mask & (1UL << type));
}

/*
 * The type's module parameter against its KVM_CAP_VM_TYPES bit.  For SEV,
 * SEV-ES, SNP (kvm_amd) and TDX (kvm_intel) the parameter holds, after
 * hardware setup, exactly what the bit says (kps_vm_types[].param_is_bit),
 * so the two must agree; a vendor module that is not loaded, or has no such
 * parameter, advertises no such type.  SW_PROTECTED needs kvm.tdp_mmu=Y.
 * This is the rule "SEV types only where kvm_amd runs", judged from the
 * module kvm reports rather than the CPU vendor.  Before KVM_CAP_VM_TYPES
 * (6.10) an SEV host has kvm_amd.sev=Y but only type 0: no check then.
 */
static void check_module_param(struct __test_metadata *_metadata,
			       unsigned long type, unsigned long mask)
{
	const struct kps_vm_type *t = kps_vm_type(type);
	bool adv = advertised(mask, type), on;
	char types[96], val[16];
	int r;

	if (!t || !t->mod || kps_kvm_cap(KVM_CAP_VM_TYPES) <= 0)
		return;
	r = kps_module_param(t->mod, t->param, val, sizeof(val));
	on = r == 1 && (val[0] == 'Y' || val[0] == '1');
	if (!adv && !t->param_is_bit)
		return;
	kps_vm_types_str(mask, types, sizeof(types));
	ASSERT_EQ(adv, on) {
		TH_LOG("KVM_CAP_VM_TYPES=%#lx (%s) %s %s, but %s.%s is %s",
		       mask, types, adv ? "has" : "lacks", t->uapi, t->mod,
		       t->param, r == 1 ? val : r ? "absent" :
		       "absent (module not loaded)");
	}
}

/*
 * KVM_CREATE_VM(type): a VM fd iff the type is advertised, else exactly
 * -1/EINVAL; either way the type's module parameter agrees.
 */
static void check_create(struct __test_metadata *_metadata,
			 unsigned long type, unsigned long mask)
{
	char types[96], what[48], msg[256];
	int fd, err, r;

	check_module_param(_metadata, type, mask);
	kps_vm_types_str(mask, types, sizeof(types));
	snprintf(what, sizeof(what), "KVM_CREATE_VM(%#lx)", type);
	fd = kps_create_vm_raw(type);
	err = errno;
	if (!advertised(mask, type)) {
		kps_fmt_result(msg, sizeof(msg), what, tname(type), "create",
			       -1, EINVAL, fd, err, -1);
		if (fd >= 0)
			close(fd);
		/* 6.12 x86.c:11959-11960: unsupported type -> -EINVAL */
		ASSERT_EQ(-1, fd) {
			TH_LOG("%s; KVM_CAP_VM_TYPES=%#lx (%s)", msg, mask, types);
		}
		ASSERT_EQ(EINVAL, err) {
			TH_LOG("%s; KVM_CAP_VM_TYPES=%#lx (%s)", msg, mask, types);
		}
		return;
	}

	/* 6.12 x86.c:4174: advertised types are accepted */
	ASSERT_LE(0, fd) {
		TH_LOG("%s: expected a VM fd, seen ret=%d errno=%s; KVM_CAP_VM_TYPES=%#lx (%s)",
		       what, fd, kps_errno_name(err), mask, types);
	}
	/* 6.12 x86.c:4387-4388: KVM_CAP_VM_TYPES does not depend on the VM */
	r = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	close(fd);
	if (kps_kvm_cap(KVM_CAP_VM_TYPES) > 0)
		ASSERT_EQ((long)mask, r) {
			TH_LOG("KVM_CAP_VM_TYPES on a %s VM fd %#x, on /dev/kvm %#lx",
			       tname(type), r, mask);
		}
}

/*
 * The FIXTURE_SETUP of every fixture here: the fd snapshot first, then
 * /dev/kvm (skip or fail) and KVM_CAP_VM_TYPES into *mask.
 */
static void setup_mask(struct __test_metadata *_metadata,
		       struct kps_fdset *fds, unsigned long *mask)
{
	long m;

	kps_fdset_take(fds);
	if (!kps_kvm_ok(_metadata))
		return;
	m = kps_supported_vm_types();
	ASSERT_LE(0, m) {
		TH_LOG("KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) on /dev/kvm: errno=%s",
		       kps_errno_name(errno));
	}
	*mask = m;
}

FIXTURE(vm_type) {
	struct kps_fdset fds;
	unsigned long mask;
	int vm_fd;
};

/* The variants: every VM type (kps_phase_fixture.h). */
#define KPS_FIXTURE vm_type
#define KPS_FIXTURE_TYPES (KPS_ALL_TYPES | KPS_TYPE_BIT(KVM_X86_SW_PROTECTED_VM))
#include "kps_phase_fixture.h"

FIXTURE_SETUP(vm_type)
{
	self->vm_fd = -1;
	setup_mask(_metadata, &self->fds, &self->mask);
}

FIXTURE_TEARDOWN(vm_type)
{
	if (self->vm_fd >= 0)
		close(self->vm_fd);
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

TEST_F(vm_type, create)
{
	check_create(_metadata, variant->type, self->mask);
}

/*
 * Create the VM (skip if the type is not advertised) and read a capability
 * on its fd.  Returns false after a skip.
 */
static bool vm_cap(struct __test_metadata *_metadata, unsigned long mask,
		   int *vm_fd, unsigned long type, long cap,
		   const char *cap_name, int *val)
{
	char why[160];

	if (!advertised(mask, type))
		SKIP(return false, "%s",
		     kps_vm_type_absent(type, mask, why, sizeof(why)));
	*vm_fd = kps_create_vm_raw(type);
	ASSERT_LE(0, *vm_fd) {
		TH_LOG("KVM_CREATE_VM(%s): errno=%s", tname(type),
		       kps_errno_name(errno));
	}
	*val = ioctl(*vm_fd, KVM_CHECK_EXTENSION, cap);
	ASSERT_LE(0, *val) {
		TH_LOG("KVM_CHECK_EXTENSION(%s) on a %s VM fd: ret=%d errno=%s",
		       cap_name, tname(type), *val, kps_errno_name(errno));
	}
	return true;
}

/* KVM_CHECK_EXTENSION on /dev/kvm; a failure is a FAIL with the errno. */
static int dev_cap(struct __test_metadata *_metadata, long cap,
		   const char *name)
{
	int r = kps_kvm_cap(cap);

	ASSERT_LE(0, r) {
		TH_LOG("KVM_CHECK_EXTENSION(%s) on /dev/kvm: ret=%d errno=%s",
		       name, r, kps_errno_name(errno));
	}
	return r;
}

#define CAP_MSG(cap, exp, seen, why)					\
	TH_LOG("KVM_CHECK_EXTENSION(%s) on a %s VM fd: expected %d (%s), seen %d", \
	       #cap, tname(variant->type), (int)(exp), why, seen)

TEST_F(vm_type, cap_sync_regs)
{
	const struct kps_vm_type *t = kps_vm_type(variant->type);
	int exp, val;

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type, KVM_CAP_SYNC_REGS,
		    "KVM_CAP_SYNC_REGS", &val))
		return;
	/*
	 * 6.12 x86.c:4179-4182, 4291-4292: has_protected_state ? 0 :
	 * KVM_SYNC_X86_VALID_FIELDS (since 6.12.25; earlier kernels give 7 on
	 * every type, an expected failure kept outside KTAP).
	 */
	exp = t->protected_state ? 0 : KVM_SYNC_X86_VALID_FIELDS;
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_SYNC_REGS, exp, val, t->protected_state ?
			"has_protected_state" : "REGS|SREGS|EVENTS");
	}
}

TEST_F(vm_type, cap_readonly_mem)
{
	const struct kps_vm_type *t = kps_vm_type(variant->type);
	int exp, val;

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type, KVM_CAP_READONLY_MEM,
		    "KVM_CAP_READONLY_MEM", &val))
		return;
	/* 6.12 x86.c:4390-4391, kvm_host.h:2243: !has_protected_state */
	exp = !t->protected_state;
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_READONLY_MEM, exp, val,
			"!has_protected_state");
	}
}

/*
 * KVM_CAP_MULTI_ADDRESS_SPACE: 6.12 kvm_main.c:4935-4940, kvm_host.h:2291-2294:
 * without CONFIG_KVM_SMM the case is compiled out (0 on every fd); with it
 * /dev/kvm answers KVM_MAX_NR_ADDRESS_SPACES = 2 and a VM fd
 * kvm_arch_nr_memslot_as_ids() = has_private_mem ? 1 : 2.  CONFIG_KVM_SMM
 * comes from the kernel config, else from KVM_CAP_X86_SMM on /dev/kvm
 * (another code path: x86.c:4308 and the vendor's SMBASE rule).
 */
TEST_F(vm_type, cap_multi_address_space)
{
	const struct kps_vm_type *t = kps_vm_type(variant->type);
	int smm, dev, exp, val;
	char why[320];

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type,
		    KVM_CAP_MULTI_ADDRESS_SPACE, "KVM_CAP_MULTI_ADDRESS_SPACE",
		    &val))
		return;
	smm = kps_config_smm(true, why, sizeof(why));
	ASSERT_LE(0, smm) {
		TH_LOG("cannot derive CONFIG_KVM_SMM: %s", why);
	}
	dev = dev_cap(_metadata, KVM_CAP_MULTI_ADDRESS_SPACE,
		      "KVM_CAP_MULTI_ADDRESS_SPACE");
	ASSERT_EQ(smm ? 2 : 0, dev) {
		TH_LOG("KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm: expected %d, seen %d; %s",
		       smm ? 2 : 0, dev, why);
	}
	exp = !smm ? 0 : t->private_mem ? 1 : 2;
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_MULTI_ADDRESS_SPACE, exp, val, !smm ?
			"no CONFIG_KVM_SMM" : t->private_mem ?
			"has_private_mem: no SMM address space" :
			"SMM address space");
		TH_LOG("%s", why);
	}
}

/*
 * KVM_CAP_X86_SMM on a new VM fd: 6.12 x86.c:4308-4318 has_emulated_msr(kvm,
 * MSR_IA32_SMBASE): 0 without CONFIG_KVM_SMM, else the vendor's rule
 * (svm.c:4563-4569: 1, sev_es_guest() is false before KVM_SEV_INIT2;
 * vmx.c:7049-7056: unrestricted_guest || emulate_invalid_guest_state;
 * TDX VMs 0).  CONFIG_KVM_SMM from the kernel config, else from
 * KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm (kvm_main.c:4936-4940).
 */
TEST_F(vm_type, cap_x86_smm)
{
	int smm, exp, dev, val;
	char why[320], rule[200];

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type,
		    KVM_CAP_X86_SMM, "KVM_CAP_X86_SMM", &val))
		return;
	smm = kps_config_smm(false, why, sizeof(why));
	ASSERT_LE(0, smm) {
		TH_LOG("cannot derive CONFIG_KVM_SMM: %s", why);
	}
	exp = kps_x86_smm_rule(smm, rule, sizeof(rule));
	ASSERT_LE(0, exp) {
		TH_LOG("cannot derive KVM_CAP_X86_SMM: %s; %s", rule, why);
	}
	dev = dev_cap(_metadata, KVM_CAP_X86_SMM, "KVM_CAP_X86_SMM");
	ASSERT_EQ(exp, dev) {
		TH_LOG("KVM_CAP_X86_SMM on /dev/kvm: expected %d (%s), seen %d; %s",
		       exp, rule, dev, why);
	}
	if (variant->type == KVM_X86_TDX_VM)
		exp = 0;
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_X86_SMM, exp, val, rule);
		TH_LOG("%s", why);
	}
}

/*
 * KVM_CAP_GUEST_MEMFD by kernel version and config (kps_guest_memfd_rule()),
 * and KVM_CAP_GUEST_MEMFD_FLAGS: unknown before 6.18 (0); 6.18+
 * kvm_gmem_get_supported_flags() = MMAP | INIT_SHARED where
 * kvm_arch_supports_gmem_init_shared() (x86: !has_private_mem).
 */
TEST_F(vm_type, cap_guest_memfd)
{
	const struct kps_vm_type *t = kps_vm_type(variant->type);
	bool v618 = kps_kernel_version() >= KPS_KVER(6, 18);
	int cfg, flags, exp, exp_flags, val;
	char why[320];

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type, KVM_CAP_GUEST_MEMFD,
		    "KVM_CAP_GUEST_MEMFD", &val))
		return;
	exp = kps_guest_memfd_rule(t->private_mem, &cfg, why, sizeof(why));
	ASSERT_LE(0, exp) {
		TH_LOG("cannot derive KVM_CAP_GUEST_MEMFD: %s", why);
	}
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_GUEST_MEMFD, exp, val, why);
	}
	/* /dev/kvm (kvm == NULL): 1 wherever guest_memfd exists */
	ASSERT_EQ(cfg, dev_cap(_metadata, KVM_CAP_GUEST_MEMFD,
			       "KVM_CAP_GUEST_MEMFD")) {
		TH_LOG("KVM_CAP_GUEST_MEMFD on /dev/kvm: expected %d; %s",
		       cfg, why);
	}
	/*
	 * Types with private memory are not checked: on 6.18 they answer
	 * MMAP alone, but the model gives 6.12's SNP on a 6.18 host, whose
	 * FLAGS are the real type-0 VM's.
	 */
	if (t->private_mem)
		return;
	flags = ioctl(self->vm_fd, KVM_CHECK_EXTENSION,
		      KVM_CAP_GUEST_MEMFD_FLAGS);
	ASSERT_LE(0, flags) {
		TH_LOG("KVM_CHECK_EXTENSION(KVM_CAP_GUEST_MEMFD_FLAGS) on a %s VM fd: errno=%s",
		       tname(variant->type), kps_errno_name(errno));
	}
	exp_flags = cfg && v618 ?
		    GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED : 0;
	ASSERT_EQ(exp_flags, flags) {
		CAP_MSG(KVM_CAP_GUEST_MEMFD_FLAGS, exp_flags, flags, !v618 ?
			"< 6.18: unknown capability" :
			"6.18+: MMAP | INIT_SHARED without private memory");
	}
}

TEST_F(vm_type, cap_memory_attributes)
{
	const struct kps_vm_type *t = kps_vm_type(variant->type);
	int dev, exp, val;

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type, KVM_CAP_MEMORY_ATTRIBUTES,
		    "KVM_CAP_MEMORY_ATTRIBUTES", &val))
		return;
	dev = dev_cap(_metadata, KVM_CAP_MEMORY_ATTRIBUTES,
		      "KVM_CAP_MEMORY_ATTRIBUTES");
	/*
	 * 6.12 kvm_main.c:2403-2410, 4963-4964: PRIVATE iff has_private_mem,
	 * absent (0) without CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES.
	 */
	exp = dev && t->private_mem ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_MEMORY_ATTRIBUTES, exp, val, !dev ?
			"/dev/kvm reports 0" : t->private_mem ?
			"has_private_mem: PRIVATE" : "no private memory");
	}
}

/*
 * KVM_CAP_PRE_FAULT_MEMORY (v6.10+): 6.12 x86.c:4266-4267 tdp_enabled, the
 * same for every VM; tdp_enabled from the vendor's module parameter
 * (kps_tdp_enabled()).
 */
TEST_F(vm_type, cap_pre_fault_memory)
{
	int ver = kps_kernel_version(), tdp, exp, dev, val;
	char why[160];

	if (!vm_cap(_metadata, self->mask, &self->vm_fd, variant->type, KVM_CAP_PRE_FAULT_MEMORY,
		    "KVM_CAP_PRE_FAULT_MEMORY", &val))
		return;
	tdp = kps_tdp_enabled(why, sizeof(why));
	ASSERT_LE(0, tdp) {
		TH_LOG("cannot derive tdp_enabled: %s", why);
	}
	ASSERT_LT(0, ver);
	exp = ver >= KPS_KVER(6, 10) && tdp;
	dev = dev_cap(_metadata, KVM_CAP_PRE_FAULT_MEMORY,
		      "KVM_CAP_PRE_FAULT_MEMORY");
	ASSERT_EQ(exp, dev) {
		TH_LOG("KVM_CAP_PRE_FAULT_MEMORY on /dev/kvm: expected %d (%s), seen %d",
		       exp, why, dev);
	}
	ASSERT_EQ(exp, val) {
		CAP_MSG(KVM_CAP_PRE_FAULT_MEMORY, exp, val, why);
	}
}

/* Values that are no VM type (of 6.12 or UP). */
FIXTURE(unknown_vm_type) {
	struct kps_fdset fds;
	unsigned long mask;
};

FIXTURE_VARIANT(unknown_vm_type) {
	unsigned long type;
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_6) {
	.type = 6,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_31) {
	.type = 31,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_32) {
	.type = 32,
};

/*
 * 32 + an SEV type: a kernel that dropped the "type < 32" check and shifted
 * BIT(type) in 32 bits would accept these as SEV, SEV-ES and SNP.
 */
FIXTURE_VARIANT_ADD(unknown_vm_type, type_34) {
	.type = 34,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_35) {
	.type = 35,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_36) {
	.type = 36,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_2_pow_31) {
	.type = 0x80000000UL,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_2_pow_32) {
	.type = 0x100000000UL,
};

FIXTURE_VARIANT_ADD(unknown_vm_type, type_ulong_max) {
	.type = ~0UL,
};

FIXTURE_SETUP(unknown_vm_type)
{
	setup_mask(_metadata, &self->fds, &self->mask);
}

FIXTURE_TEARDOWN(unknown_vm_type)
{
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/* 6.12 x86.c:4174: 32 and above are never supported (no u32 wrap) */
TEST_F(unknown_vm_type, create)
{
	check_create(_metadata, variant->type, self->mask);
}

/* KVM_GET_SUPPORTED_CPUID 0x8000001F.EAX bit vs the KVM_CAP_VM_TYPES bit. */
FIXTURE(vm_type_cpuid) {
	struct kps_fdset fds;
	unsigned long mask;
};

FIXTURE_VARIANT(vm_type_cpuid) {
	unsigned long type;
	unsigned int eax_bit;
	const char *feature;
};

FIXTURE_VARIANT_ADD(vm_type_cpuid, sev) {
	.type = KVM_X86_SEV_VM,
	.eax_bit = 1,
	.feature = "SEV",
};

FIXTURE_VARIANT_ADD(vm_type_cpuid, sev_es) {
	.type = KVM_X86_SEV_ES_VM,
	.eax_bit = 3,
	.feature = "SEV-ES",
};

FIXTURE_VARIANT_ADD(vm_type_cpuid, snp) {
	.type = KVM_X86_SNP_VM,
	.eax_bit = 4,
	.feature = "SEV-SNP",
};

FIXTURE_SETUP(vm_type_cpuid)
{
	setup_mask(_metadata, &self->fds, &self->mask);
}

FIXTURE_TEARDOWN(vm_type_cpuid)
{
	kps_assert_no_fd_leak(_metadata, &self->fds);
}

/*
 * 6.12 sev.c:2975-2986 sets the VM type bits from sev_enabled /
 * sev_es_enabled / sev_snp_enabled, and svm_set_cpu_caps() the CPUID bits
 * from the same flags: a disagreement is a FAIL (as in sev_init2_tests).
 */
TEST_F(vm_type_cpuid, cpuid_agrees)
{
	const struct kvm_cpuid2 *cpuid = kvm_get_supported_cpuid();
	__u32 eax = 0;
	bool in_cpuid, in_types;
	char types[96];
	int i;

	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 0x8000001f &&
		    cpuid->entries[i].index == 0)
			eax = cpuid->entries[i].eax;
	in_cpuid = eax & (1U << variant->eax_bit);
	in_types = advertised(self->mask, variant->type);
	kps_vm_types_str(self->mask, types, sizeof(types));
	ASSERT_EQ(in_cpuid, in_types) {
		TH_LOG("CPUID 0x8000001F.EAX=%#x (%s bit %u = %d), but VM_TYPES=%#lx (%s) %s %s",
		       eax, variant->feature, variant->eax_bit, in_cpuid,
		       self->mask, types, in_types ? "has" : "lacks",
		       kps_vm_types[variant->type].uapi);
	}
}

/*
 * 6.12 cpuid.c:1371-1383 __do_cpuid_func(0x8000001F) keeps the host's C-bit
 * position (EBX[5:0]) where SEV is supported: the value libkvm takes from
 * the cpuid instruction for the VM's page tables (processor.c:1139) must be
 * the one KVM reports.
 */
TEST_F(vm_type_cpuid, cbit_agrees)
{
	const struct kvm_cpuid_entry2 *e;
	char why[160];
	__u32 host;

	if (!advertised(self->mask, variant->type))
		SKIP(return, "%s", kps_vm_type_absent(variant->type, self->mask,
						      why, sizeof(why)));
	e = get_cpuid_entry(kvm_get_supported_cpuid(), 0x8000001f, 0);
	host = this_cpu_property(X86_PROPERTY_SEV_C_BIT);
	ASSERT_EQ(host, e->ebx & 0x3f) {
		TH_LOG("%s: KVM_GET_SUPPORTED_CPUID 0x8000001F.EBX=%#x (C-bit %u), cpuid C-bit %u",
		       variant->feature, e->ebx, e->ebx & 0x3f, host);
	}
}

TEST_HARNESS_MAIN
