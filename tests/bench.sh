#!/bin/bash
# Display-path benchmark: boot the same guest twice in one run, once with
# Debian's in-tree qxl.ko and once with qxl-ng, run tests/guest/bench_kms.c
# and tests/guest/bench_heads.c (multi-head damage, flip pacing, hotplug
# latency, cursor moves) in each, and print both figures with their ratio.
# Both boots get a vdagent port and max_outputs=2 (the SPICE client sends
# layouts for the hotplug and two-head figures); both drivers expose 4 CRTCs
# by default (module parameter num_heads=4 in qxl-ng and in-tree qxl alike).
#
#   tests/bench.sh            real time (TCG), what a user would see
#   tests/bench.sh --icount   deterministic guest clock (QEMU -icount): guest
#                             CPU work is repeatable, but the device and the
#                             SPICE client run outside the virtual clock, so
#                             the latency and flip figures are not meaningful
#   tests/bench.sh --runs N   repeat each boot N times and report the median
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kver=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's,.*/linux-headers-,,' | sort -V | tail -n 1)
intree=$(ls /lib/modules/"$kver"/kernel/drivers/gpu/drm/qxl/qxl.ko* 2>/dev/null | head -n 1)
mode=realtime
runs=1
extra=()
while [ $# -gt 0 ]; do
	case $1 in
	--icount) mode=icount; extra=(--qemu-arg=-icount --qemu-arg=shift=4,align=off) ;;
	--runs) runs=$2; shift ;;
	*) echo "usage: $0 [--icount] [--runs N]" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$intree" ] || { echo "error: no in-tree qxl.ko for $kver (apt-get install linux-image-amd64)" >&2; exit 1; }

make -s module >/dev/null || { echo "error: module build failed" >&2; exit 1; }
mkdir -p build/bench
# shellcheck source=tests/lib/meson.sh
. tests/lib/meson.sh
guest_bin bench_kms bench_heads >/dev/null || { echo "error: building the guest programs failed" >&2; exit 1; }

run_one() { # <label> <module> <run>
	local dir=build/bench/$1-$3
	rm -rf "$dir"
	python3 tests/harness/vmtest.py --module "$2" \
		--tests "/tests/bin/bench_kms; /tests/bin/bench_heads" \
		--spice-client --vdagent --device-props max_outputs=2 --qxl-trace \
		--timeout 600 --keep-logs "$dir" "${extra[@]}" >"$dir.out" 2>&1
	if [ ! -f "$dir/console.log" ] || grep -q '^FAIL ' "$dir.out"; then
		# a figure missing from the table must not look like a figure not measured
		echo "bench: the $1 run $3 failed: $(grep -m 3 -E '^FAIL |Error|error' "$dir.out" |
			tr '\n' ' ') (log $dir.out)" >&2
		failed=1
	fi
	{
		tr -d '\r' <"$dir/console.log" | grep -a '^@@BENCH ' | awk '{print $2, $3, $4}' |
			sed 's/(no-prop)//'
		tr -d '\r' <"$dir/console.log" | grep -a '^@@BENCH-NA ' | cut -d' ' -f2- |
			awk '{n=$1; $1=""; print n, "NA" $0}'
		tr -d '\r' <"$dir/console.log" | grep -a 'latency_ms=' | sed 's/.*latency_ms=//' |
			sort -n | awk '{v[NR]=$1} END {if (NR) print "commit_to_spice_client_median", v[int((NR+1)/2)], "ms"}'
		# spice-latency-wait's breakdown (ms from the arm): the median of each part
		for key in client ioctl notify pickup first_update; do
			tr -d '\r' <"$dir/console.log" | grep -a 'client_ms=' | grep -o "\b${key}_ms=[0-9][0-9.]*" |
				cut -d= -f2 | sort -n |
				awk -v k="$key" '{v[NR]=$1} END {if (NR) print "latency_armed_" k "_median", v[int((NR+1)/2)], "ms"}'
		done
	} >"$dir.txt"
}

failed=0
for r in $(seq "$runs"); do
	run_one intree "$intree" "$r"
	run_one qxlng drivers/qxl/qxl.ko "$r"
done

python3 - "$runs" "$mode" <<'EOF'
import statistics, sys
runs, mode = int(sys.argv[1]), sys.argv[2]
absent = {}  # (label, figure) -> why it could not be measured
def load(label):
    vals = {}
    for r in range(1, runs + 1):
        try:
            for line in open("build/bench/%s-%d.txt" % (label, r)):
                w = line.split()
                if len(w) >= 2 and w[1] == "NA":
                    absent[(label, w[0])] = " ".join(w[2:])
                    continue
                if len(w) != 3:
                    continue
                name, v, unit = w
                vals.setdefault(name, ([], unit))[0].append(float(v))
        except FileNotFoundError:
            pass
    return {k: (statistics.median(v), u) for k, (v, u) in vals.items()}
a, b = load("intree"), load("qxlng")
for (label, k) in absent:
    (a if label == "intree" else b).setdefault(k, (None, ""))
print("qxl display benchmark (%s, median of %d run%s, 1024x768, SPICE client connected)" %
      (mode, runs, "s" if runs > 1 else ""))
print("%-34s %14s %14s %8s" % ("figure", "in-tree qxl", "qxl-ng", "ratio"))
for k in sorted(set(a) | set(b)):
    ua = a.get(k, (None, ""))[1] or b.get(k, (None, ""))[1]
    va, vb = a.get(k, (None,))[0], b.get(k, (None,))[0]
    if va is None or vb is None or va <= 0 or vb <= 0 or "pacing" in k:
        # a deviation near zero makes a ratio meaningless: compare the values
        ratio = "n/a"
    elif ua == "ms":
        ratio = "%.2fx" % (va / vb)
    else:
        ratio = "%.2fx" % (vb / va)
    fmt = lambda v: "-" if v is None else ("%.2f %s" if v < 10 else "%.1f %s") % (v, ua)
    if va is None and ("intree", k) in absent:
        fmt_a = "absent"
    else:
        fmt_a = fmt(va)
    fmt_b = "absent" if vb is None and ("qxlng", k) in absent else fmt(vb)
    print("%-34s %14s %14s %8s" % (k, fmt_a, fmt_b, ratio))
print("ratio > 1 means qxl-ng is better (higher rate or lower time; for the")
print("pacing figures, a smaller deviation from the frame time).")
for (label, k), why in sorted(absent.items()):
    print("absent: %s on %s: %s" % (k, "in-tree qxl" if label == "intree" else "qxl-ng", why))
EOF
[ "$failed" -eq 0 ] || { echo "bench: some runs failed (above): their figures are missing" >&2; exit 1; }
