# shellcheck shell=bash
# Shared by build.sh and check-series.sh: the pinned source, the patch list,
# the cache layout and the one persistent build tree per kernel version.
# Source it, then call kp_init KVER.
#
# Cache layout ($MSRTOP_CACHE, default /var/cache/msrtop):
#   tree-KVER/           git repository of the pinned Debian source; its first
#                        commit (tag "base") is the pristine tarball, the
#                        series is applied on top with git am
#   obj-KVER/            out-of-tree (O=) build directory for tree-KVER; kept
#                        between runs so that every build is incremental
#   kernel-KVER-KEY/     bzImage, .config and System.map of the full series;
#                        KEY hashes every input (see kp_key), so a changed
#                        input rebuilds
#   debs/                .debs fetched with apt-get download (never installed):
#                        the pinned linux-source of a test kernel when another
#                        version is installed, Debian's kernels for the VM tests
#   src/                 linux-source-KVER-VERSION.tar.xz taken from those .debs
#   kvm-modules/         patched KVM modules for Debian kernels (kvm-modules.sh)
#   debian/              Debian kernels unpacked for the VM tests
#   ccache/              ccache's store for every kernel compile (both KVERs):
#                        a tree reset to the pristine source and a patch that
#                        changes one file recompile from it, not from scratch
#   check-KVER/KEY.tap   check-series.sh results for the first N patches
#   .build-KVER.lock     flock held while tree-KVER/obj-KVER are in use
#   build-KVER.log       output of the last configure/build in obj-KVER
# All of it can be deleted at any time (it is rebuilt); nothing else is kept.

kp_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kp_cache=${MSRTOP_CACHE:-/var/cache/msrtop}

kp_die() {
	echo "${kp_prog:-kernel-patches}: $*" >&2
	exit 1
}

kp_log() {
	echo "${kp_prog:-kernel-patches}: $*" >&2
}

# kp_init KVER: sets kp_kver, kp_series, kp_deb_version, kp_upstream_version,
# kp_patches (the series without its cover letter, in order), kp_tree, kp_obj,
# kp_log_file.
kp_init() {
	kp_kver=$1
	case "$kp_kver" in
	6.1 | 6.12) ;;
	*) kp_die "unsupported kernel version '$kp_kver': use 6.1 or 6.12" ;;
	esac
	kp_series=$kp_here/v$kp_kver
	[ -f "$kp_series/BASE" ] ||
		kp_die "$kp_series/BASE is missing: it pins the Debian source version"
	# BASE holds two words: the Debian package version of linux-source-KVER
	# and the upstream version (VERSION.PATCHLEVEL.SUBLEVEL of its Makefile).
	read -r kp_deb_version kp_upstream_version <"$kp_series/BASE"
	[ -n "$kp_upstream_version" ] ||
		kp_die "$kp_series/BASE must hold 'DEBIAN-VERSION UPSTREAM-VERSION'"
	kp_patches=()
	local p
	while IFS= read -r p; do kp_patches+=("$p"); done < <(find "$kp_series" -maxdepth 1 \
		-name '0*.patch' ! -name '0000-cover-letter.patch' | sort)
	kp_tree=$kp_cache/tree-$kp_kver
	kp_obj=$kp_cache/obj-$kp_kver
	kp_log_file=$kp_cache/build-$kp_kver.log
}

# kp_key [N]: a hash of everything a build of the first N patches (default:
# all) depends on: the pinned source, the config fragment, this file (which
# holds the configure and build steps) and the patches themselves.
kp_key() {
	local n=${1:-${#kp_patches[@]}} i
	{
		echo "$kp_deb_version $kp_upstream_version"
		cat "$kp_here/config.fragment" "$kp_here/lib.sh"
		for ((i = 0; i < n; i++)); do cat "${kp_patches[$i]}"; done
	} | sha256sum | cut -c1-16
}

# kp_source_tarball KVER VERSION: sets kp_tarball to the tarball of Debian's
# linux-source-KVER at exactly VERSION, without installing, upgrading or
# downgrading any package: the installed package's
# /usr/src/linux-source-KVER.tar.xz when that is the version installed,
# otherwise the tarball inside the package's .deb, fetched with
# `apt-get download` into $kp_cache/debs and unpacked into $kp_cache/src.
# Returns 1 (after one line on stderr) when neither is possible.
kp_source_tarball() {
	local kver=$1 ver=$2 pkg=linux-source-$1 deb have
	have=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)
	if [ "$have" = "$ver" ] && [ -f "/usr/src/$pkg.tar.xz" ]; then
		kp_tarball=/usr/src/$pkg.tar.xz
		return 0
	fi
	kp_tarball=$kp_cache/src/$pkg-$ver.tar.xz
	[ -f "$kp_tarball" ] && return 0
	mkdir -p "$kp_cache/debs" "$kp_cache/src"
	deb=$(kp_fetch_deb "$pkg" "$ver") || return 1
	kp_log "unpacking the tarball of $pkg $ver from $deb"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" >"$kp_tarball.tmp" &&
		mv "$kp_tarball.tmp" "$kp_tarball" || {
		rm -f "$kp_tarball.tmp"
		kp_log "$deb holds no usr/src/$pkg.tar.xz"
		return 1
	}
}

# kp_fetch_deb PACKAGE VERSION: the path of PACKAGE_VERSION_*.deb in
# $kp_cache/debs, fetched with `apt-get download` if it is not there yet
# (nothing is installed). Returns 1 when apt has no such version.
kp_fetch_deb() {
	local pkg=$1 ver=$2 deb
	deb=$(kp_cached_deb "$pkg" "$ver")
	if [ -z "$deb" ]; then
		kp_log "fetching $pkg=$ver with apt-get download into $kp_cache/debs"
		mkdir -p "$kp_cache/debs"
		(cd "$kp_cache/debs" && apt-get download -q -o APT::Sandbox::User=root \
			"$pkg=$ver" >&2) || {
			kp_log "apt-get download $pkg=$ver failed (run 'apt-get update'?)"
			return 1
		}
		deb=$(kp_cached_deb "$pkg" "$ver")
		[ -n "$deb" ] || { kp_log "apt-get download left no ${pkg}_${ver}_*.deb"; return 1; }
	fi
	echo "$deb"
}

kp_cached_deb() {
	local f
	# apt names the file PACKAGE_VERSION_ARCH.deb, with ':' of an epoch as %3a.
	for f in "$kp_cache/debs/${1}_${2//:/%3a}"_*.deb; do
		[ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}

# The exact Debian source the series was made against (vKVER/BASE), taken
# from the installed package or fetched into the cache (kp_source_tarball):
# the test kernels stay reproducible and a newer installed package is kept.
kp_ensure_source() {
	kp_source_tarball "$kp_kver" "$kp_deb_version" ||
		kp_die "linux-source-$kp_kver $kp_deb_version, which the series is pinned to" \
			"($kp_series/BASE), is neither installed nor fetchable: rebase the series onto" \
			"the version apt offers and update BASE"
}

# Take the per-version lock for tree-KVER and obj-KVER (held until exit).
kp_lock() {
	mkdir -p "$kp_cache"
	exec 9>"$kp_cache/.build-$kp_kver.lock"
	flock 9
}

kp_git() {
	git -C "$kp_tree" -c user.name=msrtop -c user.email=msrtop@localhost \
		-c core.autocrlf=false -c advice.detachedHead=false "$@"
}

# Bring tree-KVER to the pristine pinned source (extracting it on first use or
# when BASE changed). Files the series touched are rewritten, so make rebuilds
# exactly what depends on them; everything else keeps its objects in obj-KVER.
kp_reset_tree() {
	local want="linux-source-$kp_kver $kp_deb_version"
	if [ "$(kp_git log -1 --format=%s base 2>/dev/null)" != "$want" ]; then
		kp_ensure_source
		kp_log "extracting $kp_tarball into $kp_tree"
		rm -rf "$kp_tree" "$kp_obj"
		mkdir -p "$kp_tree"
		tar -xJf "$kp_tarball" -C "$kp_tree" --strip-components=1
		local mk_ver
		mk_ver=$(make -s -C "$kp_tree" kernelversion 2>/dev/null)
		[ "$mk_ver" = "$kp_upstream_version" ] ||
			kp_die "source is $mk_ver but $kp_series/BASE pins $kp_upstream_version"
		# Debian's .gitignore ignores every top-level entry: add by force.
		kp_git init -q
		kp_git add -f .
		kp_git commit -q -m "$want"
		kp_git tag base
	fi
	if [ -d "$kp_tree/.git/rebase-apply" ]; then
		kp_git am --abort >/dev/null 2>&1 || rm -rf "$kp_tree/.git/rebase-apply"
	fi
	kp_git checkout -q --detach base
	kp_git reset -q --hard base
	kp_git clean -fdxq
}

# kp_am PATCH: apply one patch with git am; its output goes to the log.
kp_am() {
	kp_git am -q "$1" >>"$kp_log_file" 2>&1
}

# Configure obj-KVER: tinyconfig plus config.fragment. Skipped when the
# fragment is unchanged since the last time, so that .config keeps its
# timestamp and the next build stays incremental.
kp_configure() {
	local stamp=$kp_obj/.msrtop-config
	local want
	want=$( (
		echo "$kp_deb_version"
		cat "$kp_here/config.fragment"
	) | sha256sum | cut -c1-16)
	if [ -f "$kp_obj/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	kp_log "configuring (tinyconfig + config.fragment)"
	mkdir -p "$kp_obj"
	rm -f "$stamp"
	{
		kp_kmake tinyconfig &&
			"$kp_tree/scripts/kconfig/merge_config.sh" -O "$kp_obj" -m "$kp_obj/.config" \
				"$kp_here/config.fragment" >>"$kp_log_file" 2>&1 &&
			kp_kmake olddefconfig
	} || kp_die "configuration failed (see $kp_log_file)"

	# Every option the fragment asks for must survive olddefconfig; a
	# dependency the fragment forgot would otherwise silently drop it.
	local line opt missing=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=y) ;; *) continue ;; esac
		opt=${line%%=*}
		grep -qx "$opt=y" "$kp_obj/.config" || {
			kp_log "$opt requested by config.fragment is not set in .config"
			missing=1
		}
	done <"$kp_here/config.fragment"
	[ $missing = 0 ] || kp_die "fix config.fragment (its dependencies) and run again"
	echo "$want" >"$stamp"
}

# Every compile goes through ccache when it is installed (scripts/deps.sh
# installs it); its store is in the cache, capped so that it cannot grow
# without bound (two kernels with debug info fill about 1.5 GB).
kp_cc() {
	if command -v ccache >/dev/null; then
		echo "ccache gcc"
	else
		echo gcc
	fi
}

kp_kmake() {
	CCACHE_DIR=$kp_cache/ccache CCACHE_MAXSIZE=${MSRTOP_CCACHE_SIZE:-4G} \
		make -C "$kp_tree" O="$kp_obj" CC="$(kp_cc)" -j"$(nproc)" "$@" >>"$kp_log_file" 2>&1
}

# kp_ccache_counts: ccache's total hits and misses ("H M"); the difference
# of two readings tells how much of a build came from the cache.
kp_ccache_counts() {
	command -v ccache >/dev/null || { echo "0 0"; return; }
	CCACHE_DIR=$kp_cache/ccache ccache --print-stats 2>/dev/null | awk -F'\t' '
		$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { hit += $2 }
		$1 == "cache_miss" { miss = $2 }
		END { printf "%d %d\n", hit, miss }'
}

# kp_ccache_since "H M": the compiles since that reading, in words.
kp_ccache_since() {
	local h0 m0 h1 m1
	read -r h0 m0 <<<"$1"
	read -r h1 m1 <<<"$(kp_ccache_counts)"
	echo "$((h1 - h0)) compiles from ccache, $((m1 - m0)) compiled"
}

# kp_make: build bzImage in obj-KVER (incremental); output goes to the log.
kp_make() {
	kp_kmake bzImage
}

# kp_make_dirs PATCH: compile only what PATCH can break (KVM: arch/x86/kvm/,
# which also builds virt/kvm/; plus the directory of every other .c file it
# touches), not a whole kernel: the per-patch bisect check of check-series.sh.
kp_make_dirs() {
	local f d dirs=" arch/x86/kvm/"
	while IFS= read -r f; do
		case "$f" in
		arch/x86/kvm/* | virt/kvm/*) continue ;;
		*.c) d=$(dirname "$f")/ ;;
		*) continue ;;
		esac
		case "$dirs " in *" $d "*) ;; *) dirs+=" $d" ;; esac
	done < <(sed -n 's|^+++ b/||p' "$1")
	# shellcheck disable=SC2086 # one word per directory
	kp_kmake $dirs
}

# kp_install KEY: copy the bzImage just built into the result cache.
kp_install() {
	local out=$kp_cache/kernel-$kp_kver-$1
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	cp "$kp_obj/arch/x86/boot/bzImage" "$kp_obj/.config" "$kp_obj/System.map" "$out.tmp/"
	rm -rf "$out"
	mv "$out.tmp" "$out"
}
