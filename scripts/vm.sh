#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# VM substrate: run COMMAND from PAYLOAD_DIR inside a stock Debian kernel
# booted under QEMU TCG with an emulated AMD SVM CPU, so that the guest has a
# real /dev/kvm (kvm_amd, nested=1) on hosts without one.
#
#   vm.sh [--kernel VERSION] [--kernel-image BZIMAGE [--modules DIR]]
#         [--timeout SECONDS] [--console-log FILE] [--env NAME=VALUE]...
#         [--append PARAMS]
#         PAYLOAD_DIR -- COMMAND [ARGS...]
#   vm.sh --prepare [--kernel VERSION]
#         fetch the Debian kernel and build its cached base initramfs, boot
#         nothing, print three lines: the kernel image, the base initramfs
#         and the kernel release (lava/lava.sh builds its ramdisk on them)
#
# The kernel package is fetched with apt-get download into
# $KPS_CACHE/kernels/VERSION (nothing installed system-wide), and a base
# initramfs (busybox, the kvm_amd module closure, /init from vm-init.sh) is
# built once per kernel. Each run packs PAYLOAD_DIR at /suite plus the shared
# libraries its ELF files need into a small second archive appended to the
# base one. COMMAND's output streams to stdout over the second serial port;
# the kernel console goes to a log file.
#
# Exit status: COMMAND's; 124 if the guest timed out; 125 on an
# infrastructure error (then "# vm: reason" and the console tail on stderr);
# 2 on bad usage.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

USAGE="usage: vm.sh [--kernel VERSION] [--kernel-image BZIMAGE [--modules DIR]] [--timeout SECONDS] [--console-log FILE] [--env NAME=VALUE]... [--append PARAMS] PAYLOAD_DIR -- COMMAND [ARGS...]"
# Bump when the base initramfs layout changes, so cached bases are rebuilt.
BASE_RECIPE=2
CMDLINE="console=ttyS0 quiet panic=-1 tsc=reliable"
# Single-threaded TCG: MTTCG with 2 vCPUs randomly panics the guest on VM
# create/destroy (int3 in __schedule); -cpu max gives x86-64-v2, SVM and NPT.
# xlevel=0x8000001f makes CPUID 0x8000001F exist (all zero: no SEV): libkvm
# reads the SEV C-bit position from the CPU's own CPUID without checking the
# maximum extended leaf, and -cpu max stops at 0x8000000a, so it got the
# out-of-range answer (EBX 0xa88, C-bit 8) and vm_untag_gpa() cleared GPA
# bit 8, which broke SEV guests run on the model (ucall pool misplaced).
QEMU_CPU=(-accel 'tcg,thread=single' -cpu max,xlevel=0x8000001f -smp 2 -m 2G)

tmp=
qpid=
console_log=

usage_error() {
	echo "vm.sh: error: $*; $USAGE" >&2
	exit 2
}

# Infrastructure failure (125) or guest timeout (124): one reason line, then
# the tail of the guest's kernel console.
vm_fail() {
	local rc=$1
	shift
	echo "# vm: $*" >&2
	if [ -n "$tmp" ] && [ -s "$tmp/console.log" ]; then
		tail -n 20 "$tmp/console.log" | tr -d '\r' | sed 's/^/# console: /' >&2
	fi
	exit "$rc"
}

# shellcheck disable=SC2317 # called from traps
cleanup() {
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
		qpid=
	fi
	if [ -n "$console_log" ] && [ -n "$tmp" ] && [ -f "$tmp/console.log" ]; then
		tr -d '\r' <"$tmp/console.log" >"$console_log" || true
	fi
	[ -z "$tmp" ] || rm -rf "$tmp"
	tmp=
}

# shellcheck disable=SC2317 # called from traps
on_signal() {
	trap - INT TERM HUP PIPE
	echo "# vm: interrupted by SIG$1" >&2
	cleanup
	case $1 in
	INT) exit 130 ;;
	PIPE) exit 141 ;;
	esac
	exit 143
}

now_us() {
	echo "${EPOCHREALTIME//[!0-9]/}"
}

# Microseconds between $1 and $2 as seconds with one decimal.
secs() {
	local d=$(($2 - $1))
	printf '%d.%d' $((d / 1000000)) $((d % 1000000 / 100000))
}

# Debian kernel version -> its unsigned image package:
# 6.12.117+deb12 -> linux-image-6.12.117+deb12-amd64-unsigned,
# 6.1.0-56 -> linux-image-6.1.0-56-amd64-unsigned.
kernel_package() {
	[[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+(\+deb[0-9]+|-[0-9]+)$ ]] || return 1
	echo "linux-image-$1-amd64-unsigned"
}

known_versions() {
	apt-cache pkgnames linux-image- 2>/dev/null |
		sed -n 's/^linux-image-\([0-9.]*\(+deb[0-9]*\|-[0-9]*\)\)-amd64-unsigned$/\1/p' |
		sort -V | tr '\n' ' ' | sed 's/ $//'
}

# Is $1 in apt's lists? Refresh them once if not (the mirror moves on).
apt_knows() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null 2>&1 || true
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

# Debian's kernel packages are fetched with apt-get and unpacked with
# dpkg-deb; elsewhere the kernel comes from --kernel-image.
debian_kernel_tools() {
	command -v apt-get >/dev/null && command -v apt-cache >/dev/null &&
		command -v dpkg-deb >/dev/null
}

no_debian_kernel() {
	echo "no kernel: the VM substrate boots Debian's $1, fetched with apt-get and dpkg-deb (absent here); pass --kernel-image BZIMAGE (x86_64 with KVM_AMD; --modules DIR if it is a module)"
}

# Fill $KPS_CACHE/kernels/$1 (root/ = the extracted package with modules.dep)
# and set kroot, kver, kimage.
fetch_kernel() {
	local ver=$1 pkg dir t0
	pkg=$(kernel_package "$ver") ||
		usage_error "--kernel '$ver' is not a Debian kernel version (e.g. $KPS_IMAGE_VERSION or 6.1.0-56)"
	dir=$KPS_CACHE/kernels/$ver
	if [ ! -f "$dir/.ready" ]; then
		debian_kernel_tools || vm_fail 125 "$(no_debian_kernel "$pkg")"
		# The .deb and the extracted image and modules (about 500 MB).
		kps_cache_ready 700
		if ! apt_knows "$pkg"; then
			echo "vm.sh: error: unknown kernel version '$ver': apt has no $pkg (known: $(known_versions))" >&2
			exit 2
		fi
		if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
			vm_fail 125 "cache directory $dir is not writable (set KPS_CACHE=DIR)"
		fi
		exec 9>"$dir/.lock"
		flock 9
		if [ ! -f "$dir/.ready" ]; then
			t0=$(now_us)
			kps_log "vm: fetching $pkg into $dir"
			rm -rf "$dir/deb" "$dir/root" "$dir"/base-*
			mkdir -p "$dir/deb"
			(cd "$dir/deb" && kps_apt_download "$pkg") ||
				vm_fail 125 "apt-get download $pkg failed"
			dpkg-deb -x "$dir"/deb/*.deb "$dir/root" ||
				vm_fail 125 "dpkg-deb -x of $pkg failed"
			rm -rf "$dir/deb"
			# Newer packages ship usr/lib/modules; depmod -b wants lib/modules.
			[ -d "$dir/root/lib/modules" ] || ln -s usr/lib "$dir/root/lib"
			kver=$(ls "$dir/root/lib/modules")
			if [ -z "$kver" ] || [ ! -f "$dir/root/boot/vmlinuz-$kver" ]; then
				vm_fail 125 "$pkg has no boot/vmlinuz-* and lib/modules/*"
			fi
			depmod -b "$dir/root" "$kver" ||
				vm_fail 125 "depmod -b $dir/root $kver failed"
			echo "$kver" >"$dir/release"
			touch "$dir/.ready"
			kps_log "vm: kernel $kver ready in $(secs "$t0" "$(now_us)")s"
		fi
		exec 9>&-
	fi
	kroot=$dir/root
	kver=$(cat "$dir/release")
	kimage=$kroot/boot/vmlinuz-$kver
}

# Write the base initramfs for the modules under $1/lib/modules/$2 ($1 empty:
# no modules, KVM built in) to $3.
build_base() {
	local mroot=$1 mkver=$2 out=$3 stage=$tmp/base cmd path name bb deps
	bb=$(command -v busybox || true)
	[ -n "$bb" ] || vm_fail 125 "busybox not found (a statically linked one; Debian: busybox-static)"
	# ldd says "not a dynamic executable" for a static binary.
	if ldd "$bb" >/dev/null 2>&1; then
		vm_fail 125 "$bb is dynamically linked: the guest has no libraries (Debian: busybox-static)"
	fi
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,suite,kps/mod}
	cp "$bb" "$stage/bin/busybox"
	cp "$here/vm-init.sh" "$stage/init"
	cp "$here/guest-setup.sh" "$stage/kps/setup.sh"
	chmod 755 "$stage/init"
	: >"$stage/kps/modules"
	if [ -n "$mroot" ]; then
		# -C /dev/null: the host's modprobe.d must not add options or blacklists.
		deps=$(modprobe -C /dev/null -d "$mroot" -S "$mkver" --show-depends kvm_amd 2>&1) ||
			vm_fail 125 "kvm_amd not found in $mroot/lib/modules/$mkver: $deps"
		while read -r cmd path _; do
			[ "$cmd" = insmod ] || continue
			name=$(basename "$path")
			# Decompressed here so the guest needs neither busybox's nor the
			# kernel's decompressor.
			case $name in
			*.ko.xz) name=${name%.xz}; xz -dc "$path" >"$stage/kps/mod/$name" ;;
			*.ko.zst) name=${name%.zst}; zstd -qdc "$path" >"$stage/kps/mod/$name" ;;
			*.ko.gz) name=${name%.gz}; gzip -dc "$path" >"$stage/kps/mod/$name" ;;
			*) cp "$path" "$stage/kps/mod/$name" ;;
			esac || vm_fail 125 "cannot unpack module $path"
			echo "$name" >>"$stage/kps/modules"
		done <<<"$deps"
	fi
	(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$out.tmp" ||
		vm_fail 125 "cannot write base initramfs $out"
	mv "$out.tmp" "$out"
	rm -rf "$stage"
}

# Cached base initramfs of a fetched kernel, keyed by the content of its
# scripts.
cached_base() {
	local key dir t0
	key=$({ echo "$BASE_RECIPE"; cat "$here/vm-init.sh" "$here/guest-setup.sh"; } | sha1sum | cut -c1-12)
	dir=$(dirname "$kroot")
	base=$dir/base-$key.cpio.gz
	# Used now: the clean-up below keeps it.
	touch -c "$base"
	[ -f "$base" ] && return 0
	exec 9>"$dir/.lock"
	flock 9
	if [ ! -f "$base" ]; then
		t0=$(now_us)
		# Bases of other recipes unused for a day: another checkout of the
		# suite (another version of the scripts) may still boot its own.
		find "$dir" -maxdepth 1 -name 'base-*.cpio.gz' -mmin +1440 -delete
		build_base "$kroot" "$kver" "$base"
		kps_log "vm: base initramfs $(($(stat -c %s "$base") / 1024)) KiB built in $(secs "$t0" "$(now_us)")s"
	fi
	exec 9>&-
}

# Single-quote $1 for /bin/sh.
shq() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# The per-run archive: PAYLOAD_DIR at /suite, the shared libraries (and ELF
# interpreter) its ELF files need at their host paths, /kps/run.conf.
build_payload() {
	local out=$1 stage=$tmp/payload f magic line lib cur='' real preal libc=''
	local -a elfs=() libs=()
	preal=$(cd "$payload" && pwd -P)
	mkdir -p "$stage/kps"
	ln -s "$preal" "$tmp/suite"
	while IFS= read -r -d '' f; do
		magic=
		LC_ALL=C read -r -n 4 magic <"$f" 2>/dev/null || true
		[ "$magic" = $'\x7fELF' ] && elfs+=("$f")
	done < <(find "$preal" -type f -print0)
	if [ ${#elfs[@]} -gt 0 ]; then
		# One ldd for all files; with several it heads each block "FILE:".
		while IFS= read -r line; do
			case $line in
			$'\t'*'=> not found'*)
				lib=${line#$'\t'}
				vm_fail 125 "bad payload: ${cur:-${elfs[0]}} needs ${lib%% =>*}, not found on the host" ;;
			$'\t'*/*' (0x'*)
				lib=${line#*/}
				lib=/${lib%% (0x*}
				libs+=("$lib") ;;
			*:) cur=${line%:} ;;
			esac
		done < <(ldd "${elfs[@]}" 2>/dev/null || true)
	fi
	for lib in "${libs[@]}"; do
		real=$(readlink -f "$lib")
		# $ORIGIN-relative libraries of the payload itself are in /suite.
		case $real in "$preal"/*) continue ;; esac
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib" || vm_fail 125 "bad payload: cannot copy $lib"
		case $lib in */libc.so.6) libc=$lib ;; esac
	done
	# glibc dlopen()s libgcc_s for pthread_exit/pthread_cancel unwinding.
	if [ -n "$libc" ] && [ -f "$(dirname "$libc")/libgcc_s.so.1" ] &&
		[ ! -e "$stage$(dirname "$libc")/libgcc_s.so.1" ]; then
		cp -L "$(dirname "$libc")/libgcc_s.so.1" "$stage$(dirname "$libc")/"
	fi
	{
		for f in "${envs[@]}"; do
			echo "export ${f%%=*}=$(shq "${f#*=}")"
		done
		printf 'set --'
		for f in "${command[@]}"; do
			printf ' %s' "$(shq "$f")"
		done
		echo
	} >"$stage/kps/run.conf"
	# Two archives in one gzip stream: the libraries and run.conf, then the
	# payload read through the "suite" symlink (find -H) without copying it.
	{
		(cd "$stage" && find . -mindepth 1 | cpio -o -H newc -R 0:0 --quiet) &&
			(cd "$tmp" && find -H suite -mindepth 1 | cpio -o -H newc -R 0:0 --quiet)
	} | gzip -1 >"$out" || vm_fail 125 "bad payload: cannot pack $payload"
}

# Version string of a bzImage (the header's kernel_version pointer at 0x20e).
bzimage_version() {
	local off
	off=$(od -An -tu2 -j 526 -N 2 "$1" 2>/dev/null | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 0
	dd if="$1" bs=1 skip=$((off + 512)) count=64 2>/dev/null | tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

# --- options ---
kernel=
kernel_image=
modules=
timeout_s=600
envs=()
append=
prepare=0
# vm.sh --check-kernel VERSION: exit 0 if VERSION is cached or apt offers
# it, else one line and status 2 (the runner and matrix.sh ask before they
# build or boot anything).
if [ "${1:-}" = --check-kernel ]; then
	[ $# -eq 2 ] || usage_error "--check-kernel needs one VERSION"
	pkg=$(kernel_package "$2") ||
		usage_error "--kernel '$2' is not a Debian kernel version (e.g. $KPS_IMAGE_VERSION or 6.1.0-56)"
	[ -f "$KPS_CACHE/kernels/$2/.ready" ] && exit 0
	debian_kernel_tools || { echo "vm.sh: error: $(no_debian_kernel "$pkg")" >&2; exit 2; }
	apt_knows "$pkg" && exit 0
	echo "vm.sh: error: unknown kernel version '$2': apt has no $pkg (known: $(known_versions))" >&2
	exit 2
fi

while [ $# -gt 0 ]; do
	case $1 in
	--kernel | --kernel-image | --modules | --timeout | --console-log | --env | --append)
		[ $# -ge 2 ] || usage_error "$1 needs a value"
		case $1 in
		--kernel) kernel=$2 ;;
		--kernel-image) kernel_image=$2 ;;
		--modules) modules=$2 ;;
		--timeout) timeout_s=$2 ;;
		--console-log) console_log=$2 ;;
		--env) envs+=("$2") ;;
		--append) append+="${append:+ }$2" ;;
		esac
		shift 2 ;;
	--prepare) prepare=1; shift ;;
	--) usage_error "PAYLOAD_DIR missing before --" ;;
	-*) usage_error "unknown option $1" ;;
	*) break ;;
	esac
done
if [ $prepare -eq 1 ]; then
	[ $# -eq 0 ] && [ -z "$kernel_image" ] || usage_error "--prepare takes --kernel VERSION only"
else
	[ $# -ge 1 ] || usage_error "PAYLOAD_DIR missing"
	payload=$1
	shift
	if [ $# -eq 0 ] || [ "$1" != -- ]; then
		usage_error "expected -- after PAYLOAD_DIR"
	fi
	shift
	[ $# -ge 1 ] || usage_error "COMMAND missing after --"
	command=("$@")
fi
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout '$timeout_s' is not a positive number of seconds"
for f in "${envs[@]}"; do
	[[ $f =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || usage_error "--env '$f' is not NAME=VALUE"
done
# Kernel parameters after the substrate's own (a later one wins).
[[ $append != *[$'\n\r']* ]] || usage_error "--append '$append' has a line break"
CMDLINE+=${append:+ $append}
if [ -n "$kernel_image" ]; then
	[ -z "$kernel" ] || usage_error "--kernel and --kernel-image exclude each other"
else
	[ -z "$modules" ] || usage_error "--modules needs --kernel-image"
	kernel=${kernel:-$KPS_IMAGE_VERSION}
fi

command -v qemu-system-x86_64 >/dev/null ||
	vm_fail 125 "qemu-system-x86_64 not found (Debian: qemu-system-x86)"
[ $prepare -eq 1 ] || [ -d "$payload" ] || vm_fail 125 "bad payload: $payload is not a directory"

trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP
# A reader that went away (vm.sh ... | head) must not leave qemu running.
trap 'on_signal PIPE' PIPE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kps-vm.XXXXXX")

# --- kernel and base initramfs ---
if [ -n "$kernel_image" ]; then
	[ -f "$kernel_image" ] || vm_fail 125 "--kernel-image $kernel_image: no such file"
	kimage=$kernel_image
	kver=$(bzimage_version "$kernel_image")
	label="${kver:-custom} ($kernel_image)"
	base=$tmp/base.cpio.gz
	if [ -n "$modules" ]; then
		[ -d "$modules" ] || vm_fail 125 "--modules $modules is not a directory"
		# DIR is lib/modules/<ver>: modprobe -d wants the root above it.
		mkver=$(basename "$(cd "$modules" && pwd -P)")
		mkdir -p "$tmp/mroot/lib/modules"
		ln -s "$(cd "$modules" && pwd -P)" "$tmp/mroot/lib/modules/$mkver"
		if [ ! -f "$modules/modules.dep" ]; then
			depmod -b "$tmp/mroot" "$mkver" 2>/dev/null ||
				vm_fail 125 "--modules $modules has no modules.dep and depmod failed"
		fi
		build_base "$tmp/mroot" "$mkver" "$base"
	else
		build_base "" "" "$base"
	fi
else
	fetch_kernel "$kernel"
	cached_base
	label="$kver (Debian $kernel)"
	if [ $prepare -eq 1 ]; then
		printf '%s\n' "$kimage" "$base" "$kver"
		exit 0
	fi
fi
qver=$(qemu-system-x86_64 --version | sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p')
kps_log "vm: kernel $label, qemu ${qver:-?}, tcg single-thread, -cpu max -smp 2 -m 2G${append:+, kernel parameters $append}"

t0=$(now_us)
build_payload "$tmp/payload.cpio.gz"
cat "$base" "$tmp/payload.cpio.gz" >"$tmp/initrd"
kps_log "vm: payload $(($(stat -c %s "$tmp/payload.cpio.gz") / 1024)) KiB packed in $((($(now_us) - t0) / 1000))ms"

# --- boot ---
# ttyS0 (kernel console) -> log file; ttyS1 (command output) -> a FIFO read
# here line by line, so the output streams while the guest runs.
mkfifo "$tmp/out"
t_boot=$(now_us)
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${QEMU_CPU[@]}" \
	-nodefaults -display none -monitor none -no-reboot -net none \
	-serial "file:$tmp/console.log" -serial stdio \
	-kernel "$kimage" -initrd "$tmp/initrd" -append "$CMDLINE" \
	</dev/null >"$tmp/out" 2>"$tmp/qemu.err" &
qpid=$!

rc=
infra=
t_start=
empty=0
while IFS= read -r line || [ -n "$line" ]; do
	line=${line%$'\r'}
	case $line in
	*@@KPS-START\ *)
		t_start=$(now_us)
		kps_log "vm: boot-to-command $(secs "$t_boot" "$t_start")s (guest uptime ${line##* }s)"
		empty=0
		continue ;;
	*@@KPS-EXIT\ *)
		# All held-back empty lines but the one /init added are output.
		while [ $empty -gt 1 ]; do echo; empty=$((empty - 1)); done
		empty=0
		[ -z "${line%%@@KPS-EXIT *}" ] || printf '%s\n' "${line%%@@KPS-EXIT *}"
		rc=${line##* }
		continue ;;
	*@@KPS-INFRA\ *)
		infra=${line#*@@KPS-INFRA }
		continue ;;
	'')
		# Held back: /init adds one "\n" before @@KPS-EXIT.
		empty=$((empty + 1))
		continue ;;
	esac
	while [ $empty -gt 0 ]; do echo; empty=$((empty - 1)); done
	printf '%s\n' "$line"
done <"$tmp/out"
while [ $empty -gt 0 ]; do echo; empty=$((empty - 1)); done

qrc=0
wait "$qpid" || qrc=$?
qpid=
t_end=$(now_us)
if [ -n "$t_start" ]; then
	kps_log "vm: command $(secs "$t_start" "$t_end")s, qemu total $(secs "$t_boot" "$t_end")s"
fi

oops=$(tr -d '\r' <"$tmp/console.log" 2>/dev/null |
	grep -m1 -E 'Kernel panic - not syncing|Oops: |general protection fault|BUG: unable to handle|BUG: soft lockup' || true)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	if [ -n "$t_start" ]; then
		vm_fail 124 "guest timed out after ${timeout_s}s (command ran $(secs "$t_start" "$t_end")s)${oops:+; console: $oops}"
	fi
	vm_fail 124 "guest timed out after ${timeout_s}s before the command started${oops:+; console: $oops}"
fi
[ -z "$infra" ] || vm_fail 125 "guest: $infra"
[ -z "$oops" ] || vm_fail 125 "guest kernel failure: $oops"
[ "$qrc" = 0 ] || vm_fail 125 "qemu exited with status $qrc: $(grep -v '^$' "$tmp/qemu.err" | head -n1)"
[ -n "$rc" ] || vm_fail 125 "guest powered off without the exit sentinel"
exit "$rc"
