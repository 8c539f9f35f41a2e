// drill: the disaster-recovery drill (core/operations/drill.ts) in the drill namespace
// the workflow names; its report becomes a file for later steps, its RTO and RPO outputs,
// and, with drill-pushgateway, metrics for the drill's alerts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../core/cluster.ts";
import { DEFAULT_DRILL_MAX_AGE_SECONDS, pushDrillMetrics } from "../../core/drill-measures.ts";
import { PGBACKREST_CONFIG } from "../../core/names/objects.ts";
import { runDrill } from "../../core/operations/drill.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

/** A whole number of seconds pgbackrest-config of the overlay sets under KEY, if it does. */
function overlaySeconds(overlay: KubeObject[], key: string): number | null {
  const config = overlay.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === PGBACKREST_CONFIG.configMap,
  );
  const text = (config?.data as Record<string, string> | undefined)?.[key];
  return text && /^[1-9]\d{0,8}$/.test(text) ? Number(text) : null;
}

export function drillStep(overlay: KubeObject[]): Step<"drill"> {
  return async (context) => {
    const { cluster, inputs, annotations } = context;
    const settings = stepSettings(context);
    const report = await runDrill(
      cluster,
      settings,
      {
        id: inputs.drillId,
        namespace: inputs.drillNamespace,
        overlay,
        ...(inputs.drillPoint ? { target: inputs.drillPoint } : {}),
        timeoutMs: inputs.timeoutMs,
        annotations,
      },
      logProgress(context),
    );
    const { drill } = report;
    const path = join(process.env.RUNNER_TEMP ?? process.cwd(), "mcpgov-backup-drill.json");
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    const passed = drill.status === "passed";
    let pushed = "";
    if (inputs.drillPushgateway)
      pushed = await pushDrillMetrics(inputs.drillPushgateway, {
        stanza: settings.stanza,
        passed,
        endedAt: Math.round(Date.now() / 1000),
        rtoSeconds: drill.rtoSeconds,
        rpoSeconds: drill.rpoSeconds,
        rtoBudgetSeconds: overlaySeconds(overlay, "drill-rto-budget-seconds"),
        maxAgeSeconds:
          overlaySeconds(overlay, "drill-max-age-seconds") ?? DEFAULT_DRILL_MAX_AGE_SECONDS,
      }).then(
        () => "; metrics pushed",
        (error: Error) => `; metrics not pushed: ${error.message}`,
      );
    const cleaned = drill.leftBehind.length
      ? `left behind ${drill.leftBehind.join(", ")}`
      : `removed ${drill.removed.length} objects`;
    const rpo =
      drill.rpoSeconds === null ? `RPO unknown (${drill.rpoUnknown})` : `RPO ${drill.rpoSeconds}s`;
    return {
      ok: passed,
      detail: passed
        ? `passed in ${drill.namespace}: RTO ${drill.rtoSeconds}s, ${rpo}, ${report.checks.length} checks on ${report.backup?.label}; ${cleaned}${pushed}`
        : `failed in phase "${drill.failedPhase}": ${drill.reason}; ${cleaned}${pushed}`,
      outputs: {
        "drill-status": drill.status,
        "drill-rto-seconds": drill.rtoSeconds === null ? "" : String(drill.rtoSeconds),
        "drill-rpo-seconds": drill.rpoSeconds === null ? "" : String(drill.rpoSeconds),
        "drill-report-path": path,
      },
      data: { ...drill, reportPath: path },
    };
  };
}
