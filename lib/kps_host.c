// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_host.c - host kernel facts from uname, the kernel config and
 * /sys/module (see kps_host.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/kvm.h>

#include "kps_host.h"
#include "kps_util.h"

int kps_kernel_version(void)
{
	struct utsname u;
	int a, b;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return -1;
	return KPS_KVER(a, b);
}

/* Look for "CONFIG_<sym>=" or "# CONFIG_<sym> is not set" in f. */
static int kconfig_scan(FILE *f, const char *sym)
{
	char line[512], set[128], unset[160];
	bool found = false;
	int r = 0;

	snprintf(set, sizeof(set), "CONFIG_%s=", sym);
	snprintf(unset, sizeof(unset), "# CONFIG_%s is not set", sym);
	/* Read to the end: a pipe closed early fails pclose() (SIGPIPE). */
	while (fgets(line, sizeof(line), f)) {
		if (found)
			continue;
		if (!strncmp(line, set, strlen(set))) {
			r = line[strlen(set)] == 'y' || line[strlen(set)] == 'm';
			found = true;
		} else if (!strncmp(line, unset, strlen(unset))) {
			found = true;
		}
	}
	return r;
}

int kps_kconfig(const char *sym, const char **src)
{
	static char boot[300];
	struct utsname u;
	FILE *f;
	int r;

	if (!access("/proc/config.gz", R_OK)) {
		f = popen("gzip -dc /proc/config.gz 2>/dev/null", "r");
		if (f) {
			r = kconfig_scan(f, sym);
			if (!pclose(f)) {
				*src = "/proc/config.gz";
				return r;
			}
		}
	}
	if (!uname(&u)) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", u.release);
		f = fopen(boot, "r");
		if (f) {
			r = kconfig_scan(f, sym);
			fclose(f);
			*src = boot;
			return r;
		}
	}
	*src = "no /proc/config.gz or /boot/config-<release>";
	return -1;
}

int kps_host_cpu_flag(const char *flag)
{
	char *line = NULL, *p;
	size_t n = 0, len = strlen(flag);
	int r = -1;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return -1;
	while (r < 0 && getline(&line, &n, f) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		r = 0;
		for (p = strchr(line, ':'); p && (p = strstr(p, flag)); p += len)
			if (p[-1] == ' ' && (p[len] == ' ' || p[len] == '\n'))
				r = 1;
	}
	free(line);
	fclose(f);
	return r;
}

enum kps_vendor kps_kvm_vendor(void)
{
	if (!access("/sys/module/kvm_amd", F_OK))
		return KPS_VENDOR_SVM;
	if (!access("/sys/module/kvm_intel", F_OK))
		return KPS_VENDOR_VMX;
	if (!access("/sys/module/kvm_pvm", F_OK))
		return KPS_VENDOR_PVM;
	return KPS_VENDOR_UNKNOWN;
}

int kps_module_param_bool(const char *mod, const char *param)
{
	char v[8];

	if (kps_module_param(mod, param, v, sizeof(v)) != 1)
		return -1;
	if (v[0] == 'Y' || v[0] == 'y' || v[0] == '1')
		return 1;
	if (v[0] == 'N' || v[0] == 'n' || v[0] == '0')
		return 0;
	return -1;
}

int kps_tdp_enabled(char *why, size_t len)
{
	int r, mmu;

	switch (kps_kvm_vendor()) {
	case KPS_VENDOR_SVM:
		r = kps_module_param_bool("kvm_amd", "npt");
		snprintf(why, len, "kvm_amd.npt=%s", r < 0 ? "?" : r ? "Y" : "N");
		return r;
	case KPS_VENDOR_VMX:
		r = kps_module_param_bool("kvm_intel", "ept");
		snprintf(why, len, "kvm_intel.ept=%s", r < 0 ? "?" : r ? "Y" : "N");
		return r;
	case KPS_VENDOR_PVM:
		/* mmu.c:6335: tdp_mmu = tdp_mmu_allowed && tdp_enabled */
		mmu = kps_module_param_bool("kvm", "tdp_mmu");
		if (mmu != 0) {
			snprintf(why, len,
				 "kvm_pvm uses shadow paging, but kvm.tdp_mmu=%s",
				 mmu < 0 ? "?" : "Y");
			return -1;
		}
		snprintf(why, len, "kvm_pvm: shadow paging only (kvm.tdp_mmu=N)");
		return 0;
	default:
		snprintf(why, len,
			 "no kvm_amd, kvm_intel or kvm_pvm in /sys/module: tdp_enabled unknown");
		return -1;
	}
}

int kps_x86_smm_rule(int smm, char *why, size_t len)
{
	int ug, eigs;

	if (!smm) {
		snprintf(why, len, "CONFIG_KVM_SMM=n (x86.c:4308-4310)");
		return 0;
	}
	switch (kps_kvm_vendor()) {
	case KPS_VENDOR_SVM:
		snprintf(why, len, "CONFIG_KVM_SMM=y, SVM (svm.c:4563-4569)");
		return 1;
	case KPS_VENDOR_VMX:
		ug = kps_module_param_bool("kvm_intel", "unrestricted_guest");
		eigs = kps_module_param_bool("kvm_intel",
					     "emulate_invalid_guest_state");
		snprintf(why, len,
			 "CONFIG_KVM_SMM=y, kvm_intel.unrestricted_guest=%d emulate_invalid_guest_state=%d (vmx.c:7049-7056)",
			 ug, eigs);
		if (ug < 0 || eigs < 0)
			return -1;
		return ug || eigs;
	default:
		snprintf(why, len,
			 "CONFIG_KVM_SMM=y with neither kvm_amd nor kvm_intel: the vendor's SMBASE rule is unknown");
		return -1;
	}
}

int kps_config_smm(bool use_smm_cap, char *why, size_t len)
{
	const char *src;
	char rule[200];
	int r, cap;

	r = kps_kconfig("KVM_SMM", &src);
	if (r >= 0) {
		snprintf(why, len, "CONFIG_KVM_SMM=%s in %s", r ? "y" : "n", src);
		return r;
	}
	if (!use_smm_cap) {
		cap = kps_kvm_cap(KVM_CAP_MULTI_ADDRESS_SPACE);
		if (cap < 0) {
			snprintf(why, len,
				 "KVM_CHECK_EXTENSION(KVM_CAP_MULTI_ADDRESS_SPACE) on /dev/kvm failed: %s",
				 kps_errno_name(errno));
			return -1;
		}
		if (cap != 0 && cap != 2) {
			snprintf(why, len,
				 "KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm is %d, neither 0 nor 2 (kvm_main.c:4936-4940)",
				 cap);
			return -1;
		}
		snprintf(why, len,
			 "%s; KVM_CAP_MULTI_ADDRESS_SPACE on /dev/kvm %d (kvm_main.c:4936-4940)",
			 src, cap);
		return cap == 2;
	}
	cap = kps_kvm_cap(KVM_CAP_X86_SMM);
	if (cap < 0) {
		snprintf(why, len,
			 "KVM_CHECK_EXTENSION(KVM_CAP_X86_SMM) on /dev/kvm failed: %s",
			 kps_errno_name(errno));
		return -1;
	}
	/* The vendor rule must make X86_SMM equal to CONFIG_KVM_SMM. */
	if (kps_x86_smm_rule(1, rule, sizeof(rule)) != 1) {
		snprintf(why, len,
			 "%s; KVM_CAP_X86_SMM cannot tell CONFIG_KVM_SMM: %s",
			 src, rule);
		return -1;
	}
	snprintf(why, len, "%s; KVM_CAP_X86_SMM on /dev/kvm %d (%s)", src,
		 cap, rule);
	return cap != 0;
}

int kps_guest_memfd_rule(bool private_mem, int *cfg, char *why, size_t len)
{
	int ver = kps_kernel_version();
	bool v618 = ver >= KPS_KVER(6, 18);
	const char *src;
	int c;

	if (ver < 0) {
		snprintf(why, len, "uname(): %s", strerror(errno));
		return -1;
	}
	c = kps_kconfig(v618 ? "KVM_GUEST_MEMFD" : "KVM_PRIVATE_MEM", &src);
	if (c < 0 && !v618) {
		c = kps_kvm_cap(KVM_CAP_MEMORY_ATTRIBUTES);
		if (c < 0) {
			snprintf(why, len,
				 "KVM_CHECK_EXTENSION(KVM_CAP_MEMORY_ATTRIBUTES) on /dev/kvm failed: %s",
				 kps_errno_name(errno));
			return -1;
		}
		c = !!c;
		src = "KVM_CAP_MEMORY_ATTRIBUTES on /dev/kvm";
	}
	if (c < 0) {
		snprintf(why, len, "CONFIG_KVM_GUEST_MEMFD unknown: %s", src);
		return -1;
	}
	if (ver < KPS_KVER(6, 8))
		c = 0;
	*cfg = c;
	snprintf(why, len, "kernel %d.%d, %s=%s from %s: %s", ver >> 8,
		 ver & 0xff, v618 ? "CONFIG_KVM_GUEST_MEMFD" :
		 "CONFIG_KVM_PRIVATE_MEM", c ? "y" : "n", src,
		 !c ? "no guest_memfd" : v618 ? "6.18+: every VM" :
		 private_mem ? "has_private_mem" : "no private memory");
	return c && (v618 || private_mem);
}
