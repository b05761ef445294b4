#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# --preload: a user library sits above the model (it sees the test's calls
# first and the model's answers below it), in the order given, on both
# substrates.
. "$(dirname "$0")/lib.sh"
R=$SUITE/run_kvmtests.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A tracer: report what the layer below answers for KVM_CAP_VM_TYPES.
shim() {
	cat >"$tmp/$1.c" <<C
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <linux/kvm.h>

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, void *);
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT, "ioctl");
	r = real(fd, req, arg);
	if (req == KVM_CHECK_EXTENSION && (long)arg == KVM_CAP_VM_TYPES)
		fprintf(stderr, "# $1: VM_TYPES from below 0x%x\n", r);
	return r;
}
C
	gcc -shared -fPIC -O2 -isystem "$("$SUITE/scripts/ksrc.sh")/usr/include" \
		-o "$tmp/$1.so" "$tmp/$1.c" -ldl
}
shim first
shim second

subs=(--vm)
"$SUITE/build/tools/kvm_env" --probe >/dev/null 2>&1 && subs+=(--host)
for sub in "${subs[@]}"; do
	out=$("$R" "$sub" -v --model --preload "$tmp/first.so" --preload "$tmp/second.so" \
		-t vm_types_test.vm_type.sev_es.create 2>&1)
	t_eq "${sub#--}: run passes" "1 passed, 0 failed, 0 skipped" "$(grep -E '^[0-9]+ passed' <<<"$out" | tail -1)"
	t_match "${sub#--}: the first library sees the model's VM types" "^# first: VM_TYPES from below 0x1d$" "$out"
	t_match "${sub#--}: the second library sees them too" "^# second: VM_TYPES from below 0x1d$" "$out"
	# The lowest library returns first, so it reports first.
	t_match "${sub#--}: the second library is below the first" "^# second: " \
		"$(grep -m1 -E '^# (first|second): ' <<<"$out")"
done
t_done
