# Shared by scripts/demo and scripts/test: find Python, create or update .venv, install Silverguard.
# Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else
    echo "error: '$*' needs root. Run it as root (or install sudo), then run this script again." >&2
    exit 1
  fi
}

APT_UPDATED=0
apt_install() {
  # apt_install PKG... : install the Debian packages that are missing.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

ensure_venv() {
  # ensure_venv EXTRAS : create .venv if missing and (re)install when pyproject.toml changed.
  local extras="$1"
  if [ ! -x "$VENV/bin/python" ]; then
    local py
    if ! py="$(find_python)"; then
      apt_install python3 python3-venv python3-pip
      py="$(find_python)" || { echo "error: Python >= 3.11 is required (Debian 12 ships 3.11)." >&2; exit 1; }
    fi
    echo "==> creating virtual environment $VENV with $py"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      apt_install python3-venv
      "$py" -m venv "$VENV"
    fi
  fi
  local stamp="$VENV/.silverguard-installed-$extras"
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing Silverguard and its Python dependencies into .venv"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
  fi
}
