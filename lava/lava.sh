#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `make lava`: run the suite as a kernel CI farm does, through LAVA, on this
# machine, and check LAVA's results against the suite's own KTAP.
#
#   lava.sh [--out DIR] [--skipfile FILE] [--ktap FILE] [--artifacts-only]
#
# 1. Artifacts (DIR/artifacts, all handed to LAVA as file:// URLs):
#    - bzImage: the VM substrate's kernel (Debian linux-image, from the
#      cache; scripts/vm.sh fetches it and builds its base initramfs once);
#    - ramdisk.cpio.gz: that base initramfs (busybox, kvm_amd and its
#      module closure) with lava/ramdisk-init.sh as /init and the shared
#      libraries the test programs need;
#    - kselftest.tar.gz: the suite copied into a copy of the pinned kernel
#      tree and packed by the tree's own
#      `make -C tools/testing/selftests TARGETS=kvm gen_tar` (kept in
#      build/lava-tarball, keyed by the sources it is built from);
#    - testdef.tar.gz: the test definition (lava/kselftest-kvm.yaml and
#      its script, plus the suite's KTAP scripts it uses, and the skipfile).
# 2. lava/job.yaml with those URLs, run by Debian's lava-run on the device
#    description lava/device-qemu.yaml: deploy to tmpfs (LAVA puts its test
#    overlay and the kselftest tarball into the ramdisk), boot with qemu,
#    run the test definition over the serial console.
# 3. The job log's results (DIR/results.yaml) against the suite's KTAP
#    (`run_kvmtests.sh --vm --with-upstream`, or --ktap FILE) case by case,
#    by lava/compare.py: same names, same verdicts, same SKIP reasons, same
#    counts, and the skipfile's cases skipped without running.
#
# Exit status: 0 when LAVA's results match, 1 when they do not or the job
# failed, 2 on bad usage, 3 when lava-dispatcher is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=../scripts/common.sh
. "$suite/scripts/common.sh"
me=lava.sh

out=$suite/build/lava
skipfile=
ktap=
artifacts_only=0
usage() {
	echo "$me: usage: lava.sh [--out DIR] [--skipfile FILE] [--ktap FILE] [--artifacts-only]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--out | --skipfile | --ktap)
		[ $# -ge 2 ] || usage
		case $1 in
		--out) out=$2 ;;
		--skipfile) skipfile=$2 ;;
		--ktap) ktap=$2 ;;
		esac
		shift 2 ;;
	--artifacts-only) artifacts_only=1; shift ;;
	*) usage ;;
	esac
done
if [ -n "$skipfile" ]; then
	[ -r "$skipfile" ] || { echo "$me: skipfile $skipfile not found" >&2; exit 2; }
	skipfile=$(cd "$(dirname "$skipfile")" && pwd)/$(basename "$skipfile")
fi
if [ -n "$ktap" ]; then
	[ -r "$ktap" ] || { echo "$me: KTAP file $ktap not found" >&2; exit 2; }
	ktap=$(cd "$(dirname "$ktap")" && pwd)/$(basename "$ktap")
fi
# Packages: what the artifacts need, and lava-dispatcher for the job
# (installed with apt-get when missing, as the runner does).
"$suite/scripts/setup.sh" build vm || exit 1
if [ $artifacts_only -eq 0 ]; then
	"$suite/scripts/setup.sh" lava >&2 || true
	if ! command -v lava-run >/dev/null; then
		echo "$me: lava-run not found and lava-dispatcher could not be installed (apt-get install lava-dispatcher)" >&2
		exit 3
	fi
fi

# lava-dispatcher brings Debian's python3 with python3-yaml.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
log() { echo "# lava: $*"; }

mkdir -p "$out"
out=$(cd "$out" && pwd)
art=$out/artifacts
work=$(mktemp -d "${TMPDIR:-/tmp}/kps-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$art"
t_all=$(now)

# --- kernel and base initramfs: the VM substrate's ---
t0=$(now)
# The kernel fetched and its base initramfs built (cached), no boot.
{ read -r kimage && read -r base && read -r kver; } < <("$suite/scripts/vm.sh" --prepare) ||
	{ echo "$me: scripts/vm.sh could not prepare kernel $KPS_IMAGE_VERSION" >&2; exit 1; }
cp "$kimage" "$art/bzImage"
log "kernel $kver (Debian $KPS_IMAGE_VERSION), base initramfs $(basename "$base") ($(took "$t0"))"

# --- kselftest tarball: the tree's gen_tar, cached by the suite's content ---
t0=$(now)
kdir=$("$suite/scripts/ksrc.sh")
# What the tarball is built from: the programs, their helpers, the build.
files=$(cd "$suite" && find x86_64 include lib Makefile suite.mk config settings \
	scripts/intree.mk scripts/intree.sh scripts/kvmdir.sh -type f 2>/dev/null | sort)
key=$( (cd "$suite" && echo "$kdir" && while IFS= read -r f; do
	[ -f "$f" ] && sha1sum "$f"; done <<<"$files") | sha1sum | cut -c1-12)
# Kept beside the build, whatever --out says, so later runs reuse it.
tcache=$suite/build/lava-tarball
mkdir -p "$tcache"
tarball=$tcache/kselftest-$key.tar.gz
# One build at a time (make lava and tests/test_lava.sh share the cache).
exec 8>"$tcache/.lock"
flock 8
if [ ! -f "$tarball" ]; then
	rm -f "$tcache"/kselftest-*.tar.gz
	st=tools/testing/selftests
	"$suite/scripts/intree.sh" slim "$kdir" "$work/linux"
	# --replace: the tree's kvm Makefile gives way to the suite's, which
	# builds the suite's programs and upstream's SEV tests only (the ones
	# run_kvmtests.sh --with-upstream runs, which the comparison needs);
	# upstream's other kvm tests would take hours under TCG.
	"$suite/scripts/intree.sh" copy --replace "$work/linux/$st/kvm"
	# A make above us (make lava) must not pass its MAKELEVEL: lib.mk
	# picks OUTPUT by it.
	if ! (unset MAKELEVEL MAKEFLAGS MFLAGS
		make -j"$(nproc)" -C "$work/linux/$st" TARGETS=kvm gen_tar \
			INSTALL_PATH="$work/inst") >"$work/gen_tar.log" 2>&1; then
		tail -n 20 "$work/gen_tar.log" >&2
		echo "$me: make -C $st TARGETS=kvm gen_tar failed" >&2
		exit 1
	fi
	cp "$work/inst/kselftest-packages/kselftest.tar.gz" "$tarball"
	rm -rf "$work/linux" "$work/inst"
	log "kselftest.tar.gz built by the tree's gen_tar ($(took "$t0"))"
else
	log "kselftest.tar.gz up to date ($(basename "$tarball"))"
fi
cp "$tarball" "$art/kselftest.tar.gz"
exec 8>&-

# --- ramdisk ---
t0=$(now)
stage=$work/ramdisk
mkdir -p "$stage" "$work/inst"
(cd "$stage" && gzip -dc "$base" | cpio -idm --quiet)
# The base's /kps/setup.sh (scripts/guest-setup.sh) sets up what
# kselftest's runner needs; ramdisk-init.sh sources it.
cp "$here/ramdisk-init.sh" "$stage/init"
chmod 755 "$stage/init"
# The shared libraries (and ELF interpreter) of the installed programs.
tar -xzf "$art/kselftest.tar.gz" -C "$work/inst"
mapfile -t elfs < <(find "$work/inst" -type f -exec sh -c \
	'for f; do [ "$(head -c 4 "$f")" = "$(printf "\177ELF")" ] && echo "$f"; done' sh {} +)
[ ${#elfs[@]} -gt 0 ] || { echo "$me: no program in the kselftest tarball" >&2; exit 1; }
libc=
while IFS= read -r lib; do
	[ -e "$stage$lib" ] && continue
	mkdir -p "$stage$(dirname "$lib")"
	cp -L "$lib" "$stage$lib"
	case $lib in */libc.so.6) libc=$lib ;; esac
done < <(ldd "${elfs[@]}" 2>/dev/null | sed -n 's/^[^/]*\(\/[^ ]*\) (0x.*/\1/p' | sort -u)
# glibc dlopen()s libgcc_s for pthread_exit unwinding (as scripts/vm.sh).
if [ -n "$libc" ] && [ -f "$(dirname "$libc")/libgcc_s.so.1" ]; then
	cp -L "$(dirname "$libc")/libgcc_s.so.1" "$stage$(dirname "$libc")/"
fi
(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$art/ramdisk.cpio.gz"
log "ramdisk $(($(stat -c %s "$art/ramdisk.cpio.gz") / 1024)) KiB: base + lava/ramdisk-init.sh + libraries of ${#elfs[@]} programs ($(took "$t0"))"

# --- test definition ---
mkdir -p "$work/testdef/lava" "$work/testdef/scripts"
cp "$here/kselftest-kvm.yaml" "$here/kselftest-kvm.sh" "$work/testdef/lava/"
cp "$suite/scripts/executor.sh" "$suite/scripts/ktap.awk" "$suite/scripts/ktap_lib.awk" \
	"$work/testdef/scripts/"
skiparg=
if [ -n "$skipfile" ]; then
	# Under its own name: the skip lines cite it.
	mkdir -p "$work/testdef/lava/skipfiles"
	cp "$skipfile" "$work/testdef/lava/skipfiles/"
	skiparg=lava/skipfiles/$(basename "$skipfile")
fi
tar -czf "$art/testdef.tar.gz" -C "$work/testdef" .
sed -e "s|@KERNEL_URL@|file://$art/bzImage|" \
	-e "s|@RAMDISK_URL@|file://$art/ramdisk.cpio.gz|" \
	-e "s|@KSELFTEST_URL@|file://$art/kselftest.tar.gz|" \
	-e "s|@TESTDEF_URL@|file://$art/testdef.tar.gz|" \
	-e "s|@SKIPFILE@|$skiparg|" \
	-e "s|@KERNEL_VERSION@|$KPS_IMAGE_VERSION|" \
	"$here/job.yaml" >"$out/job.yaml"
if grep -n '@[A-Z_]*@' "$out/job.yaml" >&2; then
	echo "$me: placeholders left in $out/job.yaml" >&2
	exit 1
fi
log "job $out/job.yaml, artifacts in $art"
[ $artifacts_only -eq 0 ] || exit 0

# --- the job ---
t0=$(now)
rm -rf "$out/run"
job_rc=0
lava-run --job-id "kps$$" --output-dir "$out/run" --device "$here/device-qemu.yaml" \
	"$out/job.yaml" >"$out/lava.log" 2>&1 || job_rc=$?
log "lava-run exited $job_rc ($(took "$t0")); job log $out/lava.log"
"$py" "$here/compare.py" extract "$out/lava.log" >"$out/results.yaml" ||
	{ echo "$me: no results in $out/lava.log" >&2; exit 1; }

# --- the suite's KTAP, and the comparison ---
if [ -z "$ktap" ]; then
	t0=$(now)
	ktap=$out/suite.ktap
	"$suite/run_kvmtests.sh" --vm --with-upstream >"$ktap" 2>"$out/suite.err" || true
	log "suite KTAP: run_kvmtests.sh --vm --with-upstream ($(took "$t0")): $(tail -n 1 "$ktap")"
fi
rc=0
"$py" "$here/compare.py" compare --results "$out/results.yaml" --log "$out/lava.log" \
	--ktap "$ktap" ${skipfile:+--skipfile "$skipfile"} || rc=1
[ $job_rc -eq 0 ] || { echo "$me: the LAVA job failed (lava-run exit $job_rc)"; rc=1; }
log "total $(took "$t_all")"
exit $rc
