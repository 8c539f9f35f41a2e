#!/bin/sh
# Stand-in for kubectl in local pods: `kubectl exec` through the local runner's API.
exec /usr/local/lib/mcpgov-runner/node /usr/local/lib/mcpgov-runner/kubectl.mjs "$@"
