// The kinds of planned change, each with every fact that differs between them: whether it
// stops production, what an interruption leaves, what to say when something else is
// running, and how it is carried out. The lifecycle (lifecycle.ts) and the faces read this
// table; none of them asks which kind it holds. A new kind is a new row.
import type { Cluster } from "../cluster.ts";
import type { IfInterrupted } from "../lock.ts";
import type { RestoreResult } from "../operations/restore.ts";
import { restoreProduction } from "../operations/restore.ts";
import { parseTableRef, restoreTable, type TableResult } from "../operations/restore-table.ts";
import type { Progress } from "../progress.ts";
import type { Settings } from "../settings.ts";
import type { PlanKind, PlanRecord } from "./record.ts";

/**
 * What carrying out a plan needs besides the plan: the Jobs' names and limits. The Jobs'
 * templates are read from the cluster (restore-job.ts), as the overlay made them.
 */
export interface CarryOutRequest {
  /** A Job's name for this plan and a part of it ("restore", "safety"): found again when asked again. */
  jobName: (what: string) => string;
  annotations: Record<string, string>;
  timeoutMs: number;
  /** Told each stopped workload's replica count before it is stopped, to keep in the record. */
  onStopping: (replicas: Record<string, number>) => Promise<void>;
}

/** What each kind's carrying out gives back. */
export interface PlanResults {
  pitr: RestoreResult;
  latest: RestoreResult;
  table: TableResult;
}

/** What a carried-out plan did, with its kind. */
export type PlanOutcome = { [K in PlanKind]: { kind: K; result: PlanResults[K] } }[PlanKind];

export interface PlanKindFacts {
  /** What it is called in a sentence: "restore", "table's restore". */
  noun: string;
  /** Production is stopped and rewound (the applications with it), or written beside. */
  stopsProduction: boolean;
  /** Restores to the newest state: every archived WAL, no target. */
  newest: boolean;
  /** Brings back one table ([database.]schema.table), which the request must name. */
  takesTable: boolean;
  /** What becomes of the lock when its holder dies half-way (core/lock.ts). */
  ifInterrupted: IfInterrupted;
  carryOut(
    cluster: Cluster,
    settings: Settings,
    record: PlanRecord,
    request: CarryOutRequest,
    progress: Progress,
  ): Promise<PlanOutcome>;
}

/** Production rewound to the plan's point (or its newest state), the seed's procedure made safe. */
const productionRestore: PlanKindFacts["carryOut"] = async (
  cluster,
  settings,
  record,
  request,
  progress,
) => {
  const { restore } = record;
  const result = await restoreProduction(
    cluster,
    settings,
    {
      jobName: request.jobName("restore"),
      // The newest state has no target: recovery replays every archived WAL, and its Job is
      // made from the newest state's template (`/restore pitr latest` is planned so too).
      ...(restore.latest ? {} : { target: restore.target }),
      ...(restore.mark ? { mark: restore.mark } : {}),
      pins: {
        stanza: settings.stanza,
        set: restore.backupLabel,
        repo: restore.backupRepo,
        ...(restore.latest ? {} : { timeline: restore.timeline }),
      },
      workloads: record.workloads,
      safetyJobName: request.jobName("safety"),
      annotations: request.annotations,
      timeoutMs: request.timeoutMs,
      onStopping: request.onStopping,
    },
    progress,
  );
  return record.kind === "latest" ? { kind: "latest", result } : { kind: "pitr", result };
};

export const PLAN_KINDS: Record<PlanKind, PlanKindFacts> = {
  pitr: {
    noun: "restore",
    stopsProduction: true,
    newest: false,
    takesTable: false,
    ifInterrupted: "keep",
    carryOut: productionRestore,
  },
  latest: {
    noun: "restore",
    stopsProduction: true,
    newest: true,
    takesTable: false,
    ifInterrupted: "keep",
    carryOut: productionRestore,
  },
  // A table copy is one transaction that commits only with every row: interrupted, it
  // leaves production with the whole copy or without it, never part of one.
  table: {
    noun: "table's restore",
    stopsProduction: false,
    newest: false,
    takesTable: true,
    ifInterrupted: "release",
    carryOut: async (cluster, settings, record, request, progress) => {
      const table = await restoreTable(
        cluster,
        settings,
        {
          table: parseTableRef(record.table ?? ""),
          plan: record.restore,
          cloneId: record.id,
          annotations: request.annotations,
          timeoutMs: request.timeoutMs,
        },
        progress,
      );
      return { kind: "table", result: table };
    },
  },
};
