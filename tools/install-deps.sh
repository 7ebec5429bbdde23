#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# install-deps.sh - install the Debian 12 packages DittoFS builds and tests
# with, only those that are missing. Fast when everything is present (one
# dpkg-query); otherwise one "apt-get update" and one "apt-get install".
# Uses sudo when not root. Prints one line saying what it did.
set -euo pipefail

PACKAGES=(
	build-essential clang pkg-config
	libssl-dev libkrb5-dev libnl-genl-3-dev liburing-dev liblmdb-dev check
	smbclient samba samba-testsuite samba-vfs-modules cifs-utils python3-impacket tshark
	libclang-rt-14-dev
	qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static xfsprogs
)

# One dpkg-query for all; packages it does not know print nothing.
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk '$2 == "install" && $3 == "ok" && $4 == "installed" { sub(/:.*/, "", $1); printf "%s ", $1 }' ||
	true) "
missing=()
for p in "${PACKAGES[@]}"; do
	[[ $installed == *" $p "* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#PACKAGES[@]} packages already installed"
	exit 0
fi

if ((EUID == 0)); then
	SUDO=()
elif command -v sudo >/dev/null; then
	SUDO=(sudo)
else
	echo "install-deps: missing packages and not root (no sudo); as root run:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi

if ! command -v apt-get >/dev/null; then
	echo "install-deps: no apt-get; install these (Debian 12 names): ${missing[*]}" >&2
	exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/dittofs-deps.XXXXXX")
trap 'rm -f -- "$log"' EXIT

# tshark asks whether non-root users may capture; answer "no" up front.
if [[ " ${missing[*]} " == *" tshark "* ]]; then
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		"${SUDO[@]}" debconf-set-selections 2>/dev/null || true
fi

if ! "${SUDO[@]}" apt-get update >"$log" 2>&1 ||
	! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
	tail -n 30 "$log" >&2
	echo "install-deps: failed to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installed ${#missing[@]} missing package(s): ${missing[*]}"
