// What a drill measures besides its time to recover: the RPO as issue 28 defines it (the
// metrics' mcpgov_backup_rpo_seconds, scripts/pgbackrest-metrics.sh --wal), and the figures
// it pushes to Prometheus for the drill's alerts (manifests/monitoring, core/drill-push.ts).
import type { Cluster, KubeObject } from "./cluster.ts";
import { productionDatabase, psql } from "./database.ts";
import { PGBACKREST_CONFIG } from "./names/objects.ts";
import type { Settings } from "./settings.ts";

/**
 * The age in seconds of the oldest WAL segment production has completed but not archived:
 * pgBackRest archives a segment (its .ready becomes .done) only once every repository holds
 * it, so one waiting is one the off-site copy may not hold. 0 when none waits. The same
 * expression as METRICS_WAL_QUERY in scripts/pgbackrest-metrics.sh (a test holds them equal).
 */
export const RPO_SQL =
  "SELECT greatest(0, coalesce(floor(extract(epoch FROM now() - min(s.modification))), 0))::bigint FROM pg_ls_archive_statusdir() s WHERE s.name LIKE '%.ready'";

export interface RpoReading {
  seconds: number | null;
  /** Why there is no figure: production did not answer (it is the disaster, or it is down). */
  unknown?: string;
}

/** Production's RPO now; unknown, not an error, when production cannot be asked. */
export async function productionRpo(cluster: Cluster, settings: Settings): Promise<RpoReading> {
  try {
    const text = await psql(cluster, RPO_SQL, productionDatabase(settings));
    const seconds = Number(text);
    if (!Number.isFinite(seconds)) return { seconds: null, unknown: `PostgreSQL said "${text}"` };
    return { seconds };
  } catch (error) {
    return {
      seconds: null,
      unknown: `production's PostgreSQL did not answer: ${(error as Error).message}`,
    };
  }
}

export interface DrillFigures {
  stanza: string;
  passed: boolean;
  /** When the drill ended, seconds since the epoch. */
  endedAt: number;
  rtoSeconds: number | null;
  rpoSeconds: number | null;
  /** The overlay's RTO budget (pgbackrest-config's drill-rto-budget-seconds), when it sets one. */
  rtoBudgetSeconds: number | null;
  /** How long the overlay allows without a passed drill (pgbackrest-config's drill-max-age-seconds). */
  maxAgeSeconds: number;
}

/** How long without a passed drill when the overlay says nothing: a weekly drill, and a day's slack. */
export const DEFAULT_DRILL_MAX_AGE_SECONDS = 8 * 86_400;

/** A whole number of seconds pgbackrest-config of the overlay sets under KEY, if it does. */
function overlaySeconds(overlay: KubeObject[], key: string): number | null {
  const config = overlay.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === PGBACKREST_CONFIG.configMap,
  );
  const text = (config?.data as Record<string, string> | undefined)?.[key];
  return text && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
}

/** The overlay's RTO budget and how long it allows without a passed drill. */
export function overlayDrillLimits(
  overlay: KubeObject[],
): Pick<DrillFigures, "rtoBudgetSeconds" | "maxAgeSeconds"> {
  return {
    rtoBudgetSeconds: overlaySeconds(overlay, "drill-rto-budget-seconds"),
    maxAgeSeconds:
      overlaySeconds(overlay, "drill-max-age-seconds") ?? DEFAULT_DRILL_MAX_AGE_SECONDS,
  };
}

/**
 * The drill's figures in Prometheus' text format, for a Pushgateway's group
 * job=mcpgov-backup-drill/stanza=STANZA. The last success's time is pushed by a passed
 * drill only, so a failed one leaves the previous success standing (the group is replaced
 * with POST's merge semantics for the names it holds).
 */
export function drillMetrics(figures: DrillFigures): string {
  const labels = `{stanza="${figures.stanza}"}`;
  const lines: string[] = [];
  const sample = (name: string, help: string, value: number) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${value}`);
  sample(
    "mcpgov_backup_drill_last_run_timestamp_seconds",
    "When the last drill ended.",
    figures.endedAt,
  );
  sample(
    "mcpgov_backup_drill_last_status",
    "1 when the last drill passed, 0 when it failed.",
    figures.passed ? 1 : 0,
  );
  if (figures.passed)
    sample(
      "mcpgov_backup_drill_last_success_timestamp_seconds",
      "When the last drill that passed ended.",
      figures.endedAt,
    );
  if (figures.rtoSeconds !== null)
    sample(
      "mcpgov_backup_drill_last_rto_seconds",
      "The last drill's time from its start to a PostgreSQL accepting connections.",
      figures.rtoSeconds,
    );
  if (figures.rpoSeconds !== null)
    sample(
      "mcpgov_backup_drill_last_rpo_seconds",
      "Age of the oldest WAL production had written but the off-site copy did not hold when the last drill started.",
      figures.rpoSeconds,
    );
  sample(
    "mcpgov_backup_drill_max_age_seconds",
    "How long the overlay allows without a passed drill (pgbackrest-config's drill-max-age-seconds).",
    figures.maxAgeSeconds,
  );
  if (figures.rtoBudgetSeconds !== null)
    sample(
      "mcpgov_backup_drill_rto_budget_seconds",
      "The RTO the overlay allows a drill (pgbackrest-config's drill-rto-budget-seconds).",
      figures.rtoBudgetSeconds,
    );
  return `${lines.join("\n")}\n`;
}
