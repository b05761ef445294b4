/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The model's mutants: one small conditional each, at the decision point it
 * breaks.  Selected with MODEL_MUTANT=name; listed by running the .so with
 * --list-mutants, in the order given here.
 *
 * Include this file with MODEL_MUTANT(name, desc) defined to expand the list
 * (as arch/x86/include/asm/kvm-x86-ops.h is used with KVM_X86_OP); the
 * macro is undefined at the end.
 */
#ifndef MODEL_MUTANT
#error "define MODEL_MUTANT(name, desc) before including mutants.h"
#endif

MODEL_MUTANT(errno_efault, "protected-state denials fail with EFAULT instead of EINVAL")
MODEL_MUTANT(errno_eperm, "protected-state denials fail with EPERM instead of EINVAL")
MODEL_MUTANT(errno_enotty, "protected-state denials fail with ENOTTY instead of EINVAL")
MODEL_MUTANT(errno_eio, "protected-state denials fail with EIO instead of EINVAL")
MODEL_MUTANT(positive_return, "protected-state denials return 1 instead of -1/EINVAL")
MODEL_MUTANT(zero_buffer_ok, "protected GET_* return 0 with a zeroed buffer, SET_* return 0")
MODEL_MUTANT(stale_ok,
	     "protected GET_* return 0 with the state from before protection, SET_* return 0")
MODEL_MUTANT(write_before_einval,
	     "protected GET_* write the pre-protection state to the buffer, then fail EINVAL")
MODEL_MUTANT(skip_get_regs, "KVM_GET_REGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_regs, "KVM_SET_REGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_sregs, "KVM_GET_SREGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_sregs, "KVM_SET_SREGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_sregs2, "KVM_GET_SREGS2 not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_sregs2, "KVM_SET_SREGS2 not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_fpu, "KVM_GET_FPU not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_fpu, "KVM_SET_FPU not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_xsave, "KVM_GET_XSAVE not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_xsave2, "KVM_GET_XSAVE2 not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_xsave, "KVM_SET_XSAVE not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_xcrs, "KVM_GET_XCRS not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_xcrs, "KVM_SET_XCRS not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_debugregs, "KVM_GET_DEBUGREGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_set_debugregs, "KVM_SET_DEBUGREGS not blocked on protected vCPUs")
MODEL_MUTANT(skip_get_msrs, "KVM_GET_MSRS does not stop at pass-through MSRs of protected vCPUs")
MODEL_MUTANT(skip_set_msrs, "KVM_SET_MSRS does not stop at pass-through MSRs of protected vCPUs")
MODEL_MUTANT(block_before_protection,
	     "state ioctls blocked on SEV-ES/SNP vCPUs before LAUNCH_UPDATE_VMSA/SNP_LAUNCH_FINISH")
MODEL_MUTANT(block_sev, "state ioctls blocked on plain SEV vCPUs after LAUNCH_FINISH")
MODEL_MUTANT(block_default,
	     "state ioctls blocked on every vCPU of a KVM_X86_DEFAULT_VM without SEV")
MODEL_MUTANT(first_vcpu_only, "only vCPU index 0 of a protected VM is blocked")
MODEL_MUTANT(late_vcpu_protected, "a vCPU created after protection starts protected")
MODEL_MUTANT(sync_regs_accepted,
	     "KVM_CAP_SYNC_REGS and KVM_RUN sync regs allowed on types 3/4 (as before 6.12.25)")
MODEL_MUTANT(readonly_mem_accepted,
	     "KVM_CAP_READONLY_MEM 1 and KVM_MEM_READONLY accepted on types 3/4")
MODEL_MUTANT(vm_types_over,
	     "KVM_CAP_VM_TYPES also advertises type 5 (TDX) and KVM_CREATE_VM(5) succeeds")
MODEL_MUTANT(vm_types_under, "KVM_CAP_VM_TYPES drops SEV_ES while CPUID still reports SEV-ES")
MODEL_MUTANT(param_disagrees,
	     "kvm_amd.sev_snp reads N while KVM_CAP_VM_TYPES advertises SNP")
MODEL_MUTANT(cbit_mismatch,
	     "KVM_GET_SUPPORTED_CPUID reports a C-bit other than the cpuid instruction's")
MODEL_MUTANT(out_of_range_type_accepted,
	     "KVM_CREATE_VM drops the type < 32 check (type 34 creates an SEV VM)")
MODEL_MUTANT(run_refused_after_protection, "KVM_RUN fails EINVAL on protected vCPUs")
MODEL_MUTANT(msr_count_wrong,
	     "KVM_GET/SET_MSRS skip blocked MSRs and return nmsrs on protected vCPUs")
MODEL_MUTANT(snp_fpu_not_blocked,
	     "SNP_LAUNCH_FINISH does not make the FPU state confidential (what 6.12.117 does)")
MODEL_MUTANT(legacy_es_blocked, "legacy KVM_SEV_ES_INIT VMs blocked like type 3")
MODEL_MUTANT(set_guest_debug_allowed, "KVM_SET_GUEST_DEBUG allowed on protected vCPUs")
MODEL_MUTANT(efault_einval_swapped,
	     "bad pointers: SET_* check protection before copying, SET_SREGS2 copies first")
MODEL_MUTANT(second_vmsa_accepted, "a second KVM_SEV_LAUNCH_UPDATE_VMSA succeeds")
MODEL_MUTANT(init2_default_accepted, "KVM_SEV_INIT2 accepted on KVM_X86_DEFAULT_VM")
MODEL_MUTANT(init2_copy_first, "KVM_SEV_INIT2 reads its argument before the need_init check")
MODEL_MUTANT(init2_flags_ignored, "KVM_SEV_INIT2 ignores kvm_sev_init.flags")
MODEL_MUTANT(init2_features_ignored, "KVM_SEV_INIT2 ignores unsupported vmsa_features")
MODEL_MUTANT(init_after_vcpus, "KVM_SEV_INIT/INIT2 accepted after vCPUs were created")
MODEL_MUTANT(run_before_init2, "KVM_RUN allowed on types 2/3/4 before KVM_SEV_INIT2")
MODEL_MUTANT(snp_legacy_cmds_allowed, "legacy SEV commands not refused with EPERM on SNP VMs")
MODEL_MUTANT(vmsa_on_sev_einval,
	     "KVM_SEV_LAUNCH_UPDATE_VMSA on a non-ES VM fails EINVAL instead of ENOTTY")
MODEL_MUTANT(null_argp_enotty,
	     "KVM_MEMORY_ENCRYPT_OP with a NULL argument fails ENOTTY instead of returning 0")
MODEL_MUTANT(snp_prefault_allowed, "KVM_PRE_FAULT_MEMORY allowed on SNP before SNP_LAUNCH_FINISH")
MODEL_MUTANT(launch_order_ignored, "the firmware accepts launch commands in any order")
MODEL_MUTANT(smm_cap_kept, "KVM_CAP_X86_SMM still reported after SEV-ES/SNP init")
MODEL_MUTANT(private_caps_wrong,
	     "GUEST_MEMFD/MEMORY_ATTRIBUTES/MULTI_ADDRESS_SPACE of an SNP VM answered as type 0")
MODEL_MUTANT(migrate_dst_unprotected,
	     "intra-host migration leaves the destination vCPUs unprotected")
MODEL_MUTANT(migrate_fpu_not_confidential,
	     "intra-host migration leaves the destination FPU state not confidential (what 6.12.117 does)"
	     )
MODEL_MUTANT(mirror_cmds_allowed, "mirror VMs accept every SEV command")
MODEL_MUTANT(set_regs_dropped,
	     "KVM_SET_REGS/KVM_SET_SREGS on a default VM return 0 and change nothing")
MODEL_MUTANT(set_tsc_khz_dropped, "KVM_SET_TSC_KHZ on a default VM returns 0 and changes nothing")
MODEL_MUTANT(set_guest_debug_dropped,
	     "KVM_SET_GUEST_DEBUG on a default VM returns 0 and changes nothing")
MODEL_MUTANT(get_regs_overrun, "KVM_GET_REGS writes 8 bytes past struct kvm_regs")
MODEL_MUTANT(get_msrs_overrun, "KVM_GET_MSRS writes one entry past the caller's nmsrs entries")
MODEL_MUTANT(interrupt_dropped, "KVM_INTERRUPT on a default VM returns 0 and queues nothing")
MODEL_MUTANT(interrupt_irq_unchecked, "KVM_INTERRUPT with irq >= 256 returns 0 on SEV VMs")
MODEL_MUTANT(smi_blocked, "KVM_SMI fails EINVAL on protected vCPUs")
MODEL_MUTANT(nested_state_blocked, "KVM_GET/SET_NESTED_STATE fail EINVAL on protected vCPUs")
MODEL_MUTANT(kvmclock_ctrl_ok, "KVM_KVMCLOCK_CTRL returns 0 without an enabled pv clock")
MODEL_MUTANT(mce_blocked, "KVM_X86_SETUP_MCE/KVM_X86_SET_MCE fail EINVAL on protected vCPUs")
MODEL_MUTANT(get_tsc_khz_zero, "KVM_GET_TSC_KHZ returns 0 instead of the frequency")
MODEL_MUTANT(signal_mask_blocked, "KVM_SET_SIGNAL_MASK fails EINVAL on protected vCPUs")
MODEL_MUTANT(vcpu_enc_op_accepted, "KVM_MEMORY_ENCRYPT_OP on a vCPU fd returns 0")

MODEL_MUTANT(multi_as_flipped,
	     "KVM_CAP_MULTI_ADDRESS_SPACE 2 without CONFIG_KVM_SMM, 0 with it (all fds)")
MODEL_MUTANT(smm_cap_flipped, "KVM_CAP_X86_SMM 1 without CONFIG_KVM_SMM, 0 with it (all fds)")
MODEL_MUTANT(prefault_cap_flipped, "KVM_CAP_PRE_FAULT_MEMORY answered !tdp_enabled (all fds)")
MODEL_MUTANT(gmem_caps_inverted,
	     "SEV/SEV-ES VM fds: GUEST_MEMFD inverted, GUEST_MEMFD_FLAGS MMAP iff that is 1")
MODEL_MUTANT(debugregs_flags_accepted,
	     "KVM_SET_DEBUGREGS with nonzero flags returns 0 on vCPUs it does not block")
MODEL_MUTANT(sync_valid_refused,
	     "KVM_RUN + immediate_exit + sync-regs bits fails EINVAL without protected state")
MODEL_MUTANT(msr_set_count_short, "KVM_SET_MSRS returns one less than the MSRs it wrote")
MODEL_MUTANT(arg_checks_dropped,
	     "default-VM SETUP_MCE, SET_MCE, SET_SIGNAL_MASK, SET_NESTED_STATE: 0, unchecked")
MODEL_MUTANT(tdx_unprotected_at_creation, "TD vCPUs are not protected at KVM_CREATE_VCPU")
MODEL_MUTANT(tdx_debug_attr_ignored, "KVM_TDX_INIT_VM accepts the DEBUG attribute")
MODEL_MUTANT(tdx_lapic_writable, "KVM_GET/SET_LAPIC allowed on TD vCPUs")
MODEL_MUTANT(tdx_tsc_writable, "KVM_SET_TSC_KHZ allowed on TD vCPUs")
MODEL_MUTANT(tdx_msr_full_count,
	     "KVM_GET/SET_MSRS on TD vCPUs skip refused MSRs and return nmsrs")
MODEL_MUTANT(tdx_readonly_msrs_writable, "KVM_SET_MSRS of EFER/APICBASE accepted on TD vCPUs")
MODEL_MUTANT(tdx_order_ignored,
	     "KVM_TDX_* commands and KVM_CREATE_VCPU accepted out of order on a TD")
MODEL_MUTANT(tdx_sev_cmds_accepted, "SEV commands (nonzero sev_fd) accepted on a TD")
MODEL_MUTANT(tdx_irqchip_accepted, "KVM_CREATE_IRQCHIP accepted on a TD")
MODEL_MUTANT(tdx_run_before_finalize, "KVM_RUN allowed on a TD vCPU before KVM_TDX_FINALIZE_VM")
MODEL_MUTANT(tdx_param_disagrees, "kvm_intel.tdx reads N while KVM_CAP_VM_TYPES advertises TDX")
MODEL_MUTANT(tdx_prefault_allowed,
	     "KVM_PRE_FAULT_MEMORY allowed on a TD before KVM_TDX_FINALIZE_VM")
MODEL_MUTANT(tdx_smm_cap_kept, "KVM_CAP_X86_SMM reported on a TD VM fd")
MODEL_MUTANT(spec_ctrl_intercepted,
	     "SPEC_CTRL write-intercepted (not blocked) on protected vCPUs, as without V_SPEC_CTRL")
MODEL_MUTANT(sync_refused_scribble,
	     "a refused sync-regs KVM_RUN stores kvm_run->s.regs even on a protected vCPU")
MODEL_MUTANT(sync_refused_no_store,
	     "a refused sync-regs KVM_RUN never stores kvm_run->s.regs, even on unprotected vCPUs")
MODEL_MUTANT(get_overrun_refused, "a refused GET writes 8 bytes past the end of its struct")
MODEL_MUTANT(get_overrun_ok, "a legacy SEV-ES GET succeeds and writes 8 bytes past its struct")
MODEL_MUTANT(unblocked_after_run,
	     "KVM_GET_XCRS not blocked on a protected vCPU once it has entered the guest")
MODEL_MUTANT(legacy_es_sregs_leak,
	     "legacy SEV-ES GET_SREGS(2) return segments, tables, CR2 and CR3 after protection")
MODEL_MUTANT(legacy_es_pdptrs_leak, "legacy SEV-ES GET_SREGS2 returns PDPTRs after protection")
MODEL_MUTANT(legacy_es_pdptrs_accepted,
	     "legacy SEV-ES SET_SREGS2 with PDPTRS_VALID accepted after protection")

#undef MODEL_MUTANT
