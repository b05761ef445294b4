// SPDX-License-Identifier: GPL-2.0-only
/*
 * Repairs for the real KVM underneath, not part of the modelled kernel.
 *
 * On the PVM host (docs/kernels.md, "The PVM host's quirks": guest
 * exceptions and some instructions go to KVM's emulator, and the guest may
 * use XSAVE without CPUID advertising it) a guest XSAVE ends in KVM's
 * instruction emulator and exits with
 * KVM_INTERNAL_ERROR_EMULATION.  On a real SVM host an SEV-ES guest runs
 * XSAVE natively (upstream's sev_smoke_test test_sync_vmsa does).  For a
 * modelled VM only, the model completes such an XSAVE from the vCPU's
 * KVM_GET_XSAVE image and resumes the guest.  Any other emulation failure
 * is returned to the program unchanged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Caller holds the lock or owns the VM. */
void vm_note_memslot(struct mvm *vm, const struct kvm_userspace_memory_region2 *m)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++) {
		if (vm->mem[i].slot != m->slot)
			continue;
		if (!m->memory_size) {
			vm->mem[i] = vm->mem[--vm->nr_mem];
			return;
		}
		vm->mem[i].gpa = m->guest_phys_addr;
		return;
	}
	if (!m->memory_size)
		return;
	vm->mem = model_grow(vm->mem, vm->nr_mem, &vm->cap_mem, sizeof(*vm->mem), 8);
	vm->mem[vm->nr_mem++] = (struct mmem){
		.slot = m->slot, .gpa = m->guest_phys_addr,
		.size = m->memory_size, .uaddr = m->userspace_addr,
	};
}

static void *gpa_to_hva(struct mvm *vm, u64 gpa)
{
	int i;

	for (i = 0; i < vm->nr_mem; i++)
		if (gpa >= vm->mem[i].gpa && gpa < vm->mem[i].gpa + vm->mem[i].size)
			return (void *)(unsigned long)(vm->mem[i].uaddr +
						      gpa - vm->mem[i].gpa);
	return NULL;
}

/* The program's address of the guest's virtual address @gva, or NULL. */
static void *gva_to_hva(struct mvcpu *v, u64 gva)
{
	struct kvm_translation t = { .linear_address = gva };

	if (sys_ioctl(v->fd, KVM_TRANSLATE, (unsigned long)&t) || !t.valid)
		return NULL;
	return gpa_to_hva(v->vm, t.physical_address);
}

static int write_guest(struct mvcpu *v, u64 gva, const void *src, size_t len)
{
	while (len) {
		size_t n = M_PAGE_SIZE - (gva & (M_PAGE_SIZE - 1));
		void *hva;

		if (n > len)
			n = len;
		hva = gva_to_hva(v, gva);
		if (!hva || copy_to_user(hva, src, n))
			return -EFAULT;
		gva += n;
		src = (const char *)src + n;
		len -= n;
	}
	return 0;
}

static u64 gpr(const struct kvm_regs *r, int n)
{
	const u64 g[16] = {
		r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
	};

	return g[n & 15];
}

/*
 * XSAVE/XSAVE64 m (0f ae /4) with a register or register+displacement
 * operand.  Returns true if the instruction was completed.
 */
bool substrate_fixup_emulation(struct mvcpu *v)
{
	struct kvm_run *run = v->run;
	const u8 *b = run->emulation_failure.insn_bytes;
	struct kvm_xsave xs;
	struct kvm_xcrs xcrs;
	struct kvm_regs regs;
	u64 rfbm, xcr0 = 1, addr, bv;
	unsigned int len = 0, rex = 0, mod, rm;
	u8 area[1024];
	u32 i;

	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(run->emulation_failure.flags &
	      KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    run->emulation_failure.insn_size < 3)
		return false;
	if ((b[0] & 0xf0) == 0x40)
		rex = b[len++];
	if (b[len] != 0x0f || b[len + 1] != 0xae || ((b[len + 2] >> 3) & 7) != 4)
		return false;
	mod = b[len + 2] >> 6;
	rm = (b[len + 2] & 7) | ((rex & 1) << 3);
	len += 3;
	if (mod == 3 || (rm & 7) == 4 || (mod == 0 && (rm & 7) == 5))
		return false;	/* register form, SIB or RIP-relative: not handled */
	if (sys_ioctl(v->fd, KVM_GET_REGS, (unsigned long)&regs) ||
	    sys_ioctl(v->fd, KVM_GET_XSAVE, (unsigned long)&xs))
		return false;
	addr = gpr(&regs, rm);
	if (mod == 1) {
		addr += (s8)b[len++];
	} else if (mod == 2) {
		s32 d;

		memcpy(&d, &b[len], 4);
		addr += d;
		len += 4;
	}
	if (!sys_ioctl(v->fd, KVM_GET_XCRS, (unsigned long)&xcrs))
		for (i = 0; i < xcrs.nr_xcrs; i++)
			if (xcrs.xcrs[i].xcr == 0)
				xcr0 = xcrs.xcrs[i].value;
	rfbm = xcr0 & ((regs.rdx << 32) | (u32)regs.rax);
	if (rfbm & ~7ULL)
		return false;	/* only x87, SSE and AVX are handled */

	/*
	 * SDM vol. 1 13.7: x87 state if RFBM[0]; MXCSR if RFBM[1] or RFBM[2];
	 * XMM if RFBM[1]; YMM_Hi128 at 576 if RFBM[2]; XSTATE_BV[i] = XINUSE[i]
	 * for i in RFBM; nothing else of the header is written.
	 */
	memcpy(area, xs.region, sizeof(area));
	if ((rfbm & 1) && write_guest(v, addr, area, 24))
		return false;
	if ((rfbm & 1) && write_guest(v, addr + 32, area + 32, 128))
		return false;
	if ((rfbm & 6) && write_guest(v, addr + 24, area + 24, 8))
		return false;
	if ((rfbm & 2) && write_guest(v, addr + 160, area + 160, 256))
		return false;
	if ((rfbm & 4) && write_guest(v, addr + 576, area + 576, 256))
		return false;
	memcpy(&bv, area + 512, 8);
	{
		u64 old = 0;
		void *hva = gva_to_hva(v, addr + 512);

		if (!hva || copy_from_user(&old, hva, 8))
			return false;
		bv = (old & ~rfbm) | (bv & rfbm);
		if (write_guest(v, addr + 512, &bv, 8))
			return false;
	}
	regs.rip += len;
	if (sys_ioctl(v->fd, KVM_SET_REGS, (unsigned long)&regs))
		return false;
	mtrace("substrate: completed guest XSAVE at %#llx (rfbm %#llx)",
	       (unsigned long long)addr, (unsigned long long)rfbm);
	return true;
}
