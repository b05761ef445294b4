// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_protected.c - protected-state VMs: availability, setup per type and
 * phase, expected results per catalog row.
 *
 * "spec N" references are to section N of docs/rules.md ("spec 6 item 1"
 * is section 6.1); file:line references are to the 6.12.117 tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "kvm_util.h"
#include "processor.h"

#include "kps_host.h"
#include "kps_protected.h"
#include "kps_tdx.h"

static const char * const kps_phase_names[] = {
	[KPS_PHASE_CREATED]	= "created",
	[KPS_PHASE_INIT]	= "init",
	[KPS_PHASE_BEFORE]	= "before_launch",
	[KPS_PHASE_AFTER]	= "after_launch",
};

const char *kps_phase_name(enum kps_phase phase)
{
	return phase <= KPS_PHASE_AFTER ? kps_phase_names[phase] : "?";
}

const char *kps_pvm_name(const struct kps_pvm *p)
{
	const char *name;

	if (p->legacy_es)
		return "legacy_es";
	name = kps_vm_type_name(p->type);
	return name ? name : "?";
}

bool kps_type_is_sev(unsigned long type)
{
	return type == KVM_X86_SEV_VM || type == KVM_X86_SEV_ES_VM ||
	       type == KVM_X86_SNP_VM;
}

/* 6.12 sev.c:2975-2986: the CPUID bit and the VM type bit go together. */
int kps_type_cpuid_bit(unsigned long type)
{
	switch (type) {
	case KVM_X86_SEV_VM:
		return 1;
	case KVM_X86_SEV_ES_VM:
		return 3;
	case KVM_X86_SNP_VM:
		return 4;
	default:
		return -1;
	}
}

static const char *kps_cpuid_feature_name(int bit)
{
	switch (bit) {
	case 1:
		return "SEV";
	case 3:
		return "SEV-ES";
	case 4:
		return "SEV-SNP";
	default:
		return "?";
	}
}

/* KVM_GET_SUPPORTED_CPUID 0x8000001F.0 EAX; 0 if the leaf is absent. */
static int kps_supported_cpuid_8000001f(__u32 *eax)
{
	const int nent = 256;	/* KVM_MAX_CPUID_ENTRIES */
	struct kvm_cpuid2 *cpuid;
	int fd, r, err, i;

	*eax = 0;
	cpuid = calloc(1, sizeof(*cpuid) +
			  nent * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return -1;
	cpuid->nent = nent;
	fd = kps_open_kvm();
	if (fd < 0) {
		free(cpuid);
		return -1;
	}
	r = ioctl(fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	err = errno;
	close(fd);
	if (!r) {
		for (i = 0; i < (int)cpuid->nent; i++) {
			if (cpuid->entries[i].function == 0x8000001f &&
			    cpuid->entries[i].index == 0)
				*eax = cpuid->entries[i].eax;
		}
	}
	free(cpuid);
	errno = err;
	return r;
}

/* "; kvm_amd.sev_es=N" or "; kvm_amd not loaded", for skip reasons. */
static void kps_knob_state(unsigned long type, char *buf, size_t len)
{
	const char *mod = "kvm_amd", *param;
	char path[128], val[16] = "";
	ssize_t n;
	int fd;

	buf[0] = '\0';
	switch (type) {
	case KVM_X86_SW_PROTECTED_VM:
		mod = "kvm";
		param = "tdp_mmu";
		break;
	case KVM_X86_SEV_VM:
		param = "sev";
		break;
	case KVM_X86_SEV_ES_VM:
		param = "sev_es";
		break;
	case KVM_X86_SNP_VM:
		param = "sev_snp";
		break;
	case KVM_X86_TDX_VM:
		mod = "kvm_intel";
		param = "tdx";
		break;
	default:
		return;
	}
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod,
		 param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/sys/module/%s", mod);
		if (access(path, F_OK))
			snprintf(buf, len, "; %s not loaded", mod);
		else
			snprintf(buf, len, "; %s has no parameter %s", mod,
				 param);
		return;
	}
	n = read(fd, val, sizeof(val) - 1);
	close(fd);
	if (n <= 0)
		return;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	snprintf(buf, len, "; %s.%s=%s", mod, param, val);
}

enum kps_avail kps_type_avail(unsigned long type, bool legacy_es,
			      char *why, size_t len)
{
	/* Legacy KVM_SEV_ES_INIT needs sev_es_enabled, as type 3 does. */
	unsigned long need = legacy_es ? KVM_X86_SEV_ES_VM : type;
	char types[64], knob[96];
	bool cap, cpu;
	__u32 eax;
	long mask;
	int r, bit, fd;

	r = kps_kvm_probe(why, len);
	if (r > 0)
		return KPS_AVAIL_SKIP;
	if (r < 0)
		return KPS_AVAIL_FAIL;

	mask = kps_supported_vm_types();
	if (mask < 0) {
		snprintf(why, len, "KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES): %s",
			 strerror(errno));
		return KPS_AVAIL_FAIL;
	}
	cap = need < 8 * sizeof(mask) && (mask & (1UL << need));

	/*
	 * sev_init2_tests.c: the CPUID bit and the KVM_CAP_VM_TYPES bit must
	 * agree (6.12 sev.c:2975-2986 sets both from the same flag).
	 */
	bit = kps_type_cpuid_bit(need);
	if (bit >= 0) {
		if (kps_supported_cpuid_8000001f(&eax)) {
			snprintf(why, len, "KVM_GET_SUPPORTED_CPUID: %s",
				 strerror(errno));
			return KPS_AVAIL_FAIL;
		}
		cpu = eax & (1U << bit);
		if (cpu != cap) {
			snprintf(why, len,
				 "KVM_GET_SUPPORTED_CPUID 0x8000001F.EAX=%#x %s %s (bit %d) but KVM_CAP_VM_TYPES=%#lx (%s) %s %s",
				 eax, cpu ? "advertises" : "lacks",
				 kps_cpuid_feature_name(bit), bit, mask,
				 kps_vm_types_str(mask, types, sizeof(types)),
				 cap ? "lists" : "lacks",
				 kps_vm_type(need)->uapi);
			return KPS_AVAIL_FAIL;
		}
	}

	if (!cap) {
		kps_vm_type_absent(need, mask, why, len);
		kps_knob_state(need, knob, sizeof(knob));
		strncat(why, knob, len - strlen(why) - 1);
		return KPS_AVAIL_SKIP;
	}

	if (kps_type_is_sev(need)) {
		fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			r = errno;
			snprintf(why, len, "/dev/sev: %s", strerror(r));
			/*
			 * No SEV firmware device, or one this user may not
			 * open (root:root 0600 by default): a skip naming it.
			 */
			return r == ENOENT || r == EACCES || r == EPERM ?
			       KPS_AVAIL_SKIP : KPS_AVAIL_FAIL;
		}
		close(fd);
	}
	snprintf(why, len, "ok");
	return KPS_AVAIL_OK;
}

int kps_sev_cmd(int vm_fd, int sev_fd, __u32 id, void *data, __u32 *fw_error)
{
	struct kvm_sev_cmd cmd = {
		.id = id,
		.data = (__u64)(unsigned long)data,
		.sev_fd = (__u32)sev_fd,
	};
	int r, err;

	r = ioctl(vm_fd, KVM_MEMORY_ENCRYPT_OP, &cmd);
	err = errno;
	if (fw_error)
		*fw_error = cmd.error;
	errno = err;
	return r;
}

int kps_pvm_cmd(struct kps_pvm *p, __u32 id, void *data, __u32 *fw_error)
{
	return kps_sev_cmd(p->vm->fd, p->sev_fd, id, data, fw_error);
}

static int kps_step(struct kps_pvm *p, int r, __u32 fw, const char *what,
		    char *err, size_t len)
{
	int e = errno;

	if (!r)
		return 0;
	snprintf(err, len,
		 "setup of %s VM, step %s: ret=%d errno=%s (%s) fw_error=%u",
		 kps_pvm_name(p), what, r, kps_errno_name(e), strerror(e), fw);
	errno = e;
	return -1;
}

static int kps_cmd_step(struct kps_pvm *p, __u32 id, const char *name,
			void *data, char *err, size_t len)
{
	__u32 fw = 0;
	int r = kps_pvm_cmd(p, id, data, &fw);

	return kps_step(p, r, fw, name, err, len);
}

#define KPS_CMD(p, id, data, err, len) kps_cmd_step(p, id, #id, data, err, len)

static bool kps_pvm_es(const struct kps_pvm *p)
{
	return p->legacy_es || p->type == KVM_X86_SEV_ES_VM;
}

static bool kps_pvm_sev(const struct kps_pvm *p)
{
	return p->legacy_es || kps_type_is_sev(p->type);
}

static int kps_pvm_init(struct kps_pvm *p, char *err, size_t len)
{
	struct kvm_sev_init init = { 0 };

	if (p->legacy_es)
		return KPS_CMD(p, KVM_SEV_ES_INIT, NULL, err, len);
	if (kps_type_is_sev(p->type))
		return KPS_CMD(p, KVM_SEV_INIT2, &init, err, len);
	return 0;
}

static int kps_pvm_launch_start(struct kps_pvm *p, char *err, size_t len)
{
	struct kvm_sev_launch_start start = { 0 };
	struct kvm_sev_snp_launch_start snp_start = { 0 };
	struct kvm_sev_snp_launch_update update = { 0 };

	if (p->type == KVM_X86_SNP_VM) {
		snp_start.policy = KPS_SNP_POLICY;
		if (KPS_CMD(p, KVM_SEV_SNP_LAUNCH_START, &snp_start, err, len))
			return -1;
		/*
		 * SNP_LAUNCH_UPDATE needs a guest_memfd slot whose range is
		 * private (6.12 sev.c:2400-2424, kvm_gmem_populate()).
		 */
		vm_mem_add(p->vm, VM_MEM_SRC_ANONYMOUS, KPS_SNP_GPA,
			   KPS_SNP_SLOT, 1, KVM_MEM_GUEST_MEMFD, -1, 0);
		vm_mem_set_private(p->vm, KPS_SNP_GPA, getpagesize());
		update.gfn_start = KPS_SNP_GPA >> 12;
		update.uaddr = (__u64)(unsigned long)addr_gpa2hva(p->vm,
								 KPS_SNP_GPA);
		update.len = getpagesize();
		update.type = KVM_SEV_SNP_PAGE_TYPE_NORMAL;
		return KPS_CMD(p, KVM_SEV_SNP_LAUNCH_UPDATE, &update, err, len);
	}
	if (kps_pvm_sev(p)) {
		start.policy = kps_pvm_es(p) ? KPS_SEV_POLICY_ES : 0;
		return KPS_CMD(p, KVM_SEV_LAUNCH_START, &start, err, len);
	}
	return 0;
}

static int kps_pvm_launch(struct kps_pvm *p, char *err, size_t len)
{
	struct kvm_sev_snp_launch_finish snp_finish = { 0 };
	struct kvm_sev_launch_measure measure = { 0 };
	static __u8 digest[256];

	if (p->type == KVM_X86_SNP_VM) {
		if (KPS_CMD(p, KVM_SEV_SNP_LAUNCH_FINISH, &snp_finish, err,
			    len))
			return -1;
		p->nr_launched = p->nr_vcpus;
		return 0;
	}
	if (!kps_pvm_sev(p))
		return 0;
	if (kps_pvm_es(p)) {
		if (KPS_CMD(p, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL, err, len))
			return -1;
		p->nr_launched = p->nr_vcpus;
	}
	measure.uaddr = (__u64)(unsigned long)digest;
	measure.len = sizeof(digest);
	if (KPS_CMD(p, KVM_SEV_LAUNCH_MEASURE, &measure, err, len))
		return -1;
	return KPS_CMD(p, KVM_SEV_LAUNCH_FINISH, NULL, err, len);
}

/*
 * TDX (model/TDX-RULES.md 2.2): KVM_TDX_INIT_VM is done at creation (a TD's
 * vCPUs cannot exist before it), then init = KVM_TDX_INIT_VCPU on every
 * vCPU, before = KVM_TDX_INIT_MEM_REGION, after = KVM_TDX_FINALIZE_VM.
 */
static int kps_pvm_tdx_step(struct kps_pvm *p, char *err, size_t len)
{
	unsigned int i;

	switch (p->phase) {
	case KPS_PHASE_CREATED:
		for (i = 0; i < p->nr_vcpus; i++)
			if (kps_tdx_init_vcpu(p->vcpus[i], err, len))
				return -1;
		return 0;
	case KPS_PHASE_INIT:
		if (!p->nr_vcpus) {
			snprintf(err, len,
				 "setup of tdx VM: KVM_TDX_INIT_MEM_REGION needs a vCPU");
			return -1;
		}
		return kps_tdx_init_mem_region(p->vm, p->vcpus[0], err, len);
	case KPS_PHASE_BEFORE:
		if (kps_tdx_finalize(p->vm, err, len))
			return -1;
		p->nr_launched = p->nr_vcpus;
		return 0;
	default:
		return -1;
	}
}

int kps_pvm_advance(struct kps_pvm *p, enum kps_phase phase,
		    char *err, size_t len)
{
	int r = 0;

	while (!r && p->phase < phase) {
		if (p->type == KVM_X86_TDX_VM) {
			r = kps_pvm_tdx_step(p, err, len);
			if (!r)
				p->phase++;
			continue;
		}
		switch (p->phase) {
		case KPS_PHASE_CREATED:
			r = kps_pvm_init(p, err, len);
			break;
		case KPS_PHASE_INIT:
			r = kps_pvm_launch_start(p, err, len);
			break;
		case KPS_PHASE_BEFORE:
			r = kps_pvm_launch(p, err, len);
			break;
		default:
			r = -1;
			break;
		}
		if (!r)
			p->phase++;
	}
	return r;
}

struct kvm_vcpu *kps_pvm_add_vcpu(struct kps_pvm *p, char *err, size_t len)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_vcpu *vcpu;
	int r;

	if (p->nr_vcpus >= KPS_MAX_VCPUS) {
		snprintf(err, len, "more than %d vCPUs", KPS_MAX_VCPUS);
		return NULL;
	}
	vcpu = __vm_vcpu_add(p->vm, p->nr_vcpus);
	/* TDX: a vCPU added after the init phase gets KVM_TDX_INIT_VCPU too */
	if (p->type == KVM_X86_TDX_VM && p->phase >= KPS_PHASE_INIT &&
	    kps_tdx_init_vcpu(vcpu, err, len))
		return NULL;
	/*
	 * With an in-kernel LAPIC, APs start UNINITIALIZED and KVM_RUN leaves
	 * before the sync-regs check (x86.c:11109-11140): make them runnable.
	 */
	r = __vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &mp);
	if (kps_step(p, r, 0, "KVM_SET_MP_STATE(RUNNABLE)", err, len))
		return NULL;
	p->vcpus[p->nr_vcpus++] = vcpu;
	return vcpu;
}

int kps_pvm_create(struct kps_pvm *p, unsigned long type, bool legacy_es,
		   unsigned int nr_vcpus, enum kps_phase phase,
		   char *err, size_t len)
{
	unsigned int i;
	int r;

	memset(p, 0, sizeof(*p));
	p->type = type;
	p->legacy_es = legacy_es;
	p->sev_fd = -1;
	p->phase = KPS_PHASE_CREATED;
	snprintf(err, len, "ok");

	/* libkvm asserts (a FAIL with its message) if KVM_CREATE_VM fails. */
	p->vm = vm_create_barebones_type(type);

	/* In-kernel LAPIC for the LAPIC rows, cheap to tear down. */
	r = __vm_enable_cap(p->vm, KVM_CAP_SPLIT_IRQCHIP, 24);
	if (kps_step(p, r, 0, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)", err,
		     len))
		return -1;
	p->vm->has_irqchip = true;

	/* TDX: KVM_TDX_INIT_VM before any vCPU (UP tdx_vcpu_create(): -EIO) */
	if (p->type == KVM_X86_TDX_VM && kps_tdx_init_vm(p->vm, 0, err, len))
		return -1;

	if (kps_pvm_sev(p)) {
		p->sev_fd = open("/dev/sev", O_RDWR | O_CLOEXEC);
		if (kps_step(p, p->sev_fd < 0 ? -1 : 0, 0, "open(/dev/sev)",
			     err, len))
			return -1;
	}

	/* INIT before vCPUs: INIT/INIT2 fail once vCPUs exist (sev.c:414). */
	if (phase >= KPS_PHASE_INIT && kps_pvm_advance(p, KPS_PHASE_INIT,
						       err, len))
		return -1;
	for (i = 0; i < nr_vcpus; i++)
		if (!kps_pvm_add_vcpu(p, err, len))
			return -1;
	return kps_pvm_advance(p, phase, err, len);
}

void kps_pvm_free(struct kps_pvm *p)
{
	if (p->vm) {
		/*
		 * 6.12 libkvm opens /dev/sev for every SEV and SEV-ES VM
		 * (processor.c:1138 kvm_init_vm_address_properties(), and
		 * sev.c:41, 54 for legacy INIT) and kvm_vm_free() never
		 * closes it: one fd leaked per VM.
		 */
		if (p->vm->arch.sev_fd >= 0)
			close(p->vm->arch.sev_fd);
		p->vm->arch.sev_fd = -1;
		kvm_vm_free(p->vm);
	}
	if (p->sev_fd >= 0)
		close(p->sev_fd);
	p->vm = NULL;
	p->sev_fd = -1;
}

bool kps_pvm_has_protected_state(const struct kps_pvm *p)
{
	const struct kps_vm_type *t = kps_vm_type(p->type);

	/* svm.c:5181-5182 at KVM_CREATE_VM; legacy ES_INIT never sets it. */
	return !p->legacy_es && t && t->protected_state;
}

bool kps_vcpu_protected(const struct kps_pvm *p, unsigned int idx)
{
	/* UP tdx_vcpu_create(): protected from KVM_CREATE_VCPU on. */
	if (p->type == KVM_X86_TDX_VM)
		return true;
	/* sev.c:944 (SEV-ES, legacy ES), sev.c:2491 (SNP). */
	if (kps_pvm_es(p) || p->type == KVM_X86_SNP_VM)
		return p->phase >= KPS_PHASE_AFTER && idx < p->nr_launched;
	return false;
}

/* Known deviations of 6.12 from the promise, named in failure messages. */
#define KPS_BUG_SNP_FPU "spec 6 item 1: 6.12.117 returns 0 on SNP (no fpstate_set_confidential(), sev.c:2491)"
#define KPS_BUG_MIGRATED_FPU "spec 6 item 2: 6.12 leaves a migrated vCPU's fpstate not confidential (sev.c:2056)"

void kps_expect_row(const struct kps_pvm *p, unsigned int idx,
		    const struct kps_state_ioctl *io, struct kps_expect *e)
{
	bool prot = kps_vcpu_protected(p, idx);
	bool ps = kps_pvm_has_protected_state(p);
	bool blocked = false;	/* -1/EINVAL */

	e->ret = KPS_EXPECT_SUCCESS;
	e->err = 0;
	e->zero_out = false;
	e->rule = io->cite;
	e->bug = NULL;

	switch (kps_ioctl_rule(io)) {
	case KPS_RULE_PS:
		/* has_protected_state && guest_state_protected -> -EINVAL */
		blocked = ps && prot;
		break;
	case KPS_RULE_FC:
		/*
		 * fpstate_is_confidential() -> has_protected_state ? -EINVAL
		 * : 0.  The promise for every protected vCPU of a type 3/4/5
		 * VM; 6.12.117 returns 0 on SNP (no fpstate_set_confidential
		 * on the SNP path, sev.c:943 vs 2491; spec 6 item 1).  Legacy
		 * SEV-ES: 0, and GET copies out its all-zero kzalloc'ed
		 * buffer (spec 2.1, x86.c:11431-11432, 5154-5155).
		 */
		blocked = prot && ps;
		if (blocked) {
			if (p->type == KVM_X86_SNP_VM)
				e->bug = KPS_BUG_SNP_FPU;
			if (p->migrated)
				e->bug = KPS_BUG_MIGRATED_FPU;
		} else if (prot && io->dir == KPS_GET) {
			e->zero_out = true;
		}
		break;
	case KPS_RULE_GSP:
		/* guest_state_protected only, x86.c:11348-11349 */
		blocked = prot;
		break;
	case KPS_RULE_TDX_ONLY:
		/* UP guest_apic_protected / guest_tsc_protected: TDX only */
		blocked = p->type == KVM_X86_TDX_VM;
		break;
	case KPS_RULE_SYNC:
		/* per VM, any phase: x86.c:4179-4182, 11142-11147 */
		blocked = ps;
		break;
	case KPS_RULE_BASE:
		/*
		 * No protected-state check (spec 3: KVM_INTERRUPT,
		 * KVM_GET/SET_NESTED_STATE, KVM_KVMCLOCK_CTRL rows; 6.12
		 * x86.c:5864 for KVM_MEMORY_ENCRYPT_OP on a vCPU fd): the
		 * answer of an unprotected vCPU, on every type and phase.
		 */
		e->err = kps_ioctl_base_errno(io, NULL);
		if (e->err)
			e->ret = -1;
		return;
	case KPS_RULE_MSR:
	case KPS_RULE_NONE:
	default:
		break;
	}
	if (blocked) {
		e->ret = -1;
		e->err = EINVAL;
	}
}

void kps_expect_bad_pointer(const struct kps_pvm *p, unsigned int idx,
			    const struct kps_state_ioctl *io,
			    struct kps_expect *e)
{
	kps_expect_row(p, idx, io, e);
	if (io->flags & (KPS_NO_ARG | KPS_VALUE_ARG | KPS_RUNS_VCPU))
		return;
	e->zero_out = false;
	/*
	 * A blocked GET checks before it copies out (nothing written), and
	 * SET_SREGS2 checks before memdup_user (x86.c:5844-5848): -EINVAL.
	 * Everything else copies first, or is not blocked: -EFAULT.
	 */
	if (e->ret == -1 && !(io->flags & KPS_COPY_FIRST) &&
	    (io->dir == KPS_GET || (io->flags & KPS_CHECK_FIRST)))
		return;
	e->ret = -1;
	e->err = EFAULT;
}

/*
 * svm.c:88-120 (always = true), sev.c:4677-4678 (EFER, PAT), and
 * SPEC_CTRL from vCPU creation on a host with X86_FEATURE_V_SPEC_CTRL
 * (6.12 svm.c:1353-1354 init_vmcb()): Zen 3 and later, i.e. every host
 * that offers SEV-SNP (spec 3.1, 2026-12 correction); kps_msr_blocked()
 * asks /proc/cpuinfo for it.
 */
const __u32 kps_msrs_passthrough[] = {
	MSR_LSTAR, MSR_STAR, MSR_CSTAR, MSR_SYSCALL_MASK, MSR_FS_BASE,
	MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_IA32_SYSENTER_CS, MSR_EFER,
	MSR_IA32_CR_PAT, MSR_IA32_SPEC_CTRL,
};

const unsigned int kps_nr_msrs_passthrough = ARRAY_SIZE(kps_msrs_passthrough);

/* Write-intercepted on SVM for every vCPU: never blocked (spec 3.1). */
const __u32 kps_msrs_intercepted[] = {
	MSR_IA32_APICBASE, MSR_IA32_MISC_ENABLE,
};

const unsigned int kps_nr_msrs_intercepted = ARRAY_SIZE(kps_msrs_intercepted);

bool kps_msr_blocked(const struct kps_pvm *p, unsigned int idx, __u32 msr)
{
	unsigned int i;

	/* sev_es_prevent_msr_access(), svm.c:2901-2908 */
	if (!kps_vcpu_protected(p, idx))
		return false;
	/*
	 * SPEC_CTRL: write-intercepted until a guest write unless the host
	 * has X86_FEATURE_V_SPEC_CTRL (svm.c:1353-1354, 3145).
	 */
	if (msr == MSR_IA32_SPEC_CTRL) {
		/* a host flag: read /proc/cpuinfo once per process */
		static int v_spec_ctrl = -2;

		if (v_spec_ctrl == -2)
			v_spec_ctrl = kps_host_cpu_flag("v_spec_ctrl");
		return v_spec_ctrl == 1;
	}
	for (i = 0; i < kps_nr_msrs_passthrough; i++)
		if (kps_msrs_passthrough[i] == msr)
			return true;
	return false;
}

bool kps_msr_blocked_dir(const struct kps_pvm *p, unsigned int idx,
			 __u32 msr, bool get)
{
	/* TDX: UP tdx_get_msr()/tdx_set_msr() refuse per MSR and direction */
	if (p->type == KVM_X86_TDX_VM)
		return kps_vcpu_protected(p, idx) &&
		       kps_tdx_msr_blocked(msr, get);
	return kps_msr_blocked(p, idx, msr);
}

void *kps_zalloc(size_t size)
{
	void *p = calloc(1, size ? size : 1);

	TEST_ASSERT(p, "calloc(%zu)", size);
	return p;
}

void *kps_bad_pointer(size_t size)
{
	size_t page = getpagesize();
	void *p;

	size = (size + page - 1) / page * page;
	p = mmap(NULL, size ? size : page, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}
