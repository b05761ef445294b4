// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_intel's TDX VM type (MODEL_VENDOR=intel): KVM_MEMORY_ENCRYPT_OP on
 * the VM and vCPU fds, the TD and TD-vCPU states, the vCPU-creation and
 * KVM_RUN gates, and the per-MSR refusals of a TD vCPU.  The TD is a real
 * KVM_X86_DEFAULT_VM; TDX-module work (keys, measurement, SEPT) is absent.
 *
 * Rules: model/TDX-RULES.md; "UP tdx.c <function>()" is upstream
 * arch/x86/kvm/vmx/tdx.c at 3829d81b, "UP main.c" vmx/main.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

#define TDX_ATTR_DEBUG			BIT_ULL(0)
#define TDX_ATTR_SEPT_VE_DISABLE	BIT_ULL(28)
/* UP tdx.c KVM_SUPPORTED_TD_ATTRS */
#define TDX_SUPPORTED_ATTRS		TDX_ATTR_SEPT_VE_DISABLE
/* x87, SSE, AVX: what the model's "TDX module" lets a TD enable */
#define TDX_SUPPORTED_XFAM		0x7ULL
#define TDX_MAX_CPUID_ENTRIES		256
#define TDX_SHARED_BIT_PWL_4		BIT_ULL(47)

/* UP uapi kvm.h, struct kvm_tdx_* (the suite's include/kps_tdx.h) */
struct m_tdx_cmd {
	u32 id;
	u32 flags;
	u64 data;
	u64 hw_error;
};

struct m_tdx_capabilities {
	u64 supported_attrs;
	u64 supported_xfam;
	u64 tdvmcallinfo[4];
	u64 reserved[250];
	struct kvm_cpuid2 cpuid;
};

struct m_tdx_init_vm {
	u64 attributes;
	u64 xfam;
	u64 mr[18];
	u64 reserved[12];
	struct kvm_cpuid2 cpuid;
};

struct m_tdx_init_mem_region {
	u64 source_addr;
	u64 gpa;
	u64 nr_pages;
};

enum {
	M_TDX_CAPABILITIES = 0,
	M_TDX_INIT_VM,
	M_TDX_INIT_VCPU,
	M_TDX_INIT_MEM_REGION,
	M_TDX_FINALIZE_VM,
	M_TDX_GET_CPUID,
};

#define M_TDX_MEASURE_MEMORY_REGION	BIT_ULL(0)

/*
 * The configurable CPUID leaves the model's TDX module reports
 * (td_init_cpuid_entry2(): 0x80000008 EAX[23:16] reported configurable).
 */
#define NR_TDX_CPUID	3

static const struct kvm_cpuid_entry2 tdx_cpuid_config[NR_TDX_CPUID] = {
	{ .function = 0x1, .eax = 0x0fff3fff, .ebx = 0x00ff0000,
	  .ecx = 0x31fa3203, .edx = 0x1fa9fbff },
	{ .function = 0x7, .index = 0, .ebx = 0x019c0fbb, .ecx = 0x1040c14e,
	  .edx = 0xfc1c4410 },
	{ .function = 0x80000008, .eax = 0x00ffffff },
};

/* ---- VM fd: UP tdx.c tdx_vm_ioctl() ------------------------------------- */

static long tdx_get_capabilities(struct m_tdx_cmd *cmd)
{
	struct m_tdx_capabilities caps;
	struct m_tdx_capabilities *u = (void *)(unsigned long)cmd->data;

	if (cmd->flags)
		return -EINVAL;
	if (copy_from_user(&caps, u, sizeof(caps)))
		return -EFAULT;
	if (caps.cpuid.nent < NR_TDX_CPUID)
		return -E2BIG;
	caps.supported_attrs = TDX_SUPPORTED_ATTRS;
	caps.supported_xfam = TDX_SUPPORTED_XFAM;
	caps.cpuid.nent = NR_TDX_CPUID;
	if (copy_to_user(u, &caps, sizeof(caps)))
		return -EFAULT;
	if (copy_to_user(u->cpuid.entries, tdx_cpuid_config,
			 sizeof(tdx_cpuid_config)))
		return -EFAULT;
	return 0;
}

static const struct kvm_cpuid_entry2 *tdx_config_leaf(u32 function, u32 index)
{
	unsigned int i;

	for (i = 0; i < NR_TDX_CPUID; i++)
		if (tdx_cpuid_config[i].function == function &&
		    tdx_cpuid_config[i].index == index)
			return &tdx_cpuid_config[i];
	return NULL;
}

/* UP tdx.c setup_tdparams(), setup_tdparams_eptp_controls(), _cpuids() */
static long tdx_setup_tdparams(struct mvm *vm, struct m_tdx_init_vm *init)
{
	struct kvm_cpuid_entry2 *e = init->cpuid.entries, *gpaw = NULL;
	u32 i, pa;

	if (vm->created_vcpus)
		return -EBUSY;
	if ((init->attributes & ~(u64)TDX_SUPPORTED_ATTRS) &&
	    !(MUTANT(tdx_debug_attr_ignored) &&
	      !(init->attributes & ~(TDX_SUPPORTED_ATTRS | TDX_ATTR_DEBUG))))
		return -EINVAL;
	if (init->xfam & ~TDX_SUPPORTED_XFAM)
		return -EINVAL;
	for (i = 0; i < init->cpuid.nent; i++)
		if (e[i].function == 0x80000008 && !e[i].index)
			gpaw = &e[i];
	if (!gpaw)
		return -EINVAL;
	pa = (gpaw->eax >> 16) & 0xff;
	/* 52 needs 5-level EPT, which the model's host does not have */
	if (pa != 48)
		return -EINVAL;
	/* every entry must have a slot in TD_PARAMS (copy_cnt != nent) */
	for (i = 0; i < init->cpuid.nent; i++)
		if (!tdx_config_leaf(e[i].function, e[i].index))
			return -EINVAL;
	return 0;
}

static long tdx_td_init(struct mvm *vm, struct m_tdx_cmd *cmd)
{
	struct m_tdx_init_vm hdr, *init;
	size_t sz;
	long r;

	if (vm->tdx_state != TD_UNINITIALIZED)
		return -EINVAL;
	if (cmd->flags)
		return -EINVAL;
	if (copy_from_user(&hdr, (void *)(unsigned long)cmd->data, sizeof(hdr)))
		return -EFAULT;
	if (hdr.cpuid.nent > TDX_MAX_CPUID_ENTRIES)
		return -E2BIG;
	sz = sizeof(hdr) + hdr.cpuid.nent * sizeof(struct kvm_cpuid_entry2);
	init = model_zalloc(sz);
	r = -EFAULT;
	if (copy_from_user(init, (void *)(unsigned long)cmd->data, sz))
		goto out;
	init->cpuid.nent = hdr.cpuid.nent;
	r = -EINVAL;
	for (unsigned int i = 0; i < 12; i++)
		if (init->reserved[i])
			goto out;
	if (init->cpuid.padding)
		goto out;
	r = tdx_setup_tdparams(vm, init);
	if (r)
		goto out;
	vm->tdx_attributes = init->attributes;
	vm->tdx_state = TD_INITIALIZED;
	mtrace("TD %d: KVM_TDX_INIT_VM attributes %#llx", vm->fd,
	       (unsigned long long)init->attributes);
out:
	free(init);
	return r;
}

static long tdx_td_finalize(struct mvm *vm)
{
	/* no HKID before INIT_VM, or already RUNNABLE */
	if (vm->tdx_state != TD_INITIALIZED && !MUTANT(tdx_order_ignored))
		return -EINVAL;
	vm->tdx_state = TD_RUNNABLE;
	vm->pre_fault_allowed = true;
	return 0;
}

long tdx_mem_enc_ioctl(struct mvm *vm, unsigned long arg)
{
	struct m_tdx_cmd cmd;
	long r;

	/* UP main.c vt_mem_enc_ioctl(): -ENOTTY unless a TD */
	if (!vm_is_td(vm))
		return -ENOTTY;
	if (copy_from_user(&cmd, (void *)arg, sizeof(cmd)))
		return -EFAULT;
	/* SEV commands: error/sev_fd overlay hw_error (TDX-RULES.md 2.3) */
	if (cmd.hw_error && !MUTANT(tdx_sev_cmds_accepted))
		return -EINVAL;
	model_lock();
	switch (cmd.id) {
	case M_TDX_CAPABILITIES:
		r = tdx_get_capabilities(&cmd);
		break;
	case M_TDX_INIT_VM:
		r = tdx_td_init(vm, &cmd);
		break;
	case M_TDX_FINALIZE_VM:
		r = tdx_td_finalize(vm);
		break;
	default:
		model_unlock();
		return MUTANT(tdx_sev_cmds_accepted) ? 0 : -EINVAL;
	}
	model_unlock();
	if (copy_to_user((void *)arg, &cmd, sizeof(cmd)))
		r = -EFAULT;
	return r;
}

/* ---- vCPU fd: UP tdx.c tdx_vcpu_ioctl() --------------------------------- */

/* UP tdx.c tdx_vcpu_create(): the state check, then the split irqchip. */
long tdx_vcpu_create_check(struct mvm *vm)
{
	if (vm->tdx_state != TD_INITIALIZED && !MUTANT(tdx_order_ignored))
		return -EIO;
	if (!vm->split_irqchip)
		return -EINVAL;
	return 0;
}

/* Called at KVM_CREATE_VCPU: protected unless the DEBUG attribute. */
void tdx_vcpu_created(struct mvcpu *v)
{
	if (MUTANT(tdx_unprotected_at_creation))
		return;
	if (v->vm->tdx_attributes & TDX_ATTR_DEBUG)
		v->fpstate_confidential = true;
	else
		vcpu_protect(v, true);
}

static long tdx_vcpu_init(struct mvcpu *v, struct m_tdx_cmd *cmd)
{
	if (cmd->flags)
		return -EINVAL;
	if (v->tdx_init)
		return -EINVAL;
	/* kvm_apic_set_base(x2APIC) needs X86_FEATURE_X2APIC in guest CPUID */
	if (!v->cpuid_x2apic)
		return -EINVAL;
	v->tdx_init = true;
	return 0;
}

static long tdx_init_mem_region(struct mvcpu *v, struct m_tdx_cmd *cmd)
{
	struct mvm *vm = v->vm;
	struct m_tdx_init_mem_region rg;
	struct mslot *s;
	u64 gfn;
	long r = 0;

	if (!v->tdx_init)
		return -EINVAL;
	if (vm->tdx_state == TD_RUNNABLE)
		return -EINVAL;
	if (cmd->flags & ~M_TDX_MEASURE_MEMORY_REGION)
		return -EINVAL;
	if (copy_from_user(&rg, (void *)(unsigned long)cmd->data, sizeof(rg)))
		return -EFAULT;
	if ((rg.source_addr | rg.gpa) & (M_PAGE_SIZE - 1) || !rg.nr_pages ||
	    rg.gpa + rg.nr_pages * M_PAGE_SIZE <= rg.gpa ||
	    (rg.gpa & TDX_SHARED_BIT_PWL_4) ||
	    ((rg.gpa + rg.nr_pages * M_PAGE_SIZE - 1) & TDX_SHARED_BIT_PWL_4))
		return -EINVAL;
	model_lock();
	while (rg.nr_pages) {
		gfn = rg.gpa / M_PAGE_SIZE;
		/* kvm_gmem_populate(): a private gfn in a guest_memfd slot */
		s = vm_find_slot(vm, gfn);
		if (!s || !vm_gpa_private(vm, gfn)) {
			r = -EINVAL;
			break;
		}
		u64 off = s->goff + rg.gpa - s->gpa;
		u64 page = off / M_PAGE_SIZE;

		/* TDH.MEM.PAGE.ADD of a page already added fails */
		if (s->gmem->prepared[page]) {
			r = -EIO;
			break;
		}
		if (!user_readable((void *)(unsigned long)rg.source_addr,
				   M_PAGE_SIZE)) {
			r = -EFAULT;
			break;
		}
		if (pwrite(s->gmem->fd, (void *)(unsigned long)rg.source_addr,
			   M_PAGE_SIZE, off) != (ssize_t)M_PAGE_SIZE) {
			r = -EIO;
			break;
		}
		s->gmem->prepared[page] = 1;
		rg.source_addr += M_PAGE_SIZE;
		rg.gpa += M_PAGE_SIZE;
		rg.nr_pages--;
	}
	model_unlock();
	if (copy_to_user((void *)(unsigned long)cmd->data, &rg, sizeof(rg)))
		r = -EFAULT;
	return r;
}

long tdx_vcpu_mem_enc_ioctl(struct mvcpu *v, unsigned long arg)
{
	struct mvm *vm = v->vm;
	struct m_tdx_cmd cmd;

	/* UP main.c vt_vcpu_mem_enc_ioctl(): -EINVAL unless a TD vCPU */
	if (!vm_is_td(vm))
		return -EINVAL;
	if (vm->tdx_state == TD_UNINITIALIZED ||
	    (vm->tdx_state == TD_RUNNABLE && !MUTANT(tdx_order_ignored)))
		return -EINVAL;
	if (copy_from_user(&cmd, (void *)arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd.hw_error)
		return -EINVAL;
	switch (cmd.id) {
	case M_TDX_INIT_VCPU:
		return tdx_vcpu_init(v, &cmd);
	case M_TDX_INIT_MEM_REGION:
		return tdx_init_mem_region(v, &cmd);
	case M_TDX_GET_CPUID:
		/* contents not modelled: KVM's CPUID of the real vCPU */
		return sys_ioctl(v->fd, KVM_GET_CPUID2, (unsigned long)cmd.data);
	}
	return -EINVAL;
}

/* UP tdx.c tdx_vcpu_pre_run() */
bool tdx_vcpu_runnable(struct mvcpu *v)
{
	return v->tdx_init && v->vm->tdx_state == TD_RUNNABLE;
}

/* ---- MSRs: UP tdx.c tdx_has_emulated_msr(), tdx_get_msr(), tdx_set_msr() */

static bool tdx_has_emulated_msr(u32 msr)
{
	if (msr >= 0x800 && msr <= 0x8ff)	/* x2APIC */
		return msr != 0x808 && msr != 0x80a && msr != 0x80b &&
		       (msr < 0x810 || msr > 0x828);
	switch (msr) {
	case 0x8b:		/* MSR_IA32_UCODE_REV */
	case 0x10a:		/* MSR_IA32_ARCH_CAPABILITIES */
	case 0x1fc:		/* MSR_IA32_POWER_CTL */
	case 0x277:		/* MSR_IA32_CR_PAT */
	case 0xfe:		/* MSR_MTRRcap */
	case 0x200 ... 0x26f:	/* MTRRs */
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
	case 0x400 ... 0x47f:	/* MSR_IA32_MCx_* */
	case 0x280 ... 0x29f:	/* MSR_IA32_MCx_CTL2 */
	case 0x4b564d05:	/* MSR_KVM_POLL_CONTROL */
		return true;
	}
	return false;
}

bool tdx_msr_refused(u32 msr, bool get)
{
	if (msr == 0x3a || msr == 0x4d0)	/* FEAT_CTL, MCG_EXT_CTL */
		return !get && msr == 0x3a;
	/* tdx_is_read_only_msr(): APICBASE, EFER (FEAT_CTL above) */
	if (!get && (msr == 0x1b || msr == 0xc0000080) &&
	    !MUTANT(tdx_readonly_msrs_writable))
		return true;
	return !tdx_has_emulated_msr(msr);
}
