/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libkvm_sev_model: an LD_PRELOAD model of KVM's SEV, SEV-ES and SNP VM
 * types (Linux 6.12.117, arch/x86/kvm/svm) on top of a real KVM that has no
 * SEV.  Every modelled VM is a real KVM_X86_DEFAULT_VM running the real guest
 * code; the model answers the ioctls whose result depends on the VM type or
 * on the protected state, and forwards the rest.
 *
 * Rules are cited as "6.12 <file>:<line> <function>()" against the Debian
 * linux-source-6.12 6.12.117 tree.
 */
#ifndef KPS_MODEL_H
#define KPS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/types.h>
#include <linux/kvm.h>

#define MODEL_NAME "libkvm_sev_model"

/* Values the model needs that are kernel-internal (not uapi). */
#define M_KVM_X86_TDX_VM		5	/* UP only; used by vm_types_over */
#define M_SVM_SEV_FEAT_SNP_ACTIVE	(1ULL << 0)
#define M_SVM_SEV_FEAT_DEBUG_SWAP	(1ULL << 5)
#define M_GHCB_VERSION_MAX		2
#define M_GHCB_VERSION_DEFAULT		2
#define M_GHCB_VERSION_MIN		1
#define M_GHCB_MSR_INFO_MASK		0xfffULL
#define M_GHCB_MSR_TERM_REQ		0x100ULL
#define M_MSR_AMD64_SEV_ES_GHCB		0xc0010130U
#define M_MSR_AMD64_SEV			0xc0010131U
#define M_SEV_FW_BLOB_MAX_SIZE		0x4000
#define M_SEV_MEASURE_LEN		48	/* 32-byte digest + 16-byte mnonce */
#define M_MAX_IO_MSRS			256
#define M_DR7_FIXED_1			0x400ULL
#define M_PAGE_SIZE			4096ULL

/* Firmware (PSP) guest states, as the SEV API and libkvm's sev.h name them. */
enum fw_state {
	FW_UNINIT = 0,
	FW_LUPDATE,
	FW_LSECRET,
	FW_RUNNING,
	FW_SNP_LAUNCH,		/* SNP: between SNP_LAUNCH_START and _FINISH */
};

/*
 * Mutants: one small conditional each, at the decision point it breaks.
 * Selected with MODEL_MUTANT=name; listed by running the .so with
 * --list-mutants.
 */
#define MODEL_MUTANTS(X)						\
	X(errno_efault, "protected-state denials fail with EFAULT instead of EINVAL") \
	X(errno_eperm, "protected-state denials fail with EPERM instead of EINVAL") \
	X(errno_enotty, "protected-state denials fail with ENOTTY instead of EINVAL") \
	X(errno_eio, "protected-state denials fail with EIO instead of EINVAL") \
	X(positive_return, "protected-state denials return 1 instead of -1/EINVAL") \
	X(zero_buffer_ok, "protected GET_* return 0 with a zeroed buffer, SET_* return 0") \
	X(stale_ok, "protected GET_* return 0 with the state from before protection, SET_* return 0") \
	X(write_before_einval, "protected GET_* write the pre-protection state to the buffer, then fail EINVAL") \
	X(skip_get_regs, "KVM_GET_REGS not blocked on protected vCPUs") \
	X(skip_set_regs, "KVM_SET_REGS not blocked on protected vCPUs") \
	X(skip_get_sregs, "KVM_GET_SREGS not blocked on protected vCPUs") \
	X(skip_set_sregs, "KVM_SET_SREGS not blocked on protected vCPUs") \
	X(skip_get_sregs2, "KVM_GET_SREGS2 not blocked on protected vCPUs") \
	X(skip_set_sregs2, "KVM_SET_SREGS2 not blocked on protected vCPUs") \
	X(skip_get_fpu, "KVM_GET_FPU not blocked on protected vCPUs") \
	X(skip_set_fpu, "KVM_SET_FPU not blocked on protected vCPUs") \
	X(skip_get_xsave, "KVM_GET_XSAVE not blocked on protected vCPUs") \
	X(skip_get_xsave2, "KVM_GET_XSAVE2 not blocked on protected vCPUs") \
	X(skip_set_xsave, "KVM_SET_XSAVE not blocked on protected vCPUs") \
	X(skip_get_xcrs, "KVM_GET_XCRS not blocked on protected vCPUs") \
	X(skip_set_xcrs, "KVM_SET_XCRS not blocked on protected vCPUs") \
	X(skip_get_debugregs, "KVM_GET_DEBUGREGS not blocked on protected vCPUs") \
	X(skip_set_debugregs, "KVM_SET_DEBUGREGS not blocked on protected vCPUs") \
	X(skip_get_msrs, "KVM_GET_MSRS does not stop at pass-through MSRs of protected vCPUs") \
	X(skip_set_msrs, "KVM_SET_MSRS does not stop at pass-through MSRs of protected vCPUs") \
	X(block_before_protection, "state ioctls blocked on SEV-ES/SNP vCPUs before LAUNCH_UPDATE_VMSA/SNP_LAUNCH_FINISH") \
	X(block_sev, "state ioctls blocked on plain SEV vCPUs after LAUNCH_FINISH") \
	X(block_default, "state ioctls blocked on every vCPU of a KVM_X86_DEFAULT_VM without SEV") \
	X(first_vcpu_only, "only vCPU index 0 of a protected VM is blocked") \
	X(late_vcpu_protected, "a vCPU created after protection starts protected") \
	X(sync_regs_accepted, "KVM_CAP_SYNC_REGS and KVM_RUN sync regs allowed on types 3/4 (as before 6.12.25)") \
	X(readonly_mem_accepted, "KVM_CAP_READONLY_MEM 1 and KVM_MEM_READONLY accepted on types 3/4") \
	X(vm_types_over, "KVM_CAP_VM_TYPES also advertises type 5 (TDX) and KVM_CREATE_VM(5) succeeds") \
	X(vm_types_under, "KVM_CAP_VM_TYPES drops SEV_ES while CPUID still reports SEV-ES") \
	X(out_of_range_type_accepted, "KVM_CREATE_VM drops the type < 32 check (type 34 creates an SEV VM)") \
	X(run_refused_after_protection, "KVM_RUN fails EINVAL on protected vCPUs") \
	X(msr_count_wrong, "KVM_GET/SET_MSRS skip blocked MSRs and return nmsrs on protected vCPUs") \
	X(snp_fpu_not_blocked, "SNP_LAUNCH_FINISH does not make the FPU state confidential (what 6.12.117 does)") \
	X(legacy_es_blocked, "legacy KVM_SEV_ES_INIT VMs blocked like type 3") \
	X(set_guest_debug_allowed, "KVM_SET_GUEST_DEBUG allowed on protected vCPUs") \
	X(efault_einval_swapped, "bad pointers: SET_* check protection before copying, SET_SREGS2 copies first") \
	X(second_vmsa_accepted, "a second KVM_SEV_LAUNCH_UPDATE_VMSA succeeds") \
	X(init2_default_accepted, "KVM_SEV_INIT2 accepted on KVM_X86_DEFAULT_VM") \
	X(init2_copy_first, "KVM_SEV_INIT2 reads its argument before the need_init check") \
	X(init2_flags_ignored, "KVM_SEV_INIT2 ignores kvm_sev_init.flags") \
	X(init2_features_ignored, "KVM_SEV_INIT2 ignores unsupported vmsa_features") \
	X(init_after_vcpus, "KVM_SEV_INIT/INIT2 accepted after vCPUs were created") \
	X(run_before_init2, "KVM_RUN allowed on types 2/3/4 before KVM_SEV_INIT2") \
	X(snp_legacy_cmds_allowed, "legacy SEV commands not refused with EPERM on SNP VMs") \
	X(vmsa_on_sev_einval, "KVM_SEV_LAUNCH_UPDATE_VMSA on a non-ES VM fails EINVAL instead of ENOTTY") \
	X(null_argp_enotty, "KVM_MEMORY_ENCRYPT_OP with a NULL argument fails ENOTTY instead of returning 0") \
	X(snp_prefault_allowed, "KVM_PRE_FAULT_MEMORY allowed on SNP before SNP_LAUNCH_FINISH") \
	X(launch_order_ignored, "the firmware accepts launch commands in any order") \
	X(smm_cap_kept, "KVM_CAP_X86_SMM still reported after SEV-ES/SNP init") \
	X(private_caps_wrong, "GUEST_MEMFD/MEMORY_ATTRIBUTES/MULTI_ADDRESS_SPACE of an SNP VM answered as type 0") \
	X(migrate_dst_unprotected, "intra-host migration leaves the destination vCPUs unprotected") \
	X(migrate_fpu_not_confidential, "intra-host migration leaves the destination FPU state not confidential (what 6.12.117 does)") \
	X(mirror_cmds_allowed, "mirror VMs accept every SEV command")

enum mutant_id {
	MUT_NONE = 0,
#define MUT_ENUM(n, d) MUT_##n,
	MODEL_MUTANTS(MUT_ENUM)
#undef MUT_ENUM
	MUT_NR,
};

extern enum mutant_id model_mutant;
#define MUTANT(n) (model_mutant == MUT_##n)

/* Module parameters the model implies (/sys/module/kvm_amd/parameters). */
extern bool sev_enabled, sev_es_enabled, sev_snp_enabled;
extern int model_trace;

/* Host facts, read once. */
extern int host_cbit;		/* host CPUID 0x8000001F EBX[5:0] */

struct mvm;

struct mgmem {
	struct mgmem *next;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	uint8_t *prepared;	/* one byte per page: populated by SNP_LAUNCH_UPDATE */
	int fd;			/* the model's own dup, to write private contents */
};

struct mslot {
	uint32_t slot;
	uint32_t flags;
	uint64_t gpa;
	uint64_t size;
	struct mgmem *gmem;
	uint64_t goff;
};

struct mattr {
	uint64_t start, end;	/* gfn range [start, end) */
	uint64_t attr;
};

struct mmem {
	uint32_t slot;
	uint64_t gpa, size, uaddr;
};

struct mregion {
	struct mregion *next;
	uint64_t addr, size;
};

/* Per-vCPU copy of the state KVM had when the vCPU became protected. */
struct msnap {
	bool valid;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_sregs2 sregs2;
	struct kvm_fpu fpu;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_debugregs dregs;
	int have_sregs2, have_xsave, have_xcrs;
};

struct mvcpu {
	struct mvm *vm;
	int index;		/* creation order = kvm_for_each_vcpu order */
	unsigned long id;
	int fd;			/* the model's own dup of the vCPU fd */
	struct kvm_run *run;
	size_t run_size;

	bool guest_state_protected;
	bool fpstate_confidential;
	bool terminated;	/* GHCB termination request seen */
	uint32_t guest_debug;
	uint64_t ghcb_msr;
	uint64_t sev_term_data;

	/* Guest CPUID bits that decide which MSRs KVM passes through. */
	bool cpuid_intel, cpuid_rdtscp, cpuid_xsaves, cpuid_ibpb;

	struct msnap snap;
};

struct mvm {
	struct mvm *next;	/* all VMs of the process */
	int fd;			/* the model's own dup of the VM fd */
	int refs;		/* user VM and vCPU fds, plus mirrors */
	pid_t pid;		/* creator: other processes get EIO (kvm->mm) */
	unsigned long type;	/* the type the program asked for */
	bool dead;		/* kvm_vm_dead() after migration */

	/* struct kvm_sev_info */
	bool need_init;
	bool active;		/* sev_guest() */
	bool es_active;		/* sev_es_guest() */
	bool snp_context;
	bool pre_fault_allowed;
	uint64_t vmsa_features;
	uint16_t ghcb_version;
	uint32_t handle;
	int sev_fd;
	struct mvm *owner;	/* enc_context_owner of a mirror */
	int nr_mirrors;
	struct mregion *regions;

	int created_vcpus;
	int nr_vcpus, cap_vcpus;
	struct mvcpu **vcpus;

	/* MSR interception the model installed, and what the program asked for. */
	bool msr_hooks;
	uint32_t user_msr_exit_mask;
	struct kvm_msr_filter *user_filter;

	/* Every memslot (for the substrate repairs). */
	int nr_mem, cap_mem;
	struct mmem *mem;

	/* SNP private memory. */
	struct mgmem *gmems;
	int nr_slots, cap_slots;
	struct mslot *slots;
	int nr_attrs, cap_attrs;
	struct mattr *attrs;
};

enum fd_kind {
	FD_NONE = 0,
	FD_KVM,
	FD_VM,
	FD_VCPU,
	FD_SEV,
};

/* Type predicates of struct kvm_arch and struct kvm_sev_info. */
static inline bool vm_type_sev_family(unsigned long t)
{
	return t == KVM_X86_SEV_VM || t == KVM_X86_SEV_ES_VM ||
	       t == KVM_X86_SNP_VM;
}

/* 6.12 svm.c:5181-5182 svm_vm_init(): only SEV_ES and SNP have protected state. */
bool vm_has_protected_state(const struct mvm *vm);
/* 6.12 svm.c:5185 svm_vm_init(): only SNP has private memory. */
static inline bool vm_has_private_mem(const struct mvm *vm)
{
	return vm->type == KVM_X86_SNP_VM;
}
static inline bool sev_snp_guest(const struct mvm *vm)
{
	return vm->active && vm->es_active &&
	       (vm->vmsa_features & M_SVM_SEV_FEAT_SNP_ACTIVE);
}

/* core.c */
void mtrace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long sys_ioctl(int fd, unsigned long req, unsigned long arg);
int copy_from_user(void *dst, const void *usrc, size_t len);
int copy_to_user(void *udst, const void *src, size_t len);
bool user_writable(void *udst, size_t len);
bool user_readable(const void *usrc, size_t len);
void model_lock(void);
void model_unlock(void);
enum fd_kind fd_kind(int fd, void **obj);
void fd_register(int fd, enum fd_kind kind, void *obj);
void vm_get(struct mvm *vm);
void vm_put(struct mvm *vm);
void model_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* vm.c */
long kvm_dev_ioctl(int fd, unsigned long req, unsigned long arg);
long vm_ioctl(struct mvm *vm, int fd, unsigned long req, unsigned long arg);
void vm_free(struct mvm *vm);
void vm_install_msr_hooks(struct mvm *vm);
bool vm_gpa_private(struct mvm *vm, uint64_t gfn);
struct mslot *vm_find_slot(struct mvm *vm, uint64_t gfn);
void vm_migrate_mirrors(struct mvm *dst, struct mvm *src);

/* substrate.c */
void vm_note_memslot(struct mvm *vm, const struct kvm_userspace_memory_region2 *m);
bool substrate_fixup_emulation(struct mvcpu *v);

/* sev.c */
long sev_mem_enc_ioctl(struct mvm *vm, int vm_fd, unsigned long arg);
long sev_register_region(struct mvm *vm, unsigned long arg, bool reg);
long sev_move_enc_context_from(struct mvm *vm, int source_fd);
long sev_copy_enc_context_from(struct mvm *vm, int source_fd);
void sev_vm_destroy(struct mvm *vm);
bool sev_vm_launched(const struct mvm *vm);

/* vcpu.c */
long vcpu_ioctl(struct mvcpu *v, int fd, unsigned long req, unsigned long arg);
struct mvcpu *vcpu_new(struct mvm *vm, int fd, unsigned long id);
void vcpu_free(struct mvcpu *v);
void vcpu_protect(struct mvcpu *v, bool fpstate_confidential);
uint64_t vcpu_cpuid_xsave2_size(struct mvcpu *v);

#endif
