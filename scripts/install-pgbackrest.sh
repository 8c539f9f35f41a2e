#!/usr/bin/env bash
# install-pgbackrest.sh: put the one pgBackRest release the product is tested with at
# /usr/bin/pgbackrest, the same way on a developer's machine, a CI runner, a VM and in the
# image. The binary comes from Debian's own package of that release (trixie's), fetched
# from Debian's pool or, when the pool has moved on, from snapshot.debian.org, which keeps
# every package Debian ever published; either way the package's SHA-256 must be the one
# pinned here. Debian 12's libraries satisfy it (its t64-renamed dependencies keep the
# same sonames), so only the binary is taken: the caller installs the libraries, and on a
# machine with Debian's own pgbackrest package (for its user, directories and libraries)
# that package's binary is diverted, so that an apt upgrade does not put it back.
# Safe to run again: nothing is fetched when the pinned release is already there.
set -Eeuo pipefail

pgbr_version=2.55.1
pgbr_deb_revision=1
# SHA-256 of pgbackrest_2.55.1-1_<arch>.deb, as Debian's Packages index lists them.
declare -A pgbr_deb_sha256=(
	[amd64]=4143a01dba71c12aab93e67b012b5cb93ec9f80e408080ddbde6261115da381d
	[arm64]=8dd7c20c8be327a465d27b557ce04eca85fa67b29b16391bb5300a9f515c7142
)
# Debian's pool, then the snapshot archive, which never drops a package.
read -r -a pgbr_mirrors <<<"${PGBACKREST_DEB_MIRRORS:-https://deb.debian.org/debian https://snapshot.debian.org/archive/debian/20250801T000000Z}"

pgbr_usage() {
	cat <<'EOF_USAGE'
usage: scripts/install-pgbackrest.sh [--root DIR] [--cache DIR] [--print-version] [--help]

Installs pgBackRest 2.55.1 (Debian's package pgbackrest_2.55.1-1, checked by its
SHA-256) as DIR/usr/bin/pgbackrest, for amd64 or arm64. Needs curl, dpkg-deb and the
libraries pgBackRest links (libssl3, libxml2, libssh2-1, liblz4-1, libzstd1, libbz2-1.0,
libpq5, zlib1g); says which are missing. Run as root for /.

  --root DIR        install below DIR instead of / (nothing is diverted)
  --cache DIR       take the package from DIR when it is there with the pinned SHA-256,
                    and keep a fetched one there (scripts/setup.sh uses .tools/)
  --print-version   print the pinned version and exit
  PGBACKREST_DEB_MIRRORS
                    the Debian mirrors to try, in order, separated by spaces (default
                    https://deb.debian.org/debian, then snapshot.debian.org)
EOF_USAGE
}

pgbr_die() {
	printf 'install-pgbackrest: error: %s\n' "$*" >&2
	exit 1
}

pgbr_log() {
	printf 'install-pgbackrest: %s\n' "$*" >&2
}

# usage: pgbr_installed BINARY -> true when BINARY runs, every symbol bound, as the pinned release
pgbr_installed() {
	[ -x "$1" ] && [ "$(LD_BIND_NOW=1 "$1" version 2>/dev/null)" = "pgBackRest $pgbr_version" ]
}

pgbr_main() {
	local root=/ cache=""
	while [ $# -gt 0 ]; do
		case $1 in
		--root)
			[ $# -ge 2 ] || pgbr_die "--root needs a directory"
			root=$2
			shift
			;;
		--cache)
			[ $# -ge 2 ] || pgbr_die "--cache needs a directory"
			cache=$2
			shift
			;;
		--print-version)
			printf '%s\n' "$pgbr_version"
			return 0
			;;
		-h | --help)
			pgbr_usage
			return 0
			;;
		*) pgbr_die "unknown argument $1 (see --help)" ;;
		esac
		shift
	done
	local target=${root%/}/usr/bin/pgbackrest arch sha name
	arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
	case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
	sha=${pgbr_deb_sha256[$arch]:-}
	[ -n "$sha" ] || pgbr_die "no pinned package for architecture $arch (amd64 and arm64 are)"
	name=pgbackrest_${pgbr_version}-${pgbr_deb_revision}_${arch}.deb
	if pgbr_installed "$target" && { [ -z "$cache" ] || [ -f "$cache/$name" ]; }; then
		return 0
	fi
	command -v curl >/dev/null || pgbr_die "curl not found; install it (apt-get install curl)"
	command -v dpkg-deb >/dev/null || pgbr_die "dpkg-deb not found; this script needs a Debian or Ubuntu system"

	local work deb got="" mirror
	work=$(mktemp -d)
	pgbr_work=$work
	trap 'rm -rf "$pgbr_work"' EXIT
	deb=$work/$name
	if [ -n "$cache" ] && [ -f "$cache/$name" ]; then
		got=$(sha256sum "$cache/$name" | cut -d' ' -f1)
		if [ "$got" = "$sha" ]; then
			cp "$cache/$name" "$deb"
		else
			pgbr_log "$cache/$name has SHA-256 $got, not the pinned $sha; fetching it again"
			got=""
		fi
	fi
	for mirror in "${pgbr_mirrors[@]}"; do
		[ -z "$got" ] || break
		pgbr_log "fetching $mirror/pool/main/p/pgbackrest/$name"
		if curl -fsSL --retry 3 -o "$deb" "$mirror/pool/main/p/pgbackrest/$name"; then
			got=$(sha256sum "$deb" | cut -d' ' -f1)
			[ "$got" = "$sha" ] && break
			pgbr_log "$name from $mirror has SHA-256 $got, not the pinned $sha; not using it"
		fi
		got=""
	done
	[ -n "$got" ] || pgbr_die "could not fetch $name with SHA-256 $sha from ${pgbr_mirrors[*]}"
	if [ -n "$cache" ] && ! cmp -s "$deb" "$cache/$name"; then
		mkdir -p "$cache" && cp "$deb" "$cache/$name"
	fi

	dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$work" ./usr/bin/pgbackrest
	local missing
	missing=$(ldd "$work/usr/bin/pgbackrest" | awk '/not found/ {print $1}' | tr '\n' ' ')
	[ -z "$missing" ] || pgbr_die "pgBackRest $pgbr_version needs libraries this machine lacks: $missing(apt-get install libssl3 libxml2 libssh2-1 liblz4-1 libzstd1 libbz2-1.0 libpq5 zlib1g)"
	pgbr_installed "$work/usr/bin/pgbackrest" || pgbr_die "the extracted binary does not run: $(LD_BIND_NOW=1 "$work/usr/bin/pgbackrest" version 2>&1 | head -3)"

	# Debian's own package owns /usr/bin/pgbackrest: move its binary aside for good.
	if [ "$root" = / ] && dpkg-query -W -f='${Status}' pgbackrest 2>/dev/null | grep -q 'install ok installed' &&
		[ "$(dpkg-divert --truename /usr/bin/pgbackrest)" = /usr/bin/pgbackrest ]; then
		dpkg-divert --quiet --local --rename --divert /usr/bin/pgbackrest.debian --add /usr/bin/pgbackrest
		pgbr_log "Debian's $(dpkg-query -W -f='${Version}' pgbackrest) binary moved to /usr/bin/pgbackrest.debian"
	fi
	install -D -m 0755 "$work/usr/bin/pgbackrest" "$target.new"
	mv -f "$target.new" "$target"
	pgbr_log "installed pgBackRest $pgbr_version at $target"
}

pgbr_main "$@"
