#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# /init of the LAVA ramdisk (lava/lava.sh builds it from the VM substrate's
# base initramfs: busybox and the kvm_amd module closure of the kernel under
# test). Unlike scripts/vm-init.sh it runs no command: it loads kvm_amd and
# leaves a root shell on the console (ttyS0), where LAVA's test shell types
# its commands and reads the results. LAVA has already unpacked its overlay
# (/lava-<job>) and the kselftest tarball into this ramdisk.

# Busybox applets, PATH, HOME, /proc, /sys, /dev (with /dev/std*), /tmp
# and kselftest's timeout: the part shared with scripts/vm-init.sh.
. /kps/setup.sh

# The kernel console is LAVA's only channel: kernel messages in the middle of
# a "<LAVA_SIGNAL_TESTCASE ...>" line would cut a result, so keep only
# emergencies on it (dmesg still holds everything).
dmesg -n 1

mods=
if [ -s /kps/modules ]; then
	while read -r m; do
		if ! err=$(insmod "/kps/mod/$m" 2>&1); then
			echo "kps-lava: error: insmod $m failed: $err"
			break
		fi
		mods="$mods $m"
	done </kps/modules
fi
i=0
while [ ! -c /dev/kvm ] && [ $i -lt 20 ]; do
	i=$((i + 1))
	sleep 0.1
done
if [ -c /dev/kvm ]; then
	echo "kps-lava: /dev/kvm ready, modules:${mods:- none}"
else
	# The suite reports the missing /dev/kvm itself (SKIP naming it).
	echo "kps-lava: error: no /dev/kvm after loading${mods:- no modules}"
fi
read -r up _ </proc/uptime
echo "kps-lava: kernel $(uname -r), uptime ${up}s"

# LAVA matches this prompt (the job's boot "prompts"). A shell that exits
# is started again: PID 1 must not return.
export PS1='kps-lava# '
while :; do
	setsid cttyhack sh -l
done
