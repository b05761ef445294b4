# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Editing a kernel tree's tools/testing/selftests/kvm the way upstream does:
# one "VAR += VALUE" line per file in its Makefile, the config fragment and
# settings merged. Sourced by scripts/patches.sh (the patch series) and
# scripts/intree.sh (the suite copied into a tree). Not executed.

# kvm_layout KVM_DIR: set kvm_mk (the file with the lists), kvm_arch (the
# arch folder), kvm_progs_var and kvm_lib_var (the x86 list variables).
# <= 6.13: Makefile, x86_64/; >= 6.14: Makefile.kvm, x86/. Returns 1 when
# the lists are not there (unknown layout, or a Makefile that is not
# upstream's).
kvm_layout() {
	if [ -f "$1/Makefile.kvm" ]; then
		kvm_mk=Makefile.kvm kvm_arch=x86
	else
		kvm_mk=Makefile kvm_arch=x86_64
	fi
	kvm_progs_var=TEST_GEN_PROGS_$kvm_arch kvm_lib_var=LIBKVM_$kvm_arch
	kvm_has_prefix "$1/$kvm_mk" "$kvm_progs_var += " &&
		kvm_has_prefix "$1/$kvm_mk" "$kvm_lib_var += "
}

# kvm_has_prefix FILE PREFIX: FILE has a line starting with PREFIX (a plain
# string, not a regex).
kvm_has_prefix() {
	awk -v p="$2" 'index($0, p) == 1 { f = 1; exit } END { exit !f }' "$1" 2>/dev/null
}

# kvm_add_lines FILE VAR VALUE...: add "VAR += VALUE" after the last
# "VAR += " line of FILE, for each VALUE not listed there yet.
kvm_add_lines() {
	local file=$1 var=$2
	shift 2
	printf '%s\n' "$@" | awk -v var="$var" -v lines=/dev/stdin '
		BEGIN { while ((getline x < lines) > 0) add[++n] = x }
		{ l[NR] = $0 }
		index($0, var " += ") == 1 { last = NR; have[substr($0, length(var) + 5)] = 1 }
		END {
			for (i = 1; i <= NR; i++) {
				print l[i]
				if (i == last)
					for (j = 1; j <= n; j++)
						if (!have[add[j]]++)
							print var " += " add[j]
			}
		}' "$file" >"$file.kps-tmp" && mv "$file.kps-tmp" "$file"
}

# kvm_config_missing TREE_CONFIG SUITE_CONFIG: print the suite's options
# that TREE_CONFIG does not set, each with the comment above it. An option
# both set to different values keeps the tree's: one line on stderr.
kvm_config_missing() {
	awk -v have="$1" -v me="${me:-kvmdir.sh}" '
		BEGIN {
			while ((getline l < have) > 0)
				if (l ~ /^CONFIG_/) { split(l, a, "="); got[a[1]] = l }
		}
		/^#/ { c = c $0 "\n"; next }
		/^CONFIG_/ {
			split($0, a, "=")
			if (!(a[1] in got)) { printf "%s%s\n", c, $0; got[a[1]] = $0 }
			else if (got[a[1]] != $0)
				printf "%s: config: %s kept (the suite has %s)\n", me, got[a[1]], $0 > "/dev/stderr"
			c = ""; next
		}
		{ c = "" }' "$2"
}

# kvm_settings_merge TREE_SETTINGS SUITE_SETTINGS: the tree's settings with
# the larger of the two timeouts (kselftest's runner reads one timeout= per
# collection), plus any other setting only the suite has.
kvm_settings_merge() {
	awk -F= -v tree="$1" '
		BEGIN {
			while ((getline l < tree) > 0) {
				split(l, a, "=")
				if (a[1] == "timeout") t = a[2] + 0
				else if (l ~ /^[a-z_]+=/) seen[a[1]] = 1
				kept[++n] = l
			}
		}
		$1 == "timeout" { if ($2 + 0 > t) t = $2 + 0; next }
		/^[a-z_]+=/ && !seen[$1]++ { extra[++m] = $0 }
		END {
			done = 0
			for (i = 1; i <= n; i++) {
				if (kept[i] ~ /^timeout=/) { if (!done++) print "timeout=" t; continue }
				print kept[i]
			}
			if (!done && t) print "timeout=" t
			for (i = 1; i <= m; i++) print extra[i]
		}' "$2"
}
