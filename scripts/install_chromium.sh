#!/usr/bin/env bash
# Install Chromium from the Debian packages, for the headless-browser tests of the HTML report.
# Idempotent: when /usr/bin/chromium is there already, prints its version and does nothing else.
# Usage: scripts/install_chromium.sh
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    "$CHROMIUM" --version
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "error: $CHROMIUM is missing, and installing it needs root or sudo; install the Debian package" \
        "'chromium' yourself (apt-get install chromium)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $CHROMIUM is missing and there is no apt-get here; install Chromium so that $CHROMIUM" \
        "runs it" >&2
    exit 1
fi

echo "Installing Chromium with apt-get (this takes a minute or two)..."
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update; then
    echo "error: apt-get update failed; check the network or the apt sources" >&2
    exit 1
fi
if ! "${as_root[@]}" apt-get install -y --no-install-recommends chromium; then
    echo "error: apt-get install chromium failed; see the apt output above" >&2
    exit 1
fi
if [[ ! -x "$CHROMIUM" ]]; then
    echo "error: the chromium package is installed but $CHROMIUM is not there" >&2
    exit 1
fi
"$CHROMIUM" --version
