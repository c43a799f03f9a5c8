#!/usr/bin/env bash
# Install everything the project needs: Debian packages (when root), a virtual environment
# in .venv, the CPU build of torch and the project's pinned Python packages.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
# On PyPI, torch 2.13.0 for Linux x86_64 is the CUDA build; a machine that keeps a CPU wheel
# on disk (found through pip's configuration) gets the CPU build from there.
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
DEBIAN_PACKAGES=(prometheus prometheus-alertmanager iproute2 nftables procps)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing Debian packages: ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: install them as root: apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup: creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --upgrade pip
echo "setup: installing $TORCH_SPEC"
# Unquoted on purpose: TORCH_SPEC may carry pip options such as --index-url.
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet $TORCH_SPEC
echo "setup: installing the project and its pinned dependencies"
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"
"$VENV/bin/python" -c "import torch; print('setup: torch', torch.__version__, 'cuda available:', torch.cuda.is_available())"
