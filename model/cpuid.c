// SPDX-License-Identifier: GPL-2.0-only
/*
 * The program's own view of CPUID leaf 0x8000001F, the same on every host
 * vendor.
 *
 * libkvm takes the C-bit position of an SEV VM from the cpuid instruction
 * (6.12 tools/testing/selftests/kvm/lib/x86_64/processor.c:1139
 * kvm_init_vm_address_properties()) without checking the maximum extended
 * leaf.  An AMD host implements the leaf.  An Intel host does not, and
 * answers an out-of-range leaf with the data of its highest basic leaf
 * (Intel SDM vol. 2A, CPUID), so libkvm would put an arbitrary bit into the
 * guest's page-table entries.  Where the host lacks the leaf, the model
 * traps the program's cpuid instructions with CPUID faulting
 * (arch_prctl(ARCH_SET_CPUID)) and answers as the AMD host it presents:
 * leaf 0x80000000 reports at least 0x8000001F, leaf 0x8000001F the SEV
 * feature bits of KVM_GET_SUPPORTED_CPUID and C-bit position 0, and the
 * leaves in between read 0.  Without CPUID faulting the model reports the
 * raw value libkvm reads, so both sides at least agree.
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "model.h"

#define LEAF_EXT_MAX	0x80000000U
#define LEAF_SEV	0x8000001fU

int host_cbit;
bool cpuid_trapped;
static u32 host_max_ext;
static struct sigaction prev_segv;

u32 model_sev_cpuid_eax(u32 eax)
{
	/* 6.12 svm/sev.c:2974-2986 sev_set_cpu_caps() */
	eax &= ~((1u << 1) | (1u << 3) | (1u << 4));
	if (sev_enabled)
		eax |= 1u << 1;
	if (sev_es_enabled)
		eax |= 1u << 3;
	if (sev_snp_enabled)
		eax |= 1u << 4;
	return eax;
}

static void cpuid_answer(u32 leaf, u32 sub, u32 r[4])
{
	if (leaf > host_max_ext && leaf > LEAF_EXT_MAX && leaf <= LEAF_SEV) {
		memset(r, 0, 4 * sizeof(*r));
		if (leaf == LEAF_SEV) {
			r[0] = model_sev_cpuid_eax(0);
			r[1] = host_cbit;
		}
		return;
	}
	/* Faulting is per task: lift it for the one real instruction. */
	syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
	if (leaf == LEAF_EXT_MAX && r[0] < LEAF_SEV)
		r[0] = LEAF_SEV;
}

/*
 * A faulting cpuid raises #GP, delivered as SIGSEGV with si_code SI_KERNEL
 * at the instruction (0f a2).  Anything else goes to the previous handler,
 * or, for the default action, faults again with it restored.
 */
static void cpuid_segv(int sig, siginfo_t *si, void *ctx)
{
	greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const u8 *ip = (const u8 *)g[REG_RIP];
	int e = errno;
	u32 r[4];

	if (si->si_code != SI_KERNEL || ip[0] != 0x0f || ip[1] != 0xa2) {
		if (prev_segv.sa_flags & SA_SIGINFO)
			prev_segv.sa_sigaction(sig, si, ctx);
		else if (prev_segv.sa_handler != SIG_DFL &&
			 prev_segv.sa_handler != SIG_IGN)
			prev_segv.sa_handler(sig);
		else
			sigaction(SIGSEGV, &prev_segv, NULL);
		return;
	}
	cpuid_answer((u32)g[REG_RAX], (u32)g[REG_RCX], r);
	g[REG_RAX] = r[0];
	g[REG_RBX] = r[1];
	g[REG_RCX] = r[2];
	g[REG_RDX] = r[3];
	g[REG_RIP] += 2;
	errno = e;
}

void model_cpuid_init(void)
{
	struct sigaction sa = {
		.sa_sigaction = cpuid_segv,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	u32 a, b, c, d;

	host_max_ext = __get_cpuid_max(LEAF_EXT_MAX, NULL);
	__cpuid_count(LEAF_SEV, 0, a, b, c, d);
	host_cbit = b & 0x3f;
	if (host_max_ext >= LEAF_SEV)
		return;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &prev_segv))
		return;
	if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0)) {
		/* No CPUID faulting (TCG, valgrind): keep the raw value. */
		sigaction(SIGSEGV, &prev_segv, NULL);
		return;
	}
	cpuid_trapped = true;
	host_cbit = 0;
}
