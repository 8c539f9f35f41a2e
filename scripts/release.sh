#!/usr/bin/env bash
# release.sh: what the release workflow does on a vX.Y.Z tag, runnable by hand.
#
# Checks that the tag is a release version on a commit whose package.json says that
# version and whose CHANGELOG.md has a dated entry for it; writes that entry as the
# release notes; and moves the floating tags vX and vX.Y to the release, so that
# `uses: org/mcpgov-backup@v1` gets it (README, "Versions").
set -Eeuo pipefail

release_usage() {
	cat <<'EOF'
usage: scripts/release.sh TAG [--notes FILE] [--push REMOTE]

  TAG             the release tag, vX.Y.Z; it must exist (git tag -a vX.Y.Z)
  --notes FILE    where to write the release notes (the CHANGELOG.md entry); default stdout
  --push REMOTE   also push the moved vX and vX.Y to REMOTE (--force: they move by design)
  -h, --help      show this text

Refuses, changing nothing, when the tag is not vX.Y.Z, when package.json at the tag says
another version, or when CHANGELOG.md at the tag has no "## [X.Y.Z] - YYYY-MM-DD" entry.
EOF
}

release_fail() {
	printf 'release: %s\n' "$*" >&2
	exit 1
}

# usage: release_notes VERSION -- the CHANGELOG.md entry of VERSION at the tag, without its heading
release_notes() {
	git show "$release_tag:CHANGELOG.md" | awk -v version="$1" '
		/^## \[/ { inside = index($0, "## [" version "] - ") == 1; next }
		/^\[[^]]+\]: / { inside = 0 }
		inside { print }
	' | sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'
}

_main() {
	release_tag="" release_notes_file="" release_remote=""
	while [ $# -gt 0 ]; do
		case $1 in
		--notes) release_notes_file=${2:?--notes needs a file} && shift ;;
		--push) release_remote=${2:?--push needs a remote} && shift ;;
		-h | --help) release_usage && return 0 ;;
		-*) release_usage >&2 && release_fail "unknown option: $1" ;;
		*) [ -z "$release_tag" ] || release_fail "one tag only" && release_tag=$1 ;;
		esac
		shift
	done
	[ -n "$release_tag" ] || { release_usage >&2 && release_fail "give the tag, such as v1.2.3"; }
	[[ $release_tag =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]] ||
		release_fail "$release_tag is not a release tag: vMAJOR.MINOR.PATCH, such as v1.2.3"
	local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]} version=${release_tag#v}
	git rev-parse -q --verify "refs/tags/$release_tag" >/dev/null ||
		release_fail "there is no tag $release_tag; tag the release commit first (git tag -a $release_tag)"
	local commit
	commit=$(git rev-parse "$release_tag^{commit}")

	local declared
	declared=$(git show "$release_tag:package.json" | sed -n 's/^  "version": "\([^"]*\)",$/\1/p')
	[ "$declared" = "$version" ] ||
		release_fail "package.json at $release_tag says version ${declared:-(none)}, not $version; set it and tag again"
	git show "$release_tag:CHANGELOG.md" | grep -Eq "^## \[${version//./\\.}\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$" ||
		release_fail "CHANGELOG.md at $release_tag has no entry \"## [$version] - YYYY-MM-DD\"; move the Unreleased changes under it"
	local notes
	notes=$(release_notes "$version")
	[ -n "$notes" ] || release_fail "the CHANGELOG.md entry for $version is empty"
	if [ -n "$release_notes_file" ]; then
		printf '%s\n' "$notes" >"$release_notes_file"
	else
		printf '%s\n' "$notes"
	fi

	local floating
	for floating in "v$major" "v$major.$minor"; do
		git tag -f "$floating" "$commit" >/dev/null
		printf 'release: %s now points at %s (%s)\n' "$floating" "${commit:0:12}" "$release_tag" >&2
	done
	if [ -n "$release_remote" ]; then
		git push --force "$release_remote" "refs/tags/v$major" "refs/tags/v$major.$minor"
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
