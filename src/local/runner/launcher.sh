#!/bin/sh
# launcher.sh: becomes one container of a local pod. Started by the runner inside the
# pod's network namespace and a new mount, PID and UTS namespace of its own; builds the
# container's filesystem and execs the container's command as the postgres user.
#
# usage: launcher.sh SPEC_DIR -- COMMAND [ARG...]
# SPEC_DIR holds what the runner prepared:
#   mounts     lines of three: source, target inside the container, rw or ro
#   hide       paths of the host to cover with an empty tmpfs (the runner's own state)
#   hostname   the pod's name
#   workdir    the working directory
#   readonly   present when the root filesystem is read-only
# The root filesystem is an overlay of the host's (the host binaries stand in for the
# image) whose changes live in SPEC_DIR/rootfs and vanish with the container.
set -eu

spec=$1
shift
[ "$1" = -- ] && shift
root=$spec/rootfs
merged=$root/merged

mkdir -p "$root/upper" "$root/work" "$merged"
mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$merged"
mount -t proc proc "$merged/proc"
mount --rbind /dev "$merged/dev"
mount -t tmpfs -o mode=1777 tmpfs "$merged/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$merged/run"
while IFS= read -r path; do
	mkdir -p "$merged$path"
	mount -t tmpfs -o mode=0755,size=1m tmpfs "$merged$path"
done <"$spec/hide"

while IFS= read -r source && IFS= read -r target && IFS= read -r mode; do
	# Resolve symlinks inside the container (/var/run -> /run), not on the host.
	target=$(chroot "$merged" realpath -m -- "$target")
	if [ -d "$source" ]; then
		mkdir -p "$merged$target"
	else
		mkdir -p "$(dirname "$merged$target")"
		[ -e "$merged$target" ] || : >"$merged$target"
	fi
	mount --bind "$source" "$merged$target"
	if [ "$mode" = ro ]; then
		mount -o remount,bind,ro "$merged$target"
	fi
done <"$spec/mounts"

hostname "$(cat "$spec/hostname")"
if [ -e "$spec/readonly" ]; then
	mount -o remount,ro "$merged"
fi
workdir=$(cat "$spec/workdir")
: >"$spec/started"
# allowPrivilegeEscalation: false and capabilities dropped, as the pod spec demands.
exec chroot "$merged" setpriv --reuid=postgres --regid=postgres --init-groups \
	--no-new-privs --inh-caps=-all --bounding-set=-all -- env --chdir="$workdir" -- "$@"
