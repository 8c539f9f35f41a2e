#!/usr/bin/env bash
# install.sh: set up the VM variant: the restore-validation script at the path the
# CronJob uses, its scratch directory, the schedules of the three CronJobs as systemd
# timers (default) or as /etc/cron.d/mcpgov-backup (--cron), and the backup metrics for
# node_exporter's textfile collector every minute. Safe to run again.
set -Eeuo pipefail

install_usage() {
	cat <<'EOF_USAGE'
usage: vm/install.sh [--cron] [--root DIR] [--no-enable] [--textfile-dir DIR] [--help]

Installs, as root:
  /usr/bin/pgbackrest                               (pgBackRest 2.55.1, the release the
    product is tested with: scripts/install-pgbackrest.sh, over Debian's package)
  /usr/local/bin/pgbackrest-restore-validation.sh   (scripts/restore-validation.sh)
  /usr/local/bin/pgbackrest-metrics.sh              (scripts/pgbackrest-metrics.sh)
  /var/lib/pgbackrest-validation                    (scratch, owned by postgres)
  /var/lib/pgbackrest-metrics/pgbackrest.prom       (written by postgres every minute)
  /var/lib/pgbackrest-metrics/wal.prom              (the WAL figures and the RPO, from the
    local PostgreSQL, every minute) and links to both in node_exporter's textfile directory
  /etc/tmpfiles.d/mcpgov-backup.conf                (/run/pgbackrest, pgBackRest's lock
    directory, postgres's alone, made at every boot)
  /etc/systemd/system/pgbackrest-{full-backup,diff-backup,restore-validation,metrics}.{service,timer}
    and enables the timers, or with --cron: /etc/cron.d/mcpgov-backup
PostgreSQL's bin directory is found under /usr/lib/postgresql and written into the
units' and the cron file's PATH. pgBackRest must already be configured for stanza
mcpgov in /etc/pgbackrest/pgbackrest.conf (the same file as the ConfigMap's, with
repo1-path on a local disk or mount).

  --cron        install the cron file instead of the systemd units
  --root DIR    install below DIR instead of / (nothing is enabled)
  --no-enable   install the units without enabling or starting the timers
  --textfile-dir DIR
                node_exporter's --collector.textfile.directory (default
                /var/lib/prometheus/node-exporter, Debian's prometheus-node-exporter)
EOF_USAGE
}

install_die() {
	printf 'install: error: %s\n' "$*" >&2
	exit 2
}

install_log() {
	printf 'install: %s\n' "$*" >&2
}

# usage: install_pg_bin -> the newest /usr/lib/postgresql/<major>/bin with postgres in it
install_pg_bin() {
	local dir best=""
	for dir in /usr/lib/postgresql/*/bin; do
		[ -x "$dir/postgres" ] && best=$dir
	done
	[ -n "$best" ] || install_die "PostgreSQL's server binaries not found under /usr/lib/postgresql; install PostgreSQL first"
	printf '%s\n' "$best"
}

# usage: install_file SOURCE TARGET MODE PG_BIN -- copies with the PostgreSQL bin directory substituted
install_file() {
	local source=$1 target=$2 mode=$3 bin=$4
	mkdir -p "$(dirname "$target")"
	sed "s#/usr/lib/postgresql/[0-9]*/bin#$bin#g" "$source" >"$target.tmp"
	chmod "$mode" "$target.tmp"
	mv "$target.tmp" "$target"
	install_log "installed $target"
}

_main() {
	local here root="" cron=0 enable=1 textfile_dir=/var/lib/prometheus/node-exporter
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	while [ $# -gt 0 ]; do
		case $1 in
		--cron) cron=1 ;;
		--root) root=${2:?--root needs a directory} && enable=0 && shift ;;
		--no-enable) enable=0 ;;
		--textfile-dir) textfile_dir=${2:?--textfile-dir needs a directory} && shift ;;
		-h | --help) install_usage && return 0 ;;
		*) install_usage >&2 && install_die "unknown argument: $1" ;;
		esac
		shift
	done
	[[ $textfile_dir == /* ]] || install_die "--textfile-dir must be an absolute path, as node_exporter's --collector.textfile.directory"
	[ "$(id -u)" = 0 ] || install_die "run as root (sudo vm/install.sh)"
	getent passwd postgres >/dev/null || install_die "no postgres user; install PostgreSQL first"
	dpkg-query -W -f='${Status}' pgbackrest 2>/dev/null | grep -q 'install ok installed' ||
		install_die "Debian's pgbackrest package not found; install it first for its user, directories and libraries (apt-get install pgbackrest)"
	# The release the product is tested with, over the distribution's (the same as the image's).
	"$here/../scripts/install-pgbackrest.sh" --root "${root:-/}" --cache "$here/../.tools"
	command -v jq >/dev/null || install_die "jq not found; the validation report needs it (apt-get install jq)"
	local bin
	bin=$(install_pg_bin)

	# The script itself byte for byte: the same file as in the ConfigMap.
	install -D -m 0755 "$here/../scripts/restore-validation.sh" "$root/usr/local/bin/pgbackrest-restore-validation.sh"
	install_log "installed $root/usr/local/bin/pgbackrest-restore-validation.sh"
	install -d -o postgres -g postgres -m 0700 "$root/var/lib/pgbackrest-validation"
	install -D -m 0755 "$here/../scripts/pgbackrest-metrics.sh" "$root/usr/local/bin/pgbackrest-metrics.sh"
	install_log "installed $root/usr/local/bin/pgbackrest-metrics.sh"
	# The writer runs as postgres and replaces its file by a rename, which needs a directory
	# it owns; node_exporter's directory belongs to its package, so it gets a link instead.
	install -d -o postgres -g postgres -m 0755 "$root/var/lib/pgbackrest-metrics"
	install -d -m 0755 "$root$textfile_dir"
	# pgBackRest's lock directory, postgres's alone, made at every boot (and now).
	install -D -m 0644 "$here/tmpfiles.d/mcpgov-backup.conf" "$root/etc/tmpfiles.d/mcpgov-backup.conf"
	install_log "installed $root/etc/tmpfiles.d/mcpgov-backup.conf"
	[ -n "$root" ] || systemd-tmpfiles --create /etc/tmpfiles.d/mcpgov-backup.conf
	local file
	for file in pgbackrest.prom wal.prom; do
		ln -sfn "/var/lib/pgbackrest-metrics/$file" "$root$textfile_dir/$file"
		install_log "linked $root$textfile_dir/$file to /var/lib/pgbackrest-metrics/$file"
	done
	if [ "$cron" = 1 ]; then
		install_file "$here/cron.d/mcpgov-backup" "$root/etc/cron.d/mcpgov-backup" 0644 "$bin"
		return 0
	fi
	local unit
	for unit in "$here"/systemd/*.service "$here"/systemd/*.timer; do
		install_file "$unit" "$root/etc/systemd/system/$(basename "$unit")" 0644 "$bin"
	done
	if [ "$enable" = 1 ]; then
		systemctl daemon-reload
		systemctl enable --now pgbackrest-full-backup.timer pgbackrest-diff-backup.timer \
			pgbackrest-restore-validation.timer pgbackrest-metrics.timer
		systemctl list-timers 'pgbackrest-*' >&2
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
