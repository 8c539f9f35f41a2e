#!/usr/bin/env bash
# Stand-in for the PostgreSQL image's entrypoint in local pods: on the first start of an
# empty data directory it does what the official image does (initdb with
# POSTGRES_INITDB_ARGS, the superuser's password, POSTGRES_DB), then runs the command.
set -Eeuo pipefail

entrypoint_init() {
	local user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
	[ -n "${POSTGRES_PASSWORD:-}" ] || {
		printf 'docker-entrypoint: error: POSTGRES_PASSWORD is not set; the data directory is empty and needs a superuser password\n' >&2
		exit 1
	}
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA"
	local initdb_args=()
	read -r -a initdb_args <<<"${POSTGRES_INITDB_ARGS:-}"
	initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") "${initdb_args[@]}"
	if [ "$db" != postgres ]; then
		local socket
		socket=$(mktemp -d)
		pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=$socket" -w start >/dev/null
		psql -h "$socket" -U "$user" -d postgres -v ON_ERROR_STOP=1 -qc "create database \"$db\""
		pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
		rmdir "$socket"
	fi
}

if [ "${1:-}" = postgres ] && [ ! -s "${PGDATA:?PGDATA must be set}/PG_VERSION" ]; then
	entrypoint_init
fi
exec "$@"
