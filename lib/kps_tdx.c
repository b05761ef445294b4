// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_tdx.c - drive a TD (KVM_X86_TDX_VM) with raw KVM_MEMORY_ENCRYPT_OP:
 * KVM_TDX_CAPABILITIES, INIT_VM, INIT_VCPU, INIT_MEM_REGION, FINALIZE_VM.
 * Citations "UP tdx.c <function>()" are to upstream arch/x86/kvm/vmx/tdx.c
 * at 3829d81b (model/TDX-RULES.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kvm_util.h"
#include "processor.h"

#include "kps_tdx.h"
#include "kps_util.h"

#define KPS_TDX_MAX_NENT	256	/* KVM_MAX_CPUID_ENTRIES */
#define KPS_XFEATURE_X87_SSE	0x3ULL

int kps_tdx_cmd(int fd, __u32 id, __u32 flags, __u64 data, __u64 *hw_error)
{
	struct kvm_tdx_cmd cmd = {
		.id = id,
		.flags = flags,
		.data = data,
	};
	int r, err;

	r = ioctl(fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	err = errno;
	if (hw_error)
		*hw_error = cmd.hw_error;
	errno = err;
	return r;
}

static int kps_tdx_fail(const char *what, int r, __u64 hw, char *err,
			size_t len)
{
	int e = errno;

	snprintf(err, len,
		 "setup of tdx VM, step %s: ret=%d errno=%s (%s) hw_error=%#llx",
		 what, r, kps_errno_name(e), strerror(e),
		 (unsigned long long)hw);
	errno = e;
	return -1;
}

struct kvm_tdx_capabilities *kps_tdx_get_caps(int vm_fd)
{
	struct kvm_tdx_capabilities *caps;
	int r, e;

	caps = calloc(1, sizeof(*caps) +
			 KPS_TDX_MAX_NENT * sizeof(struct kvm_cpuid_entry2));
	if (!caps)
		return NULL;
	caps->cpuid.nent = KPS_TDX_MAX_NENT;
	r = kps_tdx_cmd(vm_fd, KVM_TDX_CAPABILITIES, 0,
			(__u64)(unsigned long)caps, NULL);
	if (r) {
		e = errno;
		free(caps);
		errno = e;
		return NULL;
	}
	return caps;
}

static const struct kvm_cpuid_entry2 *
kps_find_entry(const struct kvm_cpuid2 *c, __u32 function, __u32 index)
{
	__u32 i;

	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

int kps_tdx_init_vm(struct kvm_vm *vm, __u64 attributes, char *err, size_t len)
{
	const struct kvm_cpuid_entry2 *cfg, *host;
	struct kvm_tdx_capabilities *caps;
	struct kvm_tdx_init_vm *init;
	struct kvm_cpuid_entry2 *e;
	__u64 hw = 0;
	int r;

	caps = kps_tdx_get_caps(vm->fd);
	if (!caps)
		return kps_tdx_fail("KVM_TDX_CAPABILITIES", -1, 0, err, len);
	/*
	 * UP tdx.c setup_tdparams_eptp_controls(): 0x80000008 must be given,
	 * EAX[23:16] (GPAW) 48 or 52; td_init_cpuid_entry2() reports the leaf
	 * configurable.  Its other bits: the host's, within the mask.
	 */
	cfg = kps_find_entry(&caps->cpuid, 0x80000008, 0);
	if (!cfg) {
		free(caps);
		errno = ENOENT;
		return kps_tdx_fail("KVM_TDX_CAPABILITIES lists no CPUID 0x80000008",
				    -1, 0, err, len);
	}
	init = calloc(1, sizeof(*init) + sizeof(struct kvm_cpuid_entry2));
	TEST_ASSERT(init, "calloc(kvm_tdx_init_vm)");
	init->attributes = attributes;
	init->xfam = caps->supported_xfam & KPS_XFEATURE_X87_SSE;
	init->cpuid.nent = 1;
	e = &init->cpuid.entries[0];
	*e = *cfg;
	host = kps_find_entry(kvm_get_supported_cpuid(), 0x80000008, 0);
	e->eax = (host ? host->eax & cfg->eax & ~0xff0000U : 0) | 48U << 16;
	e->ebx = host ? host->ebx & cfg->ebx : 0;
	e->ecx = host ? host->ecx & cfg->ecx : 0;
	e->edx = host ? host->edx & cfg->edx : 0;
	free(caps);
	r = kps_tdx_cmd(vm->fd, KVM_TDX_INIT_VM, 0, (__u64)(unsigned long)init,
			&hw);
	free(init);
	return r ? kps_tdx_fail("KVM_TDX_INIT_VM", r, hw, err, len) : 0;
}

int kps_tdx_init_vcpu(struct kvm_vcpu *vcpu, char *err, size_t len)
{
	__u64 hw = 0;
	int r;

	/* UP tdx.c tdx_vcpu_init(): x2APIC, which the guest CPUID must allow */
	vcpu_init_cpuid(vcpu, kvm_get_supported_cpuid());
	r = kps_tdx_cmd(vcpu->fd, KVM_TDX_INIT_VCPU, 0, 0, &hw);
	return r ? kps_tdx_fail("KVM_TDX_INIT_VCPU", r, hw, err, len) : 0;
}

int kps_tdx_init_mem_region(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			    char *err, size_t len)
{
	struct kvm_tdx_init_mem_region region;
	size_t page = getpagesize();
	__u64 hw = 0;
	void *src;
	int r;

	/* kvm_gmem_populate(): a guest_memfd slot with the PRIVATE attribute */
	vm_mem_add(vm, VM_MEM_SRC_ANONYMOUS, KPS_TDX_GPA, KPS_TDX_SLOT, 1,
		   KVM_MEM_GUEST_MEMFD, -1, 0);
	vm_mem_set_private(vm, KPS_TDX_GPA, page);
	src = addr_gpa2hva(vm, KPS_TDX_GPA);
	memset(src, 0xf4, page);	/* hlt */
	region.source_addr = (__u64)(unsigned long)src;
	region.gpa = KPS_TDX_GPA;
	region.nr_pages = 1;
	r = kps_tdx_cmd(vcpu->fd, KVM_TDX_INIT_MEM_REGION,
			KVM_TDX_MEASURE_MEMORY_REGION,
			(__u64)(unsigned long)&region, &hw);
	return r ? kps_tdx_fail("KVM_TDX_INIT_MEM_REGION", r, hw, err, len) : 0;
}

int kps_tdx_finalize(struct kvm_vm *vm, char *err, size_t len)
{
	__u64 hw = 0;
	int r;

	r = kps_tdx_cmd(vm->fd, KVM_TDX_FINALIZE_VM, 0, 0, &hw);
	return r ? kps_tdx_fail("KVM_TDX_FINALIZE_VM", r, hw, err, len) : 0;
}

/* UP tdx.c tdx_has_emulated_msr() */
static bool kps_tdx_emulated_msr(__u32 msr)
{
	/* x2APIC: not TPR, PPR, EOI, ISR, TMR, IRR (virtualized by the CPU) */
	if (msr >= 0x800 && msr <= 0x8ff)
		return msr != 0x808 && msr != 0x80a && msr != 0x80b &&
		       (msr < 0x810 || msr > 0x828);
	switch (msr) {
	case 0x8b:		/* MSR_IA32_UCODE_REV */
	case 0x10a:		/* MSR_IA32_ARCH_CAPABILITIES */
	case 0x1fc:		/* MSR_IA32_POWER_CTL */
	case 0x277:		/* MSR_IA32_CR_PAT */
	case 0xfe:		/* MSR_MTRRcap */
	case 0x200 ... 0x26f:	/* MTRRphysBase(0) .. MSR_MTRRfix4K_F8000 */
	case 0x2ff:		/* MSR_MTRRdefType */
	case 0x6e0:		/* MSR_IA32_TSC_DEADLINE */
	case 0x1a0:		/* MSR_IA32_MISC_ENABLE */
	case 0xce:		/* MSR_PLATFORM_INFO */
	case 0x140:		/* MSR_MISC_FEATURES_ENABLES */
	case 0x1b:		/* MSR_IA32_APICBASE */
	case 0xc0000080:	/* MSR_EFER */
	case 0x3a:		/* MSR_IA32_FEAT_CTL */
	case 0x179 ... 0x17b:	/* MSR_IA32_MCG_CAP, _STATUS, _CTL */
	case 0x4d0:		/* MSR_IA32_MCG_EXT_CTL */
	case 0x400 ... 0x47f:	/* MSR_IA32_MCx_{CTL,STATUS,ADDR,MISC}, 32 banks */
	case 0x280 ... 0x29f:	/* MSR_IA32_MCx_CTL2 */
	case 0x4b564d05:	/* MSR_KVM_POLL_CONTROL */
		return true;
	}
	return false;
}

bool kps_tdx_msr_blocked(__u32 msr, bool get)
{
	/* tdx_get_msr(): FEAT_CTL always, MCG_EXT_CTL host-initiated */
	if (msr == 0x3a || msr == 0x4d0)
		return !get && msr == 0x3a;
	/* tdx_set_msr(): tdx_is_read_only_msr() */
	if (!get && (msr == 0x1b || msr == 0xc0000080))
		return true;
	return !kps_tdx_emulated_msr(msr);
}
