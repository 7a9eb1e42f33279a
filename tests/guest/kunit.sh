#!/bin/sh
# qxl-ng's KUnit suites (drivers/qxl/qxl_kunit.c): loading qxl_kunit.ko runs
# them; each test case's result, from debugfs, becomes one result line
# "kunit-<suite>-<case>". The module exists only for kernels with KUnit
# (the debug kernel, tests/kernels/debug-kernel.sh; Debian's release kernels
# are built without it), and vmtest.py puts it in the image then.
if [ ! -f /extra/qxl_kunit.ko ]; then
	echo "@@TEST kunit SKIP kernel $(uname -r) has no CONFIG_KUNIT (Debian's release kernels): the suites run on the debug kernel"
	exit 0
fi
if ! insmod /extra/qxl_kunit.ko; then
	echo "@@TEST kunit FAIL insmod qxl_kunit.ko failed"
	exit 1
fi
n=0
bad=0
for d in /sys/kernel/debug/kunit/qxl_*; do
	[ -f "$d/results" ] || continue
	suite=${d##*/}
	# test cases are the indented "ok N [- ]name" / "not ok N [- ]name" lines
	while IFS= read -r line; do
		case $line in
		" "* | "	"*) ;;
		*) continue ;;
		esac
		set -- $line
		status=PASS
		if [ "$1" = not ]; then
			status=FAIL
			bad=$((bad + 1))
			shift
		fi
		[ "$1" = ok ] || continue
		shift 2
		[ "$1" = - ] && shift
		echo "@@TEST kunit-$suite-$1 $status see the KTAP results of $suite in the kernel log"
		n=$((n + 1))
	done <"$d/results"
done
if [ $n -eq 0 ]; then
	echo "@@TEST kunit FAIL no qxl_* suite results under /sys/kernel/debug/kunit"
	exit 1
fi
if [ $bad -gt 0 ]; then
	echo "@@TEST kunit FAIL $bad of $n test cases failed"
	exit 1
fi
echo "@@TEST kunit PASS $n test cases reported, all passed"
