#!/usr/bin/env bash
# Creates .venv at the repository root (when missing) and installs Tests/Interop/requirements.txt into it.
# Idempotent: does nothing when the venv already holds these requirements. Never installs into the system Python.
# PYTHON=/path/to/python3 picks the interpreter that creates the venv (default: python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/.venv"
req="$here/requirements.txt"
stamp="$venv/.interop-requirements.sha256"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  # Missing, or left broken by an interrupted run: (re)create it.
  "$python" -m venv --clear "$venv"
fi

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
  && "$venv/bin/python" -c 'import jwt, jwcrypto, cryptography, authlib, requests, schemathesis, selenium' 2>/dev/null; then
  exit 0
fi

"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
printf '%s\n' "$want" >"$stamp"
