// How a container of a local pod is started and entered: the spec directory launcher.sh
// reads, the command line that starts it in the pod's network namespace and namespaces
// of its own, and the one that runs a command inside it as postgres, without privileges.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Container } from "@kubernetes/client-node";
import { projectPath } from "../../core/paths.ts";
import type { Mount } from "./volumes.ts";

const LAUNCHER = projectPath("src/local/runner/launcher.sh");

/** What launcher.sh needs to build the container's filesystem (see its header). */
export interface ContainerLayout {
  mounts: Mount[];
  /** Host paths covered with an empty tmpfs. */
  hide: string[];
  hostname: string;
  container: V1Container;
}

export function writeContainerSpec(specDir: string, layout: ContainerLayout): void {
  mkdirSync(specDir, { recursive: true });
  const { mounts, hide, hostname, container } = layout;
  writeFileSync(
    join(specDir, "mounts"),
    mounts.map((m) => `${m.source}\n${m.target}\n${m.readOnly ? "ro" : "rw"}\n`).join(""),
  );
  writeFileSync(join(specDir, "hide"), hide.map((p) => `${p}\n`).join(""));
  writeFileSync(join(specDir, "hostname"), hostname);
  writeFileSync(join(specDir, "workdir"), container.workingDir ?? "/");
  if (container.securityContext?.readOnlyRootFilesystem)
    writeFileSync(join(specDir, "readonly"), "");
}

/** The command line that starts the container: the launcher, then the container's command. */
export function launchArgv(netns: string, specDir: string, command: string[]): string[] {
  return [
    // If the runner dies, so does the pod; --kill-child takes the namespace's processes with it.
    "setpriv",
    "--pdeathsig",
    "SIGKILL",
    "--",
    "ip",
    "netns",
    "exec",
    netns,
    "unshare",
    "--mount",
    "--uts",
    "--pid",
    "--fork",
    "--kill-child",
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    LAUNCHER,
    specDir,
    "--",
    ...command,
  ];
}

/** The command line that runs a command in the running container whose PID 1 is initPid. */
export function enterArgv(initPid: number, workdir: string, command: string[]): string[] {
  return [
    "nsenter",
    "--target",
    String(initPid),
    "--mount",
    "--uts",
    "--net",
    "--pid",
    "--root",
    "--wd",
    "--",
    "setpriv",
    "--reuid=postgres",
    "--regid=postgres",
    "--init-groups",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    "env",
    `--chdir=${workdir}`,
    "--",
    ...command,
  ];
}
