#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-bats.sh - run the end-to-end tests (bats, TAP output) and print a one-line summary
#
#   scripts/run-bats.sh [DIR|FILE...]      default: tests/bats
#
# Streams bats' TAP output, then prints "e2e: N passed, N failed" (", N skipped" when some were
# skipped). Exits non-zero if a test failed or bats itself failed. Needs root (network namespaces).
# QDES_TAP selects the binary under test (default build/qdes-tap).

set -u
repo=$(cd "$(dirname "$0")/.." && pwd)

if [[ $(id -u) -ne 0 ]]; then
	echo "e2e tests need root" >&2
	exit 1
fi
if ! command -v "${BATS:-bats}" >/dev/null; then
	echo "run-bats.sh: bats not found (install bats-core)" >&2
	exit 1
fi
(($#)) || set -- "$repo/tests/bats"
# namespaces of the helpers' per-test tags (qt-<4 hex>t<test number>-...)
tagged_ns() { ip netns list | awk '$1 ~ /^qt-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]t[0-9]+-/ { print $1 }' | sort; }
before=$(tagged_ns)

passed=0 failed=0 skipped=0 planned='' status=1
marker="@@run-bats-status@@"
while IFS= read -r line; do
	if [[ $line == "$marker "* ]]; then
		status=${line#"$marker "}
		continue
	fi
	printf '%s\n' "$line"
	case $line in
	ok\ *\#\ skip* | ok\ *\#\ SKIP*) skipped=$((skipped + 1)) ;;
	ok\ *) passed=$((passed + 1)) ;;
	not\ ok\ *) failed=$((failed + 1)) ;;
	1..*) planned=${line#1..} ;;
	esac
done < <(
	# a hung test must not hang the run: interrupt bats (it runs teardowns on SIGINT)
	timeout -s INT -k 30 "${E2E_TIMEOUT:-900}" "${BATS:-bats}" --tap "$@" 2>&1
	echo "$marker $?"
)

ok=1
((failed == 0 && status == 0)) || ok=0
((status == 124)) && echo "run-bats.sh: bats timed out after ${E2E_TIMEOUT:-900} s" >&2
ran=$((passed + failed + skipped))
if [[ -n $planned && $planned != "$ran" ]]; then
	echo "run-bats.sh: bats planned $planned tests but reported $ran" >&2
	ok=0
fi
after=$(tagged_ns)
left=$(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')
if [[ -n ${left// /} ]]; then
	echo "run-bats.sh: namespaces left behind: $left" >&2
	ok=0
fi

summary="e2e: $passed passed, $failed failed"
((skipped)) && summary+=", $skipped skipped"
echo "$summary"
((ok))
