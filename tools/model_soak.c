// SPDX-License-Identifier: GPL-2.0-only
/*
 * model_soak - create, protect and destroy a protected VM N times and check
 * that the process' open fds and resident memory stay flat.  Run under the
 * software model (LD_PRELOAD=build/model/libkvm_sev_model.so) or on a host
 * with SEV-ES/SNP; raw ioctls only, so that what is measured is KVM (or the
 * model), not libkvm.
 *
 *   model_soak [--cycles N] [--type sev|sev_es|snp] [--rss-slack KIB]
 *
 * One cycle: open /dev/sev, KVM_CREATE_VM(type), KVM_SEV_INIT2, one vCPU
 * with its kvm_run mapping, then the protecting launch (SEV/SEV-ES:
 * LAUNCH_START, LAUNCH_UPDATE_VMSA (SEV-ES), LAUNCH_MEASURE, LAUNCH_FINISH;
 * SNP: SNP_LAUNCH_START, one private guest_memfd page through
 * SNP_LAUNCH_UPDATE, SNP_LAUNCH_FINISH), KVM_GET_REGS (must be -1/EINVAL
 * for SEV-ES and SNP: the state really is protected), and every fd and
 * mapping released.  The figures are taken after 10 warm-up cycles (the
 * allocator's arenas, lazily loaded libraries), half way and at the end.
 *
 * Prints "# soak ..." lines and "soak: PASS|FAIL ..."; exit 0 on a flat
 * run, 1 on growth or a failed step, 4 (KSFT_SKIP) when the type cannot be
 * created here, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/kvm.h>

#define WARMUP		10
#define SECOND_HALF_SLACK	64	/* KiB */
#define SNP_GPA		0x100000ULL
#define SNP_SLOT	1
#define SNP_POLICY	((1ULL << 16) | (1ULL << 17))	/* SMT, RSVD_MBO */
#define SEV_POLICY_ES	0x4	/* policy bit 2 */
#define PAGE		4096

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static long rss_kib(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char err_step[256];

static int step(int r, const char *what, __u32 fw)
{
	if (r >= 0)
		return 0;
	snprintf(err_step, sizeof(err_step), "%s: ret=%d errno=%s fw_error=%u",
		 what, r, strerror(errno), fw);
	return -1;
}

static int sev_cmd(int vm, int sev, __u32 id, void *data, const char *what)
{
	struct kvm_sev_cmd cmd = {
		.id = id,
		.data = (__u64)(unsigned long)data,
		.sev_fd = (__u32)sev,
	};

	return step(ioctl(vm, KVM_MEMORY_ENCRYPT_OP, &cmd), what, cmd.error);
}

/* One create/protect/destroy cycle; 0, -1 with err_step, 4 skip. */
static int cycle(int kvm, unsigned long type, size_t run_size)
{
	struct kvm_sev_init init = { 0 };
	struct kvm_sev_launch_start start = { 0 };
	struct kvm_sev_launch_measure measure = { 0 };
	struct kvm_sev_snp_launch_start snp_start = { 0 };
	struct kvm_sev_snp_launch_update update = { 0 };
	struct kvm_sev_snp_launch_finish finish = { 0 };
	struct kvm_create_guest_memfd gmem = { .size = PAGE };
	struct kvm_userspace_memory_region2 region = { 0 };
	struct kvm_memory_attributes attr = { 0 };
	static __u8 digest[256];
	struct kvm_regs regs;
	int vm = -1, vcpu = -1, sev = -1, gfd = -1, r = -1;
	void *run = MAP_FAILED, *mem = MAP_FAILED;

	sev = open("/dev/sev", O_RDWR | O_CLOEXEC);
	if (step(sev, "open(/dev/sev)", 0))
		goto out;
	vm = ioctl(kvm, KVM_CREATE_VM, type);
	if (step(vm, "KVM_CREATE_VM", 0))
		goto out;
	if (sev_cmd(vm, sev, KVM_SEV_INIT2, &init, "KVM_SEV_INIT2"))
		goto out;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (step(vcpu, "KVM_CREATE_VCPU", 0))
		goto out;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED && step(-1, "mmap(kvm_run)", 0))
		goto out;

	if (type == KVM_X86_SNP_VM) {
		snp_start.policy = SNP_POLICY;
		if (sev_cmd(vm, sev, KVM_SEV_SNP_LAUNCH_START, &snp_start,
			    "KVM_SEV_SNP_LAUNCH_START"))
			goto out;
		gfd = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &gmem);
		if (step(gfd, "KVM_CREATE_GUEST_MEMFD", 0))
			goto out;
		mem = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED && step(-1, "mmap(page)", 0))
			goto out;
		region.slot = SNP_SLOT;
		region.flags = KVM_MEM_GUEST_MEMFD;
		region.guest_phys_addr = SNP_GPA;
		region.memory_size = PAGE;
		region.userspace_addr = (__u64)(unsigned long)mem;
		region.guest_memfd = gfd;
		if (step(ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &region),
			 "KVM_SET_USER_MEMORY_REGION2", 0))
			goto out;
		attr.address = SNP_GPA;
		attr.size = PAGE;
		attr.attributes = KVM_MEMORY_ATTRIBUTE_PRIVATE;
		if (step(ioctl(vm, KVM_SET_MEMORY_ATTRIBUTES, &attr),
			 "KVM_SET_MEMORY_ATTRIBUTES", 0))
			goto out;
		update.gfn_start = SNP_GPA / PAGE;
		update.uaddr = (__u64)(unsigned long)mem;
		update.len = PAGE;
		update.type = KVM_SEV_SNP_PAGE_TYPE_NORMAL;
		if (sev_cmd(vm, sev, KVM_SEV_SNP_LAUNCH_UPDATE, &update,
			    "KVM_SEV_SNP_LAUNCH_UPDATE") ||
		    sev_cmd(vm, sev, KVM_SEV_SNP_LAUNCH_FINISH, &finish,
			    "KVM_SEV_SNP_LAUNCH_FINISH"))
			goto out;
	} else {
		start.policy = type == KVM_X86_SEV_ES_VM ? SEV_POLICY_ES : 0;
		if (sev_cmd(vm, sev, KVM_SEV_LAUNCH_START, &start,
			    "KVM_SEV_LAUNCH_START"))
			goto out;
		if (type == KVM_X86_SEV_ES_VM &&
		    sev_cmd(vm, sev, KVM_SEV_LAUNCH_UPDATE_VMSA, NULL,
			    "KVM_SEV_LAUNCH_UPDATE_VMSA"))
			goto out;
		measure.uaddr = (__u64)(unsigned long)digest;
		measure.len = sizeof(digest);
		if (sev_cmd(vm, sev, KVM_SEV_LAUNCH_MEASURE, &measure,
			    "KVM_SEV_LAUNCH_MEASURE") ||
		    sev_cmd(vm, sev, KVM_SEV_LAUNCH_FINISH, NULL,
			    "KVM_SEV_LAUNCH_FINISH"))
			goto out;
	}

	/* spec 3: GET_REGS on a protected vCPU is -1/EINVAL */
	errno = 0;
	r = ioctl(vcpu, KVM_GET_REGS, &regs);
	if (type != KVM_X86_SEV_VM && !(r == -1 && errno == EINVAL)) {
		snprintf(err_step, sizeof(err_step),
			 "KVM_GET_REGS after launch: ret=%d errno=%s, expected -1/EINVAL",
			 r, strerror(errno));
		r = -1;
		goto out;
	}
	r = 0;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (mem != MAP_FAILED)
		munmap(mem, PAGE);
	if (gfd >= 0)
		close(gfd);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (sev >= 0)
		close(sev);
	return r;
}

int main(int argc, char **argv)
{
	static const char * const names[] = {
		[KVM_X86_SEV_VM] = "sev", [KVM_X86_SEV_ES_VM] = "sev_es",
		[KVM_X86_SNP_VM] = "snp",
	};
	unsigned long type = KVM_X86_SEV_ES_VM;
	long cycles = 1000, slack = 1024, rss0 = 0, rss1, rss_mid = 0;
	int kvm, i, fds0 = 0, fds1, fds_mid = 0, mask;
	double t0 = 0, t1;
	size_t run_size;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cycles") && i + 1 < argc) {
			cycles = strtol(argv[++i], &end, 0);
			if (*end || cycles <= WARMUP)
				goto usage;
		} else if (!strcmp(argv[i], "--rss-slack") && i + 1 < argc) {
			slack = strtol(argv[++i], &end, 0);
			if (*end || slack < 0)
				goto usage;
		} else if (!strcmp(argv[i], "--type") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "sev"))
				type = KVM_X86_SEV_VM;
			else if (!strcmp(argv[i], "sev_es"))
				type = KVM_X86_SEV_ES_VM;
			else if (!strcmp(argv[i], "snp"))
				type = KVM_X86_SNP_VM;
			else
				goto usage;
		} else {
			goto usage;
		}
	}

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("soak: SKIP /dev/kvm: %s\n", strerror(errno));
		return errno == ENOENT ? 4 : 1;
	}
	mask = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	if (mask <= 0 || !(mask & (1 << type))) {
		printf("soak: SKIP KVM_CAP_VM_TYPES=%#x lacks %s (%s)\n",
		       mask, names[type],
		       "run under the model: LD_PRELOAD=build/model/libkvm_sev_model.so");
		close(kvm);
		return 4;
	}
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);

	for (i = 0; i < cycles; i++) {
		if (i == WARMUP) {
			fds0 = fd_count();
			rss0 = rss_kib();
			t0 = now_ms();
		}
		if (i == WARMUP + (cycles - WARMUP) / 2) {
			fds_mid = fd_count();
			rss_mid = rss_kib();
		}
		if (cycle(kvm, type, run_size)) {
			printf("soak: FAIL %s cycle %d: %s\n", names[type], i,
			       err_step);
			return 1;
		}
	}
	t1 = now_ms();
	fds1 = fd_count();
	rss1 = rss_kib();
	close(kvm);

	printf("# soak %s: %ld cycles (after %d warm-up), %.3f ms per cycle\n",
	       names[type], cycles - WARMUP, WARMUP,
	       (t1 - t0) / (cycles - WARMUP));
	printf("# soak %s: fds %d -> %d -> %d, VmRSS %ld -> %ld -> %ld KiB (%+ld, 2nd half %+ld)\n",
	       names[type], fds0, fds_mid, fds1, rss0, rss_mid, rss1,
	       rss1 - rss0, rss1 - rss_mid);
	/*
	 * Flat: the same fds, and no growth in the second half beyond one
	 * malloc trim threshold step; the first cycles after the warm-up may
	 * still grow the heap to its working size (at most slack KiB).
	 */
	if (fds1 != fds0 || fds_mid != fds0) {
		printf("soak: FAIL %s: open fds %d -> %d -> %d\n", names[type],
		       fds0, fds_mid, fds1);
		return 1;
	}
	if (rss1 - rss_mid > SECOND_HALF_SLACK || rss1 - rss0 > slack) {
		printf("soak: FAIL %s: VmRSS %+ld KiB (2nd half %+ld, max %d; run max %ld)\n",
		       names[type], rss1 - rss0, rss1 - rss_mid,
		       SECOND_HALF_SLACK, slack);
		return 1;
	}
	printf("soak: PASS %s: fds %d -> %d, VmRSS %ld -> %ld KiB over %ld cycles\n",
	       names[type], fds0, fds1, rss0, rss1, cycles - WARMUP);
	return 0;
usage:
	fprintf(stderr, "usage: model_soak [--cycles N>%d] %s\n", WARMUP,
		"[--type sev|sev_es|snp] [--rss-slack KIB]");
	return 2;
}
