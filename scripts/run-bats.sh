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
# Every test of this run writes its tag here (qt_setup): only those namespaces are this run's to
# check, so another suite running at the same time on the machine is never blamed on this one.
QT_TAG_LOG=$(mktemp "${TMPDIR:-/tmp}/qt-run-tags.XXXXXX") || exit 1
export QT_TAG_LOG
trap 'rm -f "$QT_TAG_LOG"' EXIT

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
left=$(ip netns list | awk '{ print $1 }' | grep -F -f <(sed 's/.*/qt-&-/' "$QT_TAG_LOG" | sort -u) |
	tr '\n' ' ')
if [[ -n ${left// /} ]]; then
	echo "run-bats.sh: namespaces left behind: $left" >&2
	ok=0
fi

summary="e2e: $passed passed, $failed failed"
((skipped)) && summary+=", $skipped skipped"
echo "$summary"
((ok))
