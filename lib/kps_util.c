// SPDX-License-Identifier: GPL-2.0-only
/*
 * kps_util.c - VM type table, raw VM creation, canaries, result messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kps_util.h"

/* Spec section 1.1 (6.12 x86.c:11963-11964, svm.c:5179-5185; UP tdx_vm_init). */
const struct kps_vm_type kps_vm_types[KPS_NR_VM_TYPES] = {
	[KVM_X86_DEFAULT_VM] = {
		KVM_X86_DEFAULT_VM, "default", "KVM_X86_DEFAULT_VM",
		false, false, "always supported", NULL, NULL, false,
	},
	/* 6.12 x86.c:9385-9386: CONFIG_KVM_SW_PROTECTED_VM && tdp_mmu_enabled */
	[KVM_X86_SW_PROTECTED_VM] = {
		KVM_X86_SW_PROTECTED_VM, "sw_protected",
		"KVM_X86_SW_PROTECTED_VM", true, false,
		"CONFIG_KVM_SW_PROTECTED_VM=n or kvm.tdp_mmu=N",
		"kvm", "tdp_mmu", false,
	},
	/*
	 * 6.12 svm/sev.c:3144-3146 sev_hardware_setup() leaves each parameter
	 * equal to what is usable, and 2974-2986 sev_set_cpu_caps() sets the
	 * type bits from the same variables.
	 */
	[KVM_X86_SEV_VM] = {
		KVM_X86_SEV_VM, "sev", "KVM_X86_SEV_VM", false, false,
		"kvm_amd.sev=N, no SVM/NPT or no SEV firmware",
		"kvm_amd", "sev", true,
	},
	[KVM_X86_SEV_ES_VM] = {
		KVM_X86_SEV_ES_VM, "sev_es", "KVM_X86_SEV_ES_VM", false, true,
		"kvm_amd.sev_es=N or no SEV-ES firmware",
		"kvm_amd", "sev_es", true,
	},
	[KVM_X86_SNP_VM] = {
		KVM_X86_SNP_VM, "snp", "KVM_X86_SNP_VM", true, true,
		"kvm_amd.sev_snp=N or SNP not initialized",
		"kvm_amd", "sev_snp", true,
	},
	/* UP vmx/main.c vt_init(): the bit iff enable_tdx (kvm_intel.tdx) */
	[KVM_X86_TDX_VM] = {
		KVM_X86_TDX_VM, "tdx", "KVM_X86_TDX_VM", true, true,
		"kvm_intel.tdx=N or a kernel without TDX (< 6.16)",
		"kvm_intel", "tdx", true,
	},
};

const struct kps_vm_type *kps_vm_type(unsigned long type)
{
	return type < KPS_NR_VM_TYPES ? &kps_vm_types[type] : NULL;
}

const char *kps_vm_type_name(unsigned long type)
{
	const struct kps_vm_type *t = kps_vm_type(type);

	return t ? t->name : NULL;
}

long kps_vm_type_from_name(const char *name)
{
	unsigned long i;

	for (i = 0; i < KPS_NR_VM_TYPES; i++)
		if (!strcmp(kps_vm_types[i].name, name))
			return i;
	return -1;
}

char *kps_vm_types_str(unsigned long mask, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int bit;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!mask) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (bit = 0; bit < 8 * sizeof(mask) && off < len; bit++) {
		const char *name = kps_vm_type_name(bit);

		if (!(mask & (1UL << bit)))
			continue;
		if (name)
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "," : "", name);
		else
			off += snprintf(buf + off, len - off, "%sbit%u",
					off ? "," : "", bit);
	}
	return buf;
}

int kps_module_param(const char *mod, const char *param, char *val,
		     size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod,
		 param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(path, sizeof(path), "/sys/module/%s", mod);
		return access(path, F_OK) ? 0 : -1;
	}
	n = read(fd, val, len - 1);
	close(fd);
	val[n > 0 ? n : 0] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 1;
}

int kps_open_kvm(void)
{
	return open("/dev/kvm", O_RDWR | O_CLOEXEC);
}

/*
 * ioctl(nr, arg) on a fresh /dev/kvm fd, closed after: its value, or -1
 * with errno from the ioctl (or from open()).
 */
static int kps_kvm_ioctl(unsigned long nr, unsigned long arg)
{
	int fd = kps_open_kvm();
	int r, err;

	if (fd < 0)
		return -1;
	r = ioctl(fd, nr, arg);
	err = errno;
	close(fd);
	errno = err;
	return r;
}

int kps_kvm_cap(long cap)
{
	return kps_kvm_ioctl(KVM_CHECK_EXTENSION, cap);
}

long kps_supported_vm_types(void)
{
	int r = kps_kvm_cap(KVM_CAP_VM_TYPES);

	if (r < 0)
		return -1;
	/* Before 6.10 the capability is unknown (0): only type 0 exists. */
	return r ? (long)(unsigned int)r : 1L << KVM_X86_DEFAULT_VM;
}

char *kps_vm_type_absent(unsigned long type, unsigned long mask,
			 char *buf, size_t len)
{
	const struct kps_vm_type *t = kps_vm_type(type);

	if (t)
		snprintf(buf, len, "KVM_CAP_VM_TYPES=%#lx lacks %s (%s)",
			 mask, t->uapi, t->knob);
	else
		snprintf(buf, len, "KVM_CAP_VM_TYPES=%#lx lacks type %#lx",
			 mask, type);
	return buf;
}

int kps_create_vm_raw(unsigned long type)
{
	return kps_kvm_ioctl(KVM_CREATE_VM, type);
}

int kps_kvm_probe(char *why, size_t len)
{
	int fd = kps_open_kvm();
	int err = errno;

	if (fd >= 0) {
		close(fd);
		snprintf(why, len, "/dev/kvm: ok");
		return 0;
	}
	/*
	 * No /dev/kvm, or one this user may not open (mode 0600 or 0660 and
	 * not in the kvm group): the cases cannot run here, a skip naming
	 * the cause.  Anything else (ENXIO without the module, EMFILE...)
	 * is a failure.
	 */
	if (err == EACCES || err == EPERM) {
		snprintf(why, len,
			 "/dev/kvm: %s (run as root or join the kvm group)",
			 strerror(err));
		return 1;
	}
	snprintf(why, len, "/dev/kvm: %s", strerror(err));
	return err == ENOENT ? 1 : -1;
}

const char *kps_errno_name(int err)
{
	static __thread char other[16];

	switch (err) {
	case 0:		return "0";
	case EPERM:	return "EPERM";
	case ENOENT:	return "ENOENT";
	case EINTR:	return "EINTR";
	case EIO:	return "EIO";
	case ENXIO:	return "ENXIO";
	case E2BIG:	return "E2BIG";
	case EBADF:	return "EBADF";
	case EAGAIN:	return "EAGAIN";
	case ENOMEM:	return "ENOMEM";
	case EACCES:	return "EACCES";
	case EFAULT:	return "EFAULT";
	case EBUSY:	return "EBUSY";
	case EEXIST:	return "EEXIST";
	case EINVAL:	return "EINVAL";
	case EMFILE:	return "EMFILE";
	case ENOTTY:	return "ENOTTY";
	case ENOSPC:	return "ENOSPC";
	case ERANGE:	return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	}
	snprintf(other, sizeof(other), "E%d", err);
	return other;
}

__u8 kps_canary_byte(__u8 seed, size_t i)
{
	return (__u8)(seed ^ (i * 0x9d) ^ (i >> 8));
}

void kps_canary_fill(void *buf, size_t len, __u8 seed)
{
	__u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = kps_canary_byte(seed, i);
}

ssize_t kps_canary_check(const void *buf, size_t len, __u8 seed)
{
	const __u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != kps_canary_byte(seed, i))
			return i;
	return -1;
}

void kps_guard_fill(void *buf, size_t size)
{
	kps_canary_fill((__u8 *)buf + size, KPS_GUARD_LEN, KPS_GUARD_SEED);
}

ssize_t kps_guard_check(const void *buf, size_t size)
{
	ssize_t off = kps_canary_check((const __u8 *)buf + size, KPS_GUARD_LEN,
				       KPS_GUARD_SEED);

	return off < 0 ? -1 : (ssize_t)size + off;
}

ssize_t kps_memdiff(const void *a, const void *b, size_t len)
{
	const __u8 *pa = a, *pb = b;
	size_t i;

	for (i = 0; i < len; i++)
		if (pa[i] != pb[i])
			return i;
	return -1;
}

char *kps_fmt_result(char *buf, size_t len, const char *ioctl,
		     const char *type, const char *phase,
		     int exp_ret, int exp_errno, int ret, int err,
		     ssize_t changed)
{
	char exp_e[32] = "", seen_e[32] = "", chg[32] = "none";

	if (exp_errno)
		snprintf(exp_e, sizeof(exp_e), " errno=%s",
			 kps_errno_name(exp_errno));
	if (ret < 0)
		snprintf(seen_e, sizeof(seen_e), " errno=%s",
			 kps_errno_name(err));
	if (changed >= 0)
		snprintf(chg, sizeof(chg), "%zd", changed);
	snprintf(buf, len,
		 "ioctl %s on type %s phase %s: expected ret=%d%s, seen ret=%d%s, first changed byte %s",
		 ioctl, type, phase, exp_ret, exp_e, ret, seen_e, chg);
	return buf;
}
