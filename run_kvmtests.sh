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
  --host | --vm        force the substrate (default: host if /dev/kvm can
                       create a VM, else the VM substrate)
  --kernel VERSION     Debian linux-image the VM substrate boots
                       (default $KPS_IMAGE_VERSION)
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
vtype="" timeout=600 substrate="" kernel=$KPS_IMAGE_VERSION
list=0 model=0 verbose=0 upstream=0 list_mutants=0 print_substrate=0

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
	--host) substrate=host ;;
	--vm) substrate=vm ;;
	--kernel)
		need_arg "$@"
		[[ $2 =~ ^[0-9]+\.[0-9]+[.0-9a-z+~-]*$ ]] || bad "--kernel needs a Debian kernel version such as $KPS_IMAGE_VERSION or 6.1.0-56, not '$2'"
		kernel=$2; shift ;;
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
	*) bad "unknown option '$1' (accepted: --list -t --type --timeout --host --vm --kernel --model --preload --mutant --list-mutants --with-upstream --print-substrate -v -h)" ;;
	esac
	shift
done

# Set up: packages, the kernel tree and the build.
"$SUITE/scripts/setup.sh" build || exit 1
buildlog=$(mktemp)
trap 'rm -f "$buildlog"' EXIT
if ! make -C "$SUITE" -j"$(nproc)" all >"$buildlog" 2>&1; then
	grep -v '^make' "$buildlog" | tail -20 >&2
	echo "$(basename "$0"): error: build failed (see above)" >&2
	exit 1
fi
tree=$(cat "$SUITE/build/.tree")
B=$SUITE/build

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
			expanded+=($known)
		elif grep -qx -- "$m" <<<"$known"; then
			expanded+=("$m")
		else
			bad "unknown mutant '$m' (see --list-mutants)"
		fi
	done
	mutants=("${expanded[@]}")
fi

# Programs: the suite's own, in a fixed order, then upstream's on request.
progs=()
for p in "$B"/x86_64/*; do
	[ -x "$p" ] && [ -f "$p" ] && progs+=("x86_64/$(basename "$p")")
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
	banner+=$'\n'"# model: SEV/SEV-ES/SNP software model ($MODEL_SO) over real KVM"
fi

exec_args=(--timeout "$timeout")
[ -n "$vtype" ] && exec_args+=(--type "$vtype")
for s in "${selects[@]}"; do exec_args+=(--select "$s"); done
[ $list -eq 1 ] && exec_args+=(--list-only)
for m in "${mutants[@]}"; do exec_args+=(--mutant "$m"); done
[ ${#mutants[@]} -gt 0 ] && exec_args+=(--stop-on-fail)

infra_log=$(mktemp)
stage=""
cleanup() {
	rm -f "$buildlog" "$infra_log"
	[ -n "$stage" ] && rm -rf "$stage"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_host() {
	local pl=() p
	for p in "${preloads[@]}"; do pl+=(--preload "$p"); done
	KPS_SUBSTRATE=host "$SUITE/scripts/executor.sh" --root "$B" \
		"${pl[@]}" "${exec_args[@]}" "${progs[@]}" 2>&1
}

run_vm() {
	local pl=() p i=0 n vmt
	stage=$(mktemp -d "${TMPDIR:-/tmp}/kps-stage.XXXXXX")
	mkdir -p "$stage/tools" "$stage/preload"
	cp "$SUITE/scripts/executor.sh" "$stage/"
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
	"$SUITE/scripts/vm.sh" --kernel "$kernel" --timeout "$vmt" \
		--env "KPS_SUBSTRATE_INFO=qemu TCG -cpu max, Debian linux-image $kernel" \
		"$stage" -- sh ./executor.sh --root . "${pl[@]}" \
		"${exec_args[@]}" "${progs[@]}" 2>"$infra_log"
}

if [ "$substrate" = host ]; then
	banner+=$'\n'"# substrate: host /dev/kvm"
	out() { run_host; }
else
	banner+=$'\n'"# substrate: vm (Debian $kernel under qemu TCG)${reason:+; $reason}"
	out() { run_vm; }
fi

if [ $list -eq 1 ]; then
	out | sed -n 's/^@@CASE //p'
	exit "${PIPESTATUS[0]}"
fi

out | awk -v banner="$banner" -v verbose="$verbose" \
	-v infra="$substrate substrate failed (see the lines below)" \
	-v tailfile="$infra_log" -f "$SUITE/scripts/ktap.awk"
rc=${PIPESTATUS[1]}
[ $verbose -eq 1 ] && [ -s "$infra_log" ] && sed 's/^/# /' "$infra_log"
exit "$rc"
