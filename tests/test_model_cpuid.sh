#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The model's CPUID leaf 0x8000001F as the program's own cpuid instruction
# sees it (model/cpuid.c): the AMD host the model presents on any host
# vendor. Where the host implements the leaf (AMD) the model leaves every
# leaf alone; where it does not (Intel) and the CPU has CPUID faulting, the
# model answers 0x80000000 >= 0x8000001F and 0x8000001F with the SEV bits of
# its kvm_amd parameters and C-bit position 0.
. "$(dirname "$0")/lib.sh"
MODEL=$SUITE/build/model/libkvm_sev_model.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/leaf.c" <<'C'
#include <cpuid.h>
#include <stdio.h>

int main(void)
{
	unsigned int a, b, c, d;

	__cpuid(0x80000000, a, b, c, d);
	printf("max=%#x", a);
	__cpuid_count(0x8000001f, 0, a, b, c, d);
	printf(" eax=%#x cbit=%u\n", a, b & 0x3f);
	return 0;
}
C
gcc -O2 -o "$tmp/leaf" "$tmp/leaf.c" ||
	{ t_result 1 "model_cpuid: build" "gcc failed"; t_done; exit; }
[ -f "$MODEL" ] || { t_result 1 "model_cpuid: $MODEL exists" "run make"; t_done; exit; }

raw=$("$tmp/leaf")
max=$(sed 's/^max=\([^ ]*\).*/\1/' <<<"$raw")
if [ $((max)) -ge $((0x8000001f)) ]; then
	t_eq "model_cpuid: host leaf 0x8000001F passes through" "$raw" \
		"$(LD_PRELOAD=$MODEL "$tmp/leaf")"
elif ! grep -qw cpuid_fault /proc/cpuinfo; then
	echo "ok 1 model_cpuid # SKIP host lacks leaf 0x8000001F and CPUID faulting (cpuid_fault)"
	echo "1..1"
	exit 0
else
	t_eq "model_cpuid: SEV, SEV-ES, SNP" "max=0x8000001f eax=0x1a cbit=0" \
		"$(LD_PRELOAD=$MODEL "$tmp/leaf")"
	t_eq "model_cpuid: kvm_amd.sev_snp=N" "max=0x8000001f eax=0xa cbit=0" \
		"$(MODEL_SEV_SNP=0 LD_PRELOAD=$MODEL "$tmp/leaf")"
	t_eq "model_cpuid: kvm_amd.sev=N" "max=0x8000001f eax=0 cbit=0" \
		"$(MODEL_SEV=0 LD_PRELOAD=$MODEL "$tmp/leaf")"
	# A real fault still kills the program with SIGSEGV.
	printf 'int main(void){return *(volatile int *)0;}\n' >"$tmp/crash.c"
	gcc -o "$tmp/crash" "$tmp/crash.c"
	(LD_PRELOAD=$MODEL "$tmp/crash") 2>/dev/null
	t_eq "model_cpuid: a NULL dereference still ends in SIGSEGV" 139 $?
fi
t_done
