// SPDX-License-Identifier: GPL-2.0-only
/*
 * KVM_MEMORY_ENCRYPT_OP and friends: the SEV/SEV-ES/SNP command set of 6.12
 * arch/x86/kvm/svm/sev.c over a small model of the PSP firmware (guest
 * contexts keyed by handle, with the SEV API launch state machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/psp-sev.h>

#include "model.h"

/* ---- the firmware ---------------------------------------------------------- */

struct fwctx {
	u32 handle;
	enum fw_state state;
	u64 policy;
	bool snp;
	u64 digest;
};

static struct fwctx *fw;
static int nr_fw, cap_fw;
static u32 next_handle = 1;

static struct fwctx *fw_find(u32 handle)
{
	int i;

	for (i = 0; handle && i < nr_fw; i++)
		if (fw[i].handle == handle)
			return &fw[i];
	return NULL;
}

static struct fwctx *fw_new(u64 policy, bool snp)
{
	fw = model_grow(fw, nr_fw, &cap_fw, sizeof(*fw), 16);
	fw[nr_fw] = (struct fwctx){
		.handle = next_handle++, .policy = policy, .snp = snp,
		.state = snp ? FW_SNP_LAUNCH : FW_LUPDATE,
		.digest = 0xcbf29ce484222325ULL,
	};
	return &fw[nr_fw++];
}

static void fw_decommission(u32 handle)
{
	struct fwctx *c = fw_find(handle);

	if (!c)
		return;
	*c = fw[--nr_fw];
	if (!nr_fw) {
		free(fw);
		fw = NULL;
		cap_fw = 0;
	}
}

static void fw_measure(struct fwctx *c, const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++) {
		c->digest ^= b[i];
		c->digest *= 0x100000001b3ULL;
	}
}

/*
 * A firmware command on behalf of the guest with @handle, issued through
 * @sev_fd: 6.12 sev.c:536-544 __sev_issue_cmd() gives -EBADF unless the
 * fd is the SEV device; a firmware error is -EIO with the status in
 * kvm_sev_cmd.error.  @want is the state the command needs.
 */
static int fw_cmd(int sev_fd, u32 handle, enum fw_state want,
		  struct fwctx **out, u32 *error)
{
	struct fwctx *c;

	if (fd_kind(sev_fd, NULL) != FD_SEV)
		return -EBADF;
	c = fw_find(handle);
	if (!c) {
		*error = SEV_RET_INVALID_GUEST;
		return -EIO;
	}
	if (want != FW_UNINIT && c->state != want && !MUTANT(launch_order_ignored)) {
		*error = SEV_RET_INVALID_GUEST_STATE;
		return -EIO;
	}
	*out = c;
	return 0;
}

bool sev_vm_launched(const struct mvm *vm)
{
	struct fwctx *c = fw_find(vm->handle);

	return c && c->state == FW_RUNNING;
}

/* psp_copy_user_blob(): 6.12 drivers/crypto/ccp/sev-dev.c */
static int check_user_blob(u64 uaddr, u32 len)
{
	if (!uaddr || !len || len > M_SEV_FW_BLOB_MAX_SIZE)
		return -EINVAL;
	return user_readable((void *)(unsigned long)uaddr, len) ? 0 : -EFAULT;
}

/* sev_pin_memory(): 6.12 sev.c:632-688 */
static int check_pin(u64 uaddr, u64 len, bool write)
{
	if (len == 0 || uaddr + len < uaddr)
		return -EINVAL;
	if (write ? !user_writable((void *)(unsigned long)uaddr, len) :
		    !user_readable((void *)(unsigned long)uaddr, len))
		return -ENOMEM;	/* "SEV: Failure locking %lu pages." */
	return 0;
}

/* ---- INIT, INIT2 --------------------------------------------------------- */

/* 6.12 sev.c:404-478 __sev_guest_init() */
static int __sev_guest_init(struct mvm *vm, int vm_fd, struct kvm_sev_init *data,
			    unsigned long vm_type)
{
	bool es_active = vm_type != KVM_X86_SEV_VM;
	u64 valid = es_active && sev_es_enabled ? M_SVM_SEV_FEAT_DEBUG_SWAP : 0;

	if (vm->created_vcpus && !MUTANT(init_after_vcpus))
		return -EINVAL;
	if (data->flags && !MUTANT(init2_flags_ignored))
		return -EINVAL;
	if ((data->vmsa_features & ~valid) && !MUTANT(init2_features_ignored))
		return -EINVAL;
	if (data->ghcb_version > M_GHCB_VERSION_MAX ||
	    (!es_active && data->ghcb_version))
		return -EINVAL;
	if (vm->active)
		return -EINVAL;

	vm->active = true;
	vm->es_active = es_active;
	vm->vmsa_features = data->vmsa_features;
	vm->ghcb_version = data->ghcb_version;
	if (vm->es_active && !vm->ghcb_version)
		vm->ghcb_version = M_GHCB_VERSION_DEFAULT;
	if (vm_type == KVM_X86_SNP_VM)
		vm->vmsa_features |= M_SVM_SEV_FEAT_SNP_ACTIVE;
	vm->need_init = false;
	vm_install_msr_hooks(vm);
	mtrace("SEV init: type %lu es %d features %#llx", vm->type, es_active,
	       (unsigned long long)vm->vmsa_features);
	return 0;
}

/* 6.12 sev.c:480-501 sev_guest_init(): KVM_SEV_INIT and KVM_SEV_ES_INIT */
static int sev_guest_init(struct mvm *vm, int vm_fd, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_init data = { 0 };
	unsigned long vm_type;

	if (vm->type != KVM_X86_DEFAULT_VM)
		return -EINVAL;
	vm_type = cmd->id == KVM_SEV_INIT ? KVM_X86_SEV_VM : KVM_X86_SEV_ES_VM;
	if (vm_type == KVM_X86_SEV_ES_VM)
		data.ghcb_version = M_GHCB_VERSION_MIN;
	return __sev_guest_init(vm, vm_fd, &data, vm_type);
}

/* 6.12 sev.c:503-520 sev_guest_init2() */
static int sev_guest_init2(struct mvm *vm, int vm_fd, struct kvm_sev_cmd *cmd)
{
	bool as_default = MUTANT(init2_default_accepted) &&
			  vm->type == KVM_X86_DEFAULT_VM && !vm->active;
	struct kvm_sev_init data;

	if (MUTANT(init2_copy_first) &&
	    copy_from_user(&data, (void *)(unsigned long)cmd->data, sizeof(data)))
		return -EFAULT;
	/* need_init is checked before the argument is read (sev.c:508-509) */
	if (!vm->need_init && !as_default)
		return -EINVAL;
	if (!vm_type_sev_family(vm->type) && !as_default)
		return -EINVAL;
	if (copy_from_user(&data, (void *)(unsigned long)cmd->data, sizeof(data)))
		return -EFAULT;
	return __sev_guest_init(vm, vm_fd, &data,
				as_default ? KVM_X86_SEV_VM : vm->type);
}

/* ---- SEV / SEV-ES launch -------------------------------------------------- */

/* 6.12 sev.c:553-630 sev_launch_start() */
static int sev_launch_start(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_start p;
	void *up = (void *)(unsigned long)cmd->data;
	struct fwctx *c;
	int r;

	if (!vm->active)
		return -ENOTTY;
	if (copy_from_user(&p, up, sizeof(p)))
		return -EFAULT;
	if (p.dh_uaddr) {
		r = check_user_blob(p.dh_uaddr, p.dh_len);
		if (r)
			return r;
	}
	if (p.session_uaddr) {
		r = check_user_blob(p.session_uaddr, p.session_len);
		if (r)
			return r;
	}
	if (fd_kind(cmd->sev_fd, NULL) != FD_SEV)
		return -EBADF;
	/* LAUNCH_START with a handle joins that guest's key domain. */
	if (p.handle && !fw_find(p.handle)) {
		cmd->error = SEV_RET_INVALID_GUEST;
		return -EIO;
	}
	c = fw_new(p.policy, false);
	/* sev_bind_asid(): ACTIVATE fails if the ASID is bound already. */
	if (vm->handle && fw_find(vm->handle)) {
		fw_decommission(c->handle);
		cmd->error = SEV_RET_ASID_OWNED;
		return -EIO;
	}
	fw_measure(c, &p.policy, sizeof(p.policy));
	p.handle = c->handle;
	if (copy_to_user(up, &p, sizeof(p))) {
		fw_decommission(p.handle);
		return -EFAULT;
	}
	vm->handle = p.handle;
	vm->sev_fd = cmd->sev_fd;
	return 0;
}

/* 6.12 sev.c:739-805 sev_launch_update_data() */
static int sev_launch_update_data(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_launch_update_data p;
	struct fwctx *c;
	u8 buf[4096];
	u64 off, n;
	int r;

	if (!vm->active)
		return -ENOTTY;
	if (copy_from_user(&p, (void *)(unsigned long)cmd->data, sizeof(p)))
		return -EFAULT;
	r = check_pin(p.uaddr, p.len, true);
	if (r)
		return r;
	r = fw_cmd(vm->sev_fd, vm->handle, FW_LUPDATE, &c, &cmd->error);
	if (r)
		return r;
	for (off = 0; off < p.len; off += n) {
		n = p.len - off < sizeof(buf) ? p.len - off : sizeof(buf);
		if (copy_from_user(buf, (void *)(unsigned long)(p.uaddr + off), n))
			return -EFAULT;
		fw_measure(c, buf, n);
	}
	return 0;
}

/* 6.12 sev.c:905-954 __sev_launch_update_vmsa() with sev_es_sync_vmsa() */
static int sev_es_sync_vmsa(struct mvcpu *v)
{
	struct kvm_debugregs d;

	/* 6.12 sev.c:817-818 */
	if (v->guest_state_protected)
		return -EINVAL;
	/* 6.12 sev.c:821-822: DR7 must be the reset value */
	if (v->guest_debug)
		return -EINVAL;
	if (sys_ioctl(v->fd, KVM_GET_DEBUGREGS, (unsigned long)&d) == 0 &&
	    (d.dr7 & ~M_DR7_FIXED_1))
		return -EINVAL;
	return 0;
}

/*
 * One vCPU's VMSA into the launch, the part that LAUNCH_UPDATE_VMSA and
 * SNP_LAUNCH_FINISH share: sev_es_sync_vmsa(), then the firmware command
 * through @sev_fd in state @want, which measures the VMSA.
 */
static int launch_vcpu_vmsa(struct mvcpu *v, int sev_fd, enum fw_state want,
			    u32 *error)
{
	struct fwctx *c;
	int r;

	r = sev_es_sync_vmsa(v);
	if (r)
		return r;
	r = fw_cmd(sev_fd, v->vm->handle, want, &c, error);
	if (r)
		return r;
	fw_measure(c, &v->id, sizeof(v->id));
	return 0;
}

static int sev_launch_update_vmsa(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	int i, r;

	/* 6.12 sev.c:962-963 */
	if (!vm->active || !vm->es_active)
		return MUTANT(vmsa_on_sev_einval) ? -EINVAL : -ENOTTY;

	/* 6.12 sev.c:968-977: every vCPU in index order, stop at the first error */
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct mvcpu *v = vm->vcpus[i];

		/* 6.12 sev.c:912-915 */
		if (v->guest_debug)
			return -EINVAL;
		if (v->guest_state_protected && MUTANT(second_vmsa_accepted))
			continue;
		r = launch_vcpu_vmsa(v, vm->sev_fd, FW_LUPDATE, &cmd->error);
		if (r)
			return r;
		/* 6.12 sev.c:943-944: fpstate confidential, then protected */
		vcpu_protect(v, true);
	}
	return 0;
}

/* 6.12 sev.c:983-1043 sev_launch_measure() */
static int sev_launch_measure(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	void *up = (void *)(unsigned long)cmd->data;
	struct kvm_sev_launch_measure p;
	u8 blob[M_SEV_MEASURE_LEN];
	u32 dlen = 0;
	void *dst = NULL;
	struct fwctx *c;
	int r;

	if (!vm->active)
		return -ENOTTY;
	if (copy_from_user(&p, up, sizeof(p)))
		return -EFAULT;
	if (p.len && p.uaddr) {
		if (p.len > M_SEV_FW_BLOB_MAX_SIZE)
			return -EINVAL;
		dst = (void *)(unsigned long)p.uaddr;
		dlen = p.len;
	}
	r = fw_cmd(vm->sev_fd, vm->handle, FW_LUPDATE, &c, &cmd->error);
	if (!r && dlen < M_SEV_MEASURE_LEN) {
		/* The firmware reports the length it needs. */
		cmd->error = SEV_RET_INVALID_LEN;
		dlen = M_SEV_MEASURE_LEN;
		r = -EIO;
	} else if (!r) {
		int i;

		for (i = 0; i < 4; i++)
			memcpy(blob + 8 * i, &c->digest, 8);
		for (i = 32; i < M_SEV_MEASURE_LEN; i++)
			blob[i] = (u8)random();
		dlen = M_SEV_MEASURE_LEN;
		c->state = FW_LSECRET;
	}
	if (!p.len)
		goto done;
	if (r)
		return r;
	if (dst) {
		u8 *kbuf = calloc(1, p.len);

		if (!kbuf)
			return -ENOMEM;
		memcpy(kbuf, blob, M_SEV_MEASURE_LEN);
		if (copy_to_user(dst, kbuf, p.len))
			r = -EFAULT;
		free(kbuf);
	}
done:
	p.len = dlen;
	if (copy_to_user(up, &p, sizeof(p)))
		r = -EFAULT;
	return r;
}

/* 6.12 sev.c:1045-1055 sev_launch_finish() */
static int sev_launch_finish(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct fwctx *c;
	int r;

	if (!vm->active)
		return -ENOTTY;
	r = fw_cmd(vm->sev_fd, vm->handle, FW_LSECRET, &c, &cmd->error);
	if (r)
		return r;
	c->state = FW_RUNNING;
	return 0;
}

/* 6.12 sev.c:1057-1082 sev_guest_status() */
static int sev_guest_status(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_guest_status p;
	struct fwctx *c;
	int r;

	if (!vm->active)
		return -ENOTTY;
	r = fw_cmd(vm->sev_fd, vm->handle, FW_UNINIT, &c, &cmd->error);
	if (r)
		return r;
	p.handle = c->handle;
	p.policy = (u32)c->policy;
	p.state = c->state;
	if (copy_to_user((void *)(unsigned long)cmd->data, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

/* ---- SNP launch ------------------------------------------------------------- */

#define SNP_POLICY_SMT		BIT_ULL(16)
#define SNP_POLICY_RSVD_MBO	BIT_ULL(17)
#define SNP_POLICY_DEBUG	BIT_ULL(19)
#define SNP_POLICY_SINGLE_SOCKET BIT_ULL(20)
#define SNP_POLICY_VALID	(0xffffULL | SNP_POLICY_SMT | SNP_POLICY_RSVD_MBO | \
				 SNP_POLICY_DEBUG | SNP_POLICY_SINGLE_SOCKET)

/* 6.12 sev.c:2211-2276 snp_launch_start() */
static int snp_launch_start(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_snp_launch_start p;
	struct fwctx *c;

	if (!sev_snp_guest(vm))
		return -ENOTTY;
	if (copy_from_user(&p, (void *)(unsigned long)cmd->data, sizeof(p)))
		return -EFAULT;
	if (vm->snp_context)
		return -EINVAL;
	if (p.flags)
		return -EINVAL;
	if (p.policy & ~SNP_POLICY_VALID)
		return -EINVAL;
	if (!(p.policy & SNP_POLICY_RSVD_MBO) || !(p.policy & SNP_POLICY_SMT))
		return -EINVAL;
	if (p.policy & SNP_POLICY_SINGLE_SOCKET)
		return -EINVAL;
	/* snp_context_create() fails on a bad sev_fd: -ENOTTY (sev.c:2248-2250) */
	if (fd_kind(cmd->sev_fd, NULL) != FD_SEV)
		return -ENOTTY;
	c = fw_new(p.policy, true);
	fw_measure(c, &p.policy, sizeof(p.policy));
	vm->sev_fd = cmd->sev_fd;
	vm->handle = c->handle;
	vm->snp_context = true;
	return 0;
}

/* 6.12 sev.c:2370-2452 snp_launch_update() with kvm_gmem_populate() */
static int snp_launch_update(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	void *up = (void *)(unsigned long)cmd->data;
	struct kvm_sev_snp_launch_update p;
	u8 page[M_PAGE_SIZE];
	u32 fw_error = 0;
	struct mslot *slot;
	struct fwctx *c;
	long npages, i, ret = 0, count;

	if (!sev_snp_guest(vm) || !vm->snp_context)
		return -EINVAL;
	if (copy_from_user(&p, up, sizeof(p)))
		return -EFAULT;
	if ((p.len & (M_PAGE_SIZE - 1)) || p.flags ||
	    (p.type != KVM_SEV_SNP_PAGE_TYPE_NORMAL &&
	     p.type != KVM_SEV_SNP_PAGE_TYPE_ZERO &&
	     p.type != KVM_SEV_SNP_PAGE_TYPE_UNMEASURED &&
	     p.type != KVM_SEV_SNP_PAGE_TYPE_SECRETS &&
	     p.type != KVM_SEV_SNP_PAGE_TYPE_CPUID))
		return -EINVAL;
	npages = p.len / M_PAGE_SIZE;
	slot = vm_find_slot(vm, p.gfn_start);
	if (!slot || !slot->gmem)
		return -EINVAL;
	if (npages > (long)((slot->gpa + slot->size) / M_PAGE_SIZE - p.gfn_start))
		npages = (slot->gpa + slot->size) / M_PAGE_SIZE - p.gfn_start;

	for (i = 0; i < npages; i++) {
		u64 gfn = p.gfn_start + i;
		u64 idx = slot->goff / M_PAGE_SIZE + gfn - slot->gpa / M_PAGE_SIZE;

		/* 6.12 guest_memfd.c kvm_gmem_populate(): must be private */
		if (!vm_gpa_private(vm, gfn)) {
			ret = -EINVAL;
			break;
		}
		if (slot->gmem->prepared[idx]) {
			ret = -EEXIST;
			break;
		}
		ret = fw_cmd(cmd->sev_fd, vm->handle, FW_SNP_LAUNCH, &c, &fw_error);
		if (ret)
			break;
		if (p.type == KVM_SEV_SNP_PAGE_TYPE_ZERO) {
			memset(page, 0, sizeof(page));
		} else if (copy_from_user(page, (void *)(unsigned long)
					  (p.uaddr + i * M_PAGE_SIZE), sizeof(page))) {
			ret = -EFAULT;
			break;
		}
		if (pwrite(slot->gmem->fd, page, sizeof(page), idx * M_PAGE_SIZE) !=
		    (ssize_t)sizeof(page)) {
			ret = -EIO;
			break;
		}
		if (p.type != KVM_SEV_SNP_PAGE_TYPE_UNMEASURED)
			fw_measure(c, page, sizeof(page));
		slot->gmem->prepared[idx] = 1;
	}
	count = ret && !i ? ret : i;
	if (count < 0) {
		cmd->error = fw_error;
		return -EIO;
	}
	p.gfn_start += count;
	p.len -= count * M_PAGE_SIZE;
	if (p.type != KVM_SEV_SNP_PAGE_TYPE_ZERO)
		p.uaddr += count * M_PAGE_SIZE;
	if (copy_to_user(up, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

/* 6.12 sev.c:2505-2579 snp_launch_finish() with snp_launch_update_vmsa() */
static int snp_launch_finish(struct mvm *vm, struct kvm_sev_cmd *cmd)
{
	struct kvm_sev_snp_launch_finish p;
	struct fwctx *c;
	int i, r;

	if (!sev_snp_guest(vm))
		return -ENOTTY;
	if (!vm->snp_context)
		return -EINVAL;
	if (copy_from_user(&p, (void *)(unsigned long)cmd->data, sizeof(p)))
		return -EFAULT;
	if (p.flags)
		return -EINVAL;

	/* 6.12 sev.c:2454-2503 snp_launch_update_vmsa() */
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct mvcpu *v = vm->vcpus[i];

		if (v->guest_state_protected && MUTANT(second_vmsa_accepted))
			continue;
		r = launch_vcpu_vmsa(v, cmd->sev_fd, FW_SNP_LAUNCH, &cmd->error);
		if (r)
			return r;
		/*
		 * 6.12 sev.c:2491: guest_state_protected, but 6.12.117 never calls
		 * fpstate_set_confidential() here.  The model follows the promise
		 * (FPU state confidential for SNP too); snp_fpu_not_blocked is
		 * 6.12.117.
		 */
		vcpu_protect(v, !MUTANT(snp_fpu_not_blocked));
	}

	if (p.id_block_en) {
		r = check_user_blob(p.id_block_uaddr, KVM_SEV_SNP_ID_BLOCK_SIZE);
		if (!r)
			r = check_user_blob(p.id_auth_uaddr, KVM_SEV_SNP_ID_AUTH_SIZE);
		if (r)
			return r;
	}
	r = fw_cmd(vm->sev_fd, vm->handle, FW_SNP_LAUNCH, &c, &cmd->error);
	if (r)
		return r;
	fw_measure(c, p.host_data, sizeof(p.host_data));
	c->state = FW_RUNNING;
	/* 6.12 sev.c:2567-2568 */
	vm->pre_fault_allowed = true;
	return 0;
}

/* ---- KVM_MEMORY_ENCRYPT_OP --------------------------------------------- */

/* 6.12 sev.c:1857-1869 is_cmd_allowed_from_mirror() */
static bool cmd_allowed_from_mirror(u32 id)
{
	return id == KVM_SEV_LAUNCH_UPDATE_VMSA || id == KVM_SEV_GUEST_STATUS ||
	       id == KVM_SEV_DBG_DECRYPT || id == KVM_SEV_DBG_ENCRYPT;
}

/* 6.12 sev.c:2581-2697 sev_mem_enc_ioctl() */
long sev_mem_enc_ioctl(struct mvm *vm, int vm_fd, unsigned long arg)
{
	struct kvm_sev_cmd cmd;
	long r;

	if (!sev_enabled)
		return -ENOTTY;
	if (!arg)
		return MUTANT(null_argp_enotty) ? -ENOTTY : 0;
	if (copy_from_user(&cmd, (void *)arg, sizeof(cmd)))
		return -EFAULT;

	model_lock();
	if (vm->owner && !cmd_allowed_from_mirror(cmd.id) &&
	    !MUTANT(mirror_cmds_allowed)) {
		r = -EINVAL;
		goto out;
	}
	/* 6.12 sev.c:2604-2611: only SNP commands once INIT2 made an SNP guest */
	if (sev_snp_guest(vm) && cmd.id < KVM_SEV_SNP_LAUNCH_START &&
	    !MUTANT(snp_legacy_cmds_allowed)) {
		r = -EPERM;
		goto out;
	}
	switch (cmd.id) {
	case KVM_SEV_ES_INIT:
	case KVM_SEV_INIT:
		if (cmd.id == KVM_SEV_ES_INIT && !sev_es_enabled) {
			r = -ENOTTY;
			goto out;
		}
		r = sev_guest_init(vm, vm_fd, &cmd);
		break;
	case KVM_SEV_INIT2:
		r = sev_guest_init2(vm, vm_fd, &cmd);
		break;
	case KVM_SEV_LAUNCH_START:
		r = sev_launch_start(vm, &cmd);
		break;
	case KVM_SEV_LAUNCH_UPDATE_DATA:
		r = sev_launch_update_data(vm, &cmd);
		break;
	case KVM_SEV_LAUNCH_UPDATE_VMSA:
		r = sev_launch_update_vmsa(vm, &cmd);
		break;
	case KVM_SEV_LAUNCH_MEASURE:
		r = sev_launch_measure(vm, &cmd);
		break;
	case KVM_SEV_LAUNCH_FINISH:
		r = sev_launch_finish(vm, &cmd);
		break;
	case KVM_SEV_GUEST_STATUS:
		r = sev_guest_status(vm, &cmd);
		break;
	case KVM_SEV_DBG_DECRYPT:
	case KVM_SEV_DBG_ENCRYPT:
	case KVM_SEV_LAUNCH_SECRET:
	case KVM_SEV_GET_ATTESTATION_REPORT:
	case KVM_SEV_SEND_START:
	case KVM_SEV_SEND_UPDATE_DATA:
	case KVM_SEV_SEND_FINISH:
	case KVM_SEV_SEND_CANCEL:
	case KVM_SEV_RECEIVE_START:
	case KVM_SEV_RECEIVE_UPDATE_DATA:
	case KVM_SEV_RECEIVE_FINISH:
		/*
		 * Each starts with "if (!sev_guest(kvm)) return -ENOTTY".  Their
		 * firmware side is not modelled (README.md): -ENOTTY as well.
		 */
		r = -ENOTTY;
		break;
	case KVM_SEV_SNP_LAUNCH_START:
		r = snp_launch_start(vm, &cmd);
		break;
	case KVM_SEV_SNP_LAUNCH_UPDATE:
		r = snp_launch_update(vm, &cmd);
		break;
	case KVM_SEV_SNP_LAUNCH_FINISH:
		r = snp_launch_finish(vm, &cmd);
		break;
	default:
		r = -EINVAL;
		goto out;
	}
	if (copy_to_user((void *)arg, &cmd, sizeof(cmd)))
		r = -EFAULT;
out:
	model_unlock();
	mtrace("KVM_MEMORY_ENCRYPT_OP id %u -> %ld (fw error %u)", cmd.id, r,
	       cmd.error);
	return r;
}

/* 6.12 sev.c:2699-2816 sev_mem_enc_{,un}register_region() */
long sev_register_region(struct mvm *vm, unsigned long arg, bool reg)
{
	struct kvm_enc_region range;
	struct mregion *rg, **pp;
	long r;

	/* 6.12 x86.c kvm_arch_vm_ioctl(): the range is copied first */
	if (copy_from_user(&range, (void *)arg, sizeof(range)))
		return -EFAULT;
	if (!sev_enabled)
		return -ENOTTY;
	model_lock();
	if (reg) {
		r = -ENOTTY;
		if (!vm->active)
			goto out;
		r = -EINVAL;
		if (vm->owner)
			goto out;
		r = check_pin(range.addr, range.size, false);
		if (r)
			goto out;
		rg = model_zalloc(sizeof(*rg));
		rg->addr = range.addr;
		rg->size = range.size;
		rg->next = vm->regions;
		vm->regions = rg;
		r = 0;
	} else {
		r = -EINVAL;
		if (vm->owner)
			goto out;
		r = -ENOTTY;
		if (!vm->active)
			goto out;
		r = -EINVAL;
		for (pp = &vm->regions; (rg = *pp); pp = &rg->next) {
			if (rg->addr == range.addr && rg->size == range.size) {
				*pp = rg->next;
				free(rg);
				r = 0;
				break;
			}
		}
	}
out:
	model_unlock();
	return r;
}

/* ---- intra-host migration and mirrors ----------------------------------- */

/*
 * The part of a move and a copy of the encryption context that is the same:
 * the source fd must be a VM (file_is_kvm()), sev_lock_two_vms() refuses
 * the same VM, then @fn runs with the lock held.
 */
static long with_source_vm(struct mvm *dst, int source_fd, const char *what,
			   long (*fn)(struct mvm *dst, struct mvm *src))
{
	void *obj;
	long r;

	if (fcntl(source_fd, F_GETFD) < 0)
		return -EBADF;
	/* file_is_kvm(): only a VM fd */
	if (fd_kind(source_fd, &obj) != FD_VM)
		return -EBADF;
	model_lock();
	/* sev_lock_two_vms() */
	r = dst == obj ? -EINVAL : fn(dst, obj);
	model_unlock();
	mtrace("%s -> %ld", what, r);
	return r;
}

/* 6.12 sev.c:2088-2155 sev_vm_move_enc_context_from() */
static long sev_move_enc_context(struct mvm *dst, struct mvm *src)
{
	struct mregion **tail;
	int i;

	/* 6.12 sev.c:2108-2111 (no SNP migration, 6.12.100) */
	if (dst->type != src->type || dst->active || !src->active ||
	    sev_snp_guest(src))
		return -EINVAL;
	/* 6.12 sev.c:2065-2086 sev_check_source_vcpus() */
	if (src->active && src->es_active) {
		if (src->nr_vcpus != dst->nr_vcpus)
			return -EINVAL;
		for (i = 0; i < src->nr_vcpus; i++)
			if (!src->vcpus[i]->guest_state_protected)
				return -EINVAL;
	}

	/* 6.12 sev.c:1981-2063 sev_migrate_from() */
	dst->active = true;
	dst->handle = src->handle;
	dst->es_active = src->es_active;
	dst->vmsa_features = src->vmsa_features;
	src->active = false;
	src->handle = 0;
	src->es_active = false;
	for (tail = &dst->regions; *tail; tail = &(*tail)->next)
		;
	*tail = src->regions;
	src->regions = NULL;
	vm_migrate_mirrors(dst, src);
	if (src->owner) {
		dst->owner = src->owner;
		src->owner = NULL;
	}
	for (i = 0; i < dst->nr_vcpus; i++) {
		if (!dst->es_active)
			continue;
		/*
		 * sev.c:2056/2061: the flag moves. 6.12 never calls
		 * fpstate_set_confidential() for the destination (spec 2, bug
		 * class 2), so its FPU/XSAVE ioctls return 0. The model follows
		 * the promise, as for SNP; migrate_fpu_not_confidential is 6.12.
		 */
		if (!MUTANT(migrate_dst_unprotected)) {
			dst->vcpus[i]->guest_state_protected = true;
			if (!MUTANT(migrate_fpu_not_confidential))
				dst->vcpus[i]->fpstate_confidential = true;
		}
		src->vcpus[i]->guest_state_protected = false;
	}
	vm_install_msr_hooks(dst);
	/* kvm_vm_dead(source_kvm) */
	src->dead = true;
	return 0;
}

long sev_move_enc_context_from(struct mvm *dst, int source_fd)
{
	return with_source_vm(dst, source_fd, "KVM_CAP_VM_MOVE_ENC_CONTEXT_FROM",
			      sev_move_enc_context);
}

/* 6.12 sev.c:2818-2882 sev_vm_copy_enc_context_from() */
static long sev_copy_enc_context(struct mvm *dst, struct mvm *src)
{
	if (dst->active || !src->active || sev_snp_guest(src) || src->owner ||
	    dst->created_vcpus)
		return -EINVAL;
	vm_get(src);
	src->nr_mirrors++;
	dst->owner = src;
	dst->active = true;
	dst->handle = src->handle;
	dst->sev_fd = src->sev_fd;
	dst->es_active = src->es_active;
	dst->need_init = false;
	vm_install_msr_hooks(dst);
	return 0;
}

long sev_copy_enc_context_from(struct mvm *dst, int source_fd)
{
	return with_source_vm(dst, source_fd, "KVM_CAP_VM_COPY_ENC_CONTEXT_FROM",
			      sev_copy_enc_context);
}

/* Caller holds the lock.  6.12 sev.c:2909-2972 sev_vm_destroy() */
void sev_vm_destroy(struct mvm *vm)
{
	struct mvm *owner = vm->owner;

	if (owner) {
		vm->owner = NULL;
		owner->nr_mirrors--;
		vm_put(owner);
		return;
	}
	if (vm->active && vm->handle)
		fw_decommission(vm->handle);
}
