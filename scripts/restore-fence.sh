#!/bin/sh
# restore-fence.sh: the mark a restore leaves on the data directory's volume, beside
# PGDATA, while it rewrites PGDATA, and the check that keeps PostgreSQL off it meanwhile.
# Whoever scales statefulset/postgres back up (GitOps self-heal, a person), PostgreSQL
# never starts on a half-restored directory: the postgres container refuses and exits
# non-zero, and Kubernetes retries it (CrashLoopBackOff) until the mark is gone.
#   restore-fence.sh restore PGBACKREST-ARGS...  the restore Jobs: mark, restore, unmark
#                                                on success only (a failure keeps the mark)
#   restore-fence.sh start COMMAND...            the postgres container: refuse while
#                                                marked, else exec COMMAND
# The mark's name and what to do about it: docs/restore.md, "The restore mark".
set -eu

pgdata=${PGBACKREST_PG1_PATH:?PGBACKREST_PG1_PATH must name the data directory}
marker="${pgdata%/*}/mcpgov-backup-restore-in-progress"

fence_restore() {
	# shellcheck disable=SC3028 # the kubelet sets HOSTNAME to the pod's name
	printf 'restore by pod %s, started %s, pgbackrest %s\n' "${HOSTNAME:-unknown}" \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >"$marker"
	status=0
	pgbackrest "$@" || status=$?
	if [ "$status" -ne 0 ]; then
		printf 'restore-fence: the restore failed (exit %s); %s stays, so PostgreSQL will not start on %s (docs/restore.md, "The restore mark")\n' \
			"$status" "$marker" "$pgdata" >&2
		exit "$status"
	fi
	rm -f "$marker"
}

fence_start() {
	if [ -e "$marker" ]; then
		{
			printf 'restore-fence: not starting PostgreSQL: restore in progress, or one that failed, marked %s:\n' "$marker"
			sed 's/^/  /' "$marker"
			printf '  %s may be half-restored. Finish the restore (run it again to completion), or, once a person has decided to keep this directory, abandon it by removing the mark: docs/restore.md, "The restore mark".\n' "$pgdata"
		} >&2
		exit 1
	fi
	exec "$@"
}

mode=${1:-}
[ $# -gt 0 ] && shift
case $mode in
restore) fence_restore "$@" ;;
start) fence_start "$@" ;;
*)
	printf 'usage: restore-fence.sh restore PGBACKREST-ARGS... | start COMMAND...\n' >&2
	exit 2
	;;
esac
