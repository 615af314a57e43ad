# bash completion for crunlocal: commands, each command's flags (from its
# --help), and container and image names read straight from the store.

_crunlocal_root () {
  if [ -n "${CRUNLOCAL_ROOT:-}" ]; then printf '%s' "$CRUNLOCAL_ROOT"
  elif [ "$(id -u)" = 0 ]; then printf '/var/lib/crunlocal'
  else printf '%s/crunlocal' "${XDG_DATA_HOME:-$HOME/.local/share}"
  fi
}

# Container names and IDs (12 hex), from containers/*/container.json.
_crunlocal_containers () {
  local root f
  root=$(_crunlocal_root)
  for f in "$root"/containers/*/container.json; do
    [ -r "$f" ] || continue
    sed -n 's/^ *"\(name\|id\)": *"\([^"]*\)".*/\2/p' "$f" | while read -r v; do
      case $v in ????????????????????????????????????????????????????????????????) echo "${v:0:12}" ;; *) echo "$v" ;; esac
    done
  done
}

# Image names, from images/*.json.
_crunlocal_images () {
  local root
  root=$(_crunlocal_root)
  cat "$root"/images/*.json 2>/dev/null | sed -n '/"names"/,/]/s/^ *"\([^"]*\)",\{0,1\}$/\1/p'
}

# Root's bridge networks, from networks/*/ (default: crunlocal).
_crunlocal_networks () {
  local root d
  root=$(_crunlocal_root)
  for d in "$root"/networks/*/config; do
    [ -r "$d" ] || continue
    d=${d%/config}; d=${d##*/}
    [ "$d" = default ] && echo crunlocal || echo "$d"
  done
}

_crunlocal_flags () {
  crunlocal "$@" --help 2>/dev/null | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u
}

_crunlocal () {
  local cur cmd i
  cur=${COMP_WORDS[COMP_CWORD]}
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
  done
  if [ "$cmd" = runtime ]; then
    _crunlocal_runtime_words "$((i + 1))"
    return
  fi
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "$(crunlocal --help 2>&1 | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')" -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_crunlocal_flags "$cmd")" -- "$cur"))
    return
  fi
  case ${COMP_WORDS[COMP_CWORD - 1]} in
    --network|--net)
      COMPREPLY=($(compgen -W "private private:allow_host_loopback=true host none $(_crunlocal_networks) $(_crunlocal_containers | sed 's/^/container:/')" -- "$cur"))
      return ;;
    # run --context DIR[:TARGET]: a directory (given as ./x, /x or --context=x).
    --context)
      COMPREPLY=($(compgen -d -- "$cur"))
      return ;;
    # save -o FILE, --format: the archive kinds.
    -o|--output)
      [ "$cmd" = save ] && { COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
    --format)
      [ "$cmd" = save ] && { COMPREPLY=($(compgen -W "docker-archive oci-archive" -- "$cur")); return; } ;;
  esac
  case $cmd in
    network)
      if [ "$i" -eq $((COMP_CWORD - 1)) ]; then
        COMPREPLY=($(compgen -W "create ls inspect rm prune" -- "$cur"))
      else
        case ${COMP_WORDS[i + 1]} in inspect|rm) COMPREPLY=($(compgen -W "$(_crunlocal_networks)" -- "$cur")) ;; esac
      fi ;;
    run|pull|rmi|spec|create|history|save|tag) COMPREPLY=($(compgen -W "$(_crunlocal_images)" -- "$cur")) ;;
    load) COMPREPLY=($(compgen -f -- "$cur")) ;;
    rm|logs|stop|kill|wait|start|inspect|exec|attach|restart|port|top|rename|diff|pause|unpause|stats|update)
      COMPREPLY=($(compgen -W "$(_crunlocal_containers)" -- "$cur")) ;;
    # cp: CONTAINER: (then its path, typed) or a host file.
    cp)
      compopt -o nospace 2>/dev/null
      case $cur in
        *:*) COMPREPLY=() ;;
        *) COMPREPLY=($(compgen -W "$(_crunlocal_containers | sed 's/$/:/')" -- "$cur") $(compgen -f -- "$cur")) ;;
      esac ;;
  esac
}
complete -F _crunlocal crunlocal

# The OCI runtime command line (crunlocal-runtime, crunlocal runtime):
# its commands, their flags, and the IDs under --root.
_crunlocal_runtime_words () { # FIRST: the index of the word after the program
  local cur cmd root i
  cur=${COMP_WORDS[COMP_CWORD]}
  cmd="" root=""
  for ((i = $1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      --root) root=${COMP_WORDS[i + 1]}; i=$((i + 1)) ;;
      --log|--log-format) i=$((i + 1)) ;;
      -*) ;;
      *) cmd=${COMP_WORDS[i]}; break ;;
    esac
  done
  if [ -z "$root" ]; then
    if [ "$(id -u)" = 0 ]; then root=/run/crunlocal-runtime; else root=${XDG_RUNTIME_DIR:-/tmp}/crunlocal-runtime; fi
  fi
  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--root --log --log-format --debug --help" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "create start run state kill delete list ps exec pause resume update events features spec" -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(crunlocal runtime "$cmd" --help 2>/dev/null | grep -oE -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(ls "$root" 2>/dev/null)" -- "$cur"))
  fi
}
_crunlocal_runtime () { _crunlocal_runtime_words 1; }
complete -F _crunlocal_runtime crunlocal-runtime
