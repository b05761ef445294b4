// SPDX-License-Identifier: GPL-2.0-only
/*
 * libkvm_sev_model core: the LD_PRELOAD entry points (open, close, dup,
 * ioctl, fopen), the table of file descriptors the model knows, the
 * mutant table and the executable entry point of the .so
 * (build/model/libkvm_sev_model.so --list-mutants).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "model.h"

#define EXPORT __attribute__((visibility("default")))

enum mutant_id model_mutant;
bool sev_enabled = true, sev_es_enabled = true, sev_snp_enabled = true;
bool model_intel;
int model_trace;

static const struct {
	const char *name;
	const char *desc;
} mutants[MUT_NR] = {
	{ "", "" },		/* MUT_NONE */
#define MODEL_MUTANT(name, desc) { #name, desc },
#include "mutants.h"
};

/*
 * One lock for the model's own state.  It is never held across a blocking
 * real ioctl (KVM_RUN), so vCPU threads run concurrently.
 */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void model_lock(void)
{
	pthread_mutex_lock(&g_lock);
}

void model_unlock(void)
{
	pthread_mutex_unlock(&g_lock);
}

void mtrace(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!model_trace)
		return;
	/* One write per line: vCPU threads trace concurrently. */
	n = snprintf(buf, sizeof(buf), MODEL_NAME ": ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0)
		return;
}

void model_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, MODEL_NAME ": fatal: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* calloc() of one zeroed object of @size bytes; the model cannot go on without it. */
void *model_zalloc(size_t size)
{
	void *p = calloc(1, size);

	if (!p)
		model_die("out of memory");
	return p;
}

/*
 * Room for element @nr of the realloc'ed array @arr of *@cap elements of
 * @size bytes: the capacity starts at @first and doubles when full.
 */
void *model_grow(void *arr, int nr, int *cap, size_t size, int first)
{
	if (nr != *cap)
		return arr;
	*cap = *cap ? 2 * *cap : first;
	arr = realloc(arr, *cap * size);
	if (!arr)
		model_die("out of memory");
	return arr;
}

/* The real ioctl; returns -errno on failure like the kernel does. */
long sys_ioctl(int fd, unsigned long req, unsigned long arg)
{
	long r = syscall(SYS_ioctl, fd, req, arg);

	return r < 0 ? -errno : r;
}

/*
 * copy_from_user()/copy_to_user() for the program's pointers: a bad pointer
 * must give EFAULT as in the kernel, not SIGSEGV in the model.
 * process_vm_readv()/writev() on our own pid do exactly that.
 */
static bool pvm_works = true;

/*
 * Can process_vm_readv()/writev() be used at all?  Without
 * CONFIG_CROSS_MEMORY_ATTACH, or under a seccomp filter that refuses them,
 * they fail whatever the address.  A copy between two bytes of our own
 * stack tells that apart from a bad pointer of the program.
 */
static bool pvm_usable(bool write)
{
	char src = 0, dst;
	struct iovec from = { &src, 1 }, to = { &dst, 1 };

	if (write)
		return process_vm_writev(getpid(), &from, 1, &to, 1, 0) == 1;
	return process_vm_readv(getpid(), &to, 1, &from, 1, 0) == 1;
}

/*
 * One process_vm_readv() (@write false) or process_vm_writev() between the
 * model's @kbuf and the program's @ubuf: 0 when copied, -EFAULT for a bad
 * pointer, 1 when those calls cannot be used and memcpy() has to do.
 */
static int pvm_copy(void *kbuf, void *ubuf, size_t len, bool write)
{
	struct iovec l = { kbuf, len }, r = { ubuf, len };
	ssize_t n;

	if (!len)
		return 0;
	if (!ubuf)
		return -EFAULT;
	if (!pvm_works)
		return 1;
	n = write ? process_vm_writev(getpid(), &l, 1, &r, 1, 0) :
		    process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (n == (ssize_t)len)
		return 0;
	if (n < 0 && !pvm_usable(write)) {
		pvm_works = false;
		return 1;
	}
	return -EFAULT;
}

int copy_from_user(void *dst, const void *usrc, size_t len)
{
	int r = pvm_copy(dst, (void *)usrc, len, false);

	if (r <= 0)
		return r;
	memcpy(dst, usrc, len);
	return 0;
}

int copy_to_user(void *udst, const void *src, size_t len)
{
	int r = pvm_copy((void *)src, udst, len, true);

	if (r < 0 || !len)
		return r;
	/*
	 * Also after a successful process_vm_writev(): the range is writable;
	 * store it again with a plain copy so that tools such as valgrind see
	 * the bytes defined.
	 */
	memcpy(udst, src, len);
	return 0;
}

/*
 * Would copy_from_user() (and, with @write, copy_to_user()) of [uaddr,
 * uaddr + len) succeed?  Probes one byte of every page (read, then write
 * the same byte back): faults are per page.
 */
static bool user_accessible(const void *uaddr, size_t len, bool write)
{
	uintptr_t p = (uintptr_t)uaddr, end = p + len;
	char c;

	if (!len)
		return true;
	if (end < p)
		return false;
	while (p < end) {
		if (copy_from_user(&c, (void *)p, 1) ||
		    (write && copy_to_user((void *)p, &c, 1)))
			return false;
		p = (p | (M_PAGE_SIZE - 1)) + 1;
	}
	return true;
}

bool user_writable(void *udst, size_t len)
{
	return user_accessible(udst, len, true);
}

bool user_readable(const void *usrc, size_t len)
{
	return user_accessible(usrc, len, false);
}

/* ---- file descriptor table ---------------------------------------------- */

#define FD_TAB_SIZE (1024 * 1024)

struct fdent {
	u8 kind;
	void *obj;
};

static struct fdent fdtab[FD_TAB_SIZE];

enum fd_kind fd_kind(int fd, void **obj)
{
	struct fdent *e;

	if (fd < 0 || fd >= FD_TAB_SIZE)
		return FD_NONE;
	e = &fdtab[fd];
	if (e->kind == FD_NONE)
		return FD_NONE;
	if (obj)
		*obj = __atomic_load_n(&e->obj, __ATOMIC_ACQUIRE);
	return e->kind;
}

void vm_get(struct mvm *vm)
{
	vm->refs++;
}

void vm_put(struct mvm *vm)
{
	if (--vm->refs == 0)
		vm_free(vm);
}

static struct mvm *obj_vm(enum fd_kind kind, void *obj)
{
	if (kind == FD_VM)
		return obj;
	if (kind == FD_VCPU)
		return ((struct mvcpu *)obj)->vm;
	return NULL;
}

/* Caller holds the lock. */
static void fd_forget_locked(int fd)
{
	struct fdent *e;
	struct mvm *vm;

	if (fd < 0 || fd >= FD_TAB_SIZE)
		return;
	e = &fdtab[fd];
	vm = obj_vm(e->kind, e->obj);
	e->kind = FD_NONE;
	e->obj = NULL;
	if (vm)
		vm_put(vm);
}

/* Caller holds the lock. */
void fd_register(int fd, enum fd_kind kind, void *obj)
{
	struct mvm *vm;

	if (fd < 0 || fd >= FD_TAB_SIZE)
		model_die("fd %d beyond the model's table", fd);
	fd_forget_locked(fd);
	vm = obj_vm(kind, obj);
	if (vm)
		vm_get(vm);
	fdtab[fd].obj = obj;
	__atomic_store_n(&fdtab[fd].kind, kind, __ATOMIC_RELEASE);
}

static void fd_forget(int fd)
{
	model_lock();
	fd_forget_locked(fd);
	model_unlock();
}

static void fd_dup_locked(int oldfd, int newfd)
{
	void *obj;
	enum fd_kind k = fd_kind(oldfd, &obj);

	if (newfd < 0)
		return;
	if (k == FD_NONE)
		fd_forget_locked(newfd);
	else
		fd_register(newfd, k, obj);
}

/* ---- /dev/sev and the kvm_amd module parameters ------------------------ */

#define PARAM_DIR "/sys/module/kvm_amd/parameters/"
#define TDX_PARAM "/sys/module/kvm_intel/parameters/tdx"

static int fake_file(const char *name, const char *content, int flags)
{
	int fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);

	if (fd < 0)
		return -1;
	if (content && write(fd, content, strlen(content)) < 0) {
		syscall(SYS_close, fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * /proc/cpuinfo of the SNP-capable host the kvm_amd model presents: its
 * "flags" lines gain v_spec_ctrl (X86_FEATURE_V_SPEC_CTRL, Zen 3 and later),
 * the host feature that decides whether SPEC_CTRL passes through to a
 * protected vCPU from its creation (6.12 svm.c:1353-1354 init_vmcb()).
 */
static int fake_cpuinfo(int flags)
{
	char *buf = NULL, *line = NULL;
	size_t cap = 0, len = 0, n = 0;
	ssize_t r;
	FILE *f;
	int fd;

	fd = syscall(SYS_openat, AT_FDCWD, "/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "r");
	if (!f) {
		syscall(SYS_close, fd);
		return -1;
	}
	while ((r = getline(&line, &n, f)) > 0) {
		bool add = !strncmp(line, "flags", 5) && !strstr(line, " v_spec_ctrl");
		size_t need = len + r + sizeof(" v_spec_ctrl");

		if (need > cap) {
			char *nb = realloc(buf, need * 2);

			if (!nb)
				break;
			buf = nb;
			cap = need * 2;
		}
		memcpy(buf + len, line, r);
		len += r;
		if (add && len && buf[len - 1] == '\n') {
			memcpy(buf + len - 1, " v_spec_ctrl\n", sizeof(" v_spec_ctrl\n"));
			len += strlen(" v_spec_ctrl");
		}
	}
	free(line);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	fd = fake_file("cpuinfo", buf ? buf : "", flags);
	free(buf);
	return fd;
}

/*
 * Returns -2 when the path is not one the model provides, else the result
 * of opening the model's file (fd or -1 with errno).
 */
static int model_open(const char *path, int flags)
{
	const char *val = NULL;
	int fd;

	if (!path)
		return -2;
	if (!strcmp(path, "/proc/cpuinfo") && sev_snp_enabled && !model_intel)
		return fake_cpuinfo(flags);
	if (!strcmp(path, "/dev/sev")) {
		/* The SEV firmware device exists iff kvm_amd.sev could be set. */
		if (!sev_enabled) {
			errno = ENOENT;
			return -1;
		}
		fd = fake_file("sev", NULL, flags);
		if (fd >= 0) {
			model_lock();
			fd_register(fd, FD_SEV, NULL);
			model_unlock();
		}
		return fd;
	}
	/* MODEL_VENDOR=intel: kvm_intel.tdx=Y (UP tdx.c enable_tdx) */
	if (model_intel && !strcmp(path, TDX_PARAM)) {
		if ((flags & O_ACCMODE) != O_RDONLY) {
			errno = EACCES;
			return -1;
		}
		return fake_file("tdx", MUTANT(tdx_param_disagrees) ? "N\n" :
				 "Y\n", flags);
	}
	if (!strncmp(path, PARAM_DIR, strlen(PARAM_DIR))) {
		const char *p = path + strlen(PARAM_DIR);

		/* kvm_intel presented: kvm_amd has no SEV parameters */
		if (model_intel && (!strcmp(p, "sev") || !strcmp(p, "sev_es") ||
				    !strcmp(p, "sev_snp"))) {
			errno = ENOENT;
			return -1;
		}

		if (!strcmp(p, "sev"))
			val = sev_enabled ? "Y\n" : "N\n";
		else if (!strcmp(p, "sev_es"))
			val = sev_es_enabled ? "Y\n" : "N\n";
		else if (!strcmp(p, "sev_snp"))
			val = sev_snp_enabled && !MUTANT(param_disagrees) ?
			      "Y\n" : "N\n";
		if (!val)
			return -2;
		if ((flags & O_ACCMODE) != O_RDONLY) {
			errno = EACCES;	/* the parameters are 0444 */
			return -1;
		}
		return fake_file(p, val, flags);
	}
	return -2;
}

static int after_open(const char *path, int fd)
{
	int e = errno;

	if (fd >= 0 && path && !strcmp(path, "/dev/kvm")) {
		model_lock();
		fd_register(fd, FD_KVM, NULL);
		model_unlock();
	} else if (fd >= 0) {
		fd_forget(fd);
	}
	errno = e;
	return fd;
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd = model_open(path, flags);

	if (fd != -2)
		return fd;
	fd = syscall(SYS_openat, dirfd, path, flags, mode);
	return after_open(path, fd);
}

/* The mode argument of open(), which is only there with O_CREAT/O_TMPFILE. */
static mode_t open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | __O_TMPFILE) ? va_arg(ap, int) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return do_openat(dirfd, path, flags, mode);
}

EXPORT int __open_2(const char *path, int flags)
{
	return do_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return do_openat(dirfd, path, flags, 0);
}

/* On x86_64 the *64 variants are the same calls (off_t is 64-bit). */
[[gnu::alias("open")]] EXPORT int open64(const char *path, int flags, ...);
[[gnu::alias("openat")]] EXPORT int openat64(int dirfd, const char *path, int flags, ...);
[[gnu::alias("__open_2")]] EXPORT int __open64_2(const char *path, int flags);
[[gnu::alias("__openat_2")]] EXPORT int __openat64_2(int dirfd, const char *path, int flags);

/* glibc's fopen() opens with an internal call, so catch the model's paths. */
static FILE *do_fopen(const char *sym, const char *path, const char *mode)
{
	FILE *(*real)(const char *path, const char *mode);
	int flags = strchr(mode, '+') || mode[0] != 'r' ? O_RDWR : O_RDONLY;
	int fd = model_open(path, flags);
	FILE *f;

	if (fd == -1)
		return NULL;
	if (fd >= 0) {
		f = fdopen(fd, mode);
		if (!f) {
			fd_forget(fd);
			syscall(SYS_close, fd);
		}
		return f;
	}
	real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, sym);
	if (!real)
		model_die("no %s() after the model: %s", sym, dlerror());
	f = real(path, mode);
	if (f && !strcmp(path, "/dev/kvm"))
		after_open(path, fileno(f));
	return f;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	return do_fopen("fopen", path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	return do_fopen("fopen64", path, mode);
}

EXPORT int close(int fd)
{
	int r;

	if (fd_kind(fd, NULL) != FD_NONE)
		fd_forget(fd);
	r = syscall(SYS_close, fd);
	return r;
}

/* After a dup of @oldfd to @fd (or its failure): @fd now is what @oldfd is. */
static int after_dup(int oldfd, int fd)
{
	int e = errno;

	if (fd >= 0 && (fd_kind(oldfd, NULL) != FD_NONE ||
			fd_kind(fd, NULL) != FD_NONE)) {
		model_lock();
		fd_dup_locked(oldfd, fd);
		model_unlock();
	}
	errno = e;
	return fd;
}

EXPORT int dup(int oldfd)
{
	return after_dup(oldfd, syscall(SYS_dup, oldfd));
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	return after_dup(oldfd, syscall(SYS_dup3, oldfd, newfd, flags));
}

EXPORT int dup2(int oldfd, int newfd)
{
	if (oldfd == newfd) {
		/* dup2() to itself only checks that the fd is open. */
		return fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd;
	}
	return after_dup(oldfd, syscall(SYS_dup3, oldfd, newfd, 0));
}

/* ---- ioctl ---------------------------------------------------------------- */

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	unsigned long arg;
	va_list ap;
	void *obj = NULL;
	enum fd_kind kind;
	int saved = errno;
	long r;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);

	kind = fd_kind(fd, &obj);
	switch (kind) {
	case FD_KVM:
		r = kvm_dev_ioctl(fd, req, arg);
		break;
	case FD_VM:
		r = vm_ioctl(obj, fd, req, arg);
		break;
	case FD_VCPU:
		r = vcpu_ioctl(obj, fd, req, arg);
		break;
	default:
		r = syscall(SYS_ioctl, fd, req, arg);
		return r;
	}
	if (r < 0) {
		errno = -r;
		return -1;
	}
	errno = saved;
	return r;
}

/* ---- start-up ------------------------------------------------------------ */

static void print_mutants_line(FILE *f)
{
	int i;

	for (i = 1; i < MUT_NR; i++)
		fprintf(f, "%s%s", i > 1 ? " " : "", mutants[i].name);
}

static bool env_off(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcmp(v, "0") || !strcasecmp(v, "n") ||
		     !strcasecmp(v, "no") || !strcasecmp(v, "off"));
}

__attribute__((constructor)) static void model_init(void)
{
	const char *m = getenv("MODEL_MUTANT");
	int i;

	model_trace = getenv("MODEL_TRACE") && strcmp(getenv("MODEL_TRACE"), "0");

	if (m && *m) {
		for (i = 1; i < MUT_NR; i++)
			if (!strcmp(m, mutants[i].name))
				break;
		if (i == MUT_NR) {
			fprintf(stderr, MODEL_NAME ": unknown MODEL_MUTANT '%s'; valid: ", m);
			print_mutants_line(stderr);
			fputc('\n', stderr);
			_exit(2);
		}
		model_mutant = i;
	}

	/*
	 * kvm_amd's dependencies: sev_es needs sev, sev_snp needs sev_es
	 * (6.12 sev.c:3089-3128 sev_hardware_setup()).
	 */
	/* MODEL_VENDOR=intel: kvm_intel with TDX, no kvm_amd SEV */
	model_intel = getenv("MODEL_VENDOR") &&
		      !strcmp(getenv("MODEL_VENDOR"), "intel");
	sev_enabled = !model_intel && !env_off("MODEL_SEV");
	sev_es_enabled = sev_enabled && !env_off("MODEL_SEV_ES");
	sev_snp_enabled = sev_es_enabled && !env_off("MODEL_SEV_SNP");

	model_cpuid_init();
	pthread_atfork(model_lock, model_unlock, model_unlock);
	mtrace("loaded (%s, mutant '%s', sev %d sev_es %d sev_snp %d, C-bit %d%s)",
	       model_intel ? "kvm_intel with TDX" : "kvm_amd",
	       mutants[model_mutant].name, sev_enabled, sev_es_enabled,
	       sev_snp_enabled, host_cbit,
	       cpuid_trapped ? ", cpuid 0x8000001F trapped" : "");
}

/* ---- running the .so itself ---------------------------------------------- */

[[gnu::section(".interp")]] const char model_interp[] =
	"/lib64/ld-linux-x86-64.so.2";

static int model_main(int argc, char **argv)
{
	int i;

	if (argc == 2 && !strcmp(argv[1], "--list-mutants")) {
		for (i = 1; i < MUT_NR; i++)
			printf("%s\t%s\n", mutants[i].name, mutants[i].desc);
		return 0;
	}
	fprintf(stderr,
		"usage: %s --list-mutants\n"
		"  or: LD_PRELOAD=%s [MODEL_MUTANT=name] [MODEL_TRACE=1] [MODEL_VENDOR=amd|intel] [MODEL_SEV=0|MODEL_SEV_ES=0|MODEL_SEV_SNP=0] program...\n",
		argv[0], argv[0]);
	return 2;
}

/* The process entry point when the .so is run: rsp points at argc. */
[[gnu::noreturn, gnu::used]] EXPORT void model_start_c(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	fflush(stdout);
	exit(model_main(argc, argv));
}

__asm__(".text\n"
	".globl model_entry\n"
	".type model_entry,@function\n"
	"model_entry:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call model_start_c\n"
	"	hlt\n");
