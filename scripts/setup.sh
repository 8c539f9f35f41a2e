#!/usr/bin/env bash
# setup.sh: everything the demo and the tests need on a Debian or Ubuntu machine, installed
# only when missing, so it is cheap to run before every `npm run demo` and `npm test`.
#   apt: PostgreSQL server, pgBackRest, shellcheck, jq, openssl, runuser; Prometheus
#        (promtool for the alert tests), node_exporter, postgres_exporter and the
#        Pushgateway (the tests run their own instances on free loopback ports, whatever
#        the packages start); zstd for the benchmark; curl, with which validations push
#   npm: the locked dependencies (npm ci), again only when package-lock.json changed
set -Eeuo pipefail

setup_packages=(postgresql postgresql-contrib pgbackrest shellcheck jq openssl util-linux iproute2 systemd ca-certificates
	prometheus prometheus-node-exporter prometheus-postgres-exporter prometheus-pushgateway zstd curl)

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

_main() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.."
	setup_apt
	setup_npm
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
