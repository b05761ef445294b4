#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# /init of the VM substrate's guest: scripts/vm.sh copies this file into the
# base initramfs; it is not meant to run on the host.
#
# Channels: ttyS0 is the kernel console (a log file on the host), ttyS1
# carries only the command's output and the @@KPS-* lines vm.sh parses, so
# kernel messages never interleave with the command's output.
#   @@KPS-START <uptime>   the command starts now
#   @@KPS-EXIT <status>    the command ended with <status>
#   @@KPS-INFRA <reason>   the guest could not run the command
# The run's parameters come from the payload archive: /kps/run.conf exports
# the --env variables and sets the positional parameters to COMMAND ARGS.

# Busybox applets, PATH, HOME, /proc, /sys, /dev (with /dev/std*), /tmp
# and kselftest's timeout: the part shared with lava/ramdisk-init.sh.
. /kps/setup.sh

# Raw mode: no "\n" -> "\r\n" translation, no echo of anything the host sends.
exec 3<>/dev/ttyS1
stty raw -echo <&3

# Progress and diagnostics go to the kernel console (fd 1 and 2 of init),
# so that the console tail vm.sh shows on failures says how far /init got.
infra() {
	echo "kps-init: error: $*"
	dmesg | tail -n 15
	echo "@@KPS-INFRA $*" >&3
	sync
	poweroff -f
	sleep 10
}

# Module closure of kvm_amd in dependency order (empty for a kernel with KVM
# built in).
if [ -s /kps/modules ]; then
	while read -r m; do
		err=$(insmod "/kps/mod/$m" 2>&1) ||
			infra "insmod $m failed: $(echo "$err" | tr '\n' ' ')"
	done </kps/modules
fi

mods=$(tr '\n' ' ' </kps/modules 2>/dev/null)
# devtmpfs creates the node when kvm registers its misc device; allow a
# moment in case that is asynchronous.
i=0
while [ ! -c /dev/kvm ]; do
	i=$((i + 1))
	[ $i -le 20 ] || infra "no /dev/kvm after loading ${mods:-no modules (kernel without KVM_AMD=y?)}"
	sleep 0.1
done

echo "kps-init: modules: ${mods:-none}"
dmesg | grep -E 'kvm|SVM' | tail -n 5

[ -r /kps/run.conf ] || infra "payload archive has no /kps/run.conf"
[ -d /suite ] || infra "payload archive has no /suite"
export KPS_SUBSTRATE=vm
# shellcheck source=/dev/null
. /kps/run.conf
cd /suite || infra "cannot cd /suite"

read -r up _ </proc/uptime
echo "kps-init: running $* at uptime $up"
echo "@@KPS-START $up" >&3
# A subshell, so that even a shell builtin cannot end PID 1.
("$@") </dev/null >&3 2>&3
rc=$?
echo "kps-init: exit status $rc"
# Leading newline: the command's last line may lack one; vm.sh drops the
# empty line this adds otherwise.
printf '\n@@KPS-EXIT %d\n' "$rc" >&3
sync
poweroff -f
sleep 10
