// drill: the disaster-recovery drill. From the off-site repository alone it rebuilds the
// stack of the rendered overlay in the drill's namespace (prepared once by the
// administrator with the read-only key, the cipher and the TLS Secrets), restores to the
// newest point or a given time with the validation's own Job (its checks and the overlay's
// assertions, scripts/restore-validation.sh unchanged), starts PostgreSQL on the copy, and
// measures the RTO (start of the drill to a PostgreSQL accepting connections) and the RPO
// (production's, when the drill starts). Then it removes everything it made, on failure and
// on its deadline too; what a killed drill leaves expires, and the next drill removes it.
// Last, after its clean-up (so a clean-up failure counts), a Job in the drill namespace
// pushes its figures to production's Pushgateway when the overlay has the monitoring
// component (core/drill-push.ts).
// A failed drill is a verdict, returned with the phase that failed, not an error.
import type { Cluster, KubeObject } from "../cluster.ts";
import { psql } from "../database.ts";
import {
  drillMetrics,
  overlayDrillLimits,
  productionRpo,
  type RpoReading,
} from "../drill-measures.ts";
import {
  DRILL_ID,
  deleteDrillObjects,
  drillObjects,
  listDrillObjects,
  reapExpiredDrills,
} from "../drill-objects.ts";
import { type DrillMetricsPush, pushDrillFigures } from "../drill-push.ts";
import { runJobToCompletion } from "../jobs.ts";
import { POSTGRES } from "../names/objects.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";
import { isoUtcSecond } from "../time.ts";
import { UserError } from "../user-error.ts";
import { reportFromLog, type ValidationReport } from "../validation-report.ts";

export interface DrillRequest {
  id: string;
  /** The drill's namespace: the administrator's, with the off-site credentials in it. */
  namespace: string;
  /** The rendered overlay: the stack a disaster would be rebuilt from. */
  overlay: KubeObject[];
  /** A time to recover to ("2026-11-24 14:30:00+00"); the newest point when absent. */
  target?: string;
  timeoutMs: number;
  annotations: Record<string, string>;
}

export interface DrillPhase {
  name: string;
  seconds: number;
  ok: boolean;
}

/** The drill's section of its report. */
export interface DrillSection {
  id: string;
  namespace: string;
  point: string;
  status: "passed" | "failed";
  /** The phase that failed, and why. */
  failedPhase: string | null;
  reason: string | null;
  startedAt: string;
  rtoSeconds: number | null;
  rpoSeconds: number | null;
  rpoUnknown: string | null;
  phases: DrillPhase[];
  /** What the drill made and removed (kind/name), and what it could not remove. */
  removed: string[];
  leftBehind: string[];
  /** Whether the figures reached production's Pushgateway, or why not. */
  metrics: DrillMetricsPush;
}

/** The validation's report of the restore, with the drill's section. */
export type DrillReport = Omit<ValidationReport, "status"> & {
  status: ValidationReport["status"] | "not run";
  drill: DrillSection;
};

/** How long the clean-up waits for work its deadline cut off. */
const CUT_OFF_GRACE_MS = 30_000;

// Unref'd: a wait cut short by the work ending keeps no process alive.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A phase that did not end well: the drill stops there and says which. */
class PhaseFailed extends Error {}

/** The restore's arguments for scripts/restore-validation.sh: the newest point, or a time. */
function pointArgs(target: string | undefined): string[] {
  return target ? ["--target", target] : ["--latest"];
}

export async function runDrill(
  cluster: Cluster,
  settings: Settings,
  request: DrillRequest,
  progress: Progress,
): Promise<DrillReport> {
  if (!DRILL_ID.test(request.id)) throw new UserError(`"${request.id}" is not a drill id`);
  if (request.namespace === settings.namespace)
    throw new UserError(
      `the drill's namespace is production's (${settings.namespace}): a drill rebuilds the stack beside production, in a namespace of its own`,
    );
  const { namespace } = request;
  const started = Date.now();
  const deadline = started + request.timeoutMs;
  // The objects expire a little after the drill's deadline: the next drill removes them.
  const spec = { id: request.id, namespace, expiresAt: isoUtcSecond(deadline + 60_000) };
  // Checked before anything is touched: an overlay with no off-site repository makes nothing.
  const objects = drillObjects(
    request.overlay,
    spec,
    pointArgs(request.target),
    request.annotations,
  );
  const phases: DrillPhase[] = [];
  let report: ValidationReport | undefined;
  let rpo: RpoReading = { seconds: null, unknown: "not measured" };
  let rtoSeconds: number | null = null;
  let failure: { phase: string; reason: string } | undefined;
  let section: DrillSection | undefined;

  /** One phase, timed, cut off at the drill's deadline. */
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const begun = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          timedOut = true;
          reject(new PhaseFailed(`the drill's time (${request.timeoutMs / 1000}s) ran out`));
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    const running = progress(name, work);
    const settled = running.then(
      () => {},
      () => {},
    );
    try {
      const value = await Promise.race([running, timeout]);
      phases.push({ name, seconds: (performance.now() - begun) / 1000, ok: true });
      return value;
    } catch (error) {
      phases.push({ name, seconds: (performance.now() - begun) / 1000, ok: false });
      failure = { phase: name, reason: (error as Error).message };
      // Work cut off may still be making objects (a StatefulSet's pods): its waits end at
      // the same deadline, so the clean-up waits for it, a little, to find all it made.
      if (timedOut) await Promise.race([settled, sleep(CUT_OFF_GRACE_MS)]);
      throw new PhaseFailed(failure.reason);
    } finally {
      clearTimeout(timer);
    }
  };

  try {
    await phase("remove expired drills", async () => {
      await reapExpiredDrills(cluster, namespace);
      const running = (await listDrillObjects(cluster, namespace)).filter((o) => o.kind !== "Pod");
      if (running.length)
        throw new Error(
          `drill ${running[0]?.id} is still in ${namespace} (until ${running[0]?.expiresAt}); one drill at a time`,
        );
    });
    rpo = await phase("measure production's RPO", () => productionRpo(cluster, settings));
    await phase("prepare the drill namespace", () => cluster.apply(objects.setting));
    await phase(
      `restore from the off-site copy and check (Job ${objects.restoreJob.metadata.name})`,
      async () => {
        const left = deadline - Date.now();
        (objects.restoreJob.spec as { activeDeadlineSeconds?: number }).activeDeadlineSeconds =
          Math.max(1, Math.ceil(left / 1000));
        const logs = await runJobToCompletion(
          cluster,
          objects.restoreJob,
          left,
          "the drill's restore",
        )
          .then((run) => run.logs)
          .catch(async (error: Error) => {
            // A restore that fails its checks fails its Job too, and still reports.
            const log = await cluster
              .logs(namespace, `job/${objects.restoreJob.metadata.name}`)
              .catch(() => "");
            if (!reportFromLog(log)) throw error;
            return log;
          });
        report = reportFromLog(logs);
        if (!report) throw new Error("the restore Job left no report in its log");
        if (report.status !== "passed") {
          const failed = report.checks.filter((c) => c.result === "fail").map((c) => c.name);
          throw new Error(`${report.status}: ${report.reason ?? failed.join(", ")}`);
        }
      },
    );
    await phase("start PostgreSQL on the copy (and the repository host)", async () => {
      await cluster.apply(objects.workloads);
      for (const workload of objects.workloads) {
        const selector = (workload.spec as { selector: { matchLabels: Record<string, string> } })
          .selector.matchLabels;
        await cluster.waitForPodsReady(namespace, selector, Math.max(1, deadline - Date.now()));
      }
      const target = {
        namespace,
        pod: POSTGRES.pod,
        container: POSTGRES.container,
        database: POSTGRES.database,
      };
      await psql(cluster, "select 1", target);
      // Not when cut off: the drill has failed by then.
      if (!failure) rtoSeconds = Math.round(Date.now() - started) / 1000;
    });
  } catch (error) {
    if (!(error instanceof PhaseFailed)) throw error;
  } finally {
    const cleanup = await progress("remove everything the drill made", async () => {
      const begun = performance.now();
      const ours = (o: { id: string }) => o.id === request.id;
      const removed = await deleteDrillObjects(cluster, namespace, ours);
      // Once more: a pod started while its StatefulSet was being removed.
      removed.push(...(await deleteDrillObjects(cluster, namespace, ours)));
      const left = await listDrillObjects(cluster, namespace);
      const leftBehind = left.filter((o) => o.id === request.id).map((o) => `${o.kind}/${o.name}`);
      phases.push({
        name: "remove everything the drill made",
        seconds: (performance.now() - begun) / 1000,
        ok: leftBehind.length === 0,
      });
      return { removed, leftBehind };
    });
    section = {
      id: request.id,
      namespace,
      point: request.target ?? "the newest point",
      status: failure || cleanup.leftBehind.length ? "failed" : "passed",
      failedPhase:
        failure?.phase ?? (cleanup.leftBehind.length ? "remove everything the drill made" : null),
      reason:
        failure?.reason ??
        (cleanup.leftBehind.length ? `left behind: ${cleanup.leftBehind.join(", ")}` : null),
      startedAt: isoUtcSecond(started),
      rtoSeconds,
      rpoSeconds: rpo.seconds,
      rpoUnknown: rpo.unknown ?? null,
      phases,
      removed: cleanup.removed,
      leftBehind: cleanup.leftBehind,
      metrics: { pushed: false, detail: "not pushed yet" },
    };
  }
  const drill = section;
  drill.metrics = await progress("push the drill's figures", () =>
    pushFigures(cluster, settings, request, drill),
  );
  return drillReport(report, drill);
}

/** The drill's verdict, RTO and RPO to production's Pushgateway, from inside the cluster. */
function pushFigures(
  cluster: Cluster,
  settings: Settings,
  request: DrillRequest,
  drill: DrillSection,
): Promise<DrillMetricsPush> {
  const text = drillMetrics({
    stanza: settings.stanza,
    passed: drill.status === "passed",
    endedAt: Math.round(Date.now() / 1000),
    rtoSeconds: drill.rtoSeconds,
    rpoSeconds: drill.rpoSeconds,
    ...overlayDrillLimits(request.overlay),
  });
  const target = {
    id: request.id,
    namespace: request.namespace,
    productionNamespace: settings.namespace,
    stanza: settings.stanza,
  };
  return pushDrillFigures(cluster, request.overlay, target, text, request.annotations);
}

/** The validation's report (or an empty one when the restore never reported) with the drill's section. */
function drillReport(report: ValidationReport | undefined, drill: DrillSection): DrillReport {
  const base = report ?? {
    schema: "mcpgov-backup/restore-validation/v1",
    status: "not run" as const,
    reason: drill.reason,
    rtoSeconds: null,
    backup: null,
    checks: [],
  };
  return { ...base, drill };
}
