#!/bin/sh
# pgbackrest.sh: pgBackRest as the pods run it, mounted from pgbackrest-config at
# /usr/local/bin/pgbackrest, ahead of the package's /usr/bin/pgbackrest on PATH.
# Repository 2's directory in the bucket is the stanza's own, /<stanza> (/mcpgov for the
# base's), unless pgbackrest-s3 sets PGBACKREST_REPO2_PATH. Without the S3 settings there
# is no repository 2 and nothing is set: a repo2 path alone would make pgBackRest add one.
if [ -n "${PGBACKREST_REPO2_TYPE:-}" ] && [ -z "${PGBACKREST_REPO2_PATH:-}" ] &&
	[ -n "${PGBACKREST_STANZA:-}" ]; then
	PGBACKREST_REPO2_PATH=/$PGBACKREST_STANZA
	export PGBACKREST_REPO2_PATH
fi
exec /usr/bin/pgbackrest "$@"
