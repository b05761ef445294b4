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
#include <linux/types.h>

/*
 * The kernel's integer types and BIT_ULL() (include/linux/types.h, bits.h),
 * for a build that has only the uapi headers.  Without compiler_attributes.h
 * the model spells attributes in the standard [[gnu::name]] form.
 */
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s32 s32;
typedef __s64 s64;

#define BIT_ULL(nr)	(1ULL << (nr))

#define MODEL_NAME "libkvm_sev_model"

/* Values the model needs that are kernel-internal (not uapi). */
#define M_KVM_X86_TDX_VM		5	/* UP only; used by vm_types_over */
#define M_SVM_SEV_FEAT_SNP_ACTIVE	BIT_ULL(0)
#define M_SVM_SEV_FEAT_DEBUG_SWAP	BIT_ULL(5)
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

/* The mutants of mutants.h; MUT_NONE is the correct model. */
enum mutant_id {
	MUT_NONE = 0,
#define MODEL_MUTANT(name, ...) MUT_##name,
#include "mutants.h"
	MUT_NR,
};

extern enum mutant_id model_mutant;
#define MUTANT(n) (model_mutant == MUT_##n)

/* Module parameters the model implies (/sys/module/kvm_amd/parameters). */
extern bool sev_enabled, sev_es_enabled, sev_snp_enabled;
/* MODEL_VENDOR=intel: kvm_intel with TDX instead of kvm_amd (tdx.c). */
extern bool model_intel;
extern int model_trace;

/* CPUID 0x8000001F as the program sees it (cpuid.c). */
extern int host_cbit;		/* the C-bit position libkvm reads */
extern bool cpuid_trapped;	/* the program's cpuid is the model's */
void model_cpuid_init(void);
u32 model_sev_cpuid_eax(u32 eax);	/* SEV, SEV-ES, SNP bits set */

struct mvm;

struct mgmem {
	struct mgmem *next;
	dev_t dev;
	ino_t ino;
	u64 size;
	u8 *prepared;	/* one byte per page: populated by SNP_LAUNCH_UPDATE */
	int fd;			/* the model's own dup, to write private contents */
};

struct mslot {
	u32 slot;
	u32 flags;
	u64 gpa;
	u64 size;
	struct mgmem *gmem;
	u64 goff;
};

struct mattr {
	u64 start, end;	/* gfn range [start, end) */
	u64 attr;
};

struct mmem {
	u32 slot;
	u64 gpa, size, uaddr;
};

struct mregion {
	struct mregion *next;
	u64 addr, size;
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
	bool entered;		/* a KVM_RUN returned 0: the guest ran */
	u32 guest_debug;
	u64 ghcb_msr;
	u64 sev_term_data;

	/* Guest CPUID bits that decide which MSRs KVM passes through. */
	bool cpuid_intel, cpuid_rdtscp, cpuid_xsaves, cpuid_ibpb;
	bool cpuid_x2apic;	/* TDX: KVM_TDX_INIT_VCPU needs it */
	bool tdx_init;		/* TDX: VCPU_TD_STATE_INITIALIZED */

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
	u64 vmsa_features;
	u16 ghcb_version;
	u32 handle;
	int sev_fd;
	struct mvm *owner;	/* enc_context_owner of a mirror */
	int nr_mirrors;
	struct mregion *regions;

	/* struct kvm_tdx (tdx.c) */
	int tdx_state;		/* TD_UNINITIALIZED, ... */
	u64 tdx_attributes;
	bool split_irqchip;	/* KVM_CAP_SPLIT_IRQCHIP enabled */

	int created_vcpus;
	int nr_vcpus, cap_vcpus;
	struct mvcpu **vcpus;

	/* MSR interception the model installed, and what the program asked for. */
	bool msr_hooks;
	u32 user_msr_exit_mask;
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

/* UP tdx.h enum kvm_tdx_state */
enum { TD_UNINITIALIZED = 0, TD_INITIALIZED, TD_RUNNABLE };

static inline bool vm_is_td(const struct mvm *vm)
{
	return vm->type == M_KVM_X86_TDX_VM;
}

/* Type predicates of struct kvm_arch and struct kvm_sev_info. */
static inline bool vm_type_sev_family(unsigned long t)
{
	return t == KVM_X86_SEV_VM || t == KVM_X86_SEV_ES_VM ||
	       t == KVM_X86_SNP_VM;
}

/* 6.12 svm.c:5181-5182 svm_vm_init(): only SEV_ES and SNP have protected state. */
bool vm_has_protected_state(const struct mvm *vm);
/* 6.12 svm.c:5185 svm_vm_init(): only SNP has private memory; UP tdx_vm_init(): TDX. */
static inline bool vm_has_private_mem(const struct mvm *vm)
{
	return vm->type == KVM_X86_SNP_VM || vm_is_td(vm);
}

static inline bool sev_snp_guest(const struct mvm *vm)
{
	return vm->active && vm->es_active &&
	       (vm->vmsa_features & M_SVM_SEV_FEAT_SNP_ACTIVE);
}

/* core.c */
[[gnu::format(printf, 1, 2)]] void mtrace(const char *fmt, ...);
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
[[gnu::format(printf, 1, 2), gnu::noreturn]]
void model_die(const char *fmt, ...);
void *model_zalloc(size_t size);
void *model_grow(void *arr, int nr, int *cap, size_t size, int first);

/* vm.c */
long kvm_dev_ioctl(int fd, unsigned long req, unsigned long arg);
long vm_ioctl(struct mvm *vm, int fd, unsigned long req, unsigned long arg);
void vm_free(struct mvm *vm);
void vm_install_msr_hooks(struct mvm *vm);
bool vm_gpa_private(struct mvm *vm, u64 gfn);
struct mslot *vm_find_slot(struct mvm *vm, u64 gfn);
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

/* tdx.c */
long tdx_mem_enc_ioctl(struct mvm *vm, unsigned long arg);
long tdx_vcpu_mem_enc_ioctl(struct mvcpu *v, unsigned long arg);
long tdx_vcpu_create_check(struct mvm *vm);
void tdx_vcpu_created(struct mvcpu *v);
bool tdx_vcpu_runnable(struct mvcpu *v);
bool tdx_msr_refused(u32 msr, bool get);

/* vcpu.c */
long vcpu_ioctl(struct mvcpu *v, int fd, unsigned long req, unsigned long arg);
struct mvcpu *vcpu_new(struct mvm *vm, int fd, unsigned long id);
void vcpu_free(struct mvcpu *v);
void vcpu_protect(struct mvcpu *v, bool fpstate_confidential);
u64 vcpu_cpuid_xsave2_size(struct mvcpu *v);

#endif
