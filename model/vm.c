// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/kvm and VM file descriptor ioctls: VM types, supported CPUID, the
 * SEV device attribute, per-VM capabilities, memslots, guest_memfd and
 * memory attributes of modelled VMs, and the MSR interception that gives
 * the guest MSR_AMD64_SEV and the GHCB MSR protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model.h"

bool vm_has_protected_state(const struct mvm *vm)
{
	/* 6.12 svm.c:5181-5182 svm_vm_init(); UP tdx_vm_init() */
	if (vm->type == KVM_X86_SEV_ES_VM || vm->type == KVM_X86_SNP_VM ||
	    vm_is_td(vm))
		return true;
	/*
	 * Legacy KVM_SEV_ES_INIT leaves vm_type at DEFAULT and never sets
	 * has_protected_state (6.12 sev.c:488-489, 431): spec 2.1.
	 */
	if (MUTANT(legacy_es_blocked) && vm->type == KVM_X86_DEFAULT_VM &&
	    vm->es_active)
		return true;
	return false;
}

static u32 model_vm_types(u32 real)
{
	/*
	 * A kernel older than 6.10 has no KVM_CAP_VM_TYPES (0) and accepts
	 * type 0 only: the model's kernel (6.12) always lists DEFAULT.
	 */
	u32 t = real | 1u << KVM_X86_DEFAULT_VM;

	/* 6.12 sev.c:2974-2988 sev_set_cpu_caps() */
	if (sev_enabled)
		t |= 1u << KVM_X86_SEV_VM;
	if (sev_es_enabled && !MUTANT(vm_types_under))
		t |= 1u << KVM_X86_SEV_ES_VM;
	if (sev_snp_enabled)
		t |= 1u << KVM_X86_SNP_VM;
	/* UP vmx/main.c vt_init(): kvm_intel with enable_tdx */
	if (MUTANT(vm_types_over) || model_intel)
		t |= 1u << M_KVM_X86_TDX_VM;
	return t;
}

static bool model_type_supported(unsigned long type)
{
	switch (type) {
	case KVM_X86_SEV_VM:
		return sev_enabled;
	case KVM_X86_SEV_ES_VM:
		return sev_es_enabled;
	case KVM_X86_SNP_VM:
		return sev_snp_enabled;
	case M_KVM_X86_TDX_VM:
		return MUTANT(vm_types_over) || model_intel;
	}
	return false;
}

static u64 supported_vmsa_features(void)
{
	/* 6.12 sev.c:3148-3154 sev_hardware_setup(): DEBUG_SWAP with SEV-ES */
	return sev_es_enabled ? M_SVM_SEV_FEAT_DEBUG_SWAP : 0;
}

/* ---- KVM_GET_SUPPORTED_CPUID ------------------------------------------- */

static long get_supported_cpuid(int fd, unsigned long arg)
{
	struct kvm_cpuid2 hdr, *c;
	struct kvm_cpuid_entry2 *e, *e1f = NULL, *emax = NULL;
	u32 cap, i;
	size_t sz;
	long r;

	if (copy_from_user(&hdr, (void *)arg, sizeof(hdr)))
		return -EFAULT;
	cap = hdr.nent;
	r = sys_ioctl(fd, KVM_GET_SUPPORTED_CPUID, arg);
	if (r < 0 || !sev_enabled)
		return r;

	if (copy_from_user(&hdr, (void *)arg, sizeof(hdr)))
		return -EFAULT;
	sz = sizeof(hdr) + (size_t)cap * sizeof(*e);
	c = malloc(sz);
	if (!c)
		return -ENOMEM;
	if (copy_from_user(c, (void *)arg, sizeof(hdr) + hdr.nent * sizeof(*e))) {
		free(c);
		return -EFAULT;
	}
	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function == 0x8000001f)
			e1f = e;
		if (e->function == 0x80000000)
			emax = e;
	}
	if (!e1f) {
		if (c->nent >= cap) {
			free(c);
			return -E2BIG;
		}
		e1f = &c->entries[c->nent++];
		memset(e1f, 0, sizeof(*e1f));
		e1f->function = 0x8000001f;
	}
	/*
	 * 6.12 cpuid.c 0x8000001F: SEV/SEV-ES/SNP from kvm_cpu_caps, EBX keeps
	 * the host's C-bit position and clears the PA-bits reduction and
	 * NumVMPL.  The model reports the C-bit libkvm reads with the cpuid
	 * instruction (cpuid.c), see README.md.
	 */
	e1f->eax = model_sev_cpuid_eax(e1f->eax);
	e1f->ebx = (u32)host_cbit ^ MUTANT(cbit_mismatch);
	if (emax && emax->eax < 0x8000001f)
		emax->eax = 0x8000001f;
	if (copy_to_user((void *)arg, c, sizeof(hdr) + c->nent * sizeof(*e)))
		r = -EFAULT;
	free(c);
	return r;
}

static struct mvm *all_vms;

/* ---- /dev/kvm ------------------------------------------------------------ */

static long create_vm(int fd, unsigned long arg)
{
	unsigned long type = arg;
	struct mvm *vm;
	long r;

	/*
	 * 6.12 x86.c:4174 kvm_is_vm_type_supported(): type < 32 && BIT(type)
	 * in supported_vm_types, else -EINVAL (x86.c:11959-11960).
	 */
	if (MUTANT(out_of_range_type_accepted))
		type &= 31;
	if (model_type_supported(type))
		r = sys_ioctl(fd, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
	else
		r = sys_ioctl(fd, KVM_CREATE_VM, type);
	if (r < 0)
		return r;

	vm = model_zalloc(sizeof(*vm));
	vm->pid = getpid();
	vm->type = type;
	vm->sev_fd = 0;	/* kzalloc'ed kvm_sev_info: fd 0 until LAUNCH_START */
	vm->fd = fcntl(r, F_DUPFD_CLOEXEC, 3);
	if (vm->fd < 0)
		model_die("cannot dup a VM fd: %s", strerror(errno));
	/* 6.12 svm.c:5183 svm_vm_init(): SEV types need KVM_SEV_INIT2. */
	vm->need_init = vm_type_sev_family(type);
	/* 6.12 svm.c:5186: pre_fault_allowed = !has_private_mem */
	vm->pre_fault_allowed = !vm_has_private_mem(vm);
	model_lock();
	vm->next = all_vms;
	all_vms = vm;
	fd_register(r, FD_VM, vm);
	model_unlock();
	mtrace("KVM_CREATE_VM type %lu -> fd %ld", type, r);
	return r;
}

static long dev_attr(int fd, unsigned long req, unsigned long arg)
{
	struct kvm_device_attr a;
	u64 val;

	if (copy_from_user(&a, (void *)arg, sizeof(a)))
		return -EFAULT;
	/* 6.12 x86.c:4399-4414 __kvm_x86_dev_get_attr(): group 0 is generic */
	if (!a.group)
		return sys_ioctl(fd, req, arg);
	/* 6.12 sev.c:2157-2170 sev_dev_get_attr() */
	if (a.group != KVM_X86_GRP_SEV || a.attr != KVM_X86_SEV_VMSA_FEATURES)
		return -ENXIO;
	val = supported_vmsa_features();
	if (req == KVM_HAS_DEVICE_ATTR)
		return 0;
	if (copy_to_user((void *)(unsigned long)a.addr, &val, sizeof(val)))
		return -EFAULT;
	return 0;
}

/* The capability mutants shared by /dev/kvm and VM fds. */
static long cap_mutant(unsigned long cap, long r)
{
	if (cap == KVM_CAP_MULTI_ADDRESS_SPACE && MUTANT(multi_as_flipped))
		return r ? 0 : 2;
	if (cap == KVM_CAP_X86_SMM && MUTANT(smm_cap_flipped))
		return !r;
	if (cap == KVM_CAP_PRE_FAULT_MEMORY && MUTANT(prefault_cap_flipped))
		return !r;
	return r;
}

long kvm_dev_ioctl(int fd, unsigned long req, unsigned long arg)
{
	long r;

	switch (req) {
	case KVM_CHECK_EXTENSION:
		r = sys_ioctl(fd, req, arg);
		if (r < 0)
			return r;
		if (arg == KVM_CAP_VM_TYPES)
			return model_vm_types(r);	/* 6.12 x86.c:4387-4388 */
		r = cap_mutant(arg, r);
		if (arg == KVM_CAP_VM_COPY_ENC_CONTEXT_FROM ||
		    arg == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM)
			return 1;			/* 6.12 x86.c:4252-4253 */
		/*
		 * A kernel with SNP has CONFIG_KVM_GENERIC_MEMORY_ATTRIBUTES
		 * (KVM_AMD_SEV selects KVM_GENERIC_PRIVATE_MEM): with kvm == NULL
		 * kvm_supported_mem_attributes() is PRIVATE (kvm_main.c:2403-2410).
		 */
		if (arg == KVM_CAP_MEMORY_ATTRIBUTES &&
		    (sev_snp_enabled || model_intel) &&
		    !MUTANT(private_caps_wrong))
			return r | KVM_MEMORY_ATTRIBUTE_PRIVATE;
		return r;
	case KVM_CREATE_VM:
		return create_vm(fd, arg);
	case KVM_GET_SUPPORTED_CPUID:
		return get_supported_cpuid(fd, arg);
	case KVM_HAS_DEVICE_ATTR:
	case KVM_GET_DEVICE_ATTR:
		return dev_attr(fd, req, arg);
	}
	return sys_ioctl(fd, req, arg);
}

/* ---- MSR interception for the guest side --------------------------------- */

/*
 * The guest of a modelled SEV VM reads MSR_AMD64_SEV and uses the GHCB MSR
 * (MSR_AMD64_SEV_ES_GHCB).  A real non-SEV KVM has neither, so both are
 * denied by an MSR filter and answered by the model from the userspace MSR
 * exits (vcpu.c).  Ranges the program installs itself come after the
 * model's (KVM takes the first matching range).
 */
static u8 model_deny_bitmap[8];

static long apply_msr_filter(struct mvm *vm, int fd)
{
	struct kvm_msr_filter f;
	int n = 0, i;

	memset(&f, 0, sizeof(f));
	f.flags = vm->user_filter ? vm->user_filter->flags : 0;
	f.ranges[n].flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
	f.ranges[n].base = M_MSR_AMD64_SEV_ES_GHCB;
	f.ranges[n].nmsrs = 2;
	f.ranges[n].bitmap = model_deny_bitmap;
	n++;
	for (i = 0; vm->user_filter && i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		if (!vm->user_filter->ranges[i].nmsrs)
			continue;
		if (n == KVM_MSR_FILTER_MAX_RANGES)
			return -ENOSPC;	/* documented limitation */
		f.ranges[n++] = vm->user_filter->ranges[i];
	}
	return sys_ioctl(fd, KVM_X86_SET_MSR_FILTER, (unsigned long)&f);
}

static long enable_user_msr(struct mvm *vm, int fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_USER_SPACE_MSR,
		.args[0] = vm->user_msr_exit_mask | KVM_MSR_EXIT_REASON_FILTER,
	};

	return sys_ioctl(fd, KVM_ENABLE_CAP, (unsigned long)&cap);
}

/* Caller holds the lock.  Runs when the VM becomes an SEV guest. */
void vm_install_msr_hooks(struct mvm *vm)
{
	int fd = vm->fd;
	long r;

	if (vm->msr_hooks)
		return;
	if (sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_USER_SPACE_MSR) <= 0 ||
	    sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_X86_MSR_FILTER) <= 0)
		model_die("the real KVM lacks %s; SEV guests cannot be modelled",
			  "KVM_CAP_X86_USER_SPACE_MSR or KVM_CAP_X86_MSR_FILTER");
	r = enable_user_msr(vm, fd);
	if (r >= 0)
		r = apply_msr_filter(vm, fd);
	if (r < 0)
		model_die("cannot install the MSR filter of an SEV VM: %s",
			  strerror(-r));
	vm->msr_hooks = true;
}

/* Caller holds the lock.  Mirrors of @src now mirror @dst (sev.c:2010-2023). */
void vm_migrate_mirrors(struct mvm *dst, struct mvm *src)
{
	struct mvm *m;

	for (m = all_vms; m; m = m->next) {
		if (m->owner != src)
			continue;
		m->owner = dst;
		dst->nr_mirrors++;
		vm_get(dst);
		src->nr_mirrors--;
		vm_put(src);
	}
}

static long vm_enable_cap(struct mvm *vm, int fd, unsigned long arg)
{
	struct kvm_enable_cap cap;
	long r;

	if (copy_from_user(&cap, (void *)arg, sizeof(cap)))
		return -EFAULT;
	switch (cap.cap) {
	case KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM:
	case KVM_CAP_VM_COPY_ENC_CONTEXT_FROM:
		/* 6.12 x86.c kvm_vm_ioctl_enable_cap(): flags must be 0 */
		if (cap.flags)
			return -EINVAL;
		if (cap.cap == KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM)
			return sev_move_enc_context_from(vm, (int)cap.args[0]);
		return sev_copy_enc_context_from(vm, (int)cap.args[0]);
	case KVM_CAP_X86_USER_SPACE_MSR:
		model_lock();
		if (vm->msr_hooks) {
			if (cap.args[0] & ~(u64)KVM_MSR_EXIT_REASON_VALID_MASK) {
				model_unlock();
				return -EINVAL;
			}
			vm->user_msr_exit_mask = cap.args[0];
			r = enable_user_msr(vm, fd);
		} else {
			r = sys_ioctl(fd, KVM_ENABLE_CAP, arg);
			if (r >= 0)
				vm->user_msr_exit_mask = cap.args[0];
		}
		model_unlock();
		return r;
	case KVM_CAP_SPLIT_IRQCHIP:
		/* TDX: tdx_vcpu_create() needs irqchip_split() */
		r = sys_ioctl(fd, KVM_ENABLE_CAP, arg);
		if (!r)
			vm->split_irqchip = true;
		return r;
	}
	return sys_ioctl(fd, KVM_ENABLE_CAP, arg);
}

/* The model's copy of the program's MSR filter, with its bitmaps. */
static void free_user_filter(struct mvm *vm)
{
	int i;

	if (!vm->user_filter)
		return;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++)
		free(vm->user_filter->ranges[i].bitmap);
	free(vm->user_filter);
}

static long set_msr_filter(struct mvm *vm, int fd, unsigned long arg)
{
	struct kvm_msr_filter f, *copy;
	size_t bytes;
	long r;
	int i;

	if (copy_from_user(&f, (void *)arg, sizeof(f)))
		return -EFAULT;
	model_lock();
	/* The real KVM validates the program's filter (and its bitmaps). */
	r = sys_ioctl(fd, KVM_X86_SET_MSR_FILTER, arg);
	if (r < 0)
		goto out;
	copy = model_zalloc(sizeof(*copy));
	*copy = f;
	for (i = 0; i < KVM_MSR_FILTER_MAX_RANGES; i++) {
		copy->ranges[i].bitmap = NULL;
		if (!f.ranges[i].nmsrs)
			continue;
		bytes = ((f.ranges[i].nmsrs + 63) / 64) * 8;
		copy->ranges[i].bitmap = malloc(bytes);
		if (!copy->ranges[i].bitmap ||
		    copy_from_user(copy->ranges[i].bitmap, f.ranges[i].bitmap, bytes))
			model_die("cannot copy an MSR filter bitmap");
	}
	free_user_filter(vm);
	vm->user_filter = copy;
	if (vm->msr_hooks)
		r = apply_msr_filter(vm, fd);
out:
	model_unlock();
	return r;
}

/* ---- memslots, guest_memfd, memory attributes ----------------------------- */

struct mslot *vm_find_slot(struct mvm *vm, u64 gfn)
{
	int i;

	for (i = 0; i < vm->nr_slots; i++) {
		struct mslot *s = &vm->slots[i];

		if (gfn >= s->gpa / M_PAGE_SIZE &&
		    gfn < (s->gpa + s->size) / M_PAGE_SIZE)
			return s;
	}
	return NULL;
}

static struct mslot *slot_by_id(struct mvm *vm, u32 id)
{
	int i;

	for (i = 0; i < vm->nr_slots; i++)
		if (vm->slots[i].slot == id)
			return &vm->slots[i];
	return NULL;
}

static struct mgmem *gmem_by_fd(struct mvm *vm, int fd, bool *other_vm)
{
	struct stat st;
	struct mgmem *g;

	*other_vm = false;
	if (fstat(fd, &st))
		return NULL;
	for (g = vm->gmems; g; g = g->next)
		if (g->dev == st.st_dev && g->ino == st.st_ino)
			return g;
	return NULL;
}

/* A slot the real KVM accepted, for the substrate repairs. */
static void note_memslot(struct mvm *vm, const struct kvm_userspace_memory_region2 *m)
{
	model_lock();
	vm_note_memslot(vm, m);
	model_unlock();
}

static long set_memory_region(struct mvm *vm, int fd, unsigned long req,
			      unsigned long arg)
{
	struct kvm_userspace_memory_region2 m;
	struct mgmem *g = NULL;
	struct mslot *old;
	u32 valid;
	bool other;
	long r;

	memset(&m, 0, sizeof(m));
	if (copy_from_user(&m, (void *)arg, req == KVM_SET_USER_MEMORY_REGION ?
			   sizeof(struct kvm_userspace_memory_region) : sizeof(m)))
		return -EFAULT;
	/* 6.12 kvm_main.c:5232-5234: v1 takes only LOG_DIRTY_PAGES|READONLY */
	if (req == KVM_SET_USER_MEMORY_REGION &&
	    (m.flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)))
		return -EINVAL;

	/* 6.12 kvm_main.c:1572-1596 check_memory_region_flags() */
	valid = KVM_MEM_LOG_DIRTY_PAGES;
	if (vm_has_private_mem(vm))
		valid |= KVM_MEM_GUEST_MEMFD;
	if (m.flags & KVM_MEM_GUEST_MEMFD)
		valid &= ~KVM_MEM_LOG_DIRTY_PAGES;
	/* kvm_arch_has_readonly_mem() = !has_protected_state, kvm_host.h:2243 */
	if ((!vm_has_protected_state(vm) || MUTANT(readonly_mem_accepted)) &&
	    !(m.flags & KVM_MEM_GUEST_MEMFD))
		valid |= KVM_MEM_READONLY;
	if (m.flags & ~valid)
		return -EINVAL;

	if (!vm_has_private_mem(vm)) {
		r = sys_ioctl(fd, req, arg);
		if (!r)
			note_memslot(vm, &m);
		return r;
	}

	model_lock();
	old = slot_by_id(vm, m.slot);
	if (m.flags & KVM_MEM_GUEST_MEMFD) {
		r = -EINVAL;
		/* 6.12 kvm_main.c:2017-2020 */
		if ((m.guest_memfd_offset & (M_PAGE_SIZE - 1)) ||
		    m.guest_memfd_offset + m.memory_size < m.guest_memfd_offset)
			goto out;
		/* 6.12 kvm_main.c:2063-2065: private memslots are immutable */
		if (old && m.memory_size)
			goto out;
		if (m.memory_size) {
			/* 6.12 guest_memfd.c:475-520 kvm_gmem_bind() */
			if (fcntl(m.guest_memfd, F_GETFD) < 0) {
				r = -EBADF;
				goto out;
			}
			g = gmem_by_fd(vm, m.guest_memfd, &other);
			if (!g || m.guest_memfd_offset + m.memory_size > g->size)
				goto out;
			for (int i = 0; i < vm->nr_slots; i++) {
				struct mslot *s = &vm->slots[i];

				if (s->gmem == g &&
				    m.guest_memfd_offset < s->goff + s->size &&
				    s->goff < m.guest_memfd_offset + m.memory_size)
					goto out;
			}
		}
		m.flags &= ~KVM_MEM_GUEST_MEMFD;
		m.guest_memfd = 0;
		m.guest_memfd_offset = 0;
		r = sys_ioctl(fd, KVM_SET_USER_MEMORY_REGION2, (unsigned long)&m);
		if (r < 0)
			goto out;
		m.flags |= KVM_MEM_GUEST_MEMFD;
	} else {
		if (old && m.memory_size) {
			/* flags may not toggle GUEST_MEMFD (kvm_main.c:2066-2069) */
			r = -EINVAL;
			goto out;
		}
		r = sys_ioctl(fd, req, arg);
		if (r < 0)
			goto out;
	}
	vm_note_memslot(vm, &m);
	if (!m.memory_size && old) {
		*old = vm->slots[--vm->nr_slots];
	} else if (m.memory_size && g) {
		struct kvm_userspace_memory_region2 *um = &m;

		vm->slots = model_grow(vm->slots, vm->nr_slots, &vm->cap_slots,
				       sizeof(*vm->slots), 8);
		vm->slots[vm->nr_slots++] = (struct mslot){
			.slot = um->slot, .flags = um->flags,
			.gpa = um->guest_phys_addr, .size = um->memory_size,
			.gmem = g, .goff = um->guest_memfd_offset,
		};
	}
	r = 0;
out:
	model_unlock();
	return r;
}

static long create_guest_memfd(struct mvm *vm, unsigned long arg)
{
	struct kvm_create_guest_memfd a;
	struct stat st;
	struct mgmem *g;
	int fd;

	if (copy_from_user(&a, (void *)arg, sizeof(a)))
		return -EFAULT;
	/* 6.12 guest_memfd.c:460-473 kvm_gmem_create() */
	if (a.flags)
		return -EINVAL;
	if ((s64)a.size <= 0 || (a.size & (M_PAGE_SIZE - 1)))
		return -EINVAL;
	fd = memfd_create("kvm-gmem", 0);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, a.size) || fstat(fd, &st)) {
		int e = errno;

		syscall(SYS_close, fd);
		return -e;
	}
	g = model_zalloc(sizeof(*g));
	g->prepared = model_zalloc(a.size / M_PAGE_SIZE);
	g->dev = st.st_dev;
	g->ino = st.st_ino;
	g->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	g->size = a.size;
	model_lock();
	g->next = vm->gmems;
	vm->gmems = g;
	model_unlock();
	return fd;
}

bool vm_gpa_private(struct mvm *vm, u64 gfn)
{
	int i;

	for (i = vm->nr_attrs - 1; i >= 0; i--)
		if (gfn >= vm->attrs[i].start && gfn < vm->attrs[i].end)
			return vm->attrs[i].attr & KVM_MEMORY_ATTRIBUTE_PRIVATE;
	return false;
}

static long set_memory_attributes(struct mvm *vm, unsigned long arg)
{
	struct kvm_memory_attributes a;
	u64 supported;

	if (copy_from_user(&a, (void *)arg, sizeof(a)))
		return -EFAULT;
	/* 6.12 kvm_main.c:2601-2627 kvm_vm_ioctl_set_mem_attributes() */
	supported = vm_has_private_mem(vm) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	if (a.flags)
		return -EINVAL;
	if (a.attributes & ~supported)
		return -EINVAL;
	if (a.size == 0 || a.address + a.size < a.address)
		return -EINVAL;
	if ((a.address | a.size) & (M_PAGE_SIZE - 1))
		return -EINVAL;
	model_lock();
	vm->attrs = model_grow(vm->attrs, vm->nr_attrs, &vm->cap_attrs,
			       sizeof(*vm->attrs), 8);
	vm->attrs[vm->nr_attrs++] = (struct mattr){
		.start = a.address / M_PAGE_SIZE,
		.end = (a.address + a.size) / M_PAGE_SIZE,
		.attr = a.attributes,
	};
	model_unlock();
	return 0;
}

/* ---- VM fd ------------------------------------------------------------------ */

/* A VM whose type the real KVM does not have (the SEV family, or TDX of vm_types_over). */
static bool vm_type_modelled(const struct mvm *vm)
{
	return vm_type_sev_family(vm->type) || vm->type == M_KVM_X86_TDX_VM;
}

/* 6.18 uapi (KVM_CAP_GUEST_MEMFD_FLAGS) */
#define KPS_MODEL_CAP_GUEST_MEMFD_FLAGS	244

static long vm_check_extension(struct mvm *vm, int fd, unsigned long cap)
{
	bool modelled = vm_type_modelled(vm);
	long r = sys_ioctl(fd, KVM_CHECK_EXTENSION, cap);

	if (r < 0)
		return r;
	r = cap_mutant(cap, r);
	switch (cap) {
	case KVM_CAP_VM_TYPES:
		return model_vm_types(r);
	case KVM_CAP_VM_COPY_ENC_CONTEXT_FROM:
	case KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM:
		return 1;
	case KVM_CAP_SYNC_REGS:
		/* 6.12 x86.c:4179-4182 kvm_sync_valid_fields(), 4291-4292 */
		if (vm_has_protected_state(vm) && !MUTANT(sync_regs_accepted))
			return 0;
		return r;
	case KVM_CAP_READONLY_MEM:
		/* 6.12 x86.c:4390-4391, kvm_host.h:2243 */
		if (vm_has_protected_state(vm) && !MUTANT(readonly_mem_accepted))
			return 0;
		return r;
	case KVM_CAP_MULTI_ADDRESS_SPACE:
		/* 6.12 kvm_main.c:4936-4940, kvm_host.h:2291-2294 */
		if (vm_has_private_mem(vm) && r > 1 && !MUTANT(private_caps_wrong))
			return 1;
		return r;
	case KVM_CAP_GUEST_MEMFD:
		/*
		 * 6.12 kvm_main.c:4966-4968: !kvm || has_private_mem.  Types 2/3
		 * have no private memory and answer as the real type-0 VM does
		 * (0 on 6.12; newer kernels whose guest_memfd can back shared
		 * memory offer it to every VM).
		 */
		if (modelled && !vm_has_private_mem(vm) &&
		    MUTANT(gmem_caps_inverted))
			return !r;
		if (!vm_has_private_mem(vm) || MUTANT(private_caps_wrong))
			return r;
		return 1;
	case KPS_MODEL_CAP_GUEST_MEMFD_FLAGS:
		if (modelled && !vm_has_private_mem(vm) &&
		    MUTANT(gmem_caps_inverted))
			return sys_ioctl(fd, KVM_CHECK_EXTENSION,
					 KVM_CAP_GUEST_MEMFD) ? 0 : 1;
		return r;
	case KVM_CAP_MEMORY_ATTRIBUTES:
		/* 6.12 kvm_main.c:2403-2410 kvm_supported_mem_attributes() */
		if (!modelled || MUTANT(private_caps_wrong))
			return r;
		return vm_has_private_mem(vm) ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	case KVM_CAP_X86_SMM:
		/* 6.12 svm.c:4563-4569: no SMBASE once sev_es_guest() */
		if (vm->active && vm->es_active && !MUTANT(smm_cap_kept))
			return 0;
		/* UP tdx_has_emulated_msr(): no MSR_IA32_SMBASE */
		if (vm_is_td(vm) && !MUTANT(tdx_smm_cap_kept))
			return 0;
		return r;
	}
	return r;
}

static long create_vcpu(struct mvm *vm, int fd, unsigned long arg)
{
	struct mvcpu *v;
	long r;

	r = vm_is_td(vm) ? tdx_vcpu_create_check(vm) : 0;
	if (!r)
		r = sys_ioctl(fd, KVM_CREATE_VCPU, arg);
	if (r < 0)
		return r;
	model_lock();
	vm->created_vcpus++;
	v = vcpu_new(vm, r, arg);
	if (vm_is_td(vm))
		tdx_vcpu_created(v);
	fd_register(r, FD_VCPU, v);
	model_unlock();
	return r;
}

long vm_ioctl(struct mvm *vm, int fd, unsigned long req, unsigned long arg)
{
	bool modelled = vm_type_modelled(vm);

	/* 6.12 kvm_main.c kvm_vm_ioctl(): other mm or dead VM -> -EIO */
	if (vm->dead || vm->pid != getpid())
		return -EIO;

	switch (req) {
	case KVM_CHECK_EXTENSION:
		return vm_check_extension(vm, fd, arg);
	case KVM_CREATE_VCPU:
		return create_vcpu(vm, fd, arg);
	case KVM_MEMORY_ENCRYPT_OP:
		if (model_intel || vm_is_td(vm))
			return tdx_mem_enc_ioctl(vm, arg);
		return sev_mem_enc_ioctl(vm, fd, arg);
	case KVM_CREATE_IRQCHIP:
		/* UP x86.c: -ENOTTY with has_protected_eoi (TDX) */
		if (vm_is_td(vm) && !MUTANT(tdx_irqchip_accepted))
			return -ENOTTY;
		break;
	case KVM_MEMORY_ENCRYPT_REG_REGION:
	case KVM_MEMORY_ENCRYPT_UNREG_REGION:
		return sev_register_region(vm, arg,
					   req == KVM_MEMORY_ENCRYPT_REG_REGION);
	case KVM_ENABLE_CAP:
		return vm_enable_cap(vm, fd, arg);
	case KVM_X86_SET_MSR_FILTER:
		return set_msr_filter(vm, fd, arg);
	case KVM_SET_USER_MEMORY_REGION:
	case KVM_SET_USER_MEMORY_REGION2:
		/* type 0 has protected state only under legacy_es_blocked */
		if (modelled || vm_has_protected_state(vm))
			return set_memory_region(vm, fd, req, arg);
		{
			struct kvm_userspace_memory_region2 m;
			long r = sys_ioctl(fd, req, arg);

			memset(&m, 0, sizeof(m));
			if (!r && !copy_from_user(&m, (void *)arg,
						  sizeof(struct kvm_userspace_memory_region)))
				note_memslot(vm, &m);
			return r;
		}
	case KVM_CREATE_GUEST_MEMFD:
		if (!modelled)
			break;
		return create_guest_memfd(vm, arg);
	case KVM_SET_MEMORY_ATTRIBUTES:
		if (!modelled)
			break;
		return set_memory_attributes(vm, arg);
	}
	return sys_ioctl(fd, req, arg);
}

/* Caller holds the lock. */
void vm_free(struct mvm *vm)
{
	struct mgmem *g;
	struct mregion *rg;
	int i;

	struct mvm **pp;

	mtrace("VM type %lu freed", vm->type);
	for (pp = &all_vms; *pp; pp = &(*pp)->next) {
		if (*pp == vm) {
			*pp = vm->next;
			break;
		}
	}
	sev_vm_destroy(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_free(vm->vcpus[i]);
	free(vm->vcpus);
	while ((g = vm->gmems)) {
		vm->gmems = g->next;
		free(g->prepared);
		if (g->fd >= 0)
			syscall(SYS_close, g->fd);
		free(g);
	}
	while ((rg = vm->regions)) {
		vm->regions = rg->next;
		free(rg);
	}
	free_user_filter(vm);
	free(vm->slots);
	free(vm->attrs);
	free(vm->mem);
	syscall(SYS_close, vm->fd);
	free(vm);
}
