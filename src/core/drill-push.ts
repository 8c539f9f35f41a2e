// A drill's figures pushed from inside the cluster, as the validations push theirs: one
// short Job in the drill namespace sends them with curl to production's Pushgateway on the
// drill's own port (manifests/monitoring: its policy admits that Job only, from a drill
// namespace; the drill's policy, manifests/drill, holds it to curl alone). No runner can
// reach that Pushgateway, so none can forge a passed drill. The Job carries the drill's
// label and deadline, so the reaper removes it if the run dies, and the drill removes it
// once it has ended.
import type { Cluster, KubeObject } from "./cluster.ts";
import { type DrillSpec, deleteDrillObjects } from "./drill-objects.ts";
import { runJobToCompletion } from "./jobs.ts";
import { podSpecOf } from "./manifests/pod.ts";
import { COMPONENT, DRILL_LABEL, EXPIRES_ANNOTATION, productLabels } from "./names/labels.ts";
import {
  DRILL_PUSH_ACCOUNT,
  DRILL_PUSHGATEWAY,
  OFFSITE_VALIDATION_CRONJOB,
  POSTGRES,
} from "./names/objects.ts";
import { isoUtcSecond } from "./time.ts";

/** The Pushgateway group of a drill's figures: alerts read them by the stanza. */
export const DRILL_METRICS_JOB = "mcpgov-backup-drill";

/** How long the push may take, its Job's deadline included. */
const PUSH_TIMEOUT_MS = 120_000;

/** What became of the drill's figures. */
export interface DrillMetricsPush {
  pushed: boolean;
  /** Where they went, or why they were not pushed. */
  detail: string;
}

/** The push Job's name. */
export function drillPushJobName(id: string): string {
  return `mcpgov-drill-${id}-metrics`;
}

/**
 * Where the overlay's drill Pushgateway is: the namespace of its metrics Service with the
 * drill's port (the monitoring component's, in production's namespace); undefined without it.
 */
export function drillPushgatewayNamespace(
  overlay: KubeObject[],
  productionNamespace?: string,
): string | undefined {
  const service = overlay.find(
    (o) =>
      o.kind === "Service" &&
      o.metadata.name === DRILL_PUSHGATEWAY.service &&
      ((o.spec as { ports?: { port: number }[] } | undefined)?.ports ?? []).some(
        (p) => p.port === DRILL_PUSHGATEWAY.port,
      ),
  );
  // A render that names no namespace leaves the Service in production's.
  return service && (service.metadata.namespace ?? productionNamespace);
}

/** Where the push Job sends the figures: production's metrics Service, across namespaces. */
export function drillPushUrl(productionNamespace: string, stanza: string): string {
  const host = `${DRILL_PUSHGATEWAY.service}.${productionNamespace}.svc:${DRILL_PUSHGATEWAY.port}`;
  return `http://${host}/metrics/job/${DRILL_METRICS_JOB}/stanza/${encodeURIComponent(stanza)}`;
}

/**
 * The ServiceAccount and the Job that push the figures (`text`, Prometheus' text format):
 * the installation's image (the off-site validation's), the validations' account (the
 * drill's own copy of it, removed with the drill) with no token, curl alone. POST merges
 * into the group: a failed drill leaves the last success standing.
 */
export function drillPushObjects(
  overlay: KubeObject[],
  spec: DrillSpec,
  push: { url: string; text: string; annotations: Record<string, string> },
): KubeObject[] {
  const validation = overlay.find(
    (o) => o.kind === "CronJob" && o.metadata.name === OFFSITE_VALIDATION_CRONJOB,
  );
  const image = (podSpecOf(validation as KubeObject) as { containers?: { image?: string }[] })
    ?.containers?.[0]?.image;
  const account = overlay.find(
    (o) => o.kind === "ServiceAccount" && o.metadata.name === DRILL_PUSH_ACCOUNT,
  );
  if (!image || !account)
    throw new Error(
      `the overlay has no CronJob ${OFFSITE_VALIDATION_CRONJOB} or ServiceAccount ${DRILL_PUSH_ACCOUNT}`,
    );
  const labels = { ...productLabels(COMPONENT.drillMetrics), [DRILL_LABEL]: spec.id };
  const annotations = { ...push.annotations, [EXPIRES_ANNOTATION]: spec.expiresAt };
  const metadata = (name: string) => ({ name, namespace: spec.namespace, labels, annotations });
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: metadata(DRILL_PUSH_ACCOUNT),
      automountServiceAccountToken: false,
    },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: metadata(drillPushJobName(spec.id)),
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: PUSH_TIMEOUT_MS / 1000 - 30,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            serviceAccountName: DRILL_PUSH_ACCOUNT,
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: POSTGRES.uid,
              runAsGroup: POSTGRES.uid,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "push",
                image,
                command: ["curl"],
                args: [
                  "-sS",
                  "--fail",
                  "--connect-timeout",
                  "10",
                  "--max-time",
                  "20",
                  "--retry",
                  "2",
                  "--data-binary",
                  push.text,
                  push.url,
                ],
                resources: {
                  requests: { cpu: "10m", memory: "16Mi" },
                  limits: { cpu: "100m", memory: "64Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
              },
            ],
          },
        },
      },
    },
  ];
}

/**
 * Pushes a drill's figures with its push Job, then removes the Job (and what it made):
 * after the drill's own clean-up, so the verdict counts it. Without the monitoring
 * component there is no Pushgateway of the product's, and nothing is pushed.
 */
export async function pushDrillFigures(
  cluster: Cluster,
  overlay: KubeObject[],
  target: { id: string; namespace: string; productionNamespace: string; stanza: string },
  text: string,
  annotations: Record<string, string>,
): Promise<DrillMetricsPush> {
  const productionNamespace = drillPushgatewayNamespace(overlay, target.productionNamespace);
  if (!productionNamespace)
    return {
      pushed: false,
      detail: `no metrics pushed: the overlay has no monitoring component (Service ${DRILL_PUSHGATEWAY.service} with the drill's port ${DRILL_PUSHGATEWAY.port}), so there is no Pushgateway of the product's to push to`,
    };
  const url = drillPushUrl(productionNamespace, target.stanza);
  // Its own deadline: a drill cut off by its time still reports that it failed.
  const spec = {
    id: target.id,
    namespace: target.namespace,
    expiresAt: isoUtcSecond(Date.now() + PUSH_TIMEOUT_MS + 60_000),
  };
  const objects = drillPushObjects(overlay, spec, { url, text, annotations });
  const [account, job] = objects as [KubeObject, KubeObject];
  let outcome: DrillMetricsPush;
  try {
    await cluster.apply([account]);
    await runJobToCompletion(cluster, job, PUSH_TIMEOUT_MS, "the drill's metrics push");
    outcome = {
      pushed: true,
      detail: `metrics pushed to ${DRILL_PUSHGATEWAY.service}.${productionNamespace}:${DRILL_PUSHGATEWAY.port} by Job ${job.metadata.name}`,
    };
  } catch (error) {
    outcome = { pushed: false, detail: `metrics not pushed: ${(error as Error).message}` };
  }
  const ours = (o: { id: string }) => o.id === target.id;
  const left = await deleteDrillObjects(cluster, target.namespace, ours)
    .then(() => deleteDrillObjects(cluster, target.namespace, ours))
    .then(
      () => "",
      (error: Error) => `; its Job not removed (it expires at ${spec.expiresAt}): ${error.message}`,
    );
  return { ...outcome, detail: `${outcome.detail}${left}` };
}
