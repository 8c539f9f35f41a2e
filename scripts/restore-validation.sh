#!/usr/bin/env bash
# pgbackrest-restore-validation.sh: prove that the newest backup of a stanza restores.
#
# Restores into scratch space (never the production data directory), starts a private
# PostgreSQL on a Unix socket only with archiving off (it must never push WAL into the
# production repository), waits until recovery has finished, then checks every database.
# The same file runs in the restore-validation CronJob and on a VM
# (/usr/local/bin/pgbackrest-restore-validation.sh).
set -Eeuo pipefail

validation_usage() {
	cat <<'EOF'
usage: pgbackrest-restore-validation.sh [--stanza NAME] [--scratch DIR] [--set LABEL]
                                        [--timeout SECONDS] [--keep] [--help]

Restore the newest backup of a pgBackRest stanza into DIR/pgdata, start it privately
and check that every database answers and passes pg_amcheck. Exits 0 when all checks
pass, 1 when a check fails, 2 on bad usage or a failed precondition.

  --stanza NAME       stanza to validate (env PGBACKREST_STANZA, default mcpgov)
  --scratch DIR       scratch directory, emptied first (env VALIDATION_SCRATCH,
                      default /var/lib/pgbackrest-validation)
  --set LABEL         restore this backup set instead of the newest
  --timeout SECONDS   deadline for the restored server to finish recovery
                      (env VALIDATION_TIMEOUT, default 1800)
  --keep              leave the restored data directory for inspection

PostgreSQL's bin directory (pg_ctl, postgres, psql, pg_amcheck) must be on PATH.
EOF
}

validation_log() {
	printf '%s restore-validation: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

validation_die() {
	local code=$1
	shift
	validation_log "error: $*"
	exit "$code"
}

# usage: validation_require_tools TOOL...
validation_require_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			validation_die 2 "$tool not found on PATH; add PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<version>/bin) and install pgBackRest"
	done
}

# usage: validation_wait_writable DEADLINE_EPOCH
# Waits until the restored server accepts connections and has left recovery.
validation_wait_writable() {
	local deadline=$1 state
	while :; do
		if ! kill -0 "$validation_server_pid" 2>/dev/null; then
			validation_die 1 "the restored server exited during recovery; see $validation_scratch/postgres.log"
		fi
		state=$(psql -h "$validation_socket" -p "$validation_port" -U postgres -d postgres -Atqc \
			'select pg_is_in_recovery()' 2>/dev/null || true)
		[ "$state" = f ] && return 0
		if [ "$(date +%s)" -ge "$deadline" ]; then
			validation_die 1 "recovery did not finish within ${validation_timeout}s"
		fi
		sleep 1
	done
}

validation_cleanup() {
	if [ -n "${validation_server_pid:-}" ] && kill -0 "$validation_server_pid" 2>/dev/null; then
		pg_ctl -D "$validation_scratch/pgdata" -m immediate -w stop >/dev/null 2>&1 ||
			kill -KILL "$validation_server_pid" 2>/dev/null || true
	fi
	if [ "${validation_keep:-0}" != 1 ] && [ -n "${validation_scratch:-}" ]; then
		rm -rf "${validation_scratch:?}/pgdata" "${validation_scratch:?}/socket"
	fi
}

_main() {
	local stanza=${PGBACKREST_STANZA:-mcpgov} set_label=""
	validation_scratch=${VALIDATION_SCRATCH:-/var/lib/pgbackrest-validation}
	validation_timeout=${VALIDATION_TIMEOUT:-1800}
	validation_port=${VALIDATION_PORT:-55432}
	validation_keep=0
	while [ $# -gt 0 ]; do
		case $1 in
		--stanza) stanza=${2:?--stanza needs a name} && shift ;;
		--scratch) validation_scratch=${2:?--scratch needs a directory} && shift ;;
		--set) set_label=${2:?--set needs a backup label} && shift ;;
		--timeout) validation_timeout=${2:?--timeout needs seconds} && shift ;;
		--keep) validation_keep=1 ;;
		-h | --help) validation_usage && return 0 ;;
		*) validation_usage >&2 && validation_die 2 "unknown argument: $1" ;;
		esac
		shift
	done
	[[ $validation_timeout =~ ^[0-9]+$ ]] || validation_die 2 "--timeout must be a whole number of seconds"
	[ "$(id -u)" != 0 ] || validation_die 2 "run as the postgres user, not root (PostgreSQL refuses root)"
	validation_require_tools pgbackrest pg_ctl postgres psql pg_amcheck jq

	local started phase_started
	started=$(date +%s)
	validation_socket=$validation_scratch/socket
	mkdir -p "$validation_scratch"
	trap validation_cleanup EXIT
	rm -rf "${validation_scratch:?}/pgdata" "${validation_socket:?}"
	mkdir -m 0700 "$validation_scratch/pgdata" "$validation_socket"

	validation_log "preflight: stanza $stanza"
	local info status
	info=$(pgbackrest --stanza="$stanza" --output=json info) ||
		validation_die 2 "pgbackrest info failed; check the repository settings in /etc/pgbackrest"
	# info exits 0 even when the stanza is broken: the status code says whether it can restore.
	status=$(jq -r '.[0].status.code' <<<"$info")
	[ "$status" = 0 ] ||
		validation_die 2 "stanza $stanza cannot be restored: $(jq -r '.[0].status.message' <<<"$info")"
	local restore_args=(--stanza="$stanza" --pg1-path="$validation_scratch/pgdata"
		--type=immediate --target-action=promote --archive-mode=off)
	[ -z "$set_label" ] || restore_args+=(--set="$set_label")

	phase_started=$(date +%s)
	validation_log "restore: ${set_label:-newest backup} into $validation_scratch/pgdata"
	pgbackrest "${restore_args[@]}" restore ||
		validation_die 1 "pgbackrest restore failed; see the output above"
	validation_log "restore: done in $(($(date +%s) - phase_started))s"

	phase_started=$(date +%s)
	validation_log "recovery: starting a private server on socket $validation_socket"
	postgres -D "$validation_scratch/pgdata" -c port="$validation_port" -c listen_addresses= \
		-c unix_socket_directories="$validation_socket" -c archive_mode=off \
		-c config_file="$validation_scratch/pgdata/postgresql.conf" \
		-c hba_file="$validation_scratch/pgdata/pg_hba.conf" \
		>"$validation_scratch/postgres.log" 2>&1 &
	validation_server_pid=$!
	validation_wait_writable $(($(date +%s) + validation_timeout))
	validation_log "recovery: writable in $(($(date +%s) - phase_started))s"

	phase_started=$(date +%s)
	local db failed=0
	while IFS= read -r db; do
		if psql -h "$validation_socket" -p "$validation_port" -U postgres -d "$db" -Atqc 'select 1' >/dev/null; then
			validation_log "check: database $db answers"
		else
			validation_log "check failed: database $db does not answer"
			failed=1
		fi
	done < <(psql -h "$validation_socket" -p "$validation_port" -U postgres -d postgres -Atqc \
		'select datname from pg_database where datallowconn order by 1')
	if pg_amcheck -h "$validation_socket" -p "$validation_port" -U postgres --all --install-missing >&2; then
		validation_log "check: pg_amcheck found no corruption"
	else
		validation_log "check failed: pg_amcheck reported corruption"
		failed=1
	fi
	validation_log "checks: done in $(($(date +%s) - phase_started))s"

	if [ "$failed" = 1 ]; then
		validation_die 1 "FAILED after $(($(date +%s) - started))s"
	fi
	validation_log "PASSED in $(($(date +%s) - started))s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
