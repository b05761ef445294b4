#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The suite's results across kernels, as one table: cases down, kernels
# across, PASS/FAIL/SKIP/TIMEOUT in each cell, then one totals row per
# result. Each kernel is one ./run_kvmtests.sh --vm run (one VM boot, bounded
# by the runner's timeouts), one after the other.
#
#   matrix.sh [--compact] [--diff] [--out DIR] [--html FILE] [KERNEL...] [-- RUNNER_ARGS...]
#   matrix.sh [--compact] [--diff] [--html FILE] --from [LABEL=]KTAP...
#
# KERNEL is a Debian kernel version (6.12.117+deb12, 6.1.0-56: --kernel),
# 6.12.117+swpsp (the software Secure Processor kernel, kernel/swpsp/),
# 6.12.117+swpsp+fixes (the same with the KVM fixes of kernel/fixes/) or
# a bzImage path, IMAGE[:MODULES_DIR] (--kernel-image, --modules). Without
# one: the pinned version, the newest other of its series and the newest of
# the oldest series apt offers. RUNNER_ARGS go to every run (-t NAME,
# --type, --model, --timeout, --with-upstream, --preload, --expect, -v).
# The KTAP streams are kept in DIR (default build/matrix), one per kernel;
# --from draws the table from such streams without running anything.
# The same grid, per program, goes to a self-contained HTML page (--html
# FILE; default DIR/matrix.html after a run, none with --from), the
# message, skip reason and spec row of each cell in it (report_html.py).
#
# A kernel older than the tree's libkvm allows (6.12's libkvm requires
# KVM_SET_USER_MEMORY_REGION2, v6.8) skips every case that gives a vCPU
# memory; those cells read n/a<6.8, explained by one footnote line.
#
# --compact folds the cases of one program.fixture.variant that have the
# same cells into one "prefix.* (N)" row (the others stay below it);
# --diff keeps only the rows whose cells differ across kernels.
#
# With --expect FILE among the RUNNER_ARGS a listed case that fails reads
# XFAIL, one that passes XPASS: a stale expectation on that kernel, named
# below the totals ("# KERNEL: N stale expectations ...", then one line per
# case).
#
# Exit status: 0, or 1 if a cell is FAIL, TIMEOUT or XPASS; 2 on bad usage
# or an unknown kernel version (one line naming the versions apt knows).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE=$(dirname "$here")
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
# The self-tests put a stub runner here.
RUNNER=${KPS_MATRIX_RUNNER:-$SUITE/run_kvmtests.sh}

bad() {
	echo "matrix.sh: $*" >&2
	exit 2
}

# Debian kernel versions apt offers as linux-image-VERSION-amd64-unsigned.
known_versions() {
	apt-cache pkgnames linux-image- 2>/dev/null |
		sed -n 's/^linux-image-\([0-9.]*\(+deb[0-9]*\|-[0-9]*\)\)-amd64-unsigned$/\1/p' |
		sort -V
}

# The pinned kernel, the newest other kernel of its series, the newest
# kernel of the oldest series apt offers.
default_kernels() {
	local all series oldest
	all=$(known_versions)
	series=$(cut -d. -f1,2 <<<"$KPS_IMAGE_VERSION")
	echo "$KPS_IMAGE_VERSION"
	awk -v p="$series." 'index($0, p) == 1' <<<"$all" | grep -vxF "$KPS_IMAGE_VERSION" | tail -n1
	oldest=$(grep . <<<"$all" | head -n1 | cut -d. -f1,2)
	[ -n "$oldest" ] && [ "$oldest" != "$series" ] &&
		awk -v p="$oldest." 'index($0, p) == 1' <<<"$all" | tail -n1
}

# A Debian kernel version that is neither in the cache nor known to apt
# stops the matrix before any boot, as vm.sh would after the first ones.
check_kernel() {
	[ "$1" != "$KPS_SWPSP_VERSION" ] && [ "$1" != "$KPS_SWPSP_FIXES_VERSION" ] || return 0
	[[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+(\+deb[0-9]+|-[0-9]+)$ ]] ||
		bad "'$1' is neither a Debian kernel version (e.g. $KPS_IMAGE_VERSION or 6.1.0-56) nor a bzImage path"
	local msg
	msg=$("$SUITE/scripts/vm.sh" --check-kernel "$1" 2>&1) || bad "${msg#vm.sh: error: }"
}

# The table, from "@@KERNEL i" followed by that kernel's KTAP stream, per
# kernel. Variables: labels and secs (tab-separated, one per kernel),
# compact, diff.
table() {
	awk -v labels="$1" -v secs="$2" -v compact="$compact" -v diff="$diff" '
function cell_of(k, name) {
	return ((k, name) in res) ? res[k, name] : "-"
}
function vec(name,   k, v) {
	v = ""
	for (k = 1; k <= nk; k++)
		v = v SUBSEP cell_of(k, name)
	return v
}
function row(name, v,   k, c, out, same) {
	split(substr(v, 2), c, SUBSEP)
	same = 1
	for (k = 2; k <= nk; k++)
		if (c[k] != c[1])
			same = 0
	if (diff && nk > 1 && same)
		return
	out = sprintf("%-" wname "s", name)
	for (k = 1; k <= nk; k++)
		out = out "  " sprintf("%-" wcol[k] "s", c[k])
	sub(/ +$/, "", out)
	print out
	printed++
}
function rule(   s, k) {
	s = sprintf("%" wname "s", "")
	for (k = 1; k <= nk; k++)
		s = s sprintf("  %" wcol[k] "s", "")
	gsub(/ /, "-", s)
	print s
}
function group(name,   g) {
	# program.fixture.variant.test -> program.fixture.variant
	g = name
	if (split(name, parts, ".") < 4)
		return name
	sub(/\.[^.]*$/, "", g)
	return g
}
function total(label, st,   k, out, n, any) {
	out = sprintf("%-" wname "s", label)
	for (k = 1; k <= nk; k++) {
		n = count[k, st] + 0
		any += n
		out = out "  " sprintf("%-" wcol[k] "s", n)
	}
	sub(/ +$/, "", out)
	if (any || st == "PASS" || st == "FAIL" || st == "SKIP")
		print out
}
BEGIN {
	nk = split(labels, label, "\t")
	split(secs, sec, "\t")
}
/^@@KERNEL / { k = $2 + 0; last = ""; next }
/^# kernel: / { rel[k] = $4; next }
/^# \/dev\/kvm: / {
	vmt[k] = $0
	sub(/^# \/dev\/kvm: (api [0-9]+, )?/, "", vmt[k])
	next
}
/^# model: / { model = 1; next }
/^# infrastructure error/ {
	infra[k] = substr($0, 3)
	want_infra[k] = 1
	next
}
want_infra[k] && /^# / {
	infra[k] = infra[k] ": " substr($0, 3)
	want_infra[k] = 0
	next
}
/^# XFAIL / {
	if (last != "" && res[k, last] == "FAIL")
		res[k, last] = "XFAIL"
	next
}
/^# XPASS / {
	if (last != "" && res[k, last] == "PASS")
		res[k, last] = "XPASS"
	next
}
/^(not )?ok [0-9]+ / {
	ok = ($1 == "ok")
	name = ok ? $3 : $4
	d = ""
	if ((p = index($0, " # ")) > 0)
		d = substr($0, p + 3)
	if (!(name in seen)) {
		seen[name] = 1
		order[++n] = name
	}
	if (!ok)
		st = d ~ /^TIMEOUT/ ? "TIMEOUT" : "FAIL"
	else if (d ~ /^SKIP/) {
		st = "SKIP"
		why[k, name] = d
		sub(/^SKIP[ -]*/, "", why[k, name])
	} else
		st = "PASS"
	res[k, name] = st
	ncase[k]++
	last = name
	next
}
/^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { summ[k] = $0; next }
END {
	# Too old for the libkvm in use: the skip names KVM_SET_USER_MEMORY_REGION2,
	# or (streams made before that reason was kept) a harness case skipped
	# with no reason on a kernel older than 6.8.
	minv = "6.8"
	for (k = 1; k <= nk; k++) {
		split(rel[k], rv, /[.-]/)
		old[k] = rel[k] != "" && (rv[1] < 6 || (rv[1] == 6 && rv[2] < 8))
	}
	for (i = 1; i <= n; i++)
		for (k = 1; k <= nk; k++) {
			if (!((k, order[i]) in res) || res[k, order[i]] != "SKIP")
				continue
			r = why[k, order[i]]
			if (r ~ /KVM_SET_USER_MEMORY_REGION2/ || (r == "unknown" && old[k])) {
				if (match(r, /introduced in v[0-9]+\.[0-9]+/))
					minv = substr(r, RSTART + 15, RLENGTH - 15)
				if (r != "unknown")
					nareason = r
				res[k, order[i]] = "NA"
				natk[k] = 1
				nna++
			}
		}
	na = "n/a<" minv
	for (i = 1; i <= n; i++)
		for (k = 1; k <= nk; k++) {
			c = cell_of(k, order[i])
			if (c == "NA")
				c = res[k, order[i]] = na
			count[k, c]++
			if (c == "FAIL" || c == "TIMEOUT" || c == "XPASS")
				failed = 1
			if (c == "XPASS")
				stale[k, ++nstale[k]] = order[i]
		}

	wname = length("case")
	for (i = 1; i <= n; i++)
		if (length(order[i]) > wname)
			wname = length(order[i])
	if (compact && wname < 40)
		wname = 40
	for (k = 1; k <= nk; k++) {
		wcol[k] = length(label[k])
		if (wcol[k] < length(na))
			wcol[k] = length(na)
	}

	printf "# matrix: %d kernel%s, %d cases%s\n", nk, nk == 1 ? "" : "s", n,
		model ? ", on the SEV/SEV-ES/SNP software model" : ""
	for (k = 1; k <= nk; k++) {
		line = "# " label[k] ": " (rel[k] != "" ? "Linux " rel[k] : "kernel release unknown")
		if (vmt[k] != "")
			line = line "; " vmt[k]
		line = line "; " (summ[k] != "" ? summ[k] : "no summary line")
		if (sec[k] != "")
			line = line "; " sec[k] " s"
		print line
		if (infra[k] != "")
			print "# " label[k] ": " infra[k]
		if (!ncase[k])
			print "# " label[k] ": no case reported a result"
	}

	head = sprintf("%-" wname "s", "case")
	for (k = 1; k <= nk; k++)
		head = head "  " sprintf("%-" wcol[k] "s", label[k])
	sub(/ +$/, "", head)
	print head
	rule()
	for (i = 1; i <= n; i++) {
		name = order[i]
		if (!compact) {
			row(name, vec(name))
			continue
		}
		g = group(name)
		if (!(g in gseen)) {
			gseen[g] = 1
			gorder[++ng] = g
		}
		gmem[g, ++gn[g]] = name
	}
	for (j = 1; j <= ng; j++) {
		g = gorder[j]
		best = ""
		bestn = 0
		# The most common cells of the group (ties: the first seen).
		for (i = 1; i <= gn[g]; i++) {
			v = vec(gmem[g, i])
			if (++vn[g, v] > bestn) {
				best = v
				bestn = vn[g, v]
			}
		}
		if (bestn < 2) {
			for (i = 1; i <= gn[g]; i++)
				row(gmem[g, i], vec(gmem[g, i]))
			continue
		}
		row(g ".* (" bestn (bestn < gn[g] ? " of " gn[g] : "") ")", best)
		for (i = 1; i <= gn[g]; i++)
			if (vec(gmem[g, i]) != best)
				row(gmem[g, i], vec(gmem[g, i]))
	}
	if (diff && !printed)
		print "(no case differs across kernels)"
	rule()
	total("PASS", "PASS")
	total("FAIL", "FAIL")
	total("TIMEOUT", "TIMEOUT")
	total("XFAIL", "XFAIL")
	total("XPASS", "XPASS")
	total("SKIP", "SKIP")
	total(na, na)
	total("no result", "-")
	if (nna) {
		ks = ""
		for (k = 1; k <= nk; k++)
			if (natk[k])
				ks = ks (ks != "" ? ", " : "") label[k] (rel[k] != "" ? " (" rel[k] ")" : "")
		printf "# %s: too old for this libkvm, not run: %s; %s\n", na,
			nareason != "" ? nareason : "KVM selftests now require KVM_SET_USER_MEMORY_REGION2 (introduced in v" minv ")", ks
	}
	for (k = 1; k <= nk; k++) {
		if (nstale[k])
			printf "# %s: %d stale expectation%s: listed as expected to fail, passed (XPASS)\n",
				label[k], nstale[k], nstale[k] == 1 ? "" : "s"
		for (i = 1; i <= nstale[k]; i++)
			print "#   stale on " label[k] ": " stale[k, i]
	}
	for (k = 1; k <= nk; k++)
		if (!ncase[k])
			failed = 1
	exit failed
}'
}

# The whole run is one function, read before it starts: editing this file
# during a matrix does not change the running one.
main() {
	compact=0 diff=0 from=0 out=${MATRIX_OUT:-$SUITE/build/matrix} html=
	kernels=() rargs=()
	while [ $# -gt 0 ]; do
		case $1 in
		--compact) compact=1 ;;
		--diff) diff=1 ;;
		--from) from=1 ;;
		--out)
			[ $# -ge 2 ] && [ -n "$2" ] || bad "--out needs a directory"
			out=$2; shift ;;
		--html)
			[ $# -ge 2 ] && [ -n "$2" ] || bad "--html needs a file"
			[ -d "$(dirname "$2")" ] || bad "--html: no such directory '$(dirname "$2")'"
			html=$2; shift ;;
		-h | --help)
			sed -n '3,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0"
			exit 0 ;;
		--) shift; rargs=("$@"); break ;;
		-*) bad "unknown option '$1' (accepted: --compact --diff --out DIR --html FILE --from, then KERNEL... [-- RUNNER_ARGS...])" ;;
		*) kernels+=("$1") ;;
		esac
		shift
	done

	join_tab() {
		local IFS=$'\t'
		echo "$*"
	}

	# The HTML page of LABEL=FILE pairs; its failure fails the matrix.
	write_html() {
		[ -n "$html" ] || return 0
		local i pairs=()
		for i in "${!files[@]}"; do pairs+=("${labels[$i]}=${files[$i]}"); done
		python3 "$here/report_html.py" --matrix --out "$html" "${pairs[@]}" ||
			{ echo "matrix.sh: error: cannot write $html" >&2; return 1; }
		echo "# matrix: HTML in $html" >&2
	}

	# Labels (unique) and the runner's kernel options of each entry.
	labels=() files=()
	label_of() {
		local l=$1 i=1 x
		while :; do
			for x in "${labels[@]}"; do
				[ "$x" = "$l" ] && { i=$((i + 1)); l=$1#$i; continue 2; }
			done
			break
		done
		echo "$l"
	}

	if [ $from -eq 1 ]; then
		[ ${#kernels[@]} -gt 0 ] || bad "--from needs KTAP files ([LABEL=]FILE...)"
		[ ${#rargs[@]} -eq 0 ] || bad "--from runs nothing: runner arguments make no sense"
		for k in "${kernels[@]}"; do
			f=${k#*=}
			if [ "$f" = "$k" ]; then
				l=$(basename "$f" .ktap)
			else
				l=${k%%=*}
			fi
			[ -f "$f" ] || bad "--from: no such file '$f'"
			labels+=("$(label_of "$l")")
			files+=("$f")
		done
		for i in "${!files[@]}"; do
			echo "@@KERNEL $((i + 1))"
			cat "${files[$i]}"
		done | table "$(join_tab "${labels[@]}")" ""
		rc=$?
		write_html || exit 1
		exit $rc
	fi

	for a in "${rargs[@]}"; do
		case $a in
		--host | --kernel | --kernel-image | --modules | --list | --list-mutants | --mutant | --report | --junit | --print-substrate | -h | --help)
			bad "runner option '$a' cannot go in a matrix (it picks the kernels; per-run reports are kept in $out)" ;;
		esac
	done
	if [ ${#kernels[@]} -eq 0 ]; then
		mapfile -t kernels < <(default_kernels)
	fi
	kimg=() kmod=()
	for k in "${kernels[@]}"; do
		if [[ $k == */* ]]; then
			img=${k%%:*} mods=
			[[ $k == *:* ]] && mods=${k#*:}
			[ -f "$img" ] || bad "no such kernel image '$img'"
			[ -z "$mods" ] || [ -d "$mods" ] || bad "no such modules directory '$mods' (give lib/modules/<version>)"
			kimg+=("$img") kmod+=("$mods")
			labels+=("$(label_of "$(basename "$img")")")
		else
			check_kernel "$k"
			kimg+=("") kmod+=("")
			labels+=("$(label_of "$k")")
		fi
	done

	mkdir -p "$out" 2>/dev/null && [ -w "$out" ] || bad "cannot write to --out directory '$out'"
	out=$(cd "$out" && pwd)
	[ -n "$html" ] || html=$out/matrix.html
	pid=
	# shellcheck disable=SC2317 # called from traps
	on_signal() {
		trap - INT TERM HUP
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid"
		exit "$1"
	}
	trap 'on_signal 130' INT
	trap 'on_signal 143' TERM HUP

	n=${#kernels[@]} secs=() t_all=$SECONDS
	echo "# matrix: ${#kernels[@]} kernel(s): ${labels[*]}; runner: --vm${rargs[*]:+ ${rargs[*]}}" >&2
	for i in "${!kernels[@]}"; do
		l=${labels[$i]}
		f=$out/${l//\//_}.ktap
		files+=("$f")
		if [ -n "${kimg[$i]}" ]; then
			ka=(--kernel-image "${kimg[$i]}" ${kmod[$i]:+--modules "${kmod[$i]}"})
		else
			ka=(--kernel "${kernels[$i]}")
		fi
		t0=$SECONDS
		echo "# matrix: [$((i + 1))/$n] $l: running" >&2
		"$RUNNER" --vm "${ka[@]}" "${rargs[@]}" >"$f" 2>"$f.err" </dev/null &
		pid=$!
		wait "$pid"
		rc=$?
		pid=
		secs+=($((SECONDS - t0)))
		# vm.sh's one line for a version apt does not know: stop there.
		unknown=$(sed -n 's/^# \(vm\.sh: error: unknown kernel version.*\)/\1/p' "$f" | head -n1)
		[ -z "$unknown" ] || { echo "$unknown" >&2; exit 2; }
		if [ $rc -eq 2 ]; then
			head -n1 "$f.err" >&2
			exit 2
		fi
		summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$f" | tail -n1)
		echo "# matrix: [$((i + 1))/$n] $l: ${summary:-no summary line} (exit status $rc) in ${secs[$i]} s" >&2
		if [ -z "$summary" ] && [ -s "$f.err" ]; then
			tail -n5 "$f.err" | sed 's/^/# matrix:   /' >&2
		fi
		[ -s "$f.err" ] || rm -f "$f.err"
	done
	echo "# matrix: KTAP streams in $out, $((SECONDS - t_all)) s in all" >&2

	for i in "${!files[@]}"; do
		echo "@@KERNEL $((i + 1))"
		cat "${files[$i]}"
	done | table "$(join_tab "${labels[@]}")" "$(join_tab "${secs[@]}")"
	rc=$?
	write_html || return 1
	return $rc
}

main "$@"
exit $?
