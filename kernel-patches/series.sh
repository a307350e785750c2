#!/usr/bin/env bash
# Edit a kernel patch series in a git tree and write it back as patch files,
# with the one author identity of kernel-patches/AUTHOR:
#
#   kernel-patches/series.sh checkout KVER DIR
#       DIR becomes a git tree of the pinned Debian source (tag "base") with
#       the series of kernel-patches/vKVER applied as commits on branch
#       "series" (a clone sharing the objects of the cache's tree-KVER).
#   kernel-patches/series.sh export KVER DIR
#       the commits base..HEAD of DIR become kernel-patches/vKVER/0*.patch
#       again (git format-patch): author, committer and Signed-off-by are set
#       from AUTHOR; the cover letter keeps its subject and text, its
#       shortlog and diffstat are made again.
#   kernel-patches/series.sh check KVER
#       exits 1, saying which, if a patch file's From: or Signed-off-by: is
#       not AUTHOR (check-series.sh runs this).
#
# AUTHOR holds one line, "Name <email>": the identity the series is sent
# under. Change it there, then checkout and export each version.
set -euo pipefail

kp_prog=series.sh
# shellcheck source=kernel-patches/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $0 checkout KVER DIR | export KVER DIR | check KVER" >&2
	exit 2
}

# The identity of AUTHOR, checked: "Name <user@domain>", no .invalid address.
kp_author() {
	local a
	a=$(cat "$kp_here/AUTHOR" 2>/dev/null) || kp_die "$kp_here/AUTHOR is missing"
	[[ $a =~ ^[^\<\>]+\ \<[^@\ \<\>]+@[^\ \<\>]+\>$ ]] ||
		kp_die "$kp_here/AUTHOR must hold one line 'Name <user@domain>', not '$a'"
	case "$a" in *.invalid\>) kp_die "$kp_here/AUTHOR: a .invalid address cannot be mailed" ;; esac
	echo "$a"
}

cmd_check() {
	local author p bad=0 from sob
	author=$(kp_author)
	for p in "$kp_series"/0*.patch; do
		from=$(sed -n '1,/^$/{s/^From: //p}' "$p")
		if [ "$from" != "$author" ]; then
			echo "$(basename "$p"): From: '$from', AUTHOR says '$author'" >&2
			bad=1
		fi
		case "$(basename "$p")" in 0000-*) continue ;; esac
		sob=$(sed -n 's/^Signed-off-by: //p' "$p")
		if [ "$sob" != "$author" ]; then
			echo "$(basename "$p"): Signed-off-by: '${sob//$'\n'/', '}', AUTHOR says '$author'" >&2
			bad=1
		fi
	done
	return $bad
}

cmd_checkout() {
	local dir=$1 p
	[ ! -e "$dir" ] || kp_die "$dir exists: give a new directory"
	(
		kp_lock
		kp_reset_tree
	)
	git clone -q --shared --no-checkout "$kp_tree" "$dir"
	git -C "$dir" checkout -q -b series base
	for p in "${kp_patches[@]}"; do
		git -C "$dir" -c user.name=msrtop -c user.email=msrtop@localhost am -q "$p" ||
			kp_die "$(basename "$p") does not apply in $dir"
	done
	echo "$dir: ${#kp_patches[@]} patches on branch series over tag base"
}

cmd_export() {
	local dir=$1 author name email n cover subject out
	author=$(kp_author)
	name=${author% <*}
	email=${author##*<}
	email=${email%>}
	n=$(git -C "$dir" rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || kp_die "$dir has no commits over tag base"
	git -C "$dir" diff --quiet HEAD || kp_die "$dir has uncommitted changes"

	# Author, committer and sign-off of every commit: AUTHOR's.
	local log
	log=$(mktemp)
	GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		git -C "$dir" -c user.name="$name" -c user.email="$email" rebase -q base --exec \
		"git log -1 --format=%B | sed '/^Signed-off-by: /d' | git interpret-trailers --trailer 'Signed-off-by: $author' | git commit -q --amend --author='$author' -F -" \
		>"$log" 2>&1 || {
		cat "$log" >&2
		kp_die "rewriting the authors of $dir failed (git rebase --abort there)"
	}
	rm -f "$log"

	out=$(mktemp -d)
	git -C "$dir" -c user.name="$name" -c user.email="$email" format-patch -q \
		--no-signature --cover-letter -o "$out" base..HEAD
	# The cover letter: the old one's subject and text, git's shortlog and diffstat.
	cover=$kp_series/0000-cover-letter.patch
	if [ -f "$cover" ]; then
		subject=$(sed -n 's/^Subject: \[PATCH 0\/[0-9]*\] //p' "$cover")
		awk -v subject="$subject" -v old="$cover" '
			BEGIN {
				# the old text: after the header, up to its shortlog ("Name (N):")
				while ((getline l < old) > 0) {
					if (!inbody && l == "") { inbody = 1; continue }
					if (inbody && l ~ /^[^ ].* \([0-9]+\):$/) break
					if (inbody) text = text l "\n"
				}
			}
			/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subject) }
			/^\*\*\* BLURB HERE \*\*\*$/ { printf "%s", text; skip = 1; next }
			skip && /^$/ { skip = 0; next }
			{ print }' "$out/0000-cover-letter.patch" >"$out/cover"
		mv "$out/cover" "$out/0000-cover-letter.patch"
	fi
	rm -f "$kp_series"/0*.patch
	mv "$out"/*.patch "$kp_series/"
	rmdir "$out"
	echo "wrote $n patches and the cover letter to $kp_series"
}

[ $# -ge 2 ] || usage
kp_init "$2"
case "$1" in
checkout) [ $# -eq 3 ] || usage; cmd_checkout "$3" ;;
export) [ $# -eq 3 ] || usage; cmd_export "$3" ;;
check) [ $# -eq 2 ] || usage; cmd_check ;;
*) usage ;;
esac
