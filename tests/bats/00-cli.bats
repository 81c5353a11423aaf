#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# 00-cli.bats - the command line without a test bed: --help, --version, and the documentation
#               kept honest: man page against --help, ini keys, the example file, counters, README
#
# Bad command lines and ini files have their own file, 15-cli-errors.bats. Needs no root. Where
# the daemon could start by mistake (a missing check), it runs in a fresh, anonymous network
# namespace when it can (root) and always under a timeout, so nothing reaches the host's network.

bats_require_minimum_version 1.5.0

setup_file()
{
	ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export ROOT
	cd "$ROOT" || return 1
	QDES_TAP=${QDES_TAP:-build/qdes-tap}
	export QDES_TAP

	# The manual as a user reads it, on one long line per paragraph so that nothing wraps, in
	# plain text (-P-cbou: no bold, underline or overstrike), with the Unicode hyphen (U+2010),
	# non-breaking hyphen (U+2011) and minus (U+2212) turned into the ASCII '-' users type.
	MAN_TXT=$BATS_FILE_TMPDIR/man.txt
	export MAN_TXT
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tutf8 -rLL=250n -P-cbou man/qdes-tap.8 2>/dev/null
	else
		MANWIDTH=250 man -l man/qdes-tap.8 2>/dev/null | col -b
	fi | LC_ALL=C sed -e 's/\xe2\x80\x90/-/g' -e 's/\xe2\x80\x91/-/g' -e 's/\xe2\x88\x92/-/g' \
		>"$MAN_TXT"
}

setup()
{
	cd "$ROOT" || return 1
	if [[ ! -x $QDES_TAP ]]; then
		echo "qdes-tap binary not found at $QDES_TAP (run make)" >&2
		return 1
	fi
	if [[ ! -s $MAN_TXT ]]; then
		echo "man/qdes-tap.8 did not render (groff-base missing? run scripts/install-deps.sh)" >&2
		return 1
	fi
}

# qt_cli ARGS... - run the daemon contained: own network namespace if possible, 5 s at most
qt_cli()
{
	if [[ $EUID -eq 0 ]] && unshare --net true 2>/dev/null; then
		timeout -k 1 5 unshare --net "$QDES_TAP" "$@"
	else
		timeout -k 1 5 "$QDES_TAP" "$@"
	fi
}

# man_section TITLE - the rendered text of one top-level section of the manual
man_section()
{
	awk -v s="$1" '$0 == s { f = 1; next } /^[A-Z][A-Z ]*$/ { f = 0 } f' "$MAN_TXT"
}

# long_opts - the long options named in stdin, one per line, sorted
long_opts()
{
	grep -oE -- '--[a-z][a-z-]*' | sed 's/-*$//' | sort -u
}

# man_ini_keys - the keys listed under CONFIGURATION in the roff source (".TP" then "\fBkey\fR = ")
man_ini_keys()
{
	awk '/^\.SH / { f = ($0 ~ /^\.SH CONFIGURATION/) } f' man/qdes-tap.8 |
		sed -n 's/^\\fB\([a-z_]*\)\\fR = .*/\1/p' | sort -u
}

# expect_one_line_error REGEX - the last `run --separate-stderr` failed with status 2 and said
# exactly one line on stderr, matching REGEX, and nothing on stdout
expect_one_line_error()
{
	local nlines
	nlines=$(printf '%s\n' "$stderr" | grep -c . || true)
	if [[ $status -ne 2 || $nlines -ne 1 || -n $output || ! $stderr =~ $1 ]]; then
		echo "expected exit 2 and one line on stderr matching: $1" >&2
		echo "got exit $status, stdout: '$output'" >&2
		echo "stderr: '$stderr'" >&2
		return 1
	fi
}

# --- --help and --version -------------------------------------------------------------------

@test "cli: --help prints the usage on stdout and exits 0" {
	run --separate-stderr "$QDES_TAP" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ ${output,,} == *usage* ]]
	[[ $output == *qdes-tap* ]]
	# option lines in the documented shape: "  -g, --group ADDR:PORT  text"
	grep -qE -- '^ +-g, --group +ADDR:PORT' <<<"$output"
	grep -qE -- '^ +-n, --network-id' <<<"$output"
}

@test "cli: -h is --help" {
	run --separate-stderr "$QDES_TAP" -h
	[ "$status" -eq 0 ]
	[ "$output" = "$("$QDES_TAP" --help)" ]
}

@test "cli: --version and -V print 'qdes-tap VERSION' and exit 0" {
	run --separate-stderr "$QDES_TAP" --version
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^qdes-tap\ [0-9A-Za-z][0-9A-Za-z.+~_-]*$ ]]
	run --separate-stderr "$QDES_TAP" -V
	[ "$status" -eq 0 ]
	[[ $output =~ ^qdes-tap\ [0-9A-Za-z][0-9A-Za-z.+~_-]*$ ]]
}

# --- the manual matches the binary -----------------------------------------------------------

@test "man: renders without groff warnings, and lexgrog finds its NAME" {
	run groff -man -ww -z man/qdes-tap.8
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	if command -v lexgrog >/dev/null 2>&1; then
		run lexgrog man/qdes-tap.8
		[ "$status" -eq 0 ]
		[[ $output == *'"qdes-tap - '* ]]
	fi
}

@test "man: every long option of --help is documented under OPTIONS, and only those" {
	local help man
	help=$("$QDES_TAP" --help | long_opts)
	man=$(man_section OPTIONS | long_opts)
	[ -n "$help" ]
	[ -n "$man" ]
	if [[ $help != "$man" ]]; then
		echo "only in --help:     $(comm -23 <(echo "$help") <(echo "$man") | xargs)" >&2
		echo "only in man OPTIONS: $(comm -13 <(echo "$help") <(echo "$man") | xargs)" >&2
		return 1
	fi
}

@test "man: every long option named anywhere in the manual exists in --help or the client's help" {
	local unknown
	unknown=$(comm -13 <({ "$QDES_TAP" --help; "$QDES_TAP" help; } | long_opts) <(long_opts <"$MAN_TXT"))
	if [[ -n $unknown ]]; then
		echo "the manual names options --help does not know: $(echo "$unknown" | xargs)" >&2
		return 1
	fi
}

@test "man: COMMANDS has every command and client option of 'qdes-tap help', and no other command" {
	local help man
	# "  fdb add MAC dst ..." in the help: the words before the first argument (and before the
	# kind of "port add tap NAME")
	help=$("$QDES_TAP" help | sed -nE 's/^  ([a-z]+( [a-z]+)?)( tap)?( [A-Z|[].*|  .*| *)$/\1/p' |
		sed -E 's/ (show|add|del|flush)$/ \1/' | sort -u)
	man=$(man_section COMMANDS | sed -nE 's/^ +qdes-tap ([a-z]+( (show|add|del|flush))?)( .*)?$/\1/p' |
		sort -u)
	echo "help: $(xargs <<<"$help")"
	echo "man:  $(xargs <<<"$man")"
	[ "$(wc -l <<<"$help")" -ge 8 ]
	[ "$help" = "$(grep -vx help <<<"$man")" ]
	# every client option is documented there (what else it names is the daemon's: --peer)
	[ -z "$(comm -23 <("$QDES_TAP" help | long_opts) <(man_section COMMANDS | long_opts))" ]
}

@test "cli: the client's help is on stdout, exit 0; a client error is one line, exit 2" {
	run --separate-stderr "$QDES_TAP" help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: qdes-tap [-j] [-p] [-s] [-S PATH] COMMAND"* ]]
	[ "$output" = "$("$QDES_TAP" -j help)" ]
	run --separate-stderr "$QDES_TAP" fdb add 02:00:00:00:00:01
	expect_one_line_error '^qdes-tap: fdb add: missing dst ADDR:PORT$'
	run --separate-stderr "$QDES_TAP" -j peer add 10.0.0.1
	expect_one_line_error "^qdes-tap: peer add: address: invalid value '10.0.0.1' \\(expected ADDR:PORT"
	run --separate-stderr "$QDES_TAP" stats -o xml
	expect_one_line_error "^qdes-tap: stats: -o: unknown format 'xml' \\(expected prometheus\\)$"
	run --separate-stderr "$QDES_TAP" -S
	expect_one_line_error '^qdes-tap: '
}

@test "man: short options pair with the same long options as in --help" {
	local help man
	# "  -g, --group ADDR:PORT  ..." in both
	help=$("$QDES_TAP" --help | sed -nE 's/^ +(-[A-Za-z]), (--[a-z][a-z-]*).*/\1 \2/p' | sort)
	man=$(man_section OPTIONS | sed -nE 's/^ +(-[A-Za-z]), (--[a-z][a-z-]*).*/\1 \2/p' | sort)
	[ -n "$help" ]
	if [[ $help != "$man" ]]; then
		diff <(echo "$help") <(echo "$man") >&2 || true
		return 1
	fi
}

@test "man: every ini key under CONFIGURATION is accepted by the binary" {
	local key f=$BATS_TEST_TMPDIR/k.ini
	local -A sample=(
		[group]=239.1.1.1:5000 [peer]='10.77.0.2:5001 10.77.0.3:5001' [network_id]=42 [address]='10.42.0.1/24, fd42::1/64'
		[mac]=02:00:00:00:00:01 [mtu]=1450 [local]=127.0.0.1 [dev]=lo [port]=0 [ttl]=1
		[ageing]=300 [max_entries]=65536 [netns]=1 [bridge]=qt-br0 [offload]=yes [workers]=2
		[log_level]=info [syslog]=no [encap]=vxlan [qemu_socket]=/tmp/qt-cli.sock [user]=nobody
		[fdb]='02:00:00:00:00:09 10.0.0.9:5000, 02:00:00:00:00:0a 10.0.0.10:5000'
		[control]=/tmp/qt-cli.ctl [control_group]=adm [metrics]=9100
		[key]=/etc/qt-cli.key [key_next]=/etc/qt-cli-next.key
	)
	local keys
	keys=$(man_ini_keys)
	[ "$(wc -l <<<"$keys")" -ge 10 ]
	for key in $keys; do
		if [[ -z ${sample[$key]+set} ]]; then
			echo "no sample value for ini key '$key': add one to this test" >&2
			return 1
		fi
		# One key per file, and always one of group/network_id missing: the binary must get
		# past the file and stop at the missing one, which proves it took the key.
		case $key in
		log_level | syslog) printf '[global]\n%s = %s\n[qt-cli0]\n' "$key" "${sample[$key]}" ;;
		*) printf '[qt-cli0]\n%s = %s\n' "$key" "${sample[$key]}" ;;
		esac >"$f"
		run --separate-stderr qt_cli -c "$f" -i qt-cli0
		if [[ $status -ne 2 || ! $stderr =~ ^qdes-tap:\ missing\ -- ]]; then
			echo "ini key '$key = ${sample[$key]}': exit $status: $stderr" >&2
			return 1
		fi
	done
}

@test "man: the ini keys of the manual are those of etc/qdes-tap.ini (set or commented out)" {
	local man ini
	man=$(man_ini_keys)
	ini=$(sed -nE 's/^[;#]?[[:space:]]*([a-z_]+)[[:space:]]*=.*/\1/p' etc/qdes-tap.ini | sort -u)
	if [[ $man != "$ini" ]]; then
		diff <(echo "$man") <(echo "$ini") >&2 || true
		return 1
	fi
}

@test "man: every counter of qdes-tap/counters.h is described, and only those" {
	local code man
	code=$(sed -nE 's/^[[:space:]]*X\(([a-z0-9_]+)\).*/\1/p' qdes-tap/counters.h | sort -u)
	# the ".TP" tags of the Counters subsection
	man=$(awk '/^\.S[HS] / { f = ($0 ~ /^\.SS Counters/) } f' man/qdes-tap.8 |
		sed -n 's/^\.B \([a-z0-9_]*\)$/\1/p' | sort -u)
	[ -n "$code" ]
	if [[ $code != "$man" ]]; then
		echo "only in counters.h: $(comm -23 <(echo "$code") <(echo "$man") | xargs)" >&2
		echo "only in the manual: $(comm -13 <(echo "$code") <(echo "$man") | xargs)" >&2
		return 1
	fi
}

# --- the shipped files --------------------------------------------------------------------------

@test "etc/qdes-tap.ini parses: the binary gets past it to the missing group" {
	local f=$BATS_TEST_TMPDIR/example.ini
	grep -q '^group = ' etc/qdes-tap.ini
	grep -v '^group = ' etc/qdes-tap.ini >"$f"
	run --separate-stderr qt_cli -c "$f"
	expect_one_line_error '^qdes-tap: missing --group'
}

@test "README: CI runs the README's test command" {
	grep -qF './scripts/install-deps.sh && make test' README
	grep -qF './scripts/install-deps.sh && make && ./build/qdes-tap -c etc/qdes-tap.ini' README
	grep -qE '^run \./scripts/install-deps\.sh$' .ci/run
	grep -qE '^run make test$' .ci/run
	[ -x .ci/run ]
	[ -x scripts/install-deps.sh ]
}

# man_vectors - the PROTOCOL section's test vectors, one per line, as plain hex
man_vectors()
{
	awk '/^\.S[HS] / { f = ($0 ~ /^\.SS Test vectors/) } f && /^\.nf/ { v = ""; c = 1; next }
		f && c && /^\.fi/ { print v; c = 0; next }
		f && c { gsub(/[^0-9a-fA-F]/, ""); v = v tolower($0) }' man/qdes-tap.8
}

# unit_vectors - vec1, vec2, ... of tests/unit/test_proto.c, one per line, as plain hex
unit_vectors()
{
	awk '/^static const uint8_t vec[0-9]+\[/ { c = 1; v = ""; sub(/^[^{]*/, "") }
		c { s = $0; while (match(s, /0x[0-9a-fA-F][0-9a-fA-F]/)) {
			v = v tolower(substr(s, RSTART + 2, 2)); s = substr(s, RSTART + RLENGTH) } }
		c && /;/ { print v; c = 0 }' tests/unit/test_proto.c
}

@test "man: the PROTOCOL test vectors are the ones the unit tests decode" {
	local man unit
	man=$(man_vectors)
	unit=$(unit_vectors)
	echo "manual:"; echo "$man"
	echo "tests/unit/test_proto.c:"; echo "$unit"
	[ "$(wc -l <<<"$man")" -ge 3 ]
	# vector 1 is the 50-byte ARP request of the spec
	[ "$(head -n 1 <<<"$man" | wc -c)" -eq 101 ]
	[ "$man" = "$unit" ]
}

@test "completion: commands, verbs, keywords and values (without the bash-completion package)" {
	run bash -c '
		_init_completion() {
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
		}
		_filedir() { :; }
		_available_interfaces() { :; }
		source completion/qdes-tap.bash
		c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _qdes_tap; echo "${COMPREPLY[*]}"; }
		c qdes-tap ""
		c qdes-tap -j fdb ""
		c qdes-tap -S /x fdb add 02:00:00:00:00:01 ""
		c qdes-tap fdb flush ""
		c qdes-tap peer ""
		c qdes-tap stats -o ""
		c qdes-tap --encap ""
		c qdes-tap port ""
		c qdes-tap port add ""
		c qdes-tap port add tap eth0 ""'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "show fdb peer port stats reload help genkey" ]
	[ "${lines[1]}" = "show add del flush" ]
	[ "${lines[2]}" = "dst dev" ]
	[ "${lines[3]}" = "dynamic dev" ]
	[ "${lines[4]}" = "show add del" ]
	[ "${lines[5]}" = "prometheus" ]
	[ "${lines[6]}" = "qdes vxlan raw" ]
	[ "${lines[7]}" = "show add del" ]
	[ "${lines[8]}" = "tap" ]
	[ "${lines[9]}" = "ifname netns address mac mtu segment" ]
}
