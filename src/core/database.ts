// Talking to the production PostgreSQL through the cluster (kubectl exec into its pod):
// SQL, waiting until recovery has finished, and forcing WAL into the archive.
import type { Cluster } from "./cluster.ts";

/** Where PostgreSQL runs: the seed's namespace and the reference StatefulSet's pod. */
export interface DatabaseTarget {
  namespace: string;
  pod: string;
  container: string;
  database: string;
}

export const MCPGOV_DATABASE: DatabaseTarget = {
  namespace: "ai-governance",
  pod: "postgres-0",
  container: "postgres",
  database: "mcpgov",
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs SQL as the postgres superuser over the pod's Unix socket; returns unaligned rows. */
export async function psql(
  cluster: Cluster,
  query: string,
  target = MCPGOV_DATABASE,
): Promise<string> {
  const argv = [
    "psql",
    "-U",
    "postgres",
    "-d",
    target.database,
    "-v",
    "ON_ERROR_STOP=1",
    "-Atqc",
    query,
  ];
  const result = await cluster.exec(target.namespace, target.pod, target.container, argv);
  if (result.code !== 0) throw new Error(`psql in ${target.pod}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

/** Waits until PostgreSQL accepts connections and has left recovery (it accepts writes). */
export async function waitWritable(
  cluster: Cluster,
  timeoutMs: number,
  target = MCPGOV_DATABASE,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await psql(cluster, "select pg_is_in_recovery()", target).catch(() => "")) !== "f") {
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL in ${target.pod} did not finish recovery within ${timeoutMs / 1000}s; read its log`,
      );
    }
    await sleep(500);
  }
}

/** Closes the current WAL segment and waits until archive_command has pushed it to the repository. */
export async function archiveNow(
  cluster: Cluster,
  timeoutMs = 60_000,
  target = MCPGOV_DATABASE,
): Promise<string> {
  const segment = await psql(cluster, "select pg_walfile_name(pg_switch_wal())", target);
  const deadline = Date.now() + timeoutMs;
  while (
    (await psql(cluster, "select coalesce(last_archived_wal, '') from pg_stat_archiver", target)) <
    segment
  ) {
    if (Date.now() > deadline) {
      throw new Error(
        `WAL segment ${segment} was not archived within ${timeoutMs / 1000}s; read the postgres container's log`,
      );
    }
    await sleep(200);
  }
  return segment;
}
