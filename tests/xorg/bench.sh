#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Xorg x11perf benchmark: boot the same guest twice, once with Debian's in-tree
# qxl.ko and once with qxl-ng (drivers/qxl/qxl.ko), run Debian's Xorg with the
# qxl DDX (or modesetting) and the same x11perf subset in each
# (tests/consumers/consumer_xorg.sh <ddx> perf) with a SPICE client connected
# (as tests/bench.sh), and print ops/s for both with the ratio. One guest at a time; about 5 minutes on 2 cores (TCG).
#
#   tests/xorg/bench.sh [--ddx qxl|modesetting] [--runs N] [--tests "-rect10 ..."]
#
# --runs N boots each driver N times (alternating) and reports the medians.
# Figures from TCG on a shared host vary by tens of percent from run to run:
# compare ratios of the same run, not figures across runs. A driver that
# refuses the DDX's commands (qxl-ng's exec_rejects) draws nothing, and its
# figures then measure the refusal, not drawing: the table says so.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
ddx=qxl
tests=
runs=1
while [ $# -gt 0 ]; do
	case $1 in
	--ddx) ddx=$2; shift ;;
	--tests) tests=$2; shift ;;
	--runs) runs=$2; shift ;;
	*) echo "usage: $0 [--ddx qxl|modesetting] [--runs N] [--tests \"x11perf options\"]" >&2; exit 2 ;;
	esac
	shift
done
case $ddx in qxl | modesetting) ;; *) echo "error: --ddx qxl or modesetting" >&2; exit 2 ;; esac
kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
intree=$(ls /lib/modules/"$kver"/kernel/drivers/gpu/drm/qxl/qxl.ko* 2>/dev/null | head -n 1)
[ -n "$intree" ] || { echo "error: no in-tree qxl.ko for $kver (apt-get install linux-image-amd64)" >&2; exit 1; }
[ -f /usr/lib/xorg/modules/drivers/qxl_drv.so ] ||
	{ echo "error: Xorg / the qxl DDX not installed (tests/setup.sh)" >&2; exit 1; }

mkdir -p build/bench
make module >build/bench/xorg-make.log 2>&1 ||
	{ echo "error: module build failed (build/bench/xorg-make.log)" >&2; exit 1; }
# a private copy, so a rebuild during the run cannot change the module under test
cp drivers/qxl/qxl.ko build/bench/xorg-qxlng.ko || exit 1

cmd="consumer_xorg.sh $ddx perf"
[ -n "$tests" ] && cmd="X11PERF_TESTS='$tests' $cmd"

run_one() { # <label> <module> <run>
	local dir=build/bench/xorg-$1-$3
	rm -rf "$dir" "$dir.out"
	local t0=$(date +%s)
	timeout -s KILL 600 python3 tests/harness/vmtest.py --module "$2" --with-xorg --spice-client \
		--timeout 500 --cmd-timeout 450 --tests "$cmd" --keep-logs "$dir" >"$dir.out" 2>&1
	echo "# $1 run $3: $(grep -cE '^PASS ' "$dir.out") passed, $(grep -cE '^FAIL ' "$dir.out") failed" \
		"in $(($(date +%s) - t0)) s (log $dir.out, console $dir/console.log)"
	grep -E '^FAIL ' "$dir.out" | cut -c1-300 | sed 's/^/#   /'
}
for r in $(seq "$runs"); do
	run_one intree "$intree" "$r"
	run_one qxlng build/bench/xorg-qxlng.ko "$r"
done

python3 - "$ddx" "$runs" <<'EOF'
import re, statistics, sys
ddx, runs = sys.argv[1], int(sys.argv[2])
def load(label):
    vals, names, na, rejects = {}, {}, {}, None
    for r in range(1, runs + 1):
        try:
            lines = open("build/bench/xorg-%s-%d/console.log" % (label, r),
                         errors="replace").read()
        except FileNotFoundError:
            na["(boot %d)" % r] = "no console log"
            continue
        for line in lines.replace("\r", "").splitlines():
            m = re.match(r"@@XPERF (\S+) ([0-9.]+) (.*)", line)
            if m:
                vals.setdefault(m.group(1), []).append(float(m.group(2)))
                names[m.group(1)] = m.group(3)
            m = re.match(r"@@XPERF-NA (\S+) (.*)", line)
            if m:
                na["%s (run %d)" % (m.group(1), r)] = m.group(2)
            m = re.match(r"@@TEST xorg\w*_exec_rejects FAIL (\d+)", line)
            if m:
                rejects = "%s EXECBUFFERs refused (run %d)" % (m.group(1), r)
    figs = {k: (statistics.median(v), names[k], len(v)) for k, v in vals.items()}
    return figs, na, rejects
a, na_a, rej_a = load("intree")
b, na_b, rej_b = load("qxlng")
print("Xorg %s DDX, x11perf -repeat 1 -time 1 (ops/s, median of %d boot%s; TCG, 1024x768)"
      % (ddx, runs, "s" if runs > 1 else ""))
print("%-16s %-36s %12s %12s %7s" % ("test", "", "in-tree qxl", "qxl-ng", "ratio"))
keys = list(a) + [k for k in b if k not in a] + [
    k.split()[0] for k in list(na_a) + list(na_b)
    if not k.startswith("(") and k.split()[0] not in a and k.split()[0] not in b]
seen = set()
for k in keys:
    if k in seen:
        continue
    seen.add(k)
    name = (a.get(k) or b.get(k) or (0, ""))[1]
    va = a[k][0] if k in a else None
    vb = b[k][0] if k in b else None
    def fmt(figs, v):
        if v is None:
            return "failed"
        n = figs[k][2]
        return "%.0f" % v + ("" if n == runs else " (%d/%d)" % (n, runs))
    fa, fb = fmt(a, va), fmt(b, vb)
    ratio = "%.2fx" % (vb / va) if va and vb else "n/a"
    print("%-16s %-36s %12s %12s %7s" % (k, name[:36], fa, fb, ratio))
print("ratio = qxl-ng / in-tree (> 1: qxl-ng faster); (n/N): a figure from n of N boots")
for label, na in (("in-tree qxl", na_a), ("qxl-ng", na_b)):
    for k, why in na.items():
        print("failed on %s: %s %s" % (label, k, why))
for label, rej in (("in-tree qxl", rej_a), ("qxl-ng", rej_b)):
    if rej:
        print("WARNING %s: %s: its figures measure refused commands, nothing was drawn"
              % (label, rej))
EOF
