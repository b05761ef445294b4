#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Outside Debian: scripts/setup.sh, make and the runner where dpkg and
# apt-get are absent and the tools are already there (a PATH of links to
# every command of this machine but dpkg* and apt*). setup.sh checks tools,
# not packages: all present, exit 0 and no apt-get; one missing, one line
# naming it and exit 1. On Debian (dpkg and apt-get present) a missing tool
# is installed with apt-get as root, or named with its package otherwise.
# The Debian-only artefacts (the cached kernel tree from linux-source, the
# VM substrate's kernel package) are named in one line with what to pass
# instead (KSRC=, --kernel-image), and the VM substrate boots a kernel
# image it is given.
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=$SUITE/scripts/setup.sh

# nodeb [NAME...]: a directory of links to the system's commands without
# dpkg*, apt* and the NAMEs.
nodeb() {
	local d=$tmp/nodeb-$# f n skip
	mkdir -p "$d"
	for f in /usr/local/sbin/* /usr/local/bin/* /usr/sbin/* /usr/bin/* /sbin/* /bin/*; do
		n=${f##*/}
		[ -x "$f" ] && [ ! -d "$f" ] && [ ! -e "$d/$n" ] || continue
		case $n in dpkg* | apt*) continue ;; esac
		for skip; do [ "$n" = "$skip" ] && continue 2; done
		ln -s "$f" "$d/$n"
	done
	echo "$d"
}
# A logging apt-get beside dpkg-less PATHs: any call is recorded. Without
# dpkg, setup.sh must not take the machine for Debian.
mkdir -p "$tmp/log"
cat >"$tmp/log/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$tmp/apt.log"
EOF
chmod +x "$tmp/log/apt-get"
: >"$tmp/apt.log"

all=$(nodeb)
t_eq "the PATH has no dpkg and no apt-get" "" "$(ls "$all" | grep -E '^(dpkg|apt-get)$')"
out=$(env PATH="$all" "$S" build vm 2>&1)
t_eq "setup.sh build vm, dpkg and apt-get absent, all tools present: exit 0, silent" "0 " "$? $out"
out=$(env PATH="$tmp/log:$all" "$S" all 2>&1)
t_eq "setup.sh all, dpkg absent, all tools present: exit 0, silent" "0 " "$? $out"
t_eq "setup.sh all, dpkg absent: no apt-get call" "" "$(cat "$tmp/apt.log")"

nob=$(nodeb bison)
t_one_line "setup.sh build without bison, dpkg and apt-get absent" 1 \
	"^setup.sh: error: missing: bison \(not found here; install them and run again\)$" \
	env PATH="$tmp/log:$nob" "$S" build
t_eq "setup.sh build without bison: no apt-get call" "" "$(cat "$tmp/apt.log")"
noq=$(nodeb qemu-system-x86_64 cpio)
t_one_line "setup.sh vm without qemu and cpio" 1 \
	"^setup.sh: error: missing: qemu-system-x86_64, cpio \(not found here" env PATH="$noq" "$S" vm
t_one_line "runner --vm without qemu: before the build" 1 "missing: qemu-system-x86_64, cpio \(not found here" \
	env PATH="$noq" KSRC=/nonexistent "$SUITE/run_kvmtests.sh" --vm

# On Debian (a dpkg and a logging apt-get): as another user, one line with
# the package; as root, apt-get install of the package of the missing tool.
mkdir -p "$tmp/deb"
cp "$tmp/log/apt-get" "$tmp/deb/apt-get"
printf '#!/bin/sh\nexit 0\n' >"$tmp/deb/dpkg"
printf '#!/bin/sh\n[ "$1" = -u ] && { echo 1000; exit 0; }\nexec /usr/bin/id "$@"\n' >"$tmp/deb/id"
chmod +x "$tmp/deb/"*
t_one_line "Debian, not root, bison missing" 1 \
	"^setup.sh: error: missing: bison \(Debian: run as root, or: apt-get install bison\)$" \
	env PATH="$tmp/deb:$nob" "$S" build
t_eq "Debian, not root: no apt-get call" "" "$(cat "$tmp/apt.log")"
if [ "$(id -u)" -eq 0 ]; then
	rm "$tmp/deb/id"
	out=$(env PATH="$tmp/deb:$nob" "$S" build 2>&1)
	t_eq "Debian, root, bison missing: apt-get installs bison (the fake installs nothing: exit 1)" \
		"1 apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends bison" \
		"$? $(grep ' install ' "$tmp/apt.log")"
	t_match "Debian, root: the tool still missing after apt-get is named" \
		"missing after apt-get install bison: bison$" "$out"
else
	echo "ok $((T_NUM += 1)) Debian, root: apt-get install # SKIP not root"
fi

# The Debian-only artefacts: one line saying what to pass instead.
t_one_line "no KSRC, empty cache, no apt-get" 1 \
	"^ksrc.sh: error: no kernel tree: set KSRC=/path/to/linux " \
	env PATH="$all" KPS_CACHE="$tmp/cache" "$SUITE/scripts/ksrc.sh"
t_one_line "vm.sh, kernel not cached, no apt-get" 125 \
	"^# vm: no kernel: the VM substrate boots Debian's linux-image-.*; pass --kernel-image BZIMAGE" \
	env PATH="$all" KPS_CACHE="$tmp/cache" "$SUITE/scripts/vm.sh" "$tmp" -- true
t_one_line "runner --kernel VERSION, no apt-get: before the build" 2 \
	"no kernel: the VM substrate boots Debian's linux-image-6.1.0-56-amd64-unsigned.*--kernel-image" \
	env PATH="$all" KPS_CACHE="$tmp/cache" "$SUITE/run_kvmtests.sh" --kernel 6.1.0-56

# make and the runner, the kernel tree given with KSRC= and the VM
# substrate's kernel with --kernel-image/--modules (the cached Debian one
# stands for one built elsewhere; a fresh KPS_CACHE, so nothing Debian's is
# fetched).
kdir=$("$SUITE/scripts/ksrc.sh")
out=$(env PATH="$all" KSRC="$kdir" make -C "$SUITE" -j"$(nproc)" 2>&1)
t_result $? "make, dpkg and apt-get absent, KSRC=" "$(tail -n5 <<<"$out")"
read -r kimage _ kver < <("$SUITE/scripts/vm.sh" --prepare | paste -sd' ' -)
out=$(env PATH="$all" KSRC="$kdir" KPS_CACHE="$tmp/cache" "$SUITE/run_kvmtests.sh" --vm \
	--kernel-image "$kimage" --modules "$(dirname "$kimage")/../lib/modules/$kver" \
	-t 'vm_types_test.vm_type.default.*' 2>&1)
t_result $? "runner --vm --kernel-image --modules, dpkg and apt-get absent" "$(tail -n5 <<<"$out")"
t_match "runner --vm --kernel-image: cases ran, none failed" "^[1-9][0-9]* passed, 0 failed, " "$out"
t_eq "nothing fetched into the fresh cache" "" "$(ls -A "$tmp/cache" 2>/dev/null | grep -v '^\.kps')"
t_done
