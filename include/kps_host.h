/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kps_host.h - facts about the host kernel that capability answers depend
 * on, read from sources other than KVM_CHECK_EXTENSION: the release
 * (uname), the kernel config (/proc/config.gz, /boot/config-<release>), the
 * vendor module loaded and its parameters (/sys/module).  The tests derive
 * an expected capability from these and the kernel's rule, so that a
 * capability is never checked against itself.
 */
#ifndef KPS_HOST_H
#define KPS_HOST_H

#include <stdbool.h>
#include <stddef.h>

#define KPS_KVER(a, b)		((a) << 8 | (b))

/* KPS_KVER(major, minor) of the running kernel, or -1. */
int kps_kernel_version(void);

/*
 * CONFIG_<sym> of the running kernel: 1 (y or m), 0 (not set), -1 when no
 * config can be read (*src then says so).  *src names the file read.
 */
int kps_kconfig(const char *sym, const char **src);

enum kps_vendor {
	KPS_VENDOR_UNKNOWN,
	KPS_VENDOR_SVM,		/* kvm_amd */
	KPS_VENDOR_VMX,		/* kvm_intel */
	KPS_VENDOR_PVM,		/* kvm_pvm */
};

/*
 * A flag of the host CPU as the kernel reports it in /proc/cpuinfo
 * ("v_spec_ctrl"): 1, 0, or -1 when there is no flags line.
 */
int kps_host_cpu_flag(const char *flag);

/* The vendor module in /sys/module. */
enum kps_vendor kps_kvm_vendor(void);

/* /sys/module/<mod>/parameters/<param> as a bool: 1, 0, -1 if absent. */
int kps_module_param_bool(const char *mod, const char *param);

/*
 * tdp_enabled (6.12 mmu.c:6330 kvm_configure_mmu()) from the vendor's
 * module parameter: kvm_amd.npt (svm.c:201-202, cleared at 5540-5543 when
 * NPT is unusable), kvm_intel.ept (vmx.c:99, cleared at 8435); kvm_pvm
 * always uses shadow paging (kvm.tdp_mmu, = tdp_mmu_allowed && tdp_enabled,
 * mmu.c:6335, must then read N).  1 or 0 with the source in why; -1 with
 * the reason when it cannot be derived.
 */
int kps_tdp_enabled(char *why, size_t len);

/*
 * CONFIG_KVM_SMM: from the kernel config if readable, else from one KVM
 * answer that is computed by other code than the one under test:
 *   use_smm_cap  KVM_CAP_X86_SMM on /dev/kvm (x86.c:4308-4318), which is
 *                CONFIG_KVM_SMM on SVM (svm.c:4563-4569) and on VMX with
 *                kvm_intel.unrestricted_guest or
 *                emulate_invalid_guest_state (vmx.c:7049-7056);
 *   else         KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm
 *                (kvm_main.c:4936-4940): KVM_MAX_NR_ADDRESS_SPACES = 2
 *                iff CONFIG_KVM_SMM (kvm_host.h:2291-2294), 0 otherwise.
 * 1 or 0 with the source in why; -1 with the reason (also when the
 * KVM_CHECK_EXTENSION fails, with its errno).
 */
int kps_config_smm(bool use_smm_cap, char *why, size_t len);

/*
 * KVM_CAP_X86_SMM on /dev/kvm (kvm == NULL) by the vendor rule, given
 * CONFIG_KVM_SMM = smm: SVM smm (svm.c:4563-4569), VMX smm &&
 * (unrestricted_guest || emulate_invalid_guest_state) (vmx.c:7049-7056).
 * -1 with the reason when the vendor is not known here and smm is 1.
 */
int kps_x86_smm_rule(int smm, char *why, size_t len);

/*
 * KVM_CAP_GUEST_MEMFD on a VM fd, by kernel version:
 *   < 6.8   0 (no guest_memfd);
 *   6.8+    6.12 kvm_main.c:4966-4968: kvm_arch_has_private_mem(), under
 *           CONFIG_KVM_PRIVATE_MEM;
 *   6.18+   kvm_vm_ioctl_check_extension_generic(): 1 on every VM under
 *           CONFIG_KVM_GUEST_MEMFD.
 * The config comes from the kernel config; without one, on 6.8-6.17 x86
 * from KVM_CAP_MEMORY_ATTRIBUTES on /dev/kvm: both options are selected only
 * by KVM_GENERIC_PRIVATE_MEM (6.12 virt/kvm/Kconfig:111-113, arch/x86/kvm/
 * Kconfig:47, 146).  *cfg gets the config (the /dev/kvm answer); returns
 * the VM fd answer, or -1 with the reason in why.
 */
int kps_guest_memfd_rule(bool private_mem, int *cfg, char *why, size_t len);

#endif /* KPS_HOST_H */
