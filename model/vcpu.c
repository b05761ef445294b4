// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU file descriptor ioctls: the guest-state rules for protected vCPUs
 * (spec section 3), MSR access of protected SEV-ES/SNP vCPUs, sync regs,
 * KVM_RUN with the guest side of SEV (MSR_AMD64_SEV, GHCB termination).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model.h"

/* ---- creation and protection ----------------------------------------------- */

/* Caller holds the lock. */
struct mvcpu *vcpu_new(struct mvm *vm, int fd, unsigned long id)
{
	struct mvcpu *v = model_zalloc(sizeof(*v));
	bool launched = false;
	int i;

	v->vm = vm;
	v->id = id;
	v->index = vm->nr_vcpus;
	/* The model's own fd: the program may close its fd, the vCPU lives on. */
	v->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (v->fd < 0)
		model_die("cannot dup a vCPU fd: %s", strerror(errno));
	v->run_size = M_PAGE_SIZE;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		model_die("cannot map kvm_run: %s", strerror(errno));
	vm->vcpus = model_grow(vm->vcpus, vm->nr_vcpus, &vm->cap_vcpus,
			       sizeof(*vm->vcpus), 4);
	for (i = 0; i < vm->nr_vcpus; i++)
		launched |= vm->vcpus[i]->guest_state_protected;
	vm->vcpus[vm->nr_vcpus++] = v;
	/*
	 * Nothing protects a vCPU created after LAUNCH_UPDATE_VMSA or
	 * SNP_LAUNCH_FINISH (spec 2: no write site); the mutant does.
	 */
	if (launched && MUTANT(late_vcpu_protected))
		vcpu_protect(v, true);
	return v;
}

/* Caller holds the lock. */
void vcpu_free(struct mvcpu *v)
{
	munmap(v->run, v->run_size);
	syscall(SYS_close, v->fd);
	free(v);
}

/*
 * Marks the vCPU protected, keeping KVM's view of the state at that
 * moment (what legacy SEV-ES reads back, spec 2.1, and what the stale_ok /
 * write_before_einval mutants return).
 */
void vcpu_protect(struct mvcpu *v, bool fpstate_confidential)
{
	struct msnap *s = &v->snap;

	if (!s->valid) {
		sys_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&s->regs);
		sys_ioctl(v->fd, KVM_GET_SREGS, (unsigned long)&s->sregs);
		s->have_sregs2 = !sys_ioctl(v->fd, KVM_GET_SREGS2,
					    (unsigned long)&s->sregs2);
		sys_ioctl(v->fd, KVM_GET_FPU, (unsigned long)&s->fpu);
		s->have_xsave = !sys_ioctl(v->fd, KVM_GET_XSAVE,
					   (unsigned long)&s->xsave);
		s->have_xcrs = !sys_ioctl(v->fd, KVM_GET_XCRS,
					  (unsigned long)&s->xcrs);
		sys_ioctl(v->fd, KVM_GET_DEBUGREGS, (unsigned long)&s->dregs);
		s->valid = true;
	}
	if (fpstate_confidential)
		v->fpstate_confidential = true;
	v->guest_state_protected = true;
	mtrace("vCPU %lu protected (fpstate confidential %d)", v->id,
	       v->fpstate_confidential);
}

/* ---- the predicates, with the mutants that bend them ------------------------- */

/* block_sev and block_default: the rule applies to a launched SEV or a default VM */
static bool mutant_blocks_vm(struct mvm *vm)
{
	if (MUTANT(block_sev) && vm->active && !vm->es_active &&
	    sev_vm_launched(vm))
		return true;
	return MUTANT(block_default) && vm->type == KVM_X86_DEFAULT_VM &&
	       !vm->active;
}

/* vcpu->kvm->arch.has_protected_state */
static bool eff_hps(struct mvcpu *v)
{
	return mutant_blocks_vm(v->vm) || vm_has_protected_state(v->vm);
}

/* A per-vCPU flag of the kernel (@flag) as the mutants bend it. */
static bool eff_vcpu_flag(struct mvcpu *v, bool flag)
{
	struct mvm *vm = v->vm;

	if (MUTANT(block_before_protection) && vm_has_protected_state(vm))
		flag = true;
	if (mutant_blocks_vm(vm))
		flag = true;
	if (MUTANT(first_vcpu_only) && v->index)
		flag = false;
	return flag;
}

/* vcpu->arch.guest_state_protected */
static bool eff_gsp(struct mvcpu *v)
{
	return eff_vcpu_flag(v, v->guest_state_protected);
}

/* fpstate_is_confidential(&vcpu->arch.guest_fpu) */
static bool eff_fc(struct mvcpu *v)
{
	return eff_vcpu_flag(v, v->fpstate_confidential);
}

/* "has_protected_state && guest_state_protected" */
static bool vcpu_ps(struct mvcpu *v)
{
	return eff_hps(v) && eff_gsp(v);
}

/*
 * Protected, but the VM has no protected state: legacy KVM_SEV_ES_INIT or
 * an SEV-ES migration destination of type 0 (spec 2.1).  The state ioctls
 * succeed on KVM's copies, which the guest no longer uses.
 */
static bool vcpu_les(struct mvcpu *v)
{
	return v->guest_state_protected && !eff_hps(v);
}

/* ---- denials --------------------------------------------------------------- */

/*
 * Every protected-state check fails with -EINVAL and leaves the user
 * buffer alone.  The mutants that change what a denial looks like act
 * here, so each check site stays one line.
 */
static long deny(void *ubuf, size_t len, const void *stale, bool get)
{
	if (MUTANT(errno_efault))
		return -EFAULT;
	if (MUTANT(errno_eperm))
		return -EPERM;
	if (MUTANT(errno_enotty))
		return -ENOTTY;
	if (MUTANT(errno_eio))
		return -EIO;
	if (MUTANT(positive_return))
		return 1;
	if ((MUTANT(zero_buffer_ok) || MUTANT(stale_ok) ||
	     MUTANT(write_before_einval)) && get) {
		void *b = calloc(1, len);
		int r;

		if (!b)
			return -ENOMEM;
		if (stale && !MUTANT(zero_buffer_ok))
			memcpy(b, stale, len);
		r = copy_to_user(ubuf, b, len);
		free(b);
		if (MUTANT(write_before_einval))
			return -EINVAL;
		return r;
	}
	if (MUTANT(zero_buffer_ok) || MUTANT(stale_ok))
		return 0;
	if (get && MUTANT(get_overrun_refused))
		copy_to_user((char *)ubuf + len, &len, sizeof(u64));
	return -EINVAL;
}

#define SKIP(name) MUTANT(skip_##name)

/* A blocked GET: kzalloc, check, copy_to_user (kvm_main.c:4520-4536). */
static long deny_get(unsigned long arg, size_t len, const void *stale)
{
	if (MUTANT(efault_einval_swapped) && !user_writable((void *)arg, len))
		return -EFAULT;
	return deny((void *)arg, len, stale, true);
}

/* A SET blocked after memdup_user() or copy_from_user(): -EFAULT first. */
static long deny_set(unsigned long arg, size_t len)
{
	if (!MUTANT(efault_einval_swapped) && !user_readable((void *)arg, len))
		return -EFAULT;
	return deny((void *)arg, len, NULL, false);
}

/* GET_* guarded by PS. */
static long get_ps(struct mvcpu *v, int fd, unsigned long req, unsigned long arg,
		   size_t len, const void *stale, bool skip)
{
	if (!vcpu_ps(v) || skip)
		return sys_ioctl(fd, req, arg);
	return deny_get(arg, len, stale);
}

/* SET_* guarded by PS. */
static long set_ps(struct mvcpu *v, int fd, unsigned long req, unsigned long arg,
		   size_t len, bool skip)
{
	if (!vcpu_ps(v) || skip)
		return sys_ioctl(fd, req, arg);
	return deny_set(arg, len);
}

/* Guarded by FC: fpstate_is_confidential() and has_protected_state. */
static bool fc_blocks(struct mvcpu *v, bool skip)
{
	return eff_fc(v) && !skip && eff_hps(v);
}

/* ---- legacy SEV-ES (protected vCPU, no protected state): spec 2.1 ----------- */

static long les_get(void *ubuf, const void *kcopy, size_t len)
{
	long r = copy_to_user(ubuf, kcopy, len);

	if (!r && MUTANT(get_overrun_ok))
		copy_to_user((char *)ubuf + len, &len, sizeof(u64));
	return r;
}

/*
 * Apply a SET to the real vCPU only to learn whether KVM would accept it,
 * then put the real state back: the guest's state is in its VMSA, KVM's
 * copy is the snapshot.
 */
static long trial_set(struct mvcpu *v, unsigned long get, unsigned long set,
		      void *cur, const void *val)
{
	long r;

	if (sys_ioctl(v->fd, get, (unsigned long)cur))
		return -EINVAL;
	r = sys_ioctl(v->fd, set, (unsigned long)val);
	if (!r)
		sys_ioctl(v->fd, set, (unsigned long)cur);
	return r;
}

/* __get_sregs_common() skips segments, descriptor tables, cr2, cr3 (regs.c:461) */
static void les_mask_sregs(struct kvm_sregs *s)
{
	if (MUTANT(legacy_es_sregs_leak))
		return;
	memset(&s->cs, 0, sizeof(s->cs) * 8);	/* cs ds es fs gs ss tr ldt */
	memset(&s->gdt, 0, sizeof(s->gdt));
	memset(&s->idt, 0, sizeof(s->idt));
	s->cr2 = 0;
	s->cr3 = 0;
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
}

static long les_ioctl(struct mvcpu *v, int fd, unsigned long req, unsigned long arg,
		      bool *handled)
{
	struct msnap *s = &v->snap;
	void *up = (void *)arg;
	struct msnap u, cur;	/* scratch: one buffer per state ioctl */
	long r;

	*handled = true;
	if (!s->valid)
		vcpu_protect(v, v->fpstate_confidential);
	switch (req) {
	case KVM_GET_REGS:	/* regs.c:92: check is false, KVM's stale copy */
		return les_get(up, &s->regs, sizeof(s->regs));
	case KVM_SET_REGS:
		if (copy_from_user(&u.regs, up, sizeof(u.regs)))
			return -EFAULT;
		s->regs = u.regs;
		return 0;
	case KVM_GET_SREGS:
		u.sregs = s->sregs;
		les_mask_sregs(&u.sregs);
		return les_get(up, &u.sregs, sizeof(u.sregs));
	case KVM_GET_SREGS2:
		if (!s->have_sregs2)
			break;
		u.sregs2 = s->sregs2;
		les_mask_sregs((struct kvm_sregs *)&u.sregs2);
		/* no PDPTRs when protected (regs.c:526) */
		if (!MUTANT(legacy_es_pdptrs_leak)) {
			u.sregs2.flags = 0;
			memset(u.sregs2.pdptrs, 0, sizeof(u.sregs2.pdptrs));
		}
		return les_get(up, &u.sregs2, sizeof(u.sregs2));
	case KVM_SET_SREGS:
		/* regs.c:578-580: only the APIC base is applied */
		if (copy_from_user(&u.sregs, up, sizeof(u.sregs)))
			return -EFAULT;
		r = trial_set(v, KVM_GET_SREGS, KVM_SET_SREGS, &cur.sregs, &u.sregs);
		if (!r)
			s->sregs.apic_base = u.sregs.apic_base;
		return r;
	case KVM_SET_SREGS2:
		if (copy_from_user(&u.sregs2, up, sizeof(u.sregs2)))
			return -EFAULT;
		/* regs.c:684-688: PDPTRS_VALID with a protected vCPU */
		if (MUTANT(legacy_es_pdptrs_accepted))
			u.sregs2.flags &= ~KVM_SREGS2_FLAGS_PDPTRS_VALID;
		if (u.sregs2.flags)
			return -EINVAL;
		r = trial_set(v, KVM_GET_SREGS2, KVM_SET_SREGS2, &cur.sregs2, &u.sregs2);
		if (!r)
			s->sregs.apic_base = u.sregs2.apic_base;
		return r;
	case KVM_GET_FPU:
		/* x86.c:11431-11432: FC returns 0, the kzalloc'ed buffer is copied */
		memset(&u.fpu, 0, sizeof(u.fpu));
		return les_get(up, &u.fpu, sizeof(u.fpu));
	case KVM_GET_XSAVE:
		/* x86.c:5624-5626 size check first, then FC */
		r = sys_ioctl(fd, req, (unsigned long)&cur.xsave);
		if (r < 0)
			return r;
		memset(&u.xsave, 0, sizeof(u.xsave));
		return les_get(up, &u.xsave, sizeof(u.xsave));
	case KVM_GET_XSAVE2: {
		size_t len = vcpu_cpuid_xsave2_size(v);
		void *z = calloc(1, len);

		if (!z)
			return -ENOMEM;
		r = les_get(up, z, len);
		free(z);
		return r;
	}
	case KVM_SET_FPU:
		return copy_from_user(&u.fpu, up, sizeof(u.fpu));
	case KVM_SET_XSAVE:
		return user_readable(up, vcpu_cpuid_xsave2_size(v)) ? 0 : -EFAULT;
	case KVM_GET_DEBUGREGS:
		return les_get(up, &s->dregs, sizeof(s->dregs));
	case KVM_SET_DEBUGREGS:
		if (copy_from_user(&u.dregs, up, sizeof(u.dregs)))
			return -EFAULT;
		/* regs.c:854-860 */
		if (u.dregs.flags || (u.dregs.dr6 >> 32) || (u.dregs.dr7 >> 32))
			return -EINVAL;
		s->dregs = u.dregs;
		return 0;
	case KVM_GET_XCRS:
		if (!s->have_xcrs)
			break;
		return les_get(up, &s->xcrs, sizeof(s->xcrs));
	case KVM_SET_XCRS:
		if (copy_from_user(&u.xcrs, up, sizeof(u.xcrs)))
			return -EFAULT;
		r = trial_set(v, KVM_GET_XCRS, KVM_SET_XCRS, &cur.xcrs, &u.xcrs);
		if (!r)
			s->xcrs = u.xcrs;
		return r;
	}
	*handled = false;
	return 0;
}

/* ---- MSRs --------------------------------------------------------------------- */

/*
 * MSRs whose write intercept is off for a launched SEV-ES/SNP vCPU, i.e.
 * where 6.12 svm.c:2901-2908 sev_es_prevent_msr_access() fires.
 */
static bool msr_passthrough(struct mvcpu *v, u32 msr)
{
	switch (msr) {
	/* svm.c:88-120 direct_access_msrs[].always */
	case 0xc0000081:	/* MSR_STAR */
	case 0x00000174:	/* MSR_IA32_SYSENTER_CS */
	case 0xc0000101:	/* MSR_GS_BASE */
	case 0xc0000100:	/* MSR_FS_BASE */
	case 0xc0000102:	/* MSR_KERNEL_GS_BASE */
	case 0xc0000082:	/* MSR_LSTAR */
	case 0xc0000083:	/* MSR_CSTAR */
	case 0xc0000084:	/* MSR_SYSCALL_MASK */
	case M_MSR_AMD64_SEV_ES_GHCB:
	/* sev.c:4677-4678 sev_es_init_vmcb() */
	case 0xc0000080:	/* MSR_EFER */
	case 0x00000277:	/* MSR_IA32_CR_PAT */
	/* svm.c:1003-1014 svm_recalc_lbr_msr_intercepts() after svm_enable_lbrv() */
	case 0x000001d9:	/* MSR_IA32_DEBUGCTLMSR */
	case 0x000001db:	/* MSR_IA32_LASTBRANCHFROMIP */
	case 0x000001dc:	/* MSR_IA32_LASTBRANCHTOIP */
	case 0x000001dd:	/* MSR_IA32_LASTINTFROMIP */
	case 0x000001de:	/* MSR_IA32_LASTINTTOIP */
		return true;
	/*
	 * 6.12 svm.c:1353-1354 init_vmcb(): with X86_FEATURE_V_SPEC_CTRL the
	 * host stops intercepting SPEC_CTRL from vCPU creation on.  Every
	 * SNP-capable host (Zen 3 and later) has it, and the model with SNP
	 * presents one (v_spec_ctrl in /proc/cpuinfo, core.c); without it
	 * SPEC_CTRL passes through only after a guest write (svm.c:3145).
	 * The mutant keeps it intercepted on such a host.
	 */
	case 0x00000048:	/* MSR_IA32_SPEC_CTRL */
		return sev_snp_enabled && !MUTANT(spec_ctrl_intercepted);
	/* svm.c:1212-1225 init_vmcb_after_set_cpuid(): unless Intel-compatible */
	case 0x00000175:	/* MSR_IA32_SYSENTER_ESP */
	case 0x00000176:	/* MSR_IA32_SYSENTER_EIP */
		return !v->cpuid_intel;
	/* sev.c:4580-4586: with V_TSC_AUX and guest RDTSCP/RDPID */
	case 0xc0000103:	/* MSR_TSC_AUX */
		return v->cpuid_rdtscp;
	/* sev.c:4601-4605: guest XSAVES */
	case 0x00000da0:	/* MSR_IA32_XSS */
		return v->cpuid_xsaves;
	/* svm.c:4615-4617: PRED_CMD writes with guest IBPB */
	case 0x00000049:	/* MSR_IA32_PRED_CMD */
		return v->cpuid_ibpb;
	}
	return false;
}

/* The MSRs where KVM_GET_MSRS (get) or KVM_SET_MSRS stops or reads 0. */
static bool msr_blocked(struct mvcpu *v, u32 msr, bool get)
{
	/* TDX: UP tdx_get_msr()/tdx_set_msr() */
	if (vm_is_td(v->vm))
		return tdx_msr_refused(msr, get);
	return msr_passthrough(v, msr);
}

enum msr_mode { MSR_PASS, MSR_STOP, MSR_ZERO };

static enum msr_mode msr_mode(struct mvcpu *v, unsigned long req)
{
	struct mvm *vm = v->vm;
	bool es = vm->active && vm->es_active;

	/* TDX: refusals per MSR on every TD vCPU, whatever its state */
	if (vm_is_td(vm))
		return MUTANT(tdx_msr_full_count) ? MSR_ZERO : MSR_STOP;
	if (MUTANT(block_before_protection) && vm_has_protected_state(vm))
		es = true;
	if (MUTANT(block_sev) || MUTANT(block_default))
		es = es || eff_gsp(v);
	/* svm.c:2901-2908: sev_es_guest() && guest_state_protected */
	if (!es || !eff_gsp(v))
		return MSR_PASS;
	if ((req == KVM_GET_MSRS && SKIP(get_msrs)) ||
	    (req == KVM_SET_MSRS && SKIP(set_msrs)))
		return MSR_PASS;
	/* svm.c:2914-2917, 3076-3077: has_protected_state ? -EINVAL : 0 */
	return eff_hps(v) && !MUTANT(msr_count_wrong) ? MSR_STOP : MSR_ZERO;
}

/* 6.12 x86.c:4090-4134 __msr_io()/msr_io(): the count of MSRs done. */
static long msrs_ioctl(struct mvcpu *v, int fd, unsigned long req, unsigned long arg)
{
	enum msr_mode mode = msr_mode(v, req);
	struct kvm_msrs hdr, *tmp;
	struct kvm_msr_entry *e;
	bool get = req == KVM_GET_MSRS;
	u32 i, j, n;
	long r;

	if (mode == MSR_PASS)
		return sys_ioctl(fd, req, arg);
	if (copy_from_user(&hdr, (void *)arg, sizeof(hdr)))
		return -EFAULT;
	if (hdr.nmsrs >= M_MAX_IO_MSRS)
		return -E2BIG;
	n = hdr.nmsrs;
	tmp = calloc(1, sizeof(*tmp) + n * sizeof(*e));
	if (!tmp)
		return -ENOMEM;
	e = tmp->entries;
	if (copy_from_user(e, (char *)arg + sizeof(hdr), n * sizeof(*e))) {
		free(tmp);
		return -EFAULT;
	}
	for (i = 0; i < n; ) {
		if (msr_blocked(v, e[i].index, get)) {
			/* kvm_do_msr_access(): a failed read reads as 0 */
			if (get)
				e[i].data = 0;
			if (mode == MSR_STOP)
				break;
			i++;
			continue;
		}
		for (j = i; j < n && !msr_blocked(v, e[j].index, get); j++)
			;
		{
			struct kvm_msrs *part = calloc(1, sizeof(*part) +
						       (j - i) * sizeof(*e));

			if (!part) {
				free(tmp);
				return -ENOMEM;
			}
			part->nmsrs = j - i;
			memcpy(part->entries, &e[i], (j - i) * sizeof(*e));
			r = sys_ioctl(fd, req, (unsigned long)part);
			if (r >= 0 && get)
				memcpy(&e[i], part->entries, (j - i) * sizeof(*e));
			free(part);
		}
		if (r < 0) {
			free(tmp);
			return r;
		}
		if (r < j - i) {
			i += r;
			break;
		}
		i = j;
	}
	r = i;
	/* x86.c:4131-4132: the whole array is written back */
	if (get && copy_to_user((char *)arg + sizeof(hdr), e, n * sizeof(*e)))
		r = -EFAULT;
	free(tmp);
	return r;
}

/* ---- CPUID bookkeeping ------------------------------------------------------ */

static void note_cpuid(struct mvcpu *v, unsigned long arg)
{
	struct kvm_cpuid2 hdr, *c;
	u32 i;

	if (copy_from_user(&hdr, (void *)arg, sizeof(hdr)) || hdr.nent > 4096)
		return;
	c = malloc(sizeof(hdr) + hdr.nent * sizeof(c->entries[0]));
	if (!c)
		return;
	if (copy_from_user(c, (void *)arg, sizeof(hdr) + hdr.nent * sizeof(c->entries[0]))) {
		free(c);
		return;
	}
	v->cpuid_intel = false;
	v->cpuid_rdtscp = false;
	v->cpuid_xsaves = false;
	v->cpuid_ibpb = false;
	v->cpuid_x2apic = false;
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0)
			v->cpuid_intel = e->ebx == 0x756e6547 ||	/* "Genu" */
					 e->ebx == 0x746e6543 ||	/* "Cent" */
					 e->ebx == 0x68532020;		/* "  Sh" */
		if (e->function == 0x80000001 && (e->edx & (1u << 27)))
			v->cpuid_rdtscp = true;
		if (e->function == 7 && e->index == 0 && (e->ecx & (1u << 22)))
			v->cpuid_rdtscp = true;		/* RDPID */
		if (e->function == 0xd && e->index == 1 && (e->eax & (1u << 3)))
			v->cpuid_xsaves = true;
		if (e->function == 7 && e->index == 0 && (e->edx & (1u << 26)))
			v->cpuid_ibpb = true;
		if (e->function == 0x80000008 && (e->ebx & (1u << 12)))
			v->cpuid_ibpb = true;
		if (e->function == 1 && (e->ecx & (1u << 21)))
			v->cpuid_x2apic = true;
	}
	free(c);
}

/* guest_fpu.uabi_size, as KVM_CHECK_EXTENSION(KVM_CAP_XSAVE2) reports it */
u64 vcpu_cpuid_xsave2_size(struct mvcpu *v)
{
	long r = sys_ioctl(v->vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	return r > (long)sizeof(struct kvm_xsave) ? (u64)r : sizeof(struct kvm_xsave);
}

/* ---- KVM_RUN ------------------------------------------------------------------- */

static u64 sev_status_msr(struct mvm *vm)
{
	/* MSR_AMD64_SEV: SEV, SEV-ES, then SEV_FEATURES (SNP_ACTIVE = bit 2) */
	if (!vm->active)
		return 0;
	return 1 | (vm->es_active ? 2 : 0) | (vm->vmsa_features << 2);
}

static void sev_term(struct mvcpu *v)
{
	struct kvm_run *run = v->run;

	/* 6.12 sev.c:4371-4375 sev_handle_vmgexit_msr_protocol() */
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	memset(&run->system_event, 0, sizeof(run->system_event));
	run->system_event.type = KVM_SYSTEM_EVENT_SEV_TERM;
	run->system_event.ndata = 1;
	run->system_event.data[0] = v->sev_term_data;
}

/*
 * A userspace MSR exit for MSR_AMD64_SEV or the GHCB MSR.  Returns true if
 * the exit goes back to the caller (GHCB termination request).
 */
static bool model_msr_exit(struct mvcpu *v)
{
	struct kvm_run *run = v->run;
	struct mvm *vm = v->vm;

	run->msr.error = 0;
	if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
		if (run->msr.index == M_MSR_AMD64_SEV)
			run->msr.data = sev_status_msr(vm);
		else
			run->msr.data = v->ghcb_msr;
		return false;
	}
	if (run->msr.index == M_MSR_AMD64_SEV) {
		run->msr.error = 1;	/* read-only: #GP */
		return false;
	}
	v->ghcb_msr = run->msr.data;
	/*
	 * GHCB MSR protocol: a termination request (GHCB_MSR_TERM_REQ) is
	 * reported at the VMGEXIT that follows; the model reports it at the
	 * write, so the guest's "rep; vmmcall" never runs (README.md).
	 */
	if (vm->es_active && (run->msr.data & M_GHCB_MSR_INFO_MASK) == M_GHCB_MSR_TERM_REQ) {
		v->terminated = true;
		v->sev_term_data = run->msr.data;
		sev_term(v);
		return true;
	}
	return false;
}

static long run_real(struct mvcpu *v, int fd)
{
	struct kvm_run *run = v->run;
	struct mvm *vm = v->vm;
	long r;

	for (;;) {
		r = sys_ioctl(fd, KVM_RUN, 0);
		if (r == 0)
			v->entered = true;
		if (r == 0 && run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
			mtrace("KVM_RUN: internal error %u, ndata %u, data %#llx %#llx %#llx %#llx",
			       run->internal.suberror, run->internal.ndata,
			       (unsigned long long)run->internal.data[0],
			       (unsigned long long)run->internal.data[1],
			       (unsigned long long)run->internal.data[2],
			       (unsigned long long)run->internal.data[3]);
		if (r == 0 && run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
		    vm->active && substrate_fixup_emulation(v))
			continue;
		if (r < 0 || !vm->msr_hooks)
			return r;
		if (run->exit_reason != KVM_EXIT_X86_RDMSR &&
		    run->exit_reason != KVM_EXIT_X86_WRMSR)
			return r;
		if (run->msr.reason == KVM_MSR_EXIT_REASON_FILTER &&
		    (run->msr.index == M_MSR_AMD64_SEV ||
		     run->msr.index == M_MSR_AMD64_SEV_ES_GHCB)) {
			if (model_msr_exit(v))
				return 0;
			continue;
		}
		if (run->msr.reason & vm->user_msr_exit_mask)
			return r;
		/* Not an exit the program asked for: KVM would inject #GP. */
		run->msr.error = 1;
	}
}

/*
 * 6.12 x86.c:11202-11203 kvm_arch_vcpu_ioctl_run(): the exit path stores
 * kvm_run->s.regs whenever kvm_valid_regs is non-zero and the vCPU is not
 * protected, also after the sync-regs check failed with -EINVAL.  The real
 * vCPU (a type-0 VM) does exactly that store on an immediate exit, with
 * the unknown bits dropped so that it accepts the request.
 */
static void store_refused(struct mvcpu *v, int fd)
{
	struct kvm_run *run = v->run;
	u64 valid = run->kvm_valid_regs, dirty = run->kvm_dirty_regs;
	u8 imm = run->immediate_exit;

	if (MUTANT(sync_refused_no_store) ||
	    (eff_gsp(v) && !MUTANT(sync_refused_scribble)) ||
	    !(valid & KVM_SYNC_X86_VALID_FIELDS))
		return;
	run->kvm_valid_regs = valid & KVM_SYNC_X86_VALID_FIELDS;
	run->kvm_dirty_regs = 0;
	run->immediate_exit = 1;
	sys_ioctl(fd, KVM_RUN, 0);	/* -EINTR after store_regs() */
	run->immediate_exit = imm;
	run->kvm_dirty_regs = dirty;
	run->kvm_valid_regs = valid;
}

static long vcpu_run(struct mvcpu *v, int fd)
{
	struct kvm_run *run = v->run;
	struct mvm *vm = v->vm;
	u64 valid, dirty;
	long r;

	/* 6.12 x86.c:11142-11147 with kvm_sync_valid_fields(): none for 3/4 */
	if (eff_hps(v) && !MUTANT(sync_regs_accepted) &&
	    (run->kvm_valid_regs || run->kvm_dirty_regs)) {
		store_refused(v, fd);
		return -EINVAL;
	}
	if (MUTANT(run_refused_after_protection) && eff_gsp(v))
		return -EINVAL;
	if (MUTANT(sync_valid_refused) && !eff_hps(v) && run->immediate_exit &&
	    (run->kvm_valid_regs || run->kvm_dirty_regs))
		return -EINVAL;
	/* svm.c:4285-4289 svm_vcpu_pre_run(): after the immediate_exit check */
	if (vm->need_init && !MUTANT(run_before_init2) && !run->immediate_exit)
		return -EINVAL;
	/* UP tdx_vcpu_pre_run(): after the immediate_exit check too */
	if (vm_is_td(vm) && !run->immediate_exit && !tdx_vcpu_runnable(v) &&
	    !MUTANT(tdx_run_before_finalize))
		return -EINVAL;
	if (v->terminated) {
		if (run->immediate_exit)
			return -EINTR;
		sev_term(v);
		return 0;
	}
	if (!vcpu_les(v) || !(run->kvm_valid_regs || run->kvm_dirty_regs))
		return run_real(v, fd);

	/*
	 * Legacy SEV-ES: sync_regs() writes KVM's copies (x86.c:11483-11497),
	 * store_regs() is skipped while protected (x86.c:11202).
	 */
	valid = run->kvm_valid_regs;
	dirty = run->kvm_dirty_regs;
	if ((valid | dirty) & ~(u64)KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (dirty & KVM_SYNC_X86_REGS)
		v->snap.regs = run->s.regs.regs;
	if (dirty & KVM_SYNC_X86_SREGS)
		v->snap.sregs.apic_base = run->s.regs.sregs.apic_base;
	run->kvm_dirty_regs = 0;
	run->kvm_valid_regs = 0;
	r = run_real(v, fd);
	run->kvm_valid_regs = valid;
	return r;
}

/* ---- the vCPU fd --------------------------------------------------------------- */

long vcpu_ioctl(struct mvcpu *v, int fd, unsigned long req, unsigned long arg)
{
	struct mvm *vm = v->vm;
	struct msnap *s = &v->snap;
	struct kvm_debugregs dregs;
	bool handled;
	long r;

	/* Fast path: a default VM that is not (and cannot become) protected. */
	if (!vm->active && !vm->dead && vm->type == KVM_X86_DEFAULT_VM && !model_mutant &&
	    req != KVM_SET_GUEST_DEBUG && req != KVM_SET_CPUID2 &&
	    req != KVM_MEMORY_ENCRYPT_OP)
		return sys_ioctl(fd, req, arg);

	/* 6.12 kvm_main.c kvm_vcpu_ioctl(): other mm or dead VM -> -EIO */
	if (vm->dead || vm->pid != getpid())
		return -EIO;

	if (vcpu_les(v) && !MUTANT(stale_ok)) {
		r = les_ioctl(v, fd, req, arg, &handled);
		if (handled)
			return r;
	}

	/* mutants of the default-VM, guard-byte and new-row checks */
	if ((MUTANT(set_regs_dropped) && (req == KVM_SET_REGS || req == KVM_SET_SREGS)) ||
	    (MUTANT(set_tsc_khz_dropped) && req == KVM_SET_TSC_KHZ) ||
	    (MUTANT(set_guest_debug_dropped) && req == KVM_SET_GUEST_DEBUG) ||
	    (MUTANT(interrupt_dropped) && req == KVM_INTERRUPT))
		if (vm->type == KVM_X86_DEFAULT_VM && !vm->active)
			return 0;
	if (MUTANT(get_regs_overrun) && req == KVM_GET_REGS) {
		static const u64 junk = 0x5a5a5a5a5a5a5a5aull;

		r = get_ps(v, fd, req, arg, sizeof(struct kvm_regs), &s->regs, false);
		copy_to_user((char *)arg + sizeof(struct kvm_regs), &junk, sizeof(junk));
		return r;
	}
	if (MUTANT(interrupt_irq_unchecked) && req == KVM_INTERRUPT && vm->active)
		return 0;
	if (MUTANT(arg_checks_dropped) && vm->type == KVM_X86_DEFAULT_VM &&
	    (req == KVM_X86_SETUP_MCE || req == KVM_X86_SET_MCE ||
	     req == KVM_SET_SIGNAL_MASK || req == KVM_SET_NESTED_STATE))
		return 0;
	if (eff_gsp(v) &&
	    ((MUTANT(smi_blocked) && req == KVM_SMI) ||
	     (MUTANT(nested_state_blocked) &&
	      (req == KVM_GET_NESTED_STATE || req == KVM_SET_NESTED_STATE)) ||
	     (MUTANT(mce_blocked) && (req == KVM_X86_SETUP_MCE || req == KVM_X86_SET_MCE)) ||
	     (MUTANT(signal_mask_blocked) && req == KVM_SET_SIGNAL_MASK)))
		return -EINVAL;
	if ((MUTANT(kvmclock_ctrl_ok) && req == KVM_KVMCLOCK_CTRL) ||
	    (MUTANT(get_tsc_khz_zero) && req == KVM_GET_TSC_KHZ) ||
	    (MUTANT(vcpu_enc_op_accepted) && req == KVM_MEMORY_ENCRYPT_OP))
		return 0;

	switch (req) {
	case KVM_RUN:
		return vcpu_run(v, fd);

	/* PS: has_protected_state && guest_state_protected */
	case KVM_GET_REGS:	/* 6.12 regs.c:92-94 kvm_arch_vcpu_ioctl_get_regs() */
		return get_ps(v, fd, req, arg, sizeof(struct kvm_regs), &s->regs,
			      SKIP(get_regs));
	case KVM_SET_REGS:	/* 6.12 regs.c:137-139 kvm_arch_vcpu_ioctl_set_regs() */
		return set_ps(v, fd, req, arg, sizeof(struct kvm_regs), SKIP(set_regs));
	case KVM_GET_SREGS:	/* 6.12 regs.c:509-511 kvm_arch_vcpu_ioctl_get_sregs() */
		return get_ps(v, fd, req, arg, sizeof(struct kvm_sregs), &s->sregs,
			      SKIP(get_sregs));
	case KVM_SET_SREGS:	/* 6.12 regs.c:665-667 kvm_arch_vcpu_ioctl_set_sregs() */
		return set_ps(v, fd, req, arg, sizeof(struct kvm_sregs), SKIP(set_sregs));
	case KVM_GET_SREGS2:	/* 6.12 x86.c:5827-5831, before kzalloc */
		return get_ps(v, fd, req, arg, sizeof(struct kvm_sregs2), &s->sregs2,
			      SKIP(get_sregs2));
	case KVM_SET_SREGS2:	/* 6.12 x86.c:5844-5848, before memdup_user: -EINVAL first */
		if (!vcpu_ps(v) || SKIP(set_sregs2))
			return sys_ioctl(fd, req, arg);
		if (MUTANT(efault_einval_swapped) &&
		    !user_readable((void *)arg, sizeof(struct kvm_sregs2)))
			return -EFAULT;
		return deny((void *)arg, sizeof(struct kvm_sregs2), NULL, false);
	case KVM_GET_DEBUGREGS:	/* 6.12 regs.c:828-830, caller x86.c:5601-5603 */
		return get_ps(v, fd, req, arg, sizeof(struct kvm_debugregs), &s->dregs,
			      SKIP(get_debugregs));
	case KVM_SET_DEBUGREGS:	/* 6.12 regs.c:850-852 after copy_from_user */
		if (MUTANT(debugregs_flags_accepted) && !vcpu_ps(v) &&
		    !copy_from_user(&dregs, (void *)arg, sizeof(dregs)) && dregs.flags)
			return 0;
		return set_ps(v, fd, req, arg, sizeof(struct kvm_debugregs),
			      SKIP(set_debugregs));
	case KVM_GET_XCRS:	/* 6.12 x86.c:5193-5195 */
		return get_ps(v, fd, req, arg, sizeof(struct kvm_xcrs), &s->xcrs,
			      SKIP(get_xcrs) ||
			      (MUTANT(unblocked_after_run) && v->entered));
	case KVM_SET_XCRS:	/* 6.12 x86.c:5214-5216 after memdup_user */
		return set_ps(v, fd, req, arg, sizeof(struct kvm_xcrs), SKIP(set_xcrs));

	/* FC: fpstate_is_confidential() -> has_protected_state ? -EINVAL : 0 */
	case KVM_GET_FPU:	/* 6.12 x86.c:11431-11432 kvm_arch_vcpu_ioctl_get_fpu() */
		if (!fc_blocks(v, SKIP(get_fpu)))
			return sys_ioctl(fd, req, arg);
		return deny_get(arg, sizeof(struct kvm_fpu), &s->fpu);
	case KVM_SET_FPU:	/* 6.12 x86.c:11454-11455 after memdup_user */
		if (!fc_blocks(v, SKIP(set_fpu)))
			return sys_ioctl(fd, req, arg);
		return deny_set(arg, sizeof(struct kvm_fpu));
	case KVM_GET_XSAVE:	/* 6.12 x86.c:5624-5626 size check, then 5154-5155 */
		if (!fc_blocks(v, SKIP(get_xsave)))
			return sys_ioctl(fd, req, arg);
		if (vcpu_cpuid_xsave2_size(v) > sizeof(struct kvm_xsave))
			return -EINVAL;
		return deny_get(arg, sizeof(struct kvm_xsave), &s->xsave);
	case KVM_GET_XSAVE2:	/* 6.12 x86.c:5654-5670, FC in x86.c:5154-5155 */
		if (!fc_blocks(v, SKIP(get_xsave2)))
			return sys_ioctl(fd, req, arg);
		return deny_get(arg, vcpu_cpuid_xsave2_size(v), NULL);
	case KVM_SET_XSAVE:	/* 6.12 x86.c:5174-5175 after memdup_user(uabi_size) */
		if (!fc_blocks(v, SKIP(set_xsave)))
			return sys_ioctl(fd, req, arg);
		return deny_set(arg, vcpu_cpuid_xsave2_size(v));

	case KVM_GET_MSRS:
	case KVM_SET_MSRS:
		r = msrs_ioctl(v, fd, req, arg);
		if (MUTANT(msr_set_count_short) && req == KVM_SET_MSRS && r > 0)
			r--;
		if (MUTANT(get_msrs_overrun) && req == KVM_GET_MSRS && r >= 0) {
			struct kvm_msrs hdr;
			static const struct kvm_msr_entry junk = {
				.index = 0x5a5a5a5a, .data = 0x5a5a5a5a5a5a5a5aull,
			};

			/* one entry past the array KVM owns */
			if (!copy_from_user(&hdr, (void *)arg, sizeof(hdr)))
				copy_to_user((char *)arg + sizeof(hdr) +
					     hdr.nmsrs * sizeof(junk), &junk, sizeof(junk));
		}
		return r;

	case KVM_SET_GUEST_DEBUG: {
		struct kvm_guest_debug dbg;

		/* kvm_main.c:4610-4617: copy first; x86.c:11348-11349: flag only */
		if (copy_from_user(&dbg, (void *)arg, sizeof(dbg)))
			return -EFAULT;
		if (eff_gsp(v) && !MUTANT(set_guest_debug_allowed))
			return deny((void *)arg, sizeof(dbg), NULL, false);
		r = sys_ioctl(fd, req, arg);
		if (!r)
			v->guest_debug = (dbg.control & KVM_GUESTDBG_ENABLE) ?
					 dbg.control : 0;
		return r;
	}
	case KVM_SET_CPUID2:
		r = sys_ioctl(fd, req, arg);
		if (!r)
			note_cpuid(v, arg);
		return r;

	/* TDX: guest_apic_protected, guest_tsc_protected (UP x86.c) */
	case KVM_GET_LAPIC:
		if (!vm_is_td(vm) || MUTANT(tdx_lapic_writable))
			break;
		return deny_get(arg, sizeof(struct kvm_lapic_state), NULL);
	case KVM_SET_LAPIC:
		if (!vm_is_td(vm) || MUTANT(tdx_lapic_writable))
			break;
		return deny_set(arg, sizeof(struct kvm_lapic_state));
	case KVM_SET_TSC_KHZ:
		if (!vm_is_td(vm) || MUTANT(tdx_tsc_writable))
			break;
		return deny(NULL, 0, NULL, false);
	case KVM_MEMORY_ENCRYPT_OP:
		/*
		 * kvm_intel: UP vt_vcpu_mem_enc_ioctl(), -EINVAL but for a TD
		 * (as 6.12's "not a vCPU ioctl").  kvm_amd: the real VM's own
		 * kernel answers (6.12 -EINVAL; >= 6.16 no SVM hook, -ENOTTY).
		 */
		if (model_intel || vm_is_td(vm))
			return tdx_vcpu_mem_enc_ioctl(v, arg);
		break;
	case KVM_PRE_FAULT_MEMORY: {
		struct kvm_pre_fault_memory pf;

		if (vm->pre_fault_allowed || MUTANT(snp_prefault_allowed) ||
		    (vm_is_td(vm) && MUTANT(tdx_prefault_allowed)))
			break;
		/* kvm_main.c:4422-4435, then mmu.c:4811-4812 */
		if (copy_from_user(&pf, (void *)arg, sizeof(pf)))
			return -EFAULT;
		if (pf.flags || ((pf.gpa | pf.size) & (M_PAGE_SIZE - 1)) ||
		    pf.gpa + pf.size <= pf.gpa)
			r = -EINVAL;
		else
			r = -EOPNOTSUPP;
		if (copy_to_user((void *)arg, &pf, sizeof(pf)))
			r = -EFAULT;
		return r;
	}
	}
	return sys_ioctl(fd, req, arg);
}
