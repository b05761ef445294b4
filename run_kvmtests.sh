#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build and run the kvm-protected-state suite on a real KVM: the host's
# /dev/kvm when a VM can be created there, otherwise a Debian kernel with
# kvm_amd booted under qemu TCG (scripts/vm.sh). Prints one KTAP stream and
# ends with "N passed, N failed, N skipped"; exits 1 iff a case failed.
set -uo pipefail
SUITE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SUITE/scripts/common.sh"

TYPES="default sw_protected sev sev_es snp tdx"
MODEL_SO=model/libkvm_sev_model.so

usage() {
	cat <<USAGE
Usage: $(basename "$0") [options]
  --list               list the selected cases and exit
  -t NAME              select cases by name or glob (repeatable); NAME may be
                       a program (vm_types_test) or a case prefix
  --type TYPE          only cases of one VM type: ${TYPES// /|}
  --timeout S          per-program timeout in seconds (default 600)
  -j N                 run up to N test programs at once (default: the
                       target's CPUs, nproc; on the VM substrate the
                       guest's); the stream is the one -j 1 prints
  --host | --vm        force the substrate (default: host if /dev/kvm can
                       create a VM, else the VM substrate)
  --kernel VERSION     Debian linux-image the VM substrate boots
                       (default $KPS_IMAGE_VERSION), or $KPS_SWPSP_VERSION: the
                       pinned tree with the software Secure Processor
                       (kernel/swpsp/; built if absent, booted with
                       tsc_early_khz= of the host's TSC, default --expect
                       expect/6.12.117.txt), or $KPS_SWPSP_FIXES_VERSION:
                       the same with the KVM fixes kernel/fixes/ (no
                       default --expect)
  --append PARAMS      more kernel parameters for the VM substrate's kernel
  --kernel-image PATH  boot this bzImage on the VM substrate (implies --vm);
                       KVM built in, or its modules from --modules
  --modules DIR        lib/modules/<version> of --kernel-image's modules
  --expect FILE        cases expected to fail here, "CASE REASON" per line;
                       only unexpected failures (and expected failures that
                       pass) fail the run
  --junit FILE         also write the results as JUnit XML
  --report DIR         write DIR/results.ktap, results.xml (JUnit),
                       environment.txt (kernel, CPU, SEV firmware, module
                       parameters, VM types, substrate, suite revision) and
                       report.html (self-contained: per program a grid of
                       VM types x phase/ioctl, messages in the cells)
  --model              run on the SEV/SEV-ES/SNP software model (model/)
  --preload LIB        LD_PRELOAD LIB for every test (repeatable; above the
                       model, in the order given)
  --mutant NAME|all    run once more per model mutant and print the
                       mutation table (implies --model; repeatable)
  --list-mutants       list the model's mutants and exit
  --with-upstream      also run upstream's sev_init2_tests, sev_smoke_test
                       and sev_migrate_tests from the kernel tree
  --print-substrate    print the substrate that would be used, and why
  -v                   verbose: keep all harness output
  -h, --help           this help
USAGE
}

bad() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}

selects=() preloads=() mutants=()
vtype="" timeout=600 jobs="" substrate="" kernel=$KPS_IMAGE_VERSION
list=0 model=0 verbose=0 upstream=0 list_mutants=0 print_substrate=0
expect="" junit="" report="" kernel_image="" modules="" kernel_set=0
append="" swpsp=0 swpsp_fixes=0
argv="$*"

need_arg() {
	[ $# -ge 2 ] && [ -n "$2" ] || bad "option $1 needs a value"
}

while [ $# -gt 0 ]; do
	case $1 in
	--list) list=1 ;;
	-t) need_arg "$@"; selects+=("$2"); shift ;;
	--type)
		need_arg "$@"
		[[ " $TYPES " == *" $2 "* ]] || bad "unknown --type '$2' (accepted: ${TYPES// /, })"
		vtype=$2; shift ;;
	--timeout)
		need_arg "$@"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || bad "--timeout needs a positive number of seconds, not '$2'"
		timeout=$2; shift ;;
	-j)
		need_arg "$@"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || bad "-j needs a positive number of programs to run at once, not '$2'"
		jobs=$2; shift ;;
	--host) substrate=host ;;
	--vm) substrate=vm ;;
	--kernel)
		need_arg "$@"
		[[ $2 =~ ^[0-9]+\.[0-9]+[.0-9a-z+~-]*$ ]] || bad "--kernel needs a Debian kernel version such as $KPS_IMAGE_VERSION or 6.1.0-56, not '$2'"
		kernel=$2; kernel_set=1; shift ;;
	--kernel-image)
		need_arg "$@"
		[ -f "$2" ] || bad "--kernel-image: no such file '$2'"
		kernel_image=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	--append)
		need_arg "$@"
		[[ $2 != *[$'\n\r']* ]] || bad "--append: kernel parameters with a line break"
		append+="${append:+ }$2"; shift ;;
	--modules)
		need_arg "$@"
		[ -d "$2" ] || bad "--modules: no such directory '$2' (give lib/modules/<version>)"
		modules=$(cd "$2" && pwd); shift ;;
	--expect)
		need_arg "$@"
		[ -f "$2" ] && [ -r "$2" ] || bad "--expect: no such file '$2'"
		msg=$(awk -v expect="$2" -v check=1 -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/expect.awk" </dev/null 2>&1) ||
			bad "${msg%%$'\n'*}"
		expect=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	--junit)
		need_arg "$@"
		[ -d "$(dirname "$2")" ] || bad "--junit: no such directory '$(dirname "$2")'"
		junit=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	--report)
		need_arg "$@"
		[ -d "$(dirname "$2")" ] || bad "--report: no such directory '$(dirname "$2")'"
		[ ! -e "$2" ] || [ -d "$2" ] || bad "--report: '$2' is not a directory"
		report=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift ;;
	--model) model=1 ;;
	--preload)
		need_arg "$@"
		[ -f "$2" ] || bad "--preload: no such file '$2'"
		preloads+=("$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift ;;
	--mutant) need_arg "$@"; mutants+=("$2"); model=1; shift ;;
	--list-mutants) list_mutants=1 ;;
	--with-upstream) upstream=1 ;;
	--print-substrate) print_substrate=1 ;;
	-v) verbose=1 ;;
	-h | --help) usage; exit 0 ;;
	*) bad "unknown option '$1' (accepted: --list -t --type --timeout -j --host --vm --kernel --kernel-image --append --modules --expect --junit --report --model --preload --mutant --list-mutants --with-upstream --print-substrate -v -h)" ;;
	esac
	shift
done
if [ -n "$kernel_image" ]; then
	[ $kernel_set -eq 0 ] || bad "--kernel and --kernel-image exclude each other"
	[ "$substrate" != host ] || bad "--kernel-image boots a kernel on the VM substrate; it excludes --host"
	substrate=vm
elif [ -n "$modules" ]; then
	bad "--modules needs --kernel-image"
fi
if [ $kernel_set -eq 1 ] && { [ "$kernel" = "$KPS_SWPSP_VERSION" ] || [ "$kernel" = "$KPS_SWPSP_FIXES_VERSION" ]; }; then
	[ "$substrate" != host ] || bad "--kernel $kernel boots on the VM substrate; it excludes --host"
	substrate=vm swpsp=1
	[ "$kernel" = "$KPS_SWPSP_VERSION" ] || swpsp_fixes=1
fi
[ -z "$append" ] || [ "$substrate" != host ] || bad "--append passes kernel parameters to the VM substrate; it excludes --host"
# A Debian kernel neither cached nor offered by apt: one line, before any
# build or boot.
if [ $kernel_set -eq 1 ] && [ $swpsp -eq 0 ]; then
	msg=$("$SUITE/scripts/vm.sh" --check-kernel "$kernel" 2>&1) || bad "${msg#vm.sh: error: }"
fi

# Set up: tools, the kernel tree and the build. --junit and --report need
# the Perl module TAP::Formatter::JUnit, --vm qemu and a static busybox:
# installed now (Debian), or one line naming them before the build.
"$SUITE/scripts/setup.sh" build ${junit:+report} ${report:+report} \
	$([ "$substrate" = vm ] && [ $print_substrate -eq 0 ] && echo vm) || exit 1
# The kernel tree before make: a bad KSRC or cache is ksrc.sh's one line.
"$SUITE/scripts/ksrc.sh" >/dev/null || exit 1
buildlog=$(mktemp)
trap 'rm -f "$buildlog"' EXIT
# KPS_STANDALONE=1: inside a kernel tree the Makefile would otherwise be
# the tree's kvm Makefile (scripts/intree.mk). Makefile.kps: the suite's
# Makefile beside the tree's own (scripts/intree.sh copy).
mk=$SUITE/Makefile
[ -f "$SUITE/Makefile.kps" ] && mk=$SUITE/Makefile.kps
if ! make -C "$SUITE" -f "$mk" -j"$(nproc)" KPS_STANDALONE=1 all >"$buildlog" 2>&1; then
	grep -v '^make' "$buildlog" | tail -20 >&2
	echo "$(basename "$0"): error: build failed (see above)" >&2
	exit 1
fi
tree=$(cat "$SUITE/build/.tree")
B=$SUITE/build

# The software Secure Processor kernel: built into the cache if absent or
# stale (one line here; cold about 15 min, kernel/swpsp/README.md), booted
# as a bzImage with KVM built in, no modules.
if [ $swpsp -eq 1 ] && [ $print_substrate -eq 0 ] && [ $list_mutants -eq 0 ]; then
	kopt=()
	[ $swpsp_fixes -eq 0 ] || kopt=(--fixes)
	"$SUITE/scripts/swpsp-kernel.sh" "${kopt[@]}" --up-to-date ||
		echo "# $(basename "$0"): building $kernel (scripts/swpsp-kernel.sh${kopt:+ $kopt}; cold about 15 min)" >&2
	if ! kernel_image=$("$SUITE/scripts/swpsp-kernel.sh" "${kopt[@]}" --print-image 2>"$buildlog") ||
		[ ! -f "$kernel_image" ]; then
		tail -n 20 "$buildlog" >&2
		echo "$(basename "$0"): error: cannot build $kernel (see above)" >&2
		exit 1
	fi
	# KVM built in takes its TSC rate from the early calibration, which
	# TCG's clock skews: KVM_SET_TSC_KHZ of that rate then fails against
	# the refined one (x86.c:9146-9147, kernel/swpsp/README.md item 4).
	# The guest's TSC is the host's (TCG reads it), so the rate measured
	# here is the one the guest refines to.
	if [[ " $append" != *" tsc_early_khz="* ]]; then
		khz=$("$B/tools/kvm_env" --tsc-khz) && [[ $khz =~ ^[1-9][0-9]*$ ]] || {
			echo "$(basename "$0"): error: cannot measure the host's TSC rate for tsc_early_khz= (give --append tsc_early_khz=KHZ)" >&2
			exit 1
		}
		append+="${append:+ }tsc_early_khz=$khz"
	fi
	# The fixed kernel has no listed deviation: --expect only if given.
	if [ -z "$expect" ] && [ $swpsp_fixes -eq 0 ]; then
		expect=$SUITE/expect/6.12.117.txt
	fi
fi

if [ $model -eq 1 ] || [ $list_mutants -eq 1 ]; then
	[ -f "$B/$MODEL_SO" ] || { echo "$(basename "$0"): error: $B/$MODEL_SO was not built" >&2; exit 1; }
fi
if [ $list_mutants -eq 1 ]; then
	exec "$B/$MODEL_SO" --list-mutants
fi
if [ ${#mutants[@]} -gt 0 ]; then
	known=$("$B/$MODEL_SO" --list-mutants | cut -f1)
	expanded=(none)
	for m in "${mutants[@]}"; do
		if [ "$m" = all ]; then
			# all of the vendor modelled: tdx_* need kvm_intel
			if [ "${MODEL_VENDOR:-amd}" = intel ]; then
				expanded+=($(grep '^tdx_' <<<"$known"))
			else
				expanded+=($(grep -v '^tdx_' <<<"$known"))
			fi
		elif grep -qxF -- "$m" <<<"$known"; then
			expanded+=("$m")
		else
			bad "unknown mutant '$m' (see --list-mutants)"
		fi
	done
	mutants=("${expanded[@]}")
fi

# Programs: the suite's own, in a fixed order, then upstream's on request.
progs=()
# (Programs of the sources present: a stale binary of a removed test is not run.)
for c in "$SUITE"/x86_64/*.c; do
	p=x86_64/$(basename "$c" .c)
	[ -x "$B/$p" ] && progs+=("$p")
done
if [ $upstream -eq 1 ]; then
	for t in sev_init2_tests sev_smoke_test sev_migrate_tests; do
		for p in "$B"/kvm/*/"$t"; do
			[ -x "$p" ] && progs+=("${p#"$B"/}")
		done
	done
fi

if [ -z "$substrate" ]; then
	if why=$("$B/tools/kvm_env" --probe); then
		substrate=host
	else
		substrate=vm
		reason="host: $why"
	fi
fi

if [ "$substrate" = vm ] && [ $print_substrate -eq 0 ]; then
	"$SUITE/scripts/setup.sh" vm || exit 1
fi
if [ $print_substrate -eq 1 ]; then
	echo "$substrate${reason:+ ($reason)}"
	exit 0
fi

banner="# kernel tree: $tree"
if [ $model -eq 1 ]; then
	preloads+=("$B/$MODEL_SO")
	if [ "${MODEL_VENDOR:-amd}" = intel ]; then
		banner+=$'\n'"# model: kvm_intel TDX software model ($MODEL_SO, MODEL_VENDOR=intel) over real KVM"
	else
		banner+=$'\n'"# model: SEV/SEV-ES/SNP software model ($MODEL_SO) over real KVM"
	fi
fi

exec_args=(--timeout "$timeout")
[ -n "$jobs" ] && exec_args+=(--jobs "$jobs")
[ -n "$vtype" ] && exec_args+=(--type "$vtype")
for s in "${selects[@]}"; do exec_args+=(--select "$s"); done
[ $list -eq 1 ] && exec_args+=(--list-only)
for m in "${mutants[@]}"; do exec_args+=(--mutant "$m"); done
[ ${#mutants[@]} -gt 0 ] && exec_args+=(--stop-on-fail)
# Cases that killed each mutant before (tests/mutation_targets.sh) run first,
# so a mutant costs a few cases, not the whole suite; KPS_MUTANT_TARGETS=none
# runs every mutant against the whole selection.
targets=${KPS_MUTANT_TARGETS:-$SUITE/tests/mutant_targets.txt}
[ ${#mutants[@]} -gt 0 ] && [ -f "$targets" ] || targets=""

infra_log=$(mktemp)
stage=""
cleanup() {
	rm -f "$buildlog" "$infra_log" "${status:-}"
	[ -n "$stage" ] && rm -rf "$stage"
}
trap cleanup EXIT
# A signal ends the run at once: bash defers traps until a foreground child
# ends, so the run goes in the background and every process it started
# (executor, vm.sh and its qemu, the aggregator) gets the signal here; each
# of them removes its own temporary files.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
on_signal() {
	trap - INT TERM HUP
	# shellcheck disable=SC2046
	kill -TERM $(descendants $$) 2>/dev/null
	wait
	exit "$1"
}
trap 'on_signal 130' INT
trap 'on_signal 143' TERM HUP

run_host() {
	local pl=() p
	for p in "${preloads[@]}"; do pl+=(--preload "$p"); done
	[ -n "$targets" ] && pl+=(--mutant-targets "$targets")
	KPS_SUBSTRATE=host "$SUITE/scripts/executor.sh" --root "$B" \
		"${pl[@]}" "${exec_args[@]}" "${progs[@]}" 2>&1
}

run_vm() {
	local pl=() p i=0 n vmt
	mkdir -p "$stage/tools" "$stage/preload"
	cp "$SUITE/scripts/executor.sh" "$SUITE/scripts/ktap_lib.awk" "$stage/"
	if [ -n "$targets" ]; then
		cp "$targets" "$stage/mutant_targets.txt"
		pl+=(--mutant-targets mutant_targets.txt)
	fi
	cp "$B/tools/kvm_env" "$stage/tools/"
	for p in "${progs[@]}"; do
		mkdir -p "$stage/$(dirname "$p")"
		cp "$B/$p" "$stage/$p"
	done
	for p in "${preloads[@]}"; do
		i=$((i + 1))
		cp "$p" "$stage/preload/$i-$(basename "$p")"
		pl+=(--preload "/suite/preload/$i-$(basename "$p")")
	done
	# Bound the whole boot: every program may use its timeout, per
	# mutant run, plus boot and shutdown.
	n=$(( ${#progs[@]} * (${#mutants[@]} > 0 ? ${#mutants[@]} : 1) ))
	vmt=$(( 120 + n * timeout ))
	if [ -n "$kernel_image" ]; then
		kargs=(--kernel-image "$kernel_image" ${modules:+--modules "$modules"})
	else
		kargs=(--kernel "$kernel")
	fi
	[ -n "$append" ] && kargs+=(--append "$append")
	# The fuzzer's seed and iterations reach the guest too (replay).
	local envs=() v
	# The model's knobs (model/README.md) reach the guest as on the host.
	for v in KPS_SEED KPS_FUZZ_ITERS MODEL_SEV MODEL_SEV_ES MODEL_SEV_SNP MODEL_TRACE MODEL_VENDOR MODEL_MUTANT; do
		[ -n "${!v:-}" ] && envs+=(--env "$v=${!v}")
	done
	"$SUITE/scripts/vm.sh" "${kargs[@]}" --timeout "$vmt" \
		--env "KPS_SUBSTRATE_INFO=qemu TCG -cpu max, $klabel" "${envs[@]}" \
		"$stage" -- sh ./executor.sh --root . "${pl[@]}" \
		"${exec_args[@]}" "${progs[@]}" 2>"$infra_log"
}

if [ "$substrate" = host ]; then
	banner+=$'\n'"# substrate: host /dev/kvm"
	out() { run_host; }
else
	klabel="Debian linux-image $kernel" kshort="Debian $kernel"
	if [ -n "$kernel_image" ]; then
		klabel="kernel image $kernel_image${modules:+ with modules $modules}"
		kshort=$klabel
	fi
	if [ $swpsp -eq 1 ]; then
		klabel="$kernel ($kernel_image)" kshort=$kernel
	fi
	[ -n "$append" ] && kshort+=", kernel parameters $append"
	banner+=$'\n'"# substrate: vm ($kshort under qemu TCG)${reason:+; $reason}"
	# Made here, not in run_vm's subshell, so that cleanup() removes it.
	stage=$(mktemp -d "${TMPDIR:-/tmp}/kps-stage.XXXXXX")
	out() { run_vm; }
fi

# The selection as typed, for the one line when it matches no case.
selection=""
for s in "${selects[@]}"; do selection+="${selection:+ }-t '$s'"; done
[ -n "$vtype" ] && selection+="${selection:+ }--type $vtype"

status=$(mktemp)
if [ $list -eq 1 ]; then
	{
		out | awk -v selection="$selection" '
			sub(/^@@CASE /, "") { print; n++ }
			END {
				if (!n && selection != "") {
					print "run_kvmtests.sh: no case matches " selection " (see --list)" > "/dev/stderr"
					exit 2
				}
			}'
		echo "${PIPESTATUS[@]}" >"$status"
	} &
	wait $!
	read -ra st <"$status"
	[ "${st[1]}" -eq 2 ] && exit 2
	exit "${st[0]}"
fi

# The last stage: expectations, JUnit and the report (scripts/results.sh).
post=(cat)
if [ -n "$expect$junit$report" ]; then
	post=("$SUITE/scripts/results.sh" --argv "$argv")
	[ -n "$expect" ] && post+=(--expect "$expect")
	[ -n "$junit" ] && post+=(--junit "$junit")
	[ -n "$report" ] && post+=(--report "$report")
fi
{
	out | awk -v banner="$banner" -v verbose="$verbose" -v targets="$targets" \
		-v selection="$selection" -v model="$model" \
		-v infra="$substrate substrate failed (see the lines below)" \
		-v tailfile="$infra_log" -f "$SUITE/scripts/ktap_lib.awk" -f "$SUITE/scripts/ktap.awk" | "${post[@]}"
	echo "${PIPESTATUS[@]}" >"$status"
} &
wait $!
read -ra st <"$status"
# A selection that matches no case: ktap.awk's one line, status 2.
[ "${st[1]}" -eq 2 ] && exit 2
rc=${st[1]}
# With --expect, expected failures do not fail the run; a report that
# cannot be written does.
if [ -n "$expect" ]; then
	rc=${st[2]}
elif [ "${st[2]}" -ne 0 ]; then
	rc=1
fi
[ $verbose -eq 1 ] && [ -s "$infra_log" ] && sed 's/^/# /' "$infra_log"
exit "$rc"
