#!/usr/bin/env bash
# pgbackrest-restore-validation.sh: prove that a backup of a stanza restores.
#
# Restores into scratch space (never the production data directory), starts a private
# PostgreSQL on a Unix socket only with archiving off (it must never push WAL into the
# production repository), waits until recovery has finished, checks the copy, and writes
# a JSON report (docs/restore-validation-report.md). The same file runs in the
# restore-validation CronJob and on a VM (/usr/local/bin/pgbackrest-restore-validation.sh).
set -Eeuo pipefail

validation_usage() {
	cat <<'EOF'
usage: pgbackrest-restore-validation.sh [options]

Restore a backup of a pgBackRest stanza into SCRATCH/pgdata, start it privately with
archiving off, check it, and write a JSON report. Exits 0 when every check passes, 1 when
a check fails or the backup does not restore, 2 on bad usage or a failed precondition.

  --stanza NAME        stanza to validate (env PGBACKREST_STANZA, default mcpgov)
  --scratch DIR        scratch directory; its pgdata is replaced (env VALIDATION_SCRATCH,
                       default /var/lib/pgbackrest-validation)
  --repo N             validate repository N (pgBackRest's repoN: 1 the volume, 2 S3);
                       default: all of them, and the restore reads repo1 first
  --set LABEL          restore this backup set instead of the newest
  --target TIME        recover to this time ("2026-01-15 14:30:00+00") instead
  --latest             recover to the newest archived WAL (default: stop at consistency,
                       the backup's own end)
  --mark NAME          recover to the restore point NAME (pg_create_restore_point) exactly;
                       give --set, a backup that ends before the point
  --target-timeline N  follow timeline N to the target (pgBackRest's --target-timeline)
  --db-include NAME    restore only database NAME (repeatable; the system databases always
                       come along); the others are left unusable, and only these are checked
  --clone              restore for a clone (docs/restore.md): keep the copy, shut it down
                       cleanly so that it starts without recovery, and skip the assertions
                       (they describe the newest backup, not an arbitrary point)
  --assertions FILE    named SQL assertions of your own, one per line:
                       DATABASE<TAB>NAME<TAB>SQL, where the SQL returns true when the
                       assertion holds; :'backup_stop' is the backup's end time (env
                       VALIDATION_ASSERTIONS, default /etc/pgbackrest/validation-assertions.tsv
                       when it exists). The checks every restore must pass run without it:
                       each database answers, application data (a database besides postgres
                       and the templates, or tables in postgres), accepts writes, pg_amcheck
  --verify             also run `pgbackrest verify` on the repository
  --jobs N             connections pg_amcheck checks with at once (env VALIDATION_JOBS,
                       default 2, the CronJob's CPU limit)
  --timeout SECONDS    deadline for the restored server to finish recovery
                       (env VALIDATION_TIMEOUT, default 1800)
  --report FILE        where to write the JSON report (env VALIDATION_REPORT, default
                       SCRATCH/report.json); it is also printed at the end
  --pushgateway URL    also push the verdict, time and RTO as metrics to a Prometheus
                       Pushgateway at URL (env VALIDATION_PUSHGATEWAY; on Kubernetes the
                       monitoring overlay sets it, docs/monitoring.md); needs curl
  --keep               leave the restored data directory for inspection
  --delta              keep the copy in the scratch directory between runs and restore
                       over it with pgBackRest's --delta, which compares every file with
                       the backup by checksum and rewrites only those that differ: the
                       restore costs what changed since the last run, not the database's
                       size; the checks stay the same (env VALIDATION_DELTA=1). The scratch
                       volume then holds production's data between runs: protect it as
                       the repository is (README.md, "Validation that scales")
  -h, --help           show this text

PostgreSQL's bin directory (pg_ctl, postgres, psql, pg_amcheck) must be on PATH, and jq
installed.
EOF
}

validation_log() {
	printf '%s restore-validation: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# usage: validation_stop STATUS CODE MESSAGE -- ends the run: the EXIT trap writes the report
validation_stop() {
	validation_status=$1
	validation_reason=$3
	validation_log "$validation_status: $validation_reason"
	exit "$2"
}

# usage: validation_check NAME RESULT DETAIL  (RESULT: pass, fail or warn)
validation_check() {
	local name=$1 result=$2 detail=$3
	validation_checks=$(jq -c --arg name "$name" --arg result "$result" --arg detail "$detail" \
		'. + [{name: $name, result: $result, detail: $detail}]' <<<"$validation_checks")
	validation_log "check $result: $name${detail:+ ($detail)}"
	[ "$result" != fail ] || validation_failed=1
}

# usage: validation_phase NAME -- closes the running phase and opens NAME ("" closes only)
validation_phase() {
	local now
	now=$(date +%s.%N)
	if [ -n "${validation_phase_name:-}" ]; then
		validation_phases=$(jq -c --arg name "$validation_phase_name" \
			--argjson seconds "$(awk -v a="$validation_phase_started" -v b="$now" 'BEGIN { printf "%.3f", b - a }')" \
			'. + [{name: $name, seconds: $seconds}]' <<<"$validation_phases")
	fi
	validation_phase_name=$1
	validation_phase_started=$now
	[ -z "$1" ] || validation_log "phase: $1"
}

validation_psql() {
	psql -h "$validation_socket" -p "$validation_port" -U postgres -X -v ON_ERROR_STOP=1 -Atq "$@"
}

# usage: validation_dbname NAME -- a database name as psql's -d must get it: psql reads a
# -d containing = as a connection string, so every name goes as dbname='...' (libpq's
# quoting: \ and ' escaped with a backslash).
validation_dbname() {
	local name=${1//\\/\\\\}
	printf "dbname='%s'" "${name//\'/\\\'}"
}

# usage: validation_require_tools TOOL...
validation_require_tools() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 ||
			validation_stop error 2 "$tool not found on PATH; add PostgreSQL's bin directory (Debian: /usr/lib/postgresql/<version>/bin), install pgBackRest and jq"
	done
}

# Stanza ready, a backup to restore, room for it, a clean scratch directory.
# Refuses a scratch directory whose pgdata this script did not make: a running server's
# (postmaster.pid), the production data directory ($PGDATA), or any PostgreSQL data
# directory without the marker an earlier validation left beside its copy.
validation_guard_scratch() {
	local pgdata=$validation_scratch/pgdata
	[ -e "$pgdata" ] || [ -L "$pgdata" ] || return 0
	local where="point --scratch at a directory of the validation's own"
	if [ -e "$pgdata/postmaster.pid" ]; then
		validation_stop error 2 "$pgdata is a running server's data directory (it has postmaster.pid): refusing to replace it; $where"
	fi
	if [ -n "${PGDATA:-}" ] && [ "$(realpath -m "$pgdata")" = "$(realpath -m "$PGDATA")" ]; then
		validation_stop error 2 "$pgdata is the production data directory (PGDATA): refusing to replace it; $where"
	fi
	if [ -e "$pgdata/PG_VERSION" ] && [ ! -e "$validation_scratch/$validation_marker" ]; then
		validation_stop error 2 "$pgdata is a PostgreSQL data directory that no validation made (no $validation_marker beside it): refusing to replace it; $where"
	fi
}

validation_preflight() {
	local info status message
	validation_guard_scratch
	if ! info=$(pgbackrest --stanza="$validation_stanza" ${validation_repo:+--repo="$validation_repo"} --output=json info 2>&1); then
		validation_stop error 2 "pgbackrest info failed: $(tail -n 3 <<<"$info" | tr '\n' ' ')"
	fi
	if ! validation_info=$(jq -c --arg s "$validation_stanza" '.[] | select(.name == $s)' <<<"$info" 2>/dev/null); then
		# A wrong passphrase decrypts to garbage, which pgBackRest reports as a format
		# error and copies, binary and all, into output that is then not even JSON.
		if grep -qa 'FormatError' <<<"$info"; then
			validation_stop error 2 "cannot read the repository of stanza $validation_stanza: wrong cipher passphrase? check ${validation_repo:+repo$validation_repo-}cipher-pass, the pgbackrest-cipher Secret (pgBackRest cannot parse its own repository files)"
		fi
		validation_stop error 2 "pgbackrest info printed something that is not JSON: $(head -c 200 <<<"$info" | tr -cd '[:print:]')"
	fi
	[ -n "$validation_info" ] || validation_stop error 2 "stanza $validation_stanza not found in the repository"
	status=$(jq -r '.status.code' <<<"$validation_info")
	# The stanza's status says "other" for most errors; each repository's status says what.
	message=$(jq -r '[.status.message] + [.repo[]?.status | select(.code != 0) | .message] | unique | join("; ")' <<<"$validation_info")
	if [ "$status" != 0 ]; then
		local said
		said=$(head -c 300 <<<"$message" | tr -cd '[:print:]')
		# TLS failures are CryptoErrors too: tell them apart from a wrong passphrase.
		if grep -qiE 'certificate|TLS' <<<"$message"; then
			validation_stop error 2 "cannot reach the repository host over TLS: check that this pod's CA and certificate match the repository host's (scripts/make-tls-secrets.sh makes them as one set) (pgBackRest: $said)"
		fi
		if grep -qiE 'FormatError|cipher|decrypt|is or was the repo encrypted' <<<"$message"; then
			# The garbage may or may not parse as JSON: both ways say the same.
			validation_stop error 2 "cannot read the repository of stanza $validation_stanza: wrong cipher passphrase? check ${validation_repo:+repo$validation_repo-}cipher-pass, the pgbackrest-cipher Secret (pgBackRest: $said)"
		fi
		validation_stop error 2 "stanza $validation_stanza cannot be restored: $message"
	fi
	# The newest backup without errors, or the one asked for; for a target time pgBackRest
	# picks the set itself and the report names the one it used.
	validation_backup=$(jq -c --arg set "$validation_set" \
		'[.backup[] | select(if $set == "" then .error != true else .label == $set end)] | last' <<<"$validation_info")
	if [ "$validation_backup" = null ]; then
		validation_stop error 2 "no backup ${validation_set:-without errors} in stanza $validation_stanza; run a backup first"
	fi
	validation_log "preflight: backup $(jq -r .label <<<"$validation_backup") ($(jq -r .type <<<"$validation_backup"))"

	mkdir -p "$validation_scratch"
	# The restored files need the database's size plus room for WAL replayed during recovery.
	local need have
	need=$(jq -r '(.info.size * 1.1 + 256 * 1024 * 1024) | floor' <<<"$validation_backup")
	have=$(df --output=avail -B1 "$validation_scratch" | tail -n 1 | tr -d ' ')
	# --delta rewrites the copy in place: the space it holds counts as free.
	if [ "$validation_delta" = 1 ] && [ -e "$validation_scratch/pgdata/PG_VERSION" ]; then
		have=$((have + $(du -sb "$validation_scratch/pgdata" | cut -f1)))
	fi
	validation_sizes=$(jq -c -n --argjson need "$need" --argjson have "$have" \
		--argjson db "$(jq .info.size <<<"$validation_backup")" \
		--argjson repo "$(jq .info.repository.size <<<"$validation_backup")" \
		'{databaseBytes: $db, backupRepositoryBytes: $repo, scratchNeededBytes: $need, scratchFreeBytes: $have}')
	if [ "$have" -lt "$need" ]; then
		validation_stop error 2 "not enough space in $validation_scratch: the restore needs about $((need / 1048576)) MiB, $((have / 1048576)) MiB free; give --scratch a larger volume (CronJob: raise the scratch volume's size)"
	fi
	# --delta restores over the copy an earlier run left (the guard above made sure one did).
	if [ "$validation_delta" = 1 ] && [ -e "$validation_scratch/pgdata/PG_VERSION" ]; then
		validation_log "preflight: --delta over the copy the last validation left"
		rm -rf "${validation_scratch:?}/socket"
		mkdir -m 0700 "$validation_socket"
	else
		rm -rf "${validation_scratch:?}/pgdata" "${validation_scratch:?}/socket"
		mkdir -m 0700 "$validation_scratch/pgdata" "$validation_socket"
	fi
	# From here on the copy is this run's: the EXIT trap removes it, and a later run may
	# replace it.
	: >"$validation_scratch/$validation_marker"
	validation_made_copy=1
}

validation_restore() {
	local args=(--stanza="$validation_stanza" --pg1-path="$validation_scratch/pgdata" --archive-mode=off)
	[ "$validation_delta" != 1 ] || args+=(--delta)
	[ -z "$validation_repo" ] || args+=(--repo="$validation_repo")
	[ -z "$validation_target_timeline" ] || args+=(--target-timeline="$validation_target_timeline")
	local db
	for db in "${validation_db_include[@]}"; do args+=(--db-include="$db"); done
	if [ "$validation_mode" != time ] || [ -n "$validation_set" ]; then
		args+=(--set="$(jq -r .label <<<"$validation_backup")")
	fi
	case $validation_mode in
	consistent) args+=(--type=immediate --target-action=promote) ;;
	latest) args+=(--type=default) ;;
	time) args+=(--type=time --target="$validation_target" --target-action=promote) ;;
	name) args+=(--type=name --target="$validation_target" --target-action=promote) ;;
	esac
	local output
	if ! output=$(pgbackrest "${args[@]}" restore 2>&1); then
		printf '%s\n' "$output" >&2
		validation_stop failed 1 "pgbackrest restore failed: $(grep -m1 -E 'ERROR: \[[0-9]+\]' <<<"$output" || tail -n 1 <<<"$output")"
	fi
	local used
	used=$(sed -nE 's/.*restore backup set ([0-9A-Za-z_-]+).*/\1/p' <<<"$output" | head -n 1)
	if [ -n "$used" ]; then
		validation_backup=$(jq -c --arg set "$used" '[.backup[] | select(.label == $set)] | last' <<<"$validation_info")
	fi
}

# Starts the copy privately and waits, with the deadline, until it accepts writes.
validation_recover() {
	postgres -D "$validation_scratch/pgdata" -c port="$validation_port" -c listen_addresses= \
		-c unix_socket_directories="$validation_socket" -c archive_mode=off \
		-c config_file="$validation_scratch/pgdata/postgresql.conf" \
		-c hba_file="$validation_scratch/pgdata/pg_hba.conf" \
		>"$validation_scratch/postgres.log" 2>&1 &
	validation_server_pid=$!
	local deadline=$(($(date +%s) + validation_timeout)) state
	while :; do
		if ! kill -0 "$validation_server_pid" 2>/dev/null; then
			validation_stop failed 1 "the restored server stopped during recovery: $(grep -m1 -E 'FATAL|PANIC' "$validation_scratch/postgres.log" || tail -n 1 "$validation_scratch/postgres.log")"
		fi
		state=$(validation_psql -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null || true)
		[ "$state" = f ] && break
		if [ "$(date +%s)" -ge "$deadline" ]; then
			validation_stop failed 1 "deadline exceeded: recovery did not finish within ${validation_timeout}s"
		fi
		# Recovery of a small database ends in well under a second: a coarse poll would
		# be most of the measured RTO.
		sleep 0.2
	done
	validation_recovered_to=$(validation_psql -d postgres -c "select coalesce(max(to_char(pg_last_xact_replay_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')), '')")
	validation_timeline=$(validation_psql -d postgres -c 'select timeline_id from pg_control_checkpoint()')
}

# usage: validation_check_application_data DATABASE... (those that answered)
# Every restore must bring the application's data back, whatever its database is called:
# a database of its own besides postgres and the templates, or tables of its own in
# postgres. A copy with neither is of the wrong stanza, or of a backup taken before the
# application made its database.
validation_check_application_data() {
	local db own=() tables
	for db in "$@"; do
		case $db in postgres | template0 | template1) ;; *) own+=("$db") ;; esac
	done
	if [ "${#own[@]}" -gt 0 ]; then
		validation_check "application data" pass "database${own[1]:+s} $(printf '%s, ' "${own[@]}" | sed 's/, $//')"
		return
	fi
	tables=$(validation_psql -d postgres -c "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.relkind in ('r', 'p') and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'" 2>&1) || tables=0
	if [ "$tables" -gt 0 ] 2>/dev/null; then
		local plural=s
		[ "$tables" != 1 ] || plural=""
		validation_check "application data" pass "$tables table$plural in database postgres"
	else
		validation_check "application data" fail "no database besides postgres and the templates, and no table in postgres: the copy holds no application data (the wrong stanza, or a backup from before the application made its database?)"
	fi
}

validation_run_checks() {
	local db output databases amcheck_scope=(--all)
	databases=$(validation_psql -d postgres -c 'select datname from pg_database where datallowconn order by 1')
	if [ "${#validation_db_include[@]}" -gt 0 ]; then
		# The databases left out are zeroed files: only those restored can be read.
		databases=$(printf '%s\n' postgres "${validation_db_include[@]}" | sort -u)
		amcheck_scope=()
		while IFS= read -r db; do amcheck_scope+=(--database="$db"); done <<<"$databases"
	fi
	local answered=()
	while IFS= read -r db; do
		if output=$(validation_psql -d "$(validation_dbname "$db")" -c 'select count(*) from pg_class' 2>&1); then
			validation_check "database $db answers" pass "$output relations"
			answered+=("$db")
		else
			validation_check "database $db answers" fail "$output"
		fi
	done <<<"$databases"
	validation_check_application_data "${answered[@]}"

	# A copy that cannot write (xid wraparound protection, a read-only setting carried
	# over) is no copy to fail over to.
	if output=$(validation_psql -d postgres -c 'select txid_current()' 2>&1); then
		validation_check "accepts writes" pass "transaction $output"
	else
		validation_check "accepts writes" fail "$output"
	fi

	local checksums
	checksums=$(validation_psql -d postgres -c 'show data_checksums')
	if [ "$checksums" = on ]; then
		validation_check "data checksums" pass "on"
	else
		validation_check "data checksums" warn "off: corrupted pages go unnoticed until read; initdb --data-checksums (or pg_checksums --enable) turns them on"
	fi

	if [ "$(validation_psql -d postgres -c 'show server_version_num')" -lt 140000 ]; then
		validation_check "pg_amcheck" warn "PostgreSQL before 14 has no pg_amcheck; not checked"
	elif output=$(pg_amcheck -h "$validation_socket" -p "$validation_port" -U postgres "${amcheck_scope[@]}" --install-missing --jobs="$validation_jobs" 2>&1); then
		validation_check "pg_amcheck" pass "no corruption in any database"
	else
		validation_check "pg_amcheck" fail "$(head -c 2000 <<<"$output")"
	fi

	if [ -n "$validation_assertions" ] && [ "$validation_clone" != 1 ]; then
		local name sql result
		# "|| [ -n ... ]": the last line counts even without a final newline.
		while IFS=$'\t' read -r db name sql || [ -n "$db" ]; do
			case $db in '' | '#'*) continue ;; esac
			if result=$(printf '%s\n' "$sql" | validation_psql -d "$(validation_dbname "$db")" -v backup_stop="$validation_backup_stop" 2>&1) && [ "$result" = t ]; then
				validation_check "assertion: $name" pass ""
			else
				validation_check "assertion: $name" fail "${result:-returned no row}"
			fi
		done <"$validation_assertions"
	fi

	if [ "$validation_verify" = 1 ]; then
		if output=$(pgbackrest --stanza="$validation_stanza" verify 2>&1); then
			validation_check "pgbackrest verify" pass "repository files match their checksums"
		else
			validation_check "pgbackrest verify" fail "$(grep -E 'ERROR|WARN' <<<"$output" | head -n 5 | tr '\n' ' ')"
		fi
	fi
}

validation_stop_server() {
	if [ -n "${validation_server_pid:-}" ] && kill -0 "$validation_server_pid" 2>/dev/null; then
		# A clone is started again by its own pod, and a --delta copy restored over: a clean
		# shutdown spares the one crash recovery and leaves the other no server's files.
		local mode=immediate
		[ "$validation_clone" != 1 ] && [ "$validation_delta" != 1 ] || mode=fast
		pg_ctl -D "$validation_scratch/pgdata" -m "$mode" -w stop >/dev/null 2>&1 ||
			kill -KILL "$validation_server_pid" 2>/dev/null || true
		wait "$validation_server_pid" 2>/dev/null || true
	fi
}

# The EXIT trap: stop the copy, remove it, write the report whatever happened.
validation_finish() {
	local code=$?
	trap - EXIT
	validation_phase cleanup
	validation_stop_server
	# Only what this run made: a refusal before the copy existed removes nothing.
	if [ "$validation_keep" != 1 ] && [ "$validation_delta" != 1 ] && [ "$validation_made_copy" = 1 ]; then
		rm -rf "${validation_scratch:?}/pgdata" "${validation_socket:?}" "${validation_scratch:?}/$validation_marker"
	elif [ "$validation_delta" = 1 ] && [ "$validation_made_copy" = 1 ]; then
		# The copy and its marker stay for the next run's --delta.
		rm -rf "${validation_socket:?}"
	fi
	validation_phase ""
	if [ "$validation_status" = running ]; then
		if [ "$code" = 0 ] && [ "$validation_failed" = 0 ]; then
			validation_status=passed
		elif [ "$validation_failed" = 1 ]; then
			validation_status=failed
			validation_reason=$(jq -r '[.[] | select(.result == "fail") | .name] | "failed checks: " + join(", ")' <<<"$validation_checks")
			code=1
		else
			validation_status=error
			validation_reason="stopped by an unexpected error (exit code $code); see the log above"
		fi
	fi
	jq -n \
		--arg stanza "$validation_stanza" --arg status "$validation_status" --arg reason "$validation_reason" \
		--arg mode "$validation_mode" --arg target "$validation_target" \
		--arg started "$validation_started_at" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
		--arg recoveredTo "${validation_recovered_to:-}" --arg timeline "${validation_timeline:-}" \
		--argjson info "${validation_info:-null}" --argjson backup "${validation_backup:-null}" \
		--argjson phases "$validation_phases" --argjson checks "$validation_checks" \
		--argjson sizes "${validation_sizes:-null}" --arg pgbackrest "$(pgbackrest version 2>/dev/null | awk '{print $2}')" \
		--arg postgresql "$(postgres --version 2>/dev/null | awk '{print $3}')" '
		def iso: if . == null then null else todate end;
		# The WAL of the repository the backup came from (pgBackRest lists one per repository).
		($info // {} | [.archive[]? | select(.database["repo-key"] == ($backup // {} | .database["repo-key"]))] | .[0] // $info.archive[0]?) as $wal |
		{
			schema: "mcpgov-backup/restore-validation/v1",
			stanza: $stanza, status: $status,
			reason: (if $reason == "" then null else $reason end),
			mode: $mode, target: (if $target == "" then null else $target end),
			startedAt: $started, finishedAt: $finished,
			backup: (if $backup == null then null else {
				label: $backup.label, type: $backup.type, repo: ($backup.database["repo-key"] // null),
				start: ($backup.timestamp.start | iso), stop: ($backup.timestamp.stop | iso),
				walStart: $backup.archive.start, walStop: $backup.archive.stop
			} end),
			recoveryWindow: (if $info == null or ($info.backup | length) == 0 then null else {
				from: ([$info.backup[] | select(.error != true) | .timestamp.stop] | min | iso),
				newestBackup: ([$info.backup[].timestamp.stop] | max | iso),
				walMin: ($wal.min // null), walMax: ($wal.max // null)
			} end),
			recovery: {recoveredTo: (if $recoveredTo == "" then null else $recoveredTo end),
				timeline: (if $timeline == "" then null else ($timeline | tonumber) end)},
			phases: $phases,
			rtoSeconds: ([$phases[] | select(.name == "restore" or .name == "recovery") | .seconds] | add // null | if . == null then null else (. * 1000 | round) / 1000 end),
			checks: $checks, sizes: $sizes,
			versions: {pgbackrest: $pgbackrest, postgresql: $postgresql}
		}' >"$validation_report.tmp" && mv "$validation_report.tmp" "$validation_report"
	cat "$validation_report"
	# Whatever happens while pushing, the exit code below is the validation's.
	if [ -n "$validation_pushgateway" ]; then validation_push_metrics || true; fi
	validation_log "${validation_status^^} in $(($(date +%s) - validation_started))s; report: $validation_report"
	exit "$code"
}

# The report as the metrics pgbackrest-metrics.sh exports from report files on a VM (the
# same names, labels and values): a Job's pod leaves no file for a scraper, so it pushes.
# A push that fails is logged; the verdict and the exit code stay the validation's own.
validation_push_metrics() {
	local repo body output
	repo=$(jq -r '.backup.repo // 1' "$validation_report")
	body=$(jq -r --arg repo "$repo" '
		{stanza: .stanza, repo: $repo} as $l
		| "{stanza=\"\($l.stanza)\",repo=\"\($l.repo)\"}" as $labels
		| "# HELP mcpgov_backup_validation_last_timestamp_seconds When the last restore validation of the repository finished, 0 when none is known.",
		"# TYPE mcpgov_backup_validation_last_timestamp_seconds gauge",
		"mcpgov_backup_validation_last_timestamp_seconds\($labels) \(.finishedAt | fromdateiso8601)",
		"# HELP mcpgov_backup_validation_last_success 1 when the last restore validation of the repository passed, 0 when it did not.",
		"# TYPE mcpgov_backup_validation_last_success gauge",
		"mcpgov_backup_validation_last_success\($labels) \(if .status == "passed" then 1 else 0 end)",
		if .rtoSeconds == null then empty else
		"# HELP mcpgov_backup_validation_last_rto_seconds Restore and recovery time measured by the last restore validation that got that far.",
		"# TYPE mcpgov_backup_validation_last_rto_seconds gauge",
		"mcpgov_backup_validation_last_rto_seconds\($labels) \(.rtoSeconds)" end' "$validation_report") || {
		validation_log "warning: could not render the verdict as metrics from $validation_report; nothing pushed"
		return 0
	}
	# PUT replaces the group: the newest validation of the repository is the one that counts.
	local url="${validation_pushgateway%/}/metrics/job/pgbackrest-restore-validation/stanza/$validation_stanza/repo/$repo"
	if output=$(curl --fail --silent --show-error --max-time 10 --retry 2 --request PUT \
		--data-binary @- "$url" 2>&1 <<<"$body"); then
		validation_log "pushed the verdict to $url"
	else
		validation_log "warning: could not push the verdict to $url ($output); the validation's result stands, but Prometheus will not see it: check the pgbackrest-metrics pod and that this pod may reach it"
	fi
}

_main() {
	validation_stanza=${PGBACKREST_STANZA:-mcpgov}
	validation_scratch=${VALIDATION_SCRATCH:-/var/lib/pgbackrest-validation}
	validation_timeout=${VALIDATION_TIMEOUT:-1800}
	validation_assertions=${VALIDATION_ASSERTIONS:-}
	validation_report=${VALIDATION_REPORT:-}
	validation_port=${VALIDATION_PORT:-55432}
	validation_pushgateway=${VALIDATION_PUSHGATEWAY:-}
	validation_jobs=${VALIDATION_JOBS:-2}
	validation_delta=${VALIDATION_DELTA:-0}
	validation_set="" validation_repo="" validation_target="" validation_mode=consistent validation_verify=0 validation_keep=0
	validation_target_timeline="" validation_db_include=() validation_clone=0
	validation_made_copy=0 validation_marker=.restore-validation-copy
	validation_status=running validation_reason="" validation_failed=0
	validation_checks='[]' validation_phases='[]' validation_backup_stop=""
	validation_started=$(date +%s)
	validation_started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	while [ $# -gt 0 ]; do
		case $1 in
		--stanza) validation_stanza=${2:?--stanza needs a name} && shift ;;
		--scratch) validation_scratch=${2:?--scratch needs a directory} && shift ;;
		--repo) validation_repo=${2:?--repo needs a repository number} && shift ;;
		--set) validation_set=${2:?--set needs a backup label} && shift ;;
		--target) validation_target=${2:?--target needs a time} && validation_mode="time" && shift ;;
		--latest) validation_mode=latest ;;
		--mark) validation_target=${2:?--mark needs a restore point name} && validation_mode=name && shift ;;
		--target-timeline) validation_target_timeline=${2:?--target-timeline needs a timeline number} && shift ;;
		--db-include) validation_db_include+=("${2:?--db-include needs a database name}") && shift ;;
		--clone) validation_clone=1 validation_keep=1 ;;
		--assertions) validation_assertions=${2:?--assertions needs a file} && shift ;;
		--verify) validation_verify=1 ;;
		--timeout) validation_timeout=${2:?--timeout needs seconds} && shift ;;
		--jobs) validation_jobs=${2:?--jobs needs a number} && shift ;;
		--report) validation_report=${2:?--report needs a file} && shift ;;
		--pushgateway) validation_pushgateway=${2:?--pushgateway needs a URL} && shift ;;
		--keep) validation_keep=1 ;;
		--delta) validation_delta=1 ;;
		-h | --help) validation_usage && return 0 ;;
		*) validation_usage >&2 && printf 'error: unknown argument: %s\n' "$1" >&2 && return 2 ;;
		esac
		shift
	done
	if ! [[ $validation_timeout =~ ^[0-9]+$ ]]; then
		printf 'error: --timeout must be a whole number of seconds\n' >&2
		return 2
	fi
	if ! [[ $validation_jobs =~ ^[1-9][0-9]?$ ]]; then
		printf 'error: --jobs must be a whole number from 1 to 99\n' >&2
		return 2
	fi
	if [ -n "$validation_repo" ] && ! [[ $validation_repo =~ ^[1-4]$ ]]; then
		printf 'error: --repo must be a repository number from 1 to 4\n' >&2
		return 2
	fi
	if [ -n "$validation_target_timeline" ] && ! [[ $validation_target_timeline =~ ^[1-9][0-9]{0,8}$ ]]; then
		printf 'error: --target-timeline must be a timeline number such as 2\n' >&2
		return 2
	fi
	if [ "$validation_mode" = name ] && [ -z "$validation_set" ]; then
		printf 'error: --mark needs --set: pgBackRest cannot tell which backup comes before a restore point\n' >&2
		return 2
	fi
	if [[ $validation_set =~ [^0-9A-Za-z_-] ]]; then
		printf 'error: --set must be a backup label such as 20260115-020000F\n' >&2
		return 2
	fi
	if [[ $validation_stanza =~ [^0-9A-Za-z_.-] ]] || [ -z "$validation_stanza" ]; then
		printf 'error: --stanza must be a stanza name such as mcpgov\n' >&2
		return 2
	fi
	if [ -n "$validation_pushgateway" ] && ! [[ $validation_pushgateway =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]]; then
		printf 'error: --pushgateway must be an http(s) URL such as http://pgbackrest-metrics:9091\n' >&2
		return 2
	fi
	if [ -n "$validation_pushgateway" ] && ! command -v curl >/dev/null; then
		printf 'error: --pushgateway needs curl on PATH\n' >&2
		return 2
	fi
	if [ "$(id -u)" = 0 ]; then
		printf 'error: run as the postgres user, not root (PostgreSQL refuses root)\n' >&2
		return 2
	fi
	if [ -z "$validation_assertions" ] && [ -f /etc/pgbackrest/validation-assertions.tsv ]; then
		validation_assertions=/etc/pgbackrest/validation-assertions.tsv
	fi
	if [ -n "$validation_assertions" ] && [ ! -r "$validation_assertions" ]; then
		printf 'error: cannot read the assertions file %s\n' "$validation_assertions" >&2
		return 2
	fi
	validation_socket=$validation_scratch/socket
	validation_report=${validation_report:-$validation_scratch/report.json}
	mkdir -p "$(dirname "$validation_report")"
	trap validation_finish EXIT
	validation_require_tools pgbackrest pg_ctl postgres psql pg_amcheck jq

	validation_phase preflight
	validation_preflight
	validation_phase restore
	validation_restore
	validation_backup_stop=$(jq -r '.timestamp.stop | todate' <<<"$validation_backup")
	validation_phase recovery
	validation_recover
	validation_phase checks
	validation_run_checks
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
