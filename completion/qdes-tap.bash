# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for qdes-tap: the daemon's options, the client's commands and their words
# (installed by make install into bash-completion's completions directory)

# Interfaces served by running daemons: their sockets in /run/qdes-tap
_qdes_tap_ifnames()
{
	local f
	for f in /run/qdes-tap/*.ctl; do
		[[ -S $f ]] && f=${f##*/} && printf '%s\n' "${f%.ctl}"
	done
}

_qdes_tap()
{
	local cur prev words cword i cmd= sub=
	_init_completion || return

	# the client's words: options, then a command and its verb
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-S | --control) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${words[i]}
			elif [[ -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	case $prev in
	-S | --control | -c | --config | --qemu-socket)
		_filedir
		return
		;;
	dev | segment | -i | --interface)
		COMPREPLY=($(compgen -W "$(_qdes_tap_ifnames)" -- "$cur"))
		[[ $prev == dev ]] || _available_interfaces
		return
		;;
	-o) COMPREPLY=($(compgen -W prometheus -- "$cur")) && return ;;
	--encap) COMPREPLY=($(compgen -W 'qdes vxlan raw' -- "$cur")) && return ;;
	--log-level) COMPREPLY=($(compgen -W 'error warning notice info debug' -- "$cur")) && return ;;
	--offload) COMPREPLY=($(compgen -W 'yes no' -- "$cur")) && return ;;
	-m | --mac) COMPREPLY=($(compgen -W 'persistent random' -- "$cur")) && return ;;
	netns | --netns) COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null | awk '{ print $1 }')" -- "$cur")) && return ;;
	--user) COMPREPLY=($(compgen -u -- "$cur")) && return ;;
	--control-group) COMPREPLY=($(compgen -g -- "$cur")) && return ;;
	--key | --key-next) _filedir && return ;;
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(qdes-tap --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u) -j --json -p --pretty -s --stats" -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'show fdb peer port stats reload help genkey' -- "$cur"))
		fi
		return
	fi
	case $cmd in
	fdb)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'show add del flush' -- "$cur"))
		else
			case $sub in
			add) COMPREPLY=($(compgen -W 'dst dev' -- "$cur")) ;;
			flush) COMPREPLY=($(compgen -W 'dynamic dev' -- "$cur")) ;;
			*) COMPREPLY=($(compgen -W 'dev' -- "$cur")) ;;
			esac
		fi
		;;
	peer)
		[[ -z $sub ]] && COMPREPLY=($(compgen -W 'show add del' -- "$cur")) ||
			COMPREPLY=($(compgen -W 'dev' -- "$cur"))
		;;
	port)
		if [[ -z $sub ]]; then
			COMPREPLY=($(compgen -W 'show add del' -- "$cur"))
		elif [[ $sub == add && ${words[cword - 1]} == add ]]; then
			COMPREPLY=($(compgen -W 'tap' -- "$cur"))
		elif [[ $sub == add ]]; then
			COMPREPLY=($(compgen -W 'ifname netns address mac mtu segment' -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'segment' -- "$cur"))
		fi
		;;
	stats) COMPREPLY=($(compgen -W 'dev -o' -- "$cur")) ;;
	show | reload) COMPREPLY=($(compgen -W "$(_qdes_tap_ifnames)" -- "$cur")) ;;
	esac
}
complete -F _qdes_tap qdes-tap
