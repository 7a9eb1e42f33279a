#!/bin/bash
# Run the kernel's checkpatch.pl and kernel-doc (from Debian's
# linux-source-6.1) over every kernel source file of the driver, and
# kernel-doc plus tests/host/doc_coverage.py over the userspace libraries'
# public headers. Prints PASS/FAIL lines like the rest of the suite and exits non-zero on any
# error or warning.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/checkpatch
src=/usr/src/linux-source-6.1.tar.xz
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	[ -f "$src" ] || { echo "FAIL checkpatch: $src missing (apt-get install linux-source-6.1)"; exit 1; }
	mkdir -p "$dir"
	tar -xJf "$src" -C "$dir" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch || { echo "FAIL checkpatch: extract"; exit 1; }
fi
rc=0
for f in "$top"/drivers/qxl/*.[ch] "$top"/uapi/*.h; do
	case $f in *.mod.c) continue ;; esac
	[ -f "$f" ] || continue
	# Kernel-version tests are allowed in the compatibility header only.
	extra=
	[ "$(basename "$f")" = qxl_compat.h ] && extra=,LINUX_VERSION_CODE,CONSTANT_COMPARISON
	out=$("$dir/scripts/checkpatch.pl" --no-tree --strict --max-line-length=100 \
		--ignore=BIT_MACRO,SPLIT_STRING,LONG_LINE_STRING,BOOL_MEMBER,FILE_PATH_CHANGES$extra \
		--show-types -q -f "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "FAIL checkpatch-$(basename "$f"): $(echo "$out" | grep -cE '^(ERROR|WARNING|CHECK)') findings"
		echo "$out" | sed 's/^/    /'
		rc=1
	else
		echo "PASS checkpatch-$(basename "$f")"
	fi
done
stray=$(grep -l 'LINUX_VERSION_CODE' "$top"/drivers/qxl/*.[ch] | grep -v '/qxl_compat.h$')
if [ -n "$stray" ]; then
	echo "FAIL checkpatch-compat-in-one-place: LINUX_VERSION_CODE outside qxl_compat.h: $stray"
	rc=1
else
	echo "PASS checkpatch-compat-in-one-place"
fi
# The ports' arguments in the RAM header have one writer (the rule in qxl_cmd.c).
stray=$(grep -nE -- '->(update_area|update_surface|mem_slot|create_surface|monitors_config)\b' \
	"$top"/drivers/qxl/*.c | grep -vE '/qxl_(cmd|kunit)\.c:')
if [ -n "$stray" ]; then
	echo "FAIL checkpatch-port-args-in-one-place: RAM-header port arguments written outside qxl_port_args_write():"
	echo "$stray" | sed 's/^/    /'
	rc=1
else
	echo "PASS checkpatch-port-args-in-one-place"
fi

# kernel-doc over the same files: W=1 builds check the .c files only, and
# only the ones the configuration compiles. -v is 6.1's form of later
# kernels' -Wall: it also asks documented functions for a Return: section.
# Its "info:" lines and closing count are progress, not findings; the
# environment variables it reads are cleared so that the result does not
# depend on the caller's.
kdoc=$dir/scripts/kernel-doc
if [ ! -f "$kdoc" ]; then
	if [ ! -f "$src" ]; then
		echo "FAIL kernel-doc: $src missing (apt-get install linux-source-6.1)"
		exit 1
	fi
	mkdir -p "$dir"
	tar -xJf "$src" -C "$dir" --strip-components=1 linux-source-6.1/scripts/kernel-doc ||
		{ echo "FAIL kernel-doc: extract"; exit 1; }
fi
for f in "$top"/drivers/qxl/*.[ch] "$top"/uapi/*.h; do
	case $f in *.mod.c) continue ;; esac
	[ -f "$f" ] || continue
	out=$(KBUILD_VERBOSE='' KCFLAGS='' KDOC_WERROR='' perl "$kdoc" -none -v "$f" 2>&1 |
		grep -v -e ': info: ' -e '^[0-9]* \(warnings\|errors\)$')
	if [ -n "$out" ]; then
		n=$(echo "$out" | grep -cE ': (warning|error): ')
		[ "$n" -gt 0 ] || n=$(echo "$out" | wc -l)
		echo "FAIL kernel-doc-$(basename "$f"): $n warnings"
		echo "$out" | sed 's/^/    /'
		rc=1
	else
		echo "PASS kernel-doc-$(basename "$f")"
	fi
done

# The userspace libraries' public headers follow libqxl's convention: every
# function, struct, enum and typedef has a kernel-doc comment, clean under the
# same kernel-doc run. kernel-doc is silent about a declaration without a
# comment, so doc_coverage.py checks that each one has one.
for f in "$top"/userspace/libqxl/include/libqxl.h \
	"$top"/userspace/scanout/include/qxl-scanout.h \
	"$top"/userspace/spice/include/spice-wire.h \
	"$top"/userspace/spice/include/spice-display.h \
	"$top"/userspace/spice/include/spice-stream.h; do
	name=$(basename "$f")
	out=$(KBUILD_VERBOSE='' KCFLAGS='' KDOC_WERROR='' perl "$kdoc" -none -v "$f" 2>&1 |
		grep -v -e ': info: ' -e '^[0-9]* \(warnings\|errors\)$')
	if [ -n "$out" ]; then
		n=$(echo "$out" | grep -cE ': (warning|error): ')
		[ "$n" -gt 0 ] || n=$(echo "$out" | wc -l)
		echo "FAIL kernel-doc-$name: $n warnings"
		echo "$out" | sed 's/^/    /'
		rc=1
	else
		echo "PASS kernel-doc-$name"
	fi
	if out=$(python3 "$top/tests/host/doc_coverage.py" "$f" 2>&1); then
		echo "PASS doc-coverage-$name"
	else
		echo "FAIL doc-coverage-$name: $(echo "$out" | grep -c 'no kernel-doc') undocumented"
		echo "$out" | sed 's/^/    /'
		rc=1
	fi
done
exit $rc
