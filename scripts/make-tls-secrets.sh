#!/usr/bin/env bash
# make-tls-secrets.sh: make the mutual-TLS material pgBackRest's hosts use and write it as
# three Kubernetes Secrets (kubernetes.io/tls, with ca.crt):
#   pgbackrest-tls-repo-host  CN pgbackrest-repo-host  the repository host's server
#   pgbackrest-tls-postgres   CN postgres-service      the TLS server beside PostgreSQL
#   pgbackrest-tls-client     CN pgbackrest-client     restore and validation Jobs
# The common names are what pgbackrest.conf's tls-server-auth lines authorise.
set -Eeuo pipefail

tls_usage() {
	cat <<'EOF_USAGE'
usage: make-tls-secrets.sh [--kustomization DIR] [--namespace NS] [--out FILE]
                           [--pem-dir DIR] [--days N] [--force] [--apply]

Creates a private CA and three certificates, and writes the Secrets manifest beside the
kustomization they are for: the base's by default (manifests/pgbackrest-tls-secrets.yaml
of this script's checkout, git-ignored), or the overlay's that --kustomization names.
Works from any directory; relative paths are the caller's. Apply it with
  kubectl apply -f manifests/pgbackrest-tls-secrets.yaml

  --kustomization DIR  an overlay: the Secrets take its namespace: line and the manifest
                       goes to DIR/pgbackrest-tls-secrets.yaml (git-ignore it)
  --namespace NS       namespace of the Secrets and of the DNS names (default: the
                       overlay's, else the base's, manifests/kustomization.yaml)
  --out FILE           where to write the manifest (mode 0600)
  --pem-dir DIR        also keep the PEM files, CA key included, in DIR (for a VM, or to
                       issue more certificates later); otherwise they are discarded
  --days N             certificate lifetime in days (default 825)
  --force              replace an existing FILE (this rotates every certificate)
  --apply              then apply FILE with kubectl (to the current context); with FILE
                       there already and no --force, apply it as it is, so that running
                       the same command again changes nothing
EOF_USAGE
}

tls_die() {
	printf 'make-tls-secrets: error: %s\n' "$*" >&2
	exit 2
}

# usage: tls_kustomization_file DIR -> DIR's kustomization file; fails if it has none
tls_kustomization_file() {
	local dir=$1 name
	for name in kustomization.yaml kustomization.yml Kustomization; do
		if [ -f "$dir/$name" ]; then
			printf '%s\n' "$dir/$name"
			return 0
		fi
	done
	return 1
}

# usage: tls_kustomization_namespace FILE -> its top-level namespace: (empty if none)
tls_kustomization_namespace() {
	sed -n "s/^namespace:[[:space:]]*[\"']\{0,1\}\([a-z0-9-]*\)[\"']\{0,1\}[[:space:]]*\(#.*\)\{0,1\}$/\1/p" "$1"
}

# usage: tls_issue DIR NAME CN EXTENDED_KEY_USAGE [DNS...]
tls_issue() {
	local dir=$1 name=$2 cn=$3 usage=$4
	shift 4
	local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$usage"
	if [ $# -gt 0 ]; then
		local sans="" dns
		for dns in "$@"; do sans+="${sans:+,}DNS:$dns"; done
		ext+="
subjectAltName=$sans"
	fi
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$cn" \
		-keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days "$tls_days" -sha256 -extfile <(printf '%s\n' "$ext") \
		-out "$dir/$name.crt" 2>/dev/null
	rm -f "$dir/$name.csr"
}

# usage: tls_service_names SERVICE -> the names a client in the cluster may use
tls_service_names() {
	local svc=$1
	printf '%s\n' "$svc" "$svc.$tls_namespace" "$svc.$tls_namespace.svc" "$svc.$tls_namespace.svc.cluster.local"
}

# usage: tls_secret DIR NAME SECRET_NAME
tls_secret() {
	local dir=$1 name=$2 secret=$3
	cat <<EOF_SECRET
---
apiVersion: v1
kind: Secret
metadata:
  name: $secret
  namespace: $tls_namespace
  labels:
    app: pgbackrest
    app.kubernetes.io/name: pgbackrest
    app.kubernetes.io/part-of: mcpgov-backup
type: kubernetes.io/tls
data:
  ca.crt: $(base64 -w0 "$dir/ca.crt")
  tls.crt: $(base64 -w0 "$dir/$name.crt")
  tls.key: $(base64 -w0 "$dir/$name.key")
EOF_SECRET
}

_main() {
	local out="" pem_dir="" force=0 apply=0 kustomization="" file
	tls_namespace=""
	tls_days=825
	while [ $# -gt 0 ]; do
		case $1 in
		--kustomization) kustomization=${2:?--kustomization needs a directory} && shift ;;
		--namespace) tls_namespace=${2:?--namespace needs a name} && shift ;;
		--out) out=${2:?--out needs a file} && shift ;;
		--pem-dir) pem_dir=${2:?--pem-dir needs a directory} && shift ;;
		--days) tls_days=${2:?--days needs a number} && shift ;;
		--force) force=1 ;;
		--apply) apply=1 ;;
		-h | --help) tls_usage && return 0 ;;
		*) tls_usage >&2 && tls_die "unknown argument: $1" ;;
		esac
		shift
	done
	# The overlay's namespace and directory, then the base's: the base's kustomization is the
	# one place its namespace is set, found from this script's own place (links followed).
	if [ -n "$kustomization" ]; then
		file=$(tls_kustomization_file "$kustomization") ||
			tls_die "--kustomization $kustomization: no kustomization.yaml there; give the directory of an overlay"
		[ -n "$tls_namespace" ] || tls_namespace=$(tls_kustomization_namespace "$file")
		[ -n "$out" ] || out="$kustomization/pgbackrest-tls-secrets.yaml"
	fi
	if [ -z "$tls_namespace" ] || [ -z "$out" ]; then
		local base
		base="$(dirname "$(dirname "$(realpath "${BASH_SOURCE[0]}")")")/manifests"
		file=$(tls_kustomization_file "$base") ||
			tls_die "no base beside this script ($base/kustomization.yaml): give --namespace NS and --out FILE, or --kustomization DIR"
		[ -n "$tls_namespace" ] || tls_namespace=$(tls_kustomization_namespace "$file")
		[ -n "$tls_namespace" ] || tls_die "$file sets no namespace: give --namespace NS"
		[ -n "$out" ] || out="$base/pgbackrest-tls-secrets.yaml"
	fi
	[[ $tls_days =~ ^[1-9][0-9]*$ ]] || tls_die "--days must be a positive whole number"
	[[ $tls_namespace =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || tls_die "--namespace must be a valid namespace name"
	[ -d "$(dirname "$out")" ] ||
		tls_die "$out: its directory does not exist; create it or give another --out"
	if [ "$apply" = 1 ]; then
		command -v kubectl >/dev/null || tls_die "--apply needs kubectl on PATH"
	fi
	if [ -e "$out" ] && [ "$force" != 1 ]; then
		[ "$apply" = 1 ] ||
			tls_die "$out already exists; use --force to replace it (this rotates every certificate)"
		printf 'make-tls-secrets: %s exists; applying it as it is (--force makes new certificates)\n' "$out" >&2
		kubectl apply -f "$out"
		return
	fi
	command -v openssl >/dev/null || tls_die "openssl not found; install it (apt-get install openssl)"

	local dir
	dir=$(mktemp -d)
	# shellcheck disable=SC2064 # expand now: dir is local
	trap "rm -rf '$dir'" EXIT
	umask 077
	openssl req -x509 -new -newkey rsa:2048 -nodes -subj "/CN=mcpgov-backup pgBackRest CA" \
		-days "$tls_days" -sha256 -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
	local repo_names postgres_names
	mapfile -t repo_names < <(tls_service_names pgbackrest-repo-host)
	mapfile -t postgres_names < <(tls_service_names postgres-service)
	tls_issue "$dir" repo-host pgbackrest-repo-host serverAuth,clientAuth "${repo_names[@]}"
	tls_issue "$dir" postgres postgres-service serverAuth,clientAuth "${postgres_names[@]}"
	tls_issue "$dir" client pgbackrest-client clientAuth

	{
		printf '# Generated by scripts/make-tls-secrets.sh. Contains private keys: never commit.\n'
		tls_secret "$dir" repo-host pgbackrest-tls-repo-host
		tls_secret "$dir" postgres pgbackrest-tls-postgres
		tls_secret "$dir" client pgbackrest-tls-client
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	if [ -n "$pem_dir" ]; then
		mkdir -p "$pem_dir"
		cp "$dir"/*.crt "$dir"/*.key "$pem_dir"/
	fi
	printf 'make-tls-secrets: wrote %s (CA and certificates valid %s days)\n' "$out" "$tls_days" >&2
	if [ "$apply" = 1 ]; then
		kubectl apply -f "$out"
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	_main "$@"
fi
