// SPDX-License-Identifier: GPL-2.0-only
/*
 * Environment banner for run_kvmtests.sh, run on the target (host, or inside
 * the VM substrate, under the same LD_PRELOAD libraries as the tests).
 *
 *   kvm_env          print "# key: value" lines
 *   kvm_env --probe  exit 0 if a KVM_X86_DEFAULT_VM can be created, else
 *                    print why and exit 1 (no /dev/kvm) or 2 (other error)
 *   kvm_env --tsc-khz  print the rate of this CPU's TSC in kHz, measured
 *                    against CLOCK_MONOTONIC (the VM substrate's
 *                    tsc_early_khz=)
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include <linux/kvm.h>
#include <linux/psp-sev.h>

static const char * const vm_type_names[] = {
	"DEFAULT", "SW_PROTECTED", "SEV", "SEV_ES", "SNP", "TDX",
};

static int probe(void)
{
	/* KPS_DEV_KVM lets the self-tests point the probe elsewhere. */
	const char *dev = getenv("KPS_DEV_KVM") ? : "/dev/kvm";
	int kvm = open(dev, O_RDWR | O_CLOEXEC);
	int vm;

	if (kvm < 0) {
		printf("%s: %s\n", dev, strerror(errno));
		return errno == ENOENT ? 1 : 2;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		printf("KVM_CREATE_VM(KVM_X86_DEFAULT_VM): %s\n", strerror(errno));
		close(kvm);
		return 2;
	}
	close(vm);
	close(kvm);
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * The floor a test case cannot beat on this substrate: one vCPU ioctl, and
 * creating plus destroying a VM with one vCPU. make bench compares the
 * suite's time per case with it.
 */
static void print_floor(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	const int n_ioctl = 2000, n_vm = 20;
	struct kvm_regs regs;
	double t0, t_ioctl, t_vm;
	int vm, vcpu, i;

	if (kvm < 0)
		return;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = vm < 0 ? -1 : ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto out;
	t0 = now_us();
	for (i = 0; i < n_ioctl; i++)
		ioctl(vcpu, KVM_GET_REGS, &regs);
	t_ioctl = (now_us() - t0) / n_ioctl;
	close(vcpu);
	close(vm);
	t0 = now_us();
	for (i = 0; i < n_vm; i++) {
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
		close(vcpu);
		close(vm);
	}
	t_vm = (now_us() - t0) / n_vm;
	printf("# floor: KVM_GET_REGS %.2f us/call, VM+vCPU create/destroy %.0f us\n",
	       t_ioctl, t_vm);
out:
	close(kvm);
}

static void print_params(const char *module, const char * const *params)
{
	char path[128], val[64], line[512] = "";
	int n = 0;

	for (; *params; params++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s",
			 module, *params);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f)) {
			val[strcspn(val, "\n")] = 0;
			n += snprintf(line + n, sizeof(line) - n, " %s=%s",
				      *params, val);
		}
		fclose(f);
	}
	printf("# %s parameters:%s\n", module, n ? line : " (module not loaded)");
}

static void print_cpu(void)
{
	unsigned int a, b, c, d, fam, model;
	char vendor[13] = "", brand[49] = "";
	int i;

	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	__cpuid(1, a, b, c, d);
	fam = (a >> 8) & 0xf;
	model = (a >> 4) & 0xf;
	if (fam == 0xf)
		fam += (a >> 20) & 0xff;
	if (fam >= 6)
		model |= ((a >> 16) & 0xf) << 4;
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000004) {
		for (i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, *(unsigned int *)&brand[16 * i],
				*(unsigned int *)&brand[16 * i + 4],
				*(unsigned int *)&brand[16 * i + 8],
				*(unsigned int *)&brand[16 * i + 12]);
	}
	printf("# cpu: %s family 0x%x model 0x%x \"%s\"\n", vendor, fam, model,
	       brand);
}

static void print_kvm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int types, i, n = 0;
	char names[128] = "";

	if (kvm < 0) {
		printf("# /dev/kvm: %s\n", strerror(errno));
		return;
	}
	types = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	for (i = 0; i < 32 && types > 0; i++) {
		if (!(types & (1 << i)))
			continue;
		n += snprintf(names + n, sizeof(names) - n, "%s%s", n ? "|" : "",
			      i < 6 ? vm_type_names[i] : "?");
	}
	printf("# /dev/kvm: api %d, KVM_CAP_VM_TYPES=0x%x (%s)\n",
	       ioctl(kvm, KVM_GET_API_VERSION, 0), types < 0 ? 0 : types,
	       types > 0 ? names : "capability absent: DEFAULT only");
	close(kvm);
}

static void print_sev(void)
{
	struct sev_user_data_status st = { 0 };
	struct sev_issue_cmd cmd = {
		.cmd = SEV_PLATFORM_STATUS,
		.data = (unsigned long)&st,
	};
	int fd = open("/dev/sev", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("# /dev/sev: %s\n", strerror(errno));
		return;
	}
	if (ioctl(fd, SEV_ISSUE_CMD, &cmd))
		printf("# /dev/sev: SEV_PLATFORM_STATUS failed: %s (fw error %u)\n",
		       strerror(errno), cmd.error);
	else
		printf("# /dev/sev: SEV API %u.%u, firmware build %u, state %u, guests %u\n",
		       st.api_major, st.api_minor, st.build, st.state,
		       st.guest_count);
	close(fd);
}

/*
 * One (TSC, ns) pair: the clock read between two RDTSCs, the narrowest of
 * a few tries so that a preemption in between does not skew it.
 */
static void tsc_sample(unsigned long long *tsc, unsigned long long *ns)
{
	unsigned long long a, b, best = ~0ULL;
	struct timespec t;
	int i;

	for (i = 0; i < 64; i++) {
		a = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &t);
		b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = t.tv_sec * 1000000000ULL + t.tv_nsec;
		}
	}
}

/*
 * QEMU's TCG reads the host's TSC for the guest's RDTSC, and its emulated
 * timers (PIT, HPET, ACPI PM), which the guest calibrates against, follow
 * the host's CLOCK_MONOTONIC: the rate of the one against the other is
 * what the guest's refined calibration finds. 200 ms: a few ppm.
 */
static int tsc_khz(void)
{
	unsigned long long t0, t1, n0, n1;

	tsc_sample(&t0, &n0);
	usleep(200000);
	tsc_sample(&t1, &n1);
	if (t1 <= t0 || n1 <= n0) {
		fprintf(stderr, "kvm_env: TSC did not advance (%llu -> %llu)\n",
			t0, t1);
		return 1;
	}
	printf("%.0f\n", (double)(t1 - t0) * 1e6 / (n1 - n0));
	return 0;
}

int main(int argc, char **argv)
{
	static const char * const kvm_params[] = {
		"tdp_mmu", "enable_pmu", "force_emulation_prefix", NULL,
	};
	static const char * const amd_params[] = {
		"sev", "sev_es", "sev_snp", "nested", "npt", NULL,
	};
	const char *s;
	struct utsname u;

	if (argc > 1 && !strcmp(argv[1], "--probe"))
		return probe();
	if (argc > 1 && !strcmp(argv[1], "--tsc-khz"))
		return tsc_khz();
	if (argc > 1) {
		fprintf(stderr, "kvm_env: unknown argument '%s' (accepted: --probe --tsc-khz)\n",
			argv[1]);
		return 2;
	}

	uname(&u);
	printf("# kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	print_cpu();
	print_params("kvm", kvm_params);
	print_params("kvm_amd", amd_params);
	print_params("kvm_intel", (const char * const []){ "tdx", "nested", NULL });
	print_kvm();
	print_sev();
	print_floor();
	s = getenv("LD_PRELOAD");
	if (s && *s)
		printf("# preload: %s\n", s);
	/* model/README.md: MODEL_VENDOR picks the module the model presents */
	if (s && strstr(s, "libkvm_sev_model"))
		printf("# model vendor: %s\n",
		       getenv("MODEL_VENDOR") &&
		       !strcmp(getenv("MODEL_VENDOR"), "intel") ?
		       "intel (kvm_intel with TDX)" :
		       "amd (kvm_amd with SEV, SEV-ES, SNP)");
	return 0;
}
