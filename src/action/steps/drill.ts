// drill: the disaster-recovery drill (core/operations/drill.ts) in the drill namespace
// the workflow names; its report becomes a file for later steps and its RTO and RPO
// outputs; the operation pushes its metrics from inside the cluster (core/drill-push.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../core/cluster.ts";
import { runDrill } from "../../core/operations/drill.ts";
import { logProgress, type Step, stepSettings } from "./step.ts";

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
    const pushed = `; ${drill.metrics.detail}`;
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
