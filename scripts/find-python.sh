#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter, or explain how to get one and fail.
# Rasa 3.6 runs on Python 3.8-3.10 only; this project is tested on 3.10.
set -u
candidates=()
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -rV); do
    candidates+=("$(pyenv prefix "$version" 2>/dev/null)/bin/python3.10")
  done
fi
for dir in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*; do
  [ -d "$dir" ] && candidates+=("$dir/bin/python3.10")
done
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)
for python in "${candidates[@]}"; do
  if [ -x "$python" ] && "$python" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    echo "$python"
    exit 0
  fi
done
cat >&2 <<'MSG'
error: no Python 3.10 found.
Rasa 3.6 needs Python 3.8-3.10; this project uses 3.10. Install one, then run make again:
  - with pyenv:  pyenv install 3.10.13
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv (where your release has it)
Or point to it: make PYTHON=/path/to/python3.10 run
MSG
exit 1
