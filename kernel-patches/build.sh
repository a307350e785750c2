#!/usr/bin/env bash
# Build a small test kernel from Debian's linux-source-KVER package with the
# msrtop tracepoint series applied, and cache it outside the checkout.
#
#   kernel-patches/build.sh [--stock] KVER
#
# --stock builds the same kernel without the series (Debian's source as
# shipped, same config): the stock-kernel baseline of `make bench`.
#
# KVER is 6.1 or 6.12. The result is $MSRTOP_CACHE/kernel-KVER-KEY/bzImage
# (default cache /var/cache/msrtop), where KEY hashes everything the build
# depends on (pinned source version, patches, config fragment, lib.sh), so a
# second run with the same inputs is instant and a changed input rebuilds. The
# path is printed on stdout, as the last line.
#
# The build itself is incremental: one source tree and one object directory per
# KVER are kept in the cache (see lib.sh), so after a first full build (about
# 6 minutes for 6.1 and 10 for 6.12 on 2 cores) a changed patch rebuilds only
# what it touches. check-series.sh shares them and fills the same result cache.
set -euo pipefail

kp_prog=build.sh
# shellcheck source=kernel-patches/lib.sh
. "$(dirname "$0")/lib.sh"

stock=0
if [ "${1:-}" = --stock ]; then
	stock=1
	shift
fi
[ $# -eq 1 ] || kp_die "usage: $0 [--stock] KVER   (KVER is 6.1 or 6.12)"
kp_init "$1"
[ $stock = 0 ] || kp_patches=()

key=$(kp_key "${#kp_patches[@]}")
out=$kp_cache/kernel-$kp_kver-$key
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

t0=$(date +%s)
kp_lock
# Another build may have finished it while this one waited for the lock.
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

: >"$kp_log_file"
kp_reset_tree
kp_log "source ready in $(($(date +%s) - t0)) s"
kp_log "applying ${#kp_patches[@]} patch(es) of v$kp_kver with git am (log: $kp_log_file)"
for p in "${kp_patches[@]}"; do
	kp_am "$p" || kp_die "$(basename "$p") does not apply to linux-source-$kp_kver" \
		"$kp_deb_version (see $kp_log_file)"
done
kp_configure

kp_log "building bzImage with $(nproc) jobs (several minutes unless incremental or in ccache)"
start=$(date +%s)
cc0=$(kp_ccache_counts)
kp_make || kp_die "kernel build failed (see the end of $kp_log_file)"
kp_log "built in $(($(date +%s) - start)) s ($(kp_ccache_since "$cc0")); $(($(date +%s) - t0)) s in all"

kp_install "$key"
echo "$out/bzImage"
