# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the suite's scripts. Sourced, not executed.
#
# The pinned kernel: the one Debian linux-source package whose tree provides
# the kselftest harness, libkvm and checkpatch.pl, and the linux-image the VM
# substrate boots by default. Change the version here and nowhere else.
KPS_SOURCE_PKG=linux-source-6.12
KPS_SOURCE_VERSION=6.12.117-1~deb12u1
KPS_IMAGE_VERSION=6.12.117+deb12
# The pinned tree with the software Secure Processor (kernel/swpsp/, built
# by scripts/swpsp-kernel.sh): --kernel names it like a Debian version.
KPS_SWPSP_VERSION=6.12.117+swpsp
# The same with the KVM fixes kernel/fixes/*.patch on top
# (scripts/swpsp-kernel.sh --fixes).
KPS_SWPSP_FIXES_VERSION=$KPS_SWPSP_VERSION+fixes

KPS_CACHE=${KPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvm-protected-state}

kps_die() {
	echo "$(basename "$0"): error: $*" >&2
	exit 1
}

kps_log() {
	echo "# $*" >&2
}

# Fail with one line if the cache directory cannot be used, or has less than
# $1 MB free (what the download about to start needs).
kps_cache_ready() {
	local need=${1:-0} avail probe=$KPS_CACHE/.kps-write-test
	mkdir -p "$KPS_CACHE" 2>/dev/null ||
		kps_die "cannot create cache directory $KPS_CACHE (set KPS_CACHE=DIR)"
	[ -w "$KPS_CACHE" ] ||
		kps_die "cache directory $KPS_CACHE is not writable (set KPS_CACHE=DIR)"
	# -w passes on a full file system: write one block.
	if ! { head -c 4096 /dev/zero >"$probe"; } 2>/dev/null; then
		rm -f "$probe" 2>/dev/null
		kps_die "cannot write to cache directory $KPS_CACHE (file system full or read-only; set KPS_CACHE=DIR)"
	fi
	rm -f "$probe"
	avail=$(df -Pk "$KPS_CACHE" 2>/dev/null | awk 'NR == 2 { print int($4 / 1024) }')
	if [ -n "$avail" ] && [ "$avail" -lt "$need" ]; then
		kps_die "cache directory $KPS_CACHE has $avail MB free, $need MB needed (set KPS_CACHE=DIR)"
	fi
}

# apt-get download into the current directory, waiting for the dpkg lock and
# keeping apt's sandbox warning out of the output.
kps_apt_download() {
	local tries=0
	until apt-get download -q "$@" 2>apt.err >/dev/null; do
		tries=$((tries + 1))
		if grep -q 'Unable to locate\|Can.t select' apt.err && [ $tries -eq 1 ]; then
			apt-get update -qq >/dev/null 2>&1 || true
			continue
		fi
		if [ $tries -ge 30 ]; then
			grep -v '^W:' apt.err >&2
			rm -f apt.err
			return 1
		fi
		sleep 2
	done
	rm -f apt.err
}
