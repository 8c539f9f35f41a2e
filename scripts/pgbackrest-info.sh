#!/bin/sh
# pgbackrest-info.sh: what the bot and the Action read of the repositories, in the Job of
# the pgbackrest-info template (manifests/restore/pgbackrest-info-cronjob.yaml):
# `pgbackrest --output=json info`, its JSON on one line, then each repository's retention,
# so that neither needs a right on this namespace's ConfigMaps to know it
# (src/core/retention.ts reads the lines back). Of pgbackrest.conf only the section
# headers and the retention-full options are printed, and of the environment only the
# S3 component's retention variables: never a key, a passphrase or another option.
set -eu

pgbackrest --output=json info
# pgBackRest ends its JSON without a newline: end the line before the retention's.
echo
# pgBackRest's own variable names the file when it is set (the tests); the pod mounts it here.
sed -n -E 's/^[[:space:]]*(\[[^]]*\]|repo[0-9]+-retention-full(-type)?[[:space:]]*=.*)$/retention conf \1/p' \
	"${PGBACKREST_CONFIG:-/etc/pgbackrest/pgbackrest.conf}"
env | sed -n -E 's/^(PGBACKREST_REPO[0-9]+_RETENTION_FULL(_TYPE)?=.*)$/retention env \1/p'
# The lines above may be none: this one says the retention was read, all of it.
echo "retention end"
