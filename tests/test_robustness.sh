#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Robustness: the suite run unattended on lab machines and broken kernels.
#   hostile input   bad options, KSRC, cache (missing, read-only, full, too
#                   small), qemu or kernel image missing: one line, exit != 0
#   bounded         a program that never ends is a TIMEOUT within the
#                   timeout, the next program runs, nothing is left running
#   signals         SIGTERM to the runner during a VM run ends qemu and every
#                   child at once and leaves no temporary file
#   environment     no /dev/kvm, /dev/kvm not accessible, no SEV, CPUID vs
#                   KVM_CAP_VM_TYPES contradicting: SKIP or FAIL naming it
#   fuzzing         state_fuzz_test: seed printed, replayable
#   soak            1000 create/protect/destroy cycles on the model: fds and
#                   VmRSS flat
#   host unchanged  no module loaded or unloaded, no file left in TMPDIR
# Parts that need root, /dev/kvm, the model or a cached VM kernel say SKIP
# with the reason where those are missing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
B=$SUITE/build
MODEL=$B/model/libkvm_sev_model.so
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-robust.XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# lib.sh's t_match, with every line of a multi-line text commented, so that
# a program's own "not ok" lines never count as this script's.
t_match() {
	if grep -Eq -- "$2" <<<"$3"; then
		t_result 0 "$1"
	else
		t_result 1 "$1" "expected to match: $2" \
			"seen: $(head -c 600 <<<"$3" | sed '2,$s/^/# /')"
	fi
}

skip() {
	echo "ok $((T_NUM += 1)) $1 # SKIP $2"
}

# Processes whose environment has the line $1 (everything a run started
# inherits its TMPDIR).
procs_with_env() {
	local e
	for e in /proc/[0-9]*/environ; do
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "$1" || continue
		e=${e#/proc/}
		echo "${e%/environ}"
	done
}

root=0
[ "$(id -u)" -eq 0 ] && root=1
host_kvm=0
[ -x "$B/tools/kvm_env" ] && "$B/tools/kvm_env" --probe >/dev/null 2>&1 && host_kvm=1
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# ---- hostile input --------------------------------------------------------
: >"$tmp/file"
t_one_line "runner: KSRC not a kernel tree" nonzero "/tmp is not a kernel tree" env KSRC=/tmp "$R" --list
t_one_line "runner: KSRC missing" nonzero "KSRC=/nonexistent is not a directory" env KSRC=/nonexistent "$R" --list
t_one_line "runner: KSRC a file" nonzero "is not a directory" env KSRC="$tmp/file" "$R" --list
t_one_line "runner: cache not creatable" nonzero "cannot create cache directory /proc/kps" \
	env -u KSRC KPS_CACHE=/proc/kps HOME=/nonexistent "$R" --list
t_one_line "runner: empty type" nonzero "needs a value" "$R" --type ''
t_one_line "runner: type with a space" nonzero "unknown --type 'sev es'" "$R" --type 'sev es'
t_one_line "runner: type in upper case" nonzero "unknown --type 'SEV_ES'" "$R" --type SEV_ES
t_one_line "runner: negative timeout" nonzero "positive number of seconds" "$R" --timeout -5
t_one_line "runner: missing kernel image" nonzero "no such file" "$R" --kernel-image /nonexistent/bzImage
t_one_line "setup.sh: unknown profile" nonzero "unknown profile 'bogus'" "$SUITE/scripts/setup.sh" bogus
mkdir -p "$tmp/payload"
t_one_line "vm.sh: unknown option" nonzero "unknown option --bogus" "$SUITE/scripts/vm.sh" --bogus
t_one_line "vm.sh: zero timeout" nonzero "not a positive number" "$SUITE/scripts/vm.sh" --timeout 0 "$tmp/payload" -- true
t_one_line "vm.sh: bad --env" nonzero "is not NAME=VALUE" "$SUITE/scripts/vm.sh" --env 1x=y "$tmp/payload" -- true
t_one_line "vm.sh: no command" nonzero "COMMAND missing" "$SUITE/scripts/vm.sh" "$tmp/payload" --
t_one_line "vm.sh: missing kernel image" nonzero "kernel-image /nonexistent/bzImage: no such file" \
	"$SUITE/scripts/vm.sh" --kernel-image /nonexistent/bzImage "$tmp/payload" -- true
if [ -x "$B/tools/model_soak" ]; then
	t_one_line "model_soak: bad option" nonzero "usage: model_soak" "$B/tools/model_soak" --bogus
fi
if [ -x "$B/x86_64/state_fuzz_test" ]; then
	t_one_line "state_fuzz_test: bad KPS_SEED" nonzero "KPS_SEED='0xzz' is not a number" \
		env KPS_SEED=0xzz "$B/x86_64/state_fuzz_test"
	t_one_line "state_fuzz_test: bad KPS_FUZZ_ITERS" nonzero "KPS_FUZZ_ITERS='0' is not" \
		env KPS_FUZZ_ITERS=0 "$B/x86_64/state_fuzz_test"
fi

# qemu missing: a PATH with everything but qemu-system-* (and apt-get and
# dpkg, or setup.sh, as root, would try to install it).
mkdir -p "$tmp/bin"
for f in /usr/local/bin/* /usr/bin/* /usr/sbin/* /sbin/*; do
	case $(basename "$f") in qemu-system-* | apt* | dpkg*) continue ;; esac
	[ -e "$tmp/bin/$(basename "$f")" ] || ln -s "$f" "$tmp/bin/$(basename "$f")"
done
t_one_line "vm.sh: qemu missing" nonzero "qemu-system-x86_64 not found" \
	env PATH="$tmp/bin" "$SUITE/scripts/vm.sh" "$tmp/payload" -- true
t_one_line "runner: qemu missing" nonzero "missing: qemu-system-x86_64 " \
	env PATH="$tmp/bin" "$R" --vm --list

# Read-only, full and too small caches: private mounts in a mount namespace
# (nothing visible outside it), or an unprivileged user for read-only.
if [ $root -eq 1 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$tmp/mnt"
	ns() { unshare -m bash -c "$1 && shift && exec \"\$@\"" -- "$@"; }
	t_one_line "ksrc.sh: read-only cache" nonzero "is not writable" \
		ns "mount -t tmpfs -o ro none $tmp/mnt" env -u KSRC KPS_CACHE="$tmp/mnt" "$SUITE/scripts/ksrc.sh"
	t_one_line "ksrc.sh: full cache" nonzero "cannot write to cache directory .*full" \
		ns "mount -t tmpfs -o size=64k none $tmp/mnt && { head -c 1M /dev/zero >$tmp/mnt/fill; true; } 2>/dev/null" \
		env -u KSRC KPS_CACHE="$tmp/mnt" "$SUITE/scripts/ksrc.sh"
	t_one_line "ksrc.sh: cache too small" nonzero "has 1 MB free, 2000 MB needed" \
		ns "mount -t tmpfs -o size=1m none $tmp/mnt" env -u KSRC KPS_CACHE="$tmp/mnt/c" "$SUITE/scripts/ksrc.sh"
	t_one_line "vm.sh: cache too small" nonzero "has 1 MB free, 700 MB needed" \
		ns "mount -t tmpfs -o size=1m none $tmp/mnt" env KPS_CACHE="$tmp/mnt/c" \
		"$SUITE/scripts/vm.sh" "$tmp/payload" -- true
else
	skip "read-only, full, small caches" "needs root and unshare -m (private tmpfs mounts)"
fi
if [ $root -eq 1 ]; then
	mkdir -p "$tmp/ro"
	chmod 555 "$tmp/ro"
	t_one_line "runner as a user: read-only cache" nonzero "cache directory $(t_re_escape "$tmp/ro") is not writable" \
		"${as_nobody[@]}" env -u KSRC KPS_CACHE="$tmp/ro" "$R" --list
fi

# ---- bounded --------------------------------------------------------------
# A program that never ends (a guest stuck in an instruction the host cannot
# complete), with a test child in its own process group as the harness
# makes them; then a program that passes.
mkdir -p "$tmp/root/x86_64"
cat >"$tmp/root/x86_64/hang_test" <<'EOF'
#!/bin/sh
[ "$1" = -l ] && exit 0
setsid sleep 3599 &
exec sleep 3599
EOF
printf '#!/bin/sh\n[ "$1" = -l ] && exit 0\necho "ok 1 fine"\n' >"$tmp/root/x86_64/ok_test"
chmod +x "$tmp/root/x86_64/"*
t0=$(date +%s)
out=$(timeout 60 "$SUITE/scripts/executor.sh" --root "$tmp/root" --timeout 3 \
	x86_64/hang_test x86_64/ok_test | timeout 60 awk -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk")
rc=$?
dt=$(($(date +%s) - t0))
t_match "bounded: hung program is a TIMEOUT" "^not ok 1 hang_test # TIMEOUT$" "$out"
t_match "bounded: the next program runs" "^ok 2 ok_test$" "$out"
t_eq "bounded: run fails" 1 "$rc"
t_eq "bounded: within the 3 s timeout (+3 s)" 1 "$((dt <= 6))"
t_eq "bounded: nothing left running" "" "$(pgrep -af 'sleep 3599')"

# A real guest that never exits: a hypercall, which some hosts never
# complete (KVM_RUN does not return). Where the host completes it, the case
# passes; where not, the harness ends it at its timeout, and the executor's
# timeout ends the program when that comes first.
KDIR=$(cat "$B/.tree" 2>/dev/null)
if [ $host_kvm -eq 0 ] || [ -z "$KDIR" ] || [ ! -d "$B/kvm/lib" ]; then
	skip "bounded: a guest that never exits" "needs host /dev/kvm and a built suite"
else
	mkdir -p "$tmp/hs/x86_64"
	cat >"$tmp/hs/x86_64/vmcall_hang_test.c" <<'CEOF'
// SPDX-License-Identifier: GPL-2.0-only
#include "kselftest_harness.h"
#include "kvm_util.h"
#include "processor.h"
#include "ucall_common.h"

static void guest_vmcall(void)
{
	kvm_hypercall(KVM_HC_SCHED_YIELD, 0, 0, 0, 0);
	GUEST_DONE();
}

static void guest_done(void)
{
	GUEST_DONE();
}

FIXTURE(g) {
};

FIXTURE_SETUP(g)
{
}

FIXTURE_TEARDOWN(g)
{
}

static void run(struct __test_metadata *_metadata, void *code)
{
	struct kvm_vcpu *vcpu;
	struct kvm_vm *vm = vm_create_with_one_vcpu(&vcpu, code);
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(UCALL_DONE, get_ucall(vcpu, &uc));
	kvm_vm_free(vm);
}

TEST_F_TIMEOUT(g, vmcall, 3)
{
	run(_metadata, guest_vmcall);
}

TEST_F_TIMEOUT(g, vmcall_long, 30)
{
	run(_metadata, guest_vmcall);
}

TEST_F(g, done)
{
	run(_metadata, guest_done);
}

TEST_HARNESS_MAIN
CEOF
	H=$tmp/hs/build/x86_64/vmcall_hang_test
	make -s -C "$KDIR/tools/testing/selftests/kvm" -f Makefile -f "$SUITE/suite.mk" \
		SUITE="$tmp/hs" KDIR="$KDIR" OUTPUT="$B/kvm" KPS_OUT="$tmp/hs/build" "$H" \
		>"$tmp/hs.log" 2>&1
	t_eq "bounded guest: test program built" 1 "$([ -x "$H" ] && echo 1)"
	t0=$(date +%s%N)
	out=$(cd "$tmp" && timeout 60 "$H" -r g:vmcall -r g:done 2>&1)
	ms=$((($(date +%s%N) - t0) / 1000000))
	if grep -q "^ok 1 g.vmcall" <<<"$out"; then
		echo "# this host completes hypercalls: the harness timeout is not exercised"
	else
		t_match "bounded guest: harness timeout names the cause" "vmcall: Test terminated by timeout" "$out"
		t_match "bounded guest: the case FAILs" "^not ok 1 g\.vmcall$" "$out"
	fi
	t_match "bounded guest: the next case runs" "^ok 2 g\.done$" "$out"
	t_eq "bounded guest: within the 3 s case timeout + 2 s ($ms ms)" 1 "$((ms < 5000))"
	t_eq "bounded guest: nothing left running" "" "$(pgrep -af "$(t_re_escape "$H")")"
	# The program timeout (2 s) before the case timeout (3 s).
	mkdir -p "$tmp/hs/root/x86_64"
	cp "$H" "$tmp/hs/root/x86_64/"
	t0=$(date +%s%N)
	out=$(timeout 60 "$SUITE/scripts/executor.sh" --root "$tmp/hs/root" --timeout 2 \
		x86_64/vmcall_hang_test |
		timeout 60 awk -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk")
	ms=$((($(date +%s%N) - t0) / 1000000))
	if grep -q "^ok 1 " <<<"$out"; then
		echo "# this host completes hypercalls: the program timeout is not exercised"
	else
		t_match "bounded guest: program timeout is a TIMEOUT" "^not ok 1 vmcall_hang_test\.g\.vmcall # TIMEOUT$" "$out"
	fi
	t_eq "bounded guest: within the 2 s program timeout + 3 s ($ms ms)" 1 "$((ms < 5000))"
	t_eq "bounded guest: the hung case is not left running" "" "$(pgrep -af "$(t_re_escape "$tmp/hs/root")")"
fi

# ---- signals ----------------------------------------------------------------
kver=$(sed -n 's/^KPS_IMAGE_VERSION=//p' "$SUITE/scripts/common.sh")
kcache=${KPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-protected-state}
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "signals: SIGTERM during a VM run" "qemu-system-x86_64 not installed"
elif [ ! -f "$kcache/kernels/$kver/.ready" ]; then
	skip "signals: SIGTERM during a VM run" "VM kernel $kver not in the cache yet (first ./run_kvmtests.sh --vm fetches it)"
else
	mkdir -p "$tmp/t"
	TMPDIR=$tmp/t "$R" --vm -t vm_types_test >"$tmp/sig.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		pgrep -f "qemu-system-x86_64.*$(t_re_escape "$tmp/t/")" >/dev/null && break
		sleep 0.1
	done
	seen=$(pgrep -f "qemu-system-x86_64.*$(t_re_escape "$tmp/t/")" | grep -c .)
	kill -TERM "$pid"
	t0=$(date +%s%N)
	wait "$pid"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	sleep 0.3
	t_eq "signals: qemu was running" 1 "$((seen > 0))"
	t_eq "signals: runner exit status 143" 143 "$rc"
	t_eq "signals: runner gone within 5 s ($ms ms)" 1 "$((ms < 5000))"
	t_eq "signals: no process left" "" "$(pgrep -af "$(t_re_escape "$tmp/t/")"; procs_with_env "TMPDIR=$tmp/t")"
	t_eq "signals: no temporary file left" "" "$(ls -A "$tmp/t")"
fi

# ---- environment mistakes ---------------------------------------------------
F=$B/x86_64/state_fuzz_test
if [ $host_kvm -eq 0 ] || [ ! -x "$F" ]; then
	skip "environment checks" "host /dev/kvm cannot create a VM here, or state_fuzz_test not built"
else
	cp "$F" "$B/x86_64/vm_types_test" "$tmp/"
	# No /dev/kvm: a private /dev without it.
	if [ $root -eq 1 ] && unshare -m true 2>/dev/null; then
		for p in vm_types_test state_fuzz_test; do
			out=$(unshare -m bash -c 'mount -t tmpfs none /dev &&
				mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
				mknod -m 666 /dev/urandom c 1 9 && cd "$1" && "./$2"' -- "$tmp" "$p" 2>&1)
			t_match "no /dev/kvm: $p: every case SKIPs" "Totals: pass:0 fail:0 xfail:0 xpass:0 skip:[1-9][0-9]* error:0" "$out"
			t_match "no /dev/kvm: $p: reason named" "# SKIP /dev/kvm: No such file or directory" "$out"
		done
	fi
	# /dev/kvm without permission: an unprivileged user.
	if [ $root -eq 1 ] && [ "$(stat -c %a /dev/kvm)" != 666 ]; then
		out=$(cd "$tmp" && "${as_nobody[@]}" ./state_fuzz_test 2>&1)
		n=$(sed -n 's/^\(# \)*1\.\.\([0-9][0-9]*\)$/\2/p' <<<"$out" | head -1)
		n=${n:-0}
		t_result $((n > 0 ? 0 : 1)) "/dev/kvm not accessible: a plan ($n cases)"
		t_eq "/dev/kvm not accessible: every case SKIPs" \
			"Totals: pass:0 fail:0 xfail:0 xpass:0 skip:$n error:0" \
			"$(grep -o 'Totals: .*' <<<"$out" | tail -1)"
		t_match "/dev/kvm not accessible: reason named" "# SKIP /dev/kvm: Permission denied" "$out"
	else
		skip "/dev/kvm not accessible" "needs root to switch to an unprivileged user, and /dev/kvm not mode 666"
	fi
	# kvm_amd without SEV (or no kvm_amd): the protected types SKIP naming
	# KVM_CAP_VM_TYPES and the module parameter.
	mask=$(grep -o 'KVM_CAP_VM_TYPES[^,;]*' <<<"$("$B/tools/kvm_env" 2>/dev/null)" | head -1)
	out=$("$F" 2>&1)
	if grep -q "lacks KVM_X86_SEV_ES_VM" <<<"$out"; then
		t_match "no SEV-ES: sev_es cases SKIP with the knob" \
			"^ok [0-9]+ fuzz\.sev_es\.get_regs # SKIP KVM_CAP_VM_TYPES=0x[0-9a-f]+ lacks KVM_X86_SEV_ES_VM \(kvm_amd\.sev_es=N or no SEV-ES firmware\)" "$out"
		t_eq "no SEV-ES: no failure" 0 "$(grep -c '^not ok' <<<"$out")"
	else
		skip "no SEV-ES: SKIP with the knob" "this host has SEV-ES ($mask)"
	fi
	# CPUID says SEV-ES, KVM_CAP_VM_TYPES does not: a FAIL (model mutant).
	if [ -f "$MODEL" ]; then
		out=$(MODEL_MUTANT=vm_types_under LD_PRELOAD=$MODEL "$F" -r fuzz:sev_es:get_regs 2>&1)
		t_match "CPUID vs VM_TYPES: FAIL" "^not ok 1 fuzz\.sev_es\.get_regs" "$out"
		t_match "CPUID vs VM_TYPES: both named" "advertises SEV-ES \(bit 3\) but KVM_CAP_VM_TYPES" "$out"
	else
		skip "CPUID vs VM_TYPES: FAIL" "$MODEL not built"
	fi
fi

# ---- fuzzing: seeded, printed, replayable -----------------------------------
if [ $host_kvm -eq 1 ] && [ -f "$MODEL" ] && [ -x "$F" ]; then
	out=$(LD_PRELOAD=$MODEL "$F" 2>&1)
	t_match "fuzz: seed printed" "^# state_fuzz_test: KPS_SEED=0x[0-9a-f]+ KPS_FUZZ_ITERS=[0-9]+" "$out"
	# Every case passes but those of TDX (the kvm_amd model has none) and
	# rows whose capability this host lacks (KVM_SMI without SMM).
	t_match "fuzz: no case fails on the model" "Totals: pass:[1-9][0-9]* fail:0 xfail:0 xpass:0 skip:[0-9]+ error:0" "$out"
	t_eq "fuzz: only TDX and absent capabilities skip" "" \
		"$(grep -E '^(# )*ok [0-9]+ .* # SKIP ' <<<"$out" | grep -v -e 'lacks KVM_X86_TDX_VM' -e ' on /dev/kvm: KVM_[A-Z0-9_]* not available')"
	# A killing mutant fails the same way twice with one seed.
	a=$(KPS_SEED=0x5eed MODEL_MUTANT=skip_set_sregs LD_PRELOAD=$MODEL "$F" -r fuzz:sev_es:set_sregs 2>&1 | grep 'state_fuzz_test.c')
	b=$(KPS_SEED=0x5eed MODEL_MUTANT=skip_set_sregs LD_PRELOAD=$MODEL "$F" -r fuzz:sev_es:set_sregs 2>&1 | grep 'state_fuzz_test.c')
	t_match "fuzz: failure names seed and iteration" "KPS_SEED=0x5eed iteration [0-9]+ of" "$a"
	t_eq "fuzz: same seed, same failure" "$a" "$b"
	iters=$(KPS_SEED=1 KPS_FUZZ_ITERS=2000 LD_PRELOAD=$MODEL "$F" 2>&1 | tail -1)
	t_match "fuzz: 2000 iterations per row, seed 1" "pass:[1-9][0-9]* fail:0 xfail:0 xpass:0 skip:[0-9]+ error:0" "$iters"
else
	skip "fuzz: seeded and replayable" "needs host /dev/kvm and the model"
fi

# ---- soak: 1000 create/protect/destroy cycles on the model -------------------
if [ $host_kvm -eq 1 ] && [ -f "$MODEL" ] && [ -x "$B/tools/model_soak" ]; then
	for type in sev_es snp; do
		out=$(LD_PRELOAD=$MODEL "$B/tools/model_soak" --type "$type" --cycles 1010)
		rc=$?
		echo "$out" | grep '^# '
		t_eq "soak $type: $(tail -1 <<<"$out")" 0 "$rc"
	done
else
	skip "soak: 1000 protected VM cycles" "needs host /dev/kvm, the model and tools/model_soak"
fi

# ---- the host is left as it was ---------------------------------------------
# Loaded modules: /proc/modules, or /sys/module where that is hidden.
modules() {
	if [ -r /proc/modules ]; then
		cut -d' ' -f1 /proc/modules | sort
	else
		ls /sys/module
	fi
}
if [ $host_kvm -eq 1 ]; then
	mods0=$(modules)
	mkdir -p "$tmp/h"
	TMPDIR=$tmp/h "$R" --host -t vm_types_test -t state_fuzz_test >"$tmp/h.out" 2>&1
	t_match "host run: finished" "^[0-9]+ passed, 0 failed, [0-9]+ skipped$" "$(tail -1 "$tmp/h.out")"
	t_eq "host run: no module loaded or unloaded ($(grep -c . <<<"$mods0") modules)" "$mods0" "$(modules)"
	t_eq "host run: no temporary file left" "" "$(ls -A "$tmp/h")"
	t_eq "host run: no process left" "" "$(procs_with_env "TMPDIR=$tmp/h")"
else
	skip "host left unchanged" "host /dev/kvm cannot create a VM here"
fi
t_done
