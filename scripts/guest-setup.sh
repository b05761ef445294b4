# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# Sourced first by the /init of every guest ramdisk built on the VM
# substrate's base initramfs (scripts/vm.sh puts it there as
# /kps/setup.sh): scripts/vm-init.sh (the VM substrate) and
# lava/ramdisk-init.sh (the LAVA ramdisk). Busybox only; not meant to run
# on the host.

/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
# kselftest's run_kselftest.sh writes the programs' output to /dev/stdout,
# which devtmpfs lacks (udev makes it), and calls coreutils'
# timeout --foreground, which busybox's lacks (and busybox exits 143, not
# 124, on expiry).
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
rm -f /usr/bin/timeout
printf '%s\n' '#!/bin/sh' '[ "$1" = --foreground ] && shift' \
	'busybox timeout "$@"' 'rc=$?' '[ $rc -eq 143 ] && exit 124' 'exit $rc' \
	>/usr/bin/timeout
chmod 755 /usr/bin/timeout
