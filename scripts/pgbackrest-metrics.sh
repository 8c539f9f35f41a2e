#!/usr/bin/env bash
# pgbackrest-metrics.sh: the figures only pgBackRest and the restore validation know, in the
# Prometheus text format: last backup of each type (time, duration, sizes), the recovery
# window, each repository's health, the last validation's verdict and RTO; with --wal,
# what only PostgreSQL knows: WAL not yet archived (the RPO) and the archiver's counters.
#
# On a VM it writes node_exporter's textfile collector directory from a timer; on
# Kubernetes the pgbackrest-metrics Deployment runs it in a loop next to node_exporter
# (docs/monitoring.md). Metric names: docs/monitoring.md.
set -Eeuo pipefail

metrics_usage() {
	cat <<'EOF'
usage: pgbackrest-metrics.sh [options]

Print pgBackRest's backup figures and the restore validation's verdict as Prometheus
metrics, or write them atomically to a file for node_exporter's textfile collector.

  --stanza NAME              only this stanza (env PGBACKREST_STANZA; default: all)
  --validation-reports DIR   read restore-validation reports (*.json) from DIR (env
                             METRICS_VALIDATION_REPORTS); each report counts for the
                             repository it names
  --textfile FILE            write to FILE (through FILE.tmp and a rename, so a scrape
                             never sees half a file) instead of standard output
  --interval SECONDS         keep running, refreshing every SECONDS
  --wal                      WAL figures instead, from PostgreSQL itself (psql over
                             PGHOST/PGPORT as the postgres user): the RPO, segments
                             waiting for archive_command, pg_stat_archiver's counters;
                             needs --stanza (the label)
  --rpo-target SECONDS       with --wal: the RPO alert's threshold, exported as
                             mcpgov_backup_rpo_target_seconds (env
                             METRICS_RPO_TARGET_SECONDS; default 900)
  --pushgateway URL          with --wal: also PUT the figures to a Prometheus Pushgateway
                             (env METRICS_PUSHGATEWAY), group job=pgbackrest-wal and the
                             stanza; needs curl
  -h, --help                 show this text

When pgBackRest cannot answer, the output still says so (mcpgov_backup_info_success 0),
so an alert fires instead of the figures going stale in silence; likewise
mcpgov_backup_wal_success 0 when PostgreSQL cannot. pgbackrest and jq must be on PATH
(psql instead of pgbackrest with --wal).
EOF
}

metrics_log() {
	printf '%s pgbackrest-metrics: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2
}

# usage: metrics_pgbackrest ARG... -- pgBackRest with JSON output; its errors go to the log.
# A repository it cannot decrypt puts raw control bytes into its messages, which JSON does
# not allow: they are dropped (tab, newline and carriage return kept).
metrics_pgbackrest() {
	local args=(pgbackrest --output=json)
	[ -z "$metrics_stanza" ] || args+=("--stanza=$metrics_stanza")
	"${args[@]}" "$@" | tr -d '\000-\010\013\014\016-\037'
}

# usage: metrics_archive_times INFO -- for each stanza and repository, the time its newest
# WAL segment was archived (the end of the recovery window), as "stanza repo epoch" lines
metrics_archive_times() {
	local stanza repo id max listing
	while read -r stanza repo id max; do
		# Only the directory of the newest segment, filtered to it: cheap on any repository.
		listing=$(pgbackrest --output=json --stanza="$stanza" --repo="$repo" \
			--filter="^${max}" repo-ls "archive/$stanza/$id/${max:0:16}") || {
			metrics_log "stanza $stanza repo$repo: could not list its newest WAL; no window end"
			continue
		}
		jq -r --arg s "$stanza" --arg r "$repo" \
			'[.[] | select(.type == "file") | .time] | max // empty | "\($s) \($r) \(.)"' <<<"$listing"
	done < <(jq -r '.[] | .name as $s | .archive[]? | select(.max != null)
		| "\($s) \(.database."repo-key") \(.id) \(.max)"' <<<"$1")
}

# usage: metrics_render INFO ARCHIVE_TIMES REPORTS NOW SUCCESS -- the exposition text
metrics_render() {
	jq -r --argjson archived "$2" --argjson reports "$3" --argjson now "$4" --argjson ok "$5" \
		--arg stanza "$metrics_stanza" --argjson reading_reports "$([ -n "$metrics_reports_dir" ] && echo 1 || echo 0)" '
		def esc: tostring | gsub("\\\\"; "\\\\") | gsub("\n"; "\\n") | gsub("\""; "\\\"");
		def labels($l): if ($l | length) == 0 then "" else
			"{" + ([$l | to_entries[] | "\(.key)=\"\(.value | esc)\""] | join(",")) + "}" end;
		def metric($name; $type; $help; $samples):
			"# HELP \($name) \($help)", "# TYPE \($name) \($type)",
			($samples[] | "\($name)\(labels(.l)) \(.v)");
		. as $info
		| [$info[] | .name as $stanza | (.repo // [{key: 1, status: .status}])[]
			| {stanza: $stanza, repo: (.key | tostring), code: .status.code}] as $repos
		| [$info[] | .name as $stanza | .backup[]? | select(.error != true)
			| . + {stanza: $stanza, repo: (.database."repo-key" | tostring)}] as $backups
		| def newest($r; $type): [$backups[] | select(.stanza == $r.stanza and .repo == $r.repo
			and .type == $type)] | max_by(.timestamp.stop);
		def each_type(f): [$repos[] as $r | ("full", "diff", "incr") as $t
			| {l: {stanza: $r.stanza, repo: $r.repo, type: $t}, b: newest($r; $t)} | f];
		def report($r): [$reports[] | select(.stanza == $r.stanza
			and ((.backup.repo // 1) | tostring) == $r.repo)] | max_by(.finishedAt);
		metric("mcpgov_backup_info_timestamp_seconds"; "gauge";
			"When these figures were collected from pgbackrest info.";
			[{l: (if $stanza == "" then {} else {stanza: $stanza} end), v: $now}]),
		metric("mcpgov_backup_info_success"; "gauge";
			"1 when pgbackrest info answered, 0 when it failed (see the metrics log).";
			[{l: (if $stanza == "" then {} else {stanza: $stanza} end), v: $ok}]),
		if $ok == 0 then empty else
		metric("mcpgov_backup_repo_status_code"; "gauge";
			"pgBackRest status code of the stanza in the repository: 0 ok, 2 no valid backup, others an error.";
			[$repos[] | {l: {stanza, repo}, v: .code}]),
		metric("mcpgov_backup_last_success_timestamp_seconds"; "gauge";
			"Stop time of the newest good backup of the type, 0 when there is none.";
			each_type({l, v: (.b.timestamp.stop // 0)})),
		metric("mcpgov_backup_last_duration_seconds"; "gauge";
			"How long the newest good backup of the type took.";
			each_type(select(.b) | {l, v: (.b.timestamp.stop - .b.timestamp.start)})),
		metric("mcpgov_backup_last_size_bytes"; "gauge";
			"Size of the database in the newest good backup of the type.";
			each_type(select(.b) | {l, v: .b.info.size})),
		metric("mcpgov_backup_last_repo_size_bytes"; "gauge";
			"What the newest good backup of the type added to the repository (compressed, deduplicated).";
			each_type(select(.b) | {l, v: .b.info.repository.delta})),
		metric("mcpgov_backup_repo_size_bytes"; "gauge";
			"Bytes the backups kept in the repository take there (compressed, deduplicated; WAL not included).";
			[$repos[] as $r | {l: {stanza: $r.stanza, repo: $r.repo}, v: ([$info[]
				| select(.name == $r.stanza) | .backup[]?
				| select((.database."repo-key" | tostring) == $r.repo) | .info.repository.delta // 0] | add // 0)}]),
		metric("mcpgov_backup_backups"; "gauge";
			"Good backups of the type kept in the repository.";
			each_type(.l as $l | {l: $l, v: ([$backups[] | select(.stanza == $l.stanza
				and .repo == $l.repo and .type == $l.type)] | length)})),
		metric("mcpgov_backup_recovery_window_start_timestamp_seconds"; "gauge";
			"The earliest moment the repository can restore to: one second after its oldest good backup stopped.";
			# pgBackRest restores a time from a backup that stopped in an earlier second:
			# the stop second itself cannot be reached (src/core/recovery-window.ts).
			[$repos[] as $r | [$backups[] | select(.stanza == $r.stanza and .repo == $r.repo)
				| .timestamp.stop] | min | select(. != null)
				| {l: {stanza: $r.stanza, repo: $r.repo}, v: (. + 1)}]),
		metric("mcpgov_backup_recovery_window_end_timestamp_seconds"; "gauge";
			"The latest moment the repository can restore to: when its newest WAL segment was archived.";
			[$archived[] as $a | select(any($backups[]; .stanza == $a.stanza and .repo == $a.repo))
				| {l: {stanza: $a.stanza, repo: $a.repo}, v: $a.time}]),
		# Only where reports are read (a VM); on Kubernetes the outcome and age of the
		# validation Jobs come from kube-state-metrics (docs/monitoring.md).
		if $reading_reports == 0 then empty else
		metric("mcpgov_backup_validation_last_timestamp_seconds"; "gauge";
			"When the last restore validation of the repository finished, 0 when none is known.";
			[$repos[] as $r | report($r) | {l: {stanza: $r.stanza, repo: $r.repo},
				v: (if . then .finishedAt | fromdateiso8601 else 0 end)}]),
		metric("mcpgov_backup_validation_last_success"; "gauge";
			"1 when the last restore validation of the repository passed, 0 when it did not.";
			[$repos[] as $r | report($r) | select(.)
				| {l: {stanza: $r.stanza, repo: $r.repo}, v: (if .status == "passed" then 1 else 0 end)}]),
		metric("mcpgov_backup_validation_last_rto_seconds"; "gauge";
			"Restore and recovery time measured by the last restore validation that got that far.";
			[$repos[] as $r | report($r) | select(. and .rtoSeconds != null)
				| {l: {stanza: $r.stanza, repo: $r.repo}, v: .rtoSeconds}])
		end
		end
	' <<<"$1"
}

# usage: metrics_reports DIR -- every readable validation report in DIR as one JSON array
metrics_reports() {
	local dir=$1 file reports=()
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		for file in "$dir"/*.json; do
			[ -r "$file" ] || continue
			if jq -e 'select(.schema == "mcpgov-backup/restore-validation/v1" and .finishedAt)' \
				"$file" >/dev/null 2>&1; then
				reports+=("$file")
			else
				metrics_log "skipping $file: not a finished restore-validation report"
			fi
		done
	fi
	if [ ${#reports[@]} -eq 0 ]; then
		echo '[]'
	else
		jq -s '.' "${reports[@]}"
	fi
}

# usage: metrics_collect -- one round: the metrics on standard output
metrics_collect() {
	local info ok=1 archived='[]' reports
	reports=$(metrics_reports "$metrics_reports_dir")
	if ! info=$(metrics_pgbackrest info) || ! jq -e 'type == "array"' <<<"$info" >/dev/null 2>&1; then
		metrics_log "pgbackrest info failed; exporting mcpgov_backup_info_success 0"
		info='[]' ok=0
	else
		# What is wrong with a repository is a message, not a number: it goes to the log.
		jq -r '.[] | .name as $s | .repo[]? | select(.status.code != 0 and .status.code != 2)
			| "stanza \($s) repo\(.key): \(.status.message)"' <<<"$info" | while read -r line; do
			metrics_log "$line"
		done
		archived=$(metrics_archive_times "$info" | jq -R -s \
			'[split("\n")[] | select(length > 0) | split(" ") | {stanza: .[0], repo: .[1], time: (.[2] | tonumber)}]')
	fi
	metrics_render "$info" "$archived" "$reports" "$(date +%s)" "$ok"
}

# The WAL figures in one row: archive_mode on, segments waiting (.ready), the age of the
# oldest (its .ready file is made when the segment is complete), pg_stat_archiver's
# counters. The segment being written has no .ready yet: archive_timeout bounds its age.
# pg_ls_archive_statusdir() needs PostgreSQL 12 and superuser or pg_monitor.
METRICS_WAL_QUERY="SELECT (current_setting('archive_mode') <> 'off')::int,
	count(s.name),
	greatest(0, coalesce(floor(extract(epoch FROM now() - min(s.modification))), 0))::bigint,
	a.archived_count, a.failed_count
FROM pg_stat_archiver a
LEFT JOIN pg_ls_archive_statusdir() s ON s.name LIKE '%.ready'
GROUP BY a.archived_count, a.failed_count"

# usage: metrics_wal_collect -- one round of WAL figures on standard output
metrics_wal_collect() {
	local row now ok=1 enabled="" ready="" rpo="" archived="" failed=""
	now=$(date +%s)
	if row=$(psql -X -v ON_ERROR_STOP=1 -qAt -F ' ' -d postgres -c "$METRICS_WAL_QUERY") &&
		read -r enabled ready rpo archived failed <<<"$row" && [[ $failed =~ ^[0-9]+$ ]]; then
		[ "$enabled" = 1 ] ||
			metrics_log "archive_mode is off: no WAL reaches the repository; exporting mcpgov_backup_wal_archiving_enabled 0 and no RPO"
	else
		metrics_log "PostgreSQL did not answer the WAL query; exporting mcpgov_backup_wal_success 0"
		ok=0
	fi
	local l="{stanza=\"$metrics_stanza\"}"
	metrics_wal_sample "mcpgov_backup_wal_timestamp_seconds" gauge "When these WAL figures were collected from PostgreSQL." "$l" "$now"
	metrics_wal_sample "mcpgov_backup_wal_success" gauge "1 when PostgreSQL answered the WAL query, 0 when it did not (see the metrics log)." "$l" "$ok"
	metrics_wal_sample "mcpgov_backup_rpo_target_seconds" gauge "The RPO the alert PgBackRestRPOTooHigh holds the database to." "$l" "$metrics_rpo_target"
	[ "$ok" = 1 ] || return 0
	metrics_wal_sample "mcpgov_backup_wal_archiving_enabled" gauge "1 when archive_mode is on, 0 when it is off and no WAL is archived." "$l" "$enabled"
	metrics_wal_sample "mcpgov_backup_wal_archived_total" counter "WAL files archived since the statistics were reset (pg_stat_archiver)." "$l" "$archived"
	metrics_wal_sample "mcpgov_backup_wal_archive_failed_total" counter "Failed attempts to archive WAL files (pg_stat_archiver)." "$l" "$failed"
	[ "$enabled" = 1 ] || return 0
	metrics_wal_sample "mcpgov_backup_wal_ready_segments" gauge "WAL segments complete and waiting for archive_command." "$l" "$ready"
	metrics_wal_sample "mcpgov_backup_rpo_seconds" gauge "Age of the oldest WAL segment written but not yet archived, 0 when all complete segments are." "$l" "$rpo"
}

# usage: metrics_wal_sample NAME TYPE HELP LABELS VALUE
metrics_wal_sample() {
	printf '# HELP %s %s\n# TYPE %s %s\n%s%s %s\n' "$1" "$3" "$1" "$2" "$1" "$4" "$5"
}

# usage: metrics_wal_push TEXT -- PUT the figures to the Pushgateway (the group replaced
# whole); a failure is logged, the next round tries again
metrics_wal_push() {
	local url="${metrics_pushgateway%/}/metrics/job/pgbackrest-wal/stanza/$metrics_stanza" output
	if ! output=$(curl --fail --silent --show-error --max-time 10 --request PUT \
		--data-binary @- "$url" 2>&1 <<<"$1"); then
		metrics_log "could not push the WAL figures to $url ($output)"
		return 1
	fi
}

# usage: metrics_wal_round TEXTFILE -- one round of --wal: printed, written, pushed
metrics_wal_round() {
	local text
	text=$(metrics_wal_collect)
	if [ -n "$1" ]; then
		printf '%s\n' "$text" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
	elif [ -z "$metrics_pushgateway" ]; then
		printf '%s\n' "$text"
	fi
	[ -z "$metrics_pushgateway" ] || metrics_wal_push "$text"
}

# usage: metrics_write FILE -- one round into FILE, replaced whole
metrics_write() {
	local file=$1 tmp="$1.tmp.$$"
	if metrics_collect >"$tmp"; then
		mv -f "$tmp" "$file"
	else
		rm -f "$tmp"
		metrics_log "could not render the metrics; $file left as it was"
		return 1
	fi
}

_main() {
	metrics_stanza=${PGBACKREST_STANZA:-}
	metrics_reports_dir=${METRICS_VALIDATION_REPORTS:-}
	metrics_rpo_target=${METRICS_RPO_TARGET_SECONDS:-900}
	metrics_pushgateway=${METRICS_PUSHGATEWAY:-}
	local textfile="" interval="" wal=""
	while [ $# -gt 0 ]; do
		case $1 in
		--stanza) metrics_stanza=${2:?--stanza needs a name} && shift ;;
		--validation-reports) metrics_reports_dir=${2:?--validation-reports needs a directory} && shift ;;
		--textfile) textfile=${2:?--textfile needs a file} && shift ;;
		--interval) interval=${2:?--interval needs seconds} && shift ;;
		--wal) wal=1 ;;
		--rpo-target) metrics_rpo_target=${2:?--rpo-target needs seconds} && shift ;;
		--pushgateway) metrics_pushgateway=${2:?--pushgateway needs a URL} && shift ;;
		-h | --help) metrics_usage && return 0 ;;
		*) metrics_usage >&2 && printf 'error: unknown argument: %s\n' "$1" >&2 && return 2 ;;
		esac
		shift
	done
	if [ -n "$interval" ] && ! [[ $interval =~ ^[1-9][0-9]*$ ]]; then
		printf 'error: --interval must be a whole number of seconds, 1 or more\n' >&2
		return 2
	fi
	if [[ $metrics_stanza =~ [^0-9A-Za-z_.-] ]]; then
		printf 'error: --stanza must be a stanza name such as mcpgov\n' >&2
		return 2
	fi
	if [ -n "$textfile" ] && [ ! -d "$(dirname "$textfile")" ]; then
		printf 'error: the directory of --textfile %s does not exist\n' "$textfile" >&2
		return 2
	fi
	if [ -n "$wal" ]; then
		metrics_wal_main "$textfile" "$interval"
		return
	fi
	if [ -n "$metrics_pushgateway" ]; then
		printf 'error: --pushgateway is for --wal figures only\n' >&2
		return 2
	fi
	for tool in pgbackrest jq; do
		command -v "$tool" >/dev/null || {
			printf 'error: %s is not on PATH\n' "$tool" >&2
			return 2
		}
	done
	while :; do
		if [ -n "$textfile" ]; then
			metrics_write "$textfile" || [ -n "$interval" ] || return 1
		else
			metrics_collect
		fi
		[ -n "$interval" ] || return 0
		sleep "$interval"
	done
}

# usage: metrics_wal_main TEXTFILE INTERVAL -- --wal's checks, then its rounds
metrics_wal_main() {
	if [ -z "$metrics_stanza" ]; then
		printf 'error: --wal needs --stanza (or PGBACKREST_STANZA): the label of its figures\n' >&2
		return 2
	fi
	if ! [[ $metrics_rpo_target =~ ^[1-9][0-9]*$ ]]; then
		printf 'error: --rpo-target must be a whole number of seconds, 1 or more\n' >&2
		return 2
	fi
	if [ -n "$metrics_pushgateway" ] && ! [[ $metrics_pushgateway =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]]; then
		printf 'error: --pushgateway must be an http(s) URL such as http://pgbackrest-metrics:9092\n' >&2
		return 2
	fi
	local tool
	for tool in psql ${metrics_pushgateway:+curl}; do
		command -v "$tool" >/dev/null || {
			printf 'error: %s is not on PATH\n' "$tool" >&2
			return 2
		}
	done
	while :; do
		metrics_wal_round "$1" || [ -n "$2" ] || return 1
		[ -n "$2" ] || return 0
		sleep "$2"
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
