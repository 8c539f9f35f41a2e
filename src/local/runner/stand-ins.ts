// What the runner mounts into every container besides its volumes: the cluster's /etc/hosts,
// and stand-ins for what the images carry (the PostgreSQL image's entrypoint, kubectl on
// the runner's own API, and this Node.js to run it).
import { projectPath } from "../../core/paths.ts";
import type { Mount } from "./volumes.ts";

const STAND_INS = projectPath("src/local/runner/stand-ins");

export function runnerMounts(hostsFile: string): Mount[] {
  return [
    { source: hostsFile, target: "/etc/hosts", readOnly: true },
    {
      source: `${STAND_INS}/docker-entrypoint.sh`,
      target: "/usr/local/bin/docker-entrypoint.sh",
      readOnly: true,
    },
    { source: `${STAND_INS}/kubectl.sh`, target: "/usr/local/bin/kubectl", readOnly: true },
    {
      source: `${STAND_INS}/kubectl.mjs`,
      target: "/usr/local/lib/mcpgov-runner/kubectl.mjs",
      readOnly: true,
    },
    { source: process.execPath, target: "/usr/local/lib/mcpgov-runner/node", readOnly: true },
  ];
}
