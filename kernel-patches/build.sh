#!/usr/bin/env bash
# Build a small test kernel from Debian's linux-source-KVER package with the
# msrtop tracepoint series applied, and cache it outside the checkout.
#
#   kernel-patches/build.sh KVER [--print-path]
#
# KVER is 6.1 or 6.12. The result is $MSRTOP_CACHE/kernel-KVER-KEY/bzImage,
# where KEY hashes everything the build depends on (pinned source version,
# patches, config fragment, this script), so a second run with the same inputs
# is instant and a changed input rebuilds. The path is printed on stdout.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${MSRTOP_CACHE:-/var/cache/msrtop}

die() { echo "build.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 KVER   (KVER is 6.1 or 6.12)"
kver=$1
case "$kver" in
6.1 | 6.12) ;;
*) die "unsupported kernel version '$kver': use 6.1 or 6.12" ;;
esac

series=$here/v$kver
base_file=$series/BASE
[ -f "$base_file" ] || die "$base_file is missing: it pins the Debian source version"
# BASE holds two words: the Debian package version and the upstream version
# (VERSION.PATCHLEVEL.SUBLEVEL of its Makefile).
read -r deb_version upstream_version <"$base_file"

# The exact Debian source the series was made against. Install it if missing.
have=$(dpkg-query -W -f='${Version}' "linux-source-$kver" 2>/dev/null || true)
if [ "$have" != "$deb_version" ]; then
	echo "build.sh: installing linux-source-$kver=$deb_version (have '${have:-none}')" >&2
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades \
		"linux-source-$kver=$deb_version" >&2; then
		die "cannot install linux-source-$kver=$deb_version; the series is pinned to it " \
			"(see $base_file): rebase the series onto the version apt offers"
	fi
fi
tarball=/usr/src/linux-source-$kver.tar.xz
[ -f "$tarball" ] || die "$tarball not found after installing linux-source-$kver"

patches=()
while IFS= read -r p; do patches+=("$p"); done < <(find "$series" -maxdepth 1 -name '0*.patch' \
	! -name '0000-cover-letter.patch' | sort)

key=$( (
	echo "$deb_version $upstream_version"
	cat "$here/config.fragment" "$0"
	for p in "${patches[@]}"; do cat "$p"; done
) | sha256sum | cut -c1-16)
out=$cache/kernel-$kver-$key
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.build-$kver.lock"
flock 9
if [ -f "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi

src=$cache/src-$kver-$key
log=$cache/build-$kver-$key.log
rm -rf "$src"
mkdir -p "$src"
echo "build.sh: extracting $tarball (log: $log)" >&2
tar -xJf "$tarball" -C "$src" --strip-components=1

mk_ver=$(make -s -C "$src" kernelversion 2>/dev/null)
[ "$mk_ver" = "$upstream_version" ] ||
	die "source is $mk_ver but $base_file pins $upstream_version"

if [ ${#patches[@]} -gt 0 ]; then
	echo "build.sh: applying ${#patches[@]} patch(es) with git am" >&2
	(
		cd "$src"
		git init -q
		git -c core.autocrlf=false add -A
		git -c user.name=msrtop -c user.email=msrtop@localhost commit -q -m "linux-source-$kver $deb_version"
		git -c user.name=msrtop -c user.email=msrtop@localhost am -q "${patches[@]}"
	) >>"$log" 2>&1 || die "a patch of the $kver series does not apply (see $log)"
fi

echo "build.sh: configuring (tinyconfig + config.fragment)" >&2
(
	cd "$src"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$here/config.fragment"
	make olddefconfig
) >>"$log" 2>&1 || die "configuration failed (see $log)"

# Every option the fragment asks for must survive olddefconfig; a dependency
# the fragment forgot would otherwise silently drop it.
missing=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=y) ;; *) continue ;; esac
	opt=${line%%=*}
	grep -qx "$opt=y" "$src/.config" || {
		echo "build.sh: $opt requested by config.fragment is not set in .config" >&2
		missing=1
	}
done <"$here/config.fragment"
[ $missing = 0 ] || die "fix config.fragment (its dependencies) and run again"

echo "build.sh: building bzImage with $(nproc) jobs (several minutes on first run)" >&2
start=$(date +%s)
make -C "$src" -j"$(nproc)" bzImage >>"$log" 2>&1 || die "kernel build failed (see tail of $log)"
echo "build.sh: built in $(($(date +%s) - start)) s" >&2

mkdir -p "$out.tmp"
cp "$src/arch/x86/boot/bzImage" "$src/.config" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
# Keep the patched, configured tree of the newest build for checkpatch and
# incremental work, drop older ones: they are large.
find "$cache" -maxdepth 1 -name "src-$kver-*" ! -name "src-$kver-$key" -exec rm -rf {} +
echo "$out/bzImage"
