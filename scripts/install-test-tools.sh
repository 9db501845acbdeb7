#!/usr/bin/env bash
# Installs what the test suites need: Debian packages listed in Tests/apt-packages.txt (via apt,
# when this user can), Python packages from Tests/requirements.txt into .venv, and the Azure CLI
# (Tests/requirements-az.txt, for its argument tables) into .venv-az.
# Under CI=true anything that cannot be installed is a failure; elsewhere it is a warning and the
# suites that need the missing tool say so.
set -euo pipefail
cd "$(dirname "$0")/.."

ci=${CI:-false}
fail_or_warn() {
  if [ "$ci" = "true" ]; then
    echo "install-test-tools: $1" >&2
    exit 1
  fi
  echo "install-test-tools: warning: $1" >&2
}

# Debian packages: install only what is missing.
missing=()
while read -r package; do
  case "$package" in ''|'#'*) continue ;; esac
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done < Tests/apt-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-test-tools: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); fi
  fi
  if [ "$(id -u)" -eq 0 ] || [ ${#sudo_cmd[@]} -gt 0 ]; then
    "${sudo_cmd[@]}" apt-get update -qq || fail_or_warn "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
      || fail_or_warn "could not install ${missing[*]}"
  else
    fail_or_warn "missing Debian packages (${missing[*]}) and no root/sudo to install them"
  fi
fi

# Python tools in local virtual environments: install_venv <folder> <requirements file>, skipped when the
# requirements file has not changed since the last successful install.
install_venv() {
  local venv=$1 requirements=$2
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || fail_or_warn "could not create $venv (python3-venv missing?)"
  fi
  if [ -x "$venv/bin/pip" ]; then
    local stamp="$venv/.requirements.sha" want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
      echo "install-test-tools: installing $requirements into $venv"
      if "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"; then
        echo "$want" > "$stamp"
      else
        fail_or_warn "pip could not install $requirements"
      fi
    fi
  fi
}
install_venv .venv Tests/requirements.txt
install_venv .venv-az Tests/requirements-az.txt
