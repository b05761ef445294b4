/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_tdx.h - TDX (KVM_X86_TDX_VM, type 5) with raw KVM_MEMORY_ENCRYPT_OP:
 * the uapi the 6.12 headers lack, the launch steps lib/kps_protected.c
 * calls for a TD, and the TDX MSR rule.  Rules: model/TDX-RULES.md.
 */
#ifndef KPS_TDX_H
#define KPS_TDX_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/bits.h>
#include <linux/const.h>
#include <linux/kvm.h>

struct kvm_vm;
struct kvm_vcpu;

/*
 * UP arch/x86/include/uapi/asm/kvm.h ("Trust Domain eXtension sub-ioctl()
 * commands"), byte for byte; a tree whose uapi has them (>= 6.16) is used
 * as is.
 */
#ifndef KVM_TDX_MEASURE_MEMORY_REGION
enum kvm_tdx_cmd_id {
	KVM_TDX_CAPABILITIES = 0,
	KVM_TDX_INIT_VM,
	KVM_TDX_INIT_VCPU,
	KVM_TDX_INIT_MEM_REGION,
	KVM_TDX_FINALIZE_VM,
	KVM_TDX_GET_CPUID,

	KVM_TDX_CMD_NR_MAX,
};

struct kvm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 hw_error;
};

struct kvm_tdx_capabilities {
	__u64 supported_attrs;
	__u64 supported_xfam;

	__u64 kernel_tdvmcallinfo_1_r11;
	__u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12;
	__u64 user_tdvmcallinfo_1_r12;

	__u64 reserved[250];

	struct kvm_cpuid2 cpuid;
};

struct kvm_tdx_init_vm {
	__u64 attributes;
	__u64 xfam;
	__u64 mrconfigid[6];
	__u64 mrowner[6];
	__u64 mrownerconfig[6];

	__u64 reserved[12];

	struct kvm_cpuid2 cpuid;
};

#define KVM_TDX_MEASURE_MEMORY_REGION	_BITULL(0)

struct kvm_tdx_init_mem_region {
	__u64 source_addr;
	__u64 gpa;
	__u64 nr_pages;
};
#endif /* KVM_TDX_MEASURE_MEMORY_REGION */

/* UP tdx.c tdx_td_init(): BUILD_BUG_ON(sizeof(*init_vm) != 256 + cpuid) */
static_assert(sizeof(struct kvm_tdx_cmd) == 24, "kvm_tdx_cmd layout");
static_assert(sizeof(struct kvm_tdx_init_vm) == 256 + sizeof(struct kvm_cpuid2),
	      "kvm_tdx_init_vm layout");
static_assert(sizeof(struct kvm_tdx_capabilities) == 2048 + sizeof(struct kvm_cpuid2),
	      "kvm_tdx_capabilities layout");

/* TD attributes (TDX module ABI; UP arch/x86/include/asm/shared/tdx.h). */
#define KPS_TDX_ATTR_DEBUG		BIT_ULL(0)
#define KPS_TDX_ATTR_SEPT_VE_DISABLE	BIT_ULL(28)

/* The one private page of a TD (as SNP's: kps_protected.h). */
#define KPS_TDX_GPA		0x100000ULL
#define KPS_TDX_SLOT		1
/* GPAW 48: the shared bit is GPA bit 47 (UP tdx.c TDX_SHARED_BIT_PWL_4). */
#define KPS_TDX_SHARED_BIT	BIT_ULL(47)

/*
 * KVM_MEMORY_ENCRYPT_OP with a struct kvm_tdx_cmd on fd (VM or vCPU).
 * Returns the ioctl's return (-1 with errno); *hw_error (if not NULL)
 * receives cmd.hw_error after the call.
 */
int kps_tdx_cmd(int fd, __u32 id, __u32 flags, __u64 data, __u64 *hw_error);

/*
 * KVM_TDX_CAPABILITIES into a malloc'ed struct with room for 256 CPUID
 * entries; NULL with errno on failure.
 */
struct kvm_tdx_capabilities *kps_tdx_get_caps(int vm_fd);

/*
 * KVM_TDX_INIT_VM with attributes, xfam = supported & (x87 | SSE), and the
 * one CPUID entry KVM requires (0x80000008, GPAW 48 in EAX[23:16],
 * setup_tdparams_eptp_controls()).  0, or -1 with err naming the step.
 */
int kps_tdx_init_vm(struct kvm_vm *vm, __u64 attributes, char *err, size_t len);

/* KVM_SET_CPUID2 (KVM's supported CPUID: x2APIC) + KVM_TDX_INIT_VCPU. */
int kps_tdx_init_vcpu(struct kvm_vcpu *vcpu, char *err, size_t len);

/*
 * One private page at KPS_TDX_GPA (guest_memfd slot, PRIVATE attribute)
 * and KVM_TDX_INIT_MEM_REGION of it through vcpu.
 */
int kps_tdx_init_mem_region(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			    char *err, size_t len);

int kps_tdx_finalize(struct kvm_vm *vm, char *err, size_t len);

/*
 * Does KVM_GET_MSRS (get) or KVM_SET_MSRS stop at msr on a TD vCPU?  UP
 * tdx.c tdx_get_msr()/tdx_set_msr(): not tdx_has_emulated_msr(), or
 * (SET) read-only APICBASE, EFER, FEAT_CTL.
 */
bool kps_tdx_msr_blocked(__u32 msr, bool get);

#endif /* KPS_TDX_H */
