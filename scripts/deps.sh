#!/usr/bin/env bash
# Install the Debian 12 packages that msrtop's build and tests need.
# A no-op when they are all present; run as root (or with sudo) otherwise.
set -euo pipefail

pkgs=(
	# build
	make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libncurses-dev libjson-c-dev libmicrohttpd-dev
	# tests
	libcmocka-dev jq python3 python3-jsonschema bpftrace prometheus tmux curl linux-perf
	libclang-rt-14-dev  # libFuzzer and the sanitizers' runtimes (mk/fuzz.mk)
	# patched-kernel build and VM tests
	linux-source-6.1 linux-source-6.12 bc flex bison libssl-dev dwarves cpio ccache
	qemu-system-x86 busybox-static kmod git
	# Debian's own kernels in the VM tests: patched KVM modules under DKMS
	dkms xz-utils
	# make deb and its checks; the systemd VM test's Debian root (mmdebstrap)
	dpkg-dev debhelper dh-dkms lintian mmdebstrap groff-base
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
