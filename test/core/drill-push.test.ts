// The drill's figures pushed from inside the cluster (src/core/drill-push.ts): one short
// Job in the drill namespace, curl alone, to production's Pushgateway on the drill's own
// port; the drill's admission policy (manifests/drill) and the Action's
// (manifests/action-policy) admit it and refuse a forged pusher; it is labelled with the
// drill and its deadline, and removed once done; without the monitoring component nothing
// is pushed, and the drill says why.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { drillMetrics } from "../../src/core/drill-measures.ts";
import { drillObjects } from "../../src/core/drill-objects.ts";
import {
  drillPushgatewayNamespace,
  drillPushObjects,
  drillPushUrl,
  pushDrillFigures,
} from "../../src/core/drill-push.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { DRILL_LABEL, EXPIRES_ANNOTATION } from "../../src/core/names/labels.ts";
import { projectPath } from "../../src/core/paths.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import { actionPolicies, refusals } from "../support/admission.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const SPEC = { id: "d42", namespace: "ai-governance-drill", expiresAt: "2026-11-24T18:00:00Z" };
const ACTION = "system:serviceaccount:ai-governance:mcpgov-backup-action";
const production = renderKustomization(projectPath("examples", "production"));
const withoutMonitoring = production.filter(
  (o) => !(o.kind === "Service" && o.metadata.name === "pgbackrest-metrics"),
);
const TEXT = drillMetrics({
  stanza: "mcpgov",
  passed: true,
  endedAt: 1_800_000_000,
  rtoSeconds: 21,
  rpoSeconds: 0,
  rtoBudgetSeconds: null,
  maxAgeSeconds: 691_200,
});
const URL = drillPushUrl("ai-governance", "mcpgov");
const [account, job] = drillPushObjects(production, SPEC, {
  url: URL,
  text: TEXT,
  annotations: { "mcpgov-backup/run-url": "x" },
}) as [KubeObject, Any];

const [drillPolicy] = loadManifestFile(projectPath("manifests/drill/drill-policy.yaml"))
  .map((d) => d.object as Any)
  .filter((o) => o.kind === "ValidatingAdmissionPolicy");
const [params] = loadManifestFile(projectPath("manifests/action/action-policy-params.yaml")).map(
  (d) => d.object as KubeObject,
);
const refused = (policy: Any, object: KubeObject) =>
  refusals(policy, { username: ACTION, operation: "CREATE", object, params: params ?? null });

describe("the drill's push Job", () => {
  it("runs curl alone, as a non-root user with no token, and POSTs the figures to production's Pushgateway on 9093", () => {
    expect(URL).toBe(
      "http://pgbackrest-metrics.ai-governance.svc:9093/metrics/job/mcpgov-backup-drill/stanza/mcpgov",
    );
    const pod = job.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.volumes).toBeUndefined();
    const [container] = pod.containers;
    expect(container.command).toEqual(["curl"]);
    expect(container.args.slice(-3)).toEqual(["--data-binary", TEXT, URL]);
    expect(container.env).toBeUndefined();
    // The installation's image, as the off-site validation runs it.
    expect(container.image).toMatch(/mcpgov-backup-pgbackrest/);
  });

  it("is the drill's, with its deadline, for the reaper to remove if the run dies", () => {
    for (const object of [account, job]) {
      expect(object.metadata.namespace).toBe(SPEC.namespace);
      expect(object.metadata.labels?.[DRILL_LABEL]).toBe(SPEC.id);
      expect(object.metadata.annotations?.[EXPIRES_ANNOTATION]).toBe(SPEC.expiresAt);
    }
    expect(job.spec.template.metadata.labels[DRILL_LABEL]).toBe(SPEC.id);
    expect(job.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("drill-metrics");
  });

  it("is admitted by the drill's policy and the Action's", () => {
    expect(refused(drillPolicy, job)).toEqual([]);
    expect(refused(actionPolicies().get("mcpgov-backup-action-jobs"), job)).toEqual([]);
  });

  it("a forged pusher is refused: a shell, a Secret, a volume, a token, a second container, or the drill's other workloads relabelled", () => {
    const forged = (change: (o: Any) => void, from: KubeObject = job) => {
      const copy = structuredClone(from) as Any;
      change(copy);
      return copy;
    };
    const pusher = (o: Any) => {
      o.spec.template.metadata.labels["app.kubernetes.io/component"] = "drill-metrics";
    };
    const pod = (o: Any) => o.spec.template.spec;
    const forgeries = [
      forged((o) => (pod(o).containers[0].command = ["sh", "-c"])),
      forged((o) => {
        pod(o).containers[0].env = [
          { name: "K", valueFrom: { secretKeyRef: { name: "pgbackrest-s3-reader", key: "k" } } },
        ];
      }),
      forged((o) => {
        pod(o).volumes = [{ name: "v", secret: { secretName: "pgbackrest-cipher" } }];
        pod(o).containers[0].volumeMounts = [{ name: "v", mountPath: "/v" }];
      }),
      forged((o) => delete pod(o).automountServiceAccountToken),
      forged((o) => pod(o).containers.push({ ...pod(o).containers[0], name: "second" })),
    ];
    const made = drillObjects(production, SPEC, ["--latest"], {});
    for (const workload of [made.restoreJob, ...made.workloads]) {
      // As the drill makes it, admitted; labelled as the pusher, refused.
      expect(refused(drillPolicy, workload)).toEqual([]);
      forgeries.push(forged(pusher, workload));
    }
    for (const forgery of forgeries) expect(refused(drillPolicy, forgery)).toHaveLength(1);
  });
});

describe("pushing a drill's figures", () => {
  const target = {
    id: SPEC.id,
    namespace: SPEC.namespace,
    productionNamespace: "ai-governance",
    stanza: "mcpgov",
  };

  it("runs the push Job, then removes it and its account", async () => {
    const cluster = new FakeCluster();
    const pushed = await pushDrillFigures(cluster, production, target, TEXT, {});
    expect(pushed).toEqual({
      pushed: true,
      detail:
        "metrics pushed to pgbackrest-metrics.ai-governance:9093 by Job mcpgov-drill-d42-metrics",
    });
    expect(cluster.createdJobs.map((j) => j.metadata.name)).toEqual(["mcpgov-drill-d42-metrics"]);
    expect(await cluster.list("Job", SPEC.namespace)).toEqual([]);
    expect(await cluster.list("ServiceAccount", SPEC.namespace)).toEqual([]);
  });

  it("says so when the Job fails, and still removes it", async () => {
    const cluster = new FakeCluster({
      job: () => ({ outcome: "Failed", reason: "BackoffLimitExceeded", logs: "curl: (28)" }),
    });
    const pushed = await pushDrillFigures(cluster, production, target, TEXT, {});
    expect(pushed.pushed).toBe(false);
    expect(pushed.detail).toMatch(/^metrics not pushed: .*BackoffLimitExceeded/);
    expect(await cluster.list("Job", SPEC.namespace)).toEqual([]);
  });

  it("pushes nothing without the monitoring component, and says why", async () => {
    expect(drillPushgatewayNamespace(production)).toBe("ai-governance");
    expect(drillPushgatewayNamespace(withoutMonitoring)).toBeUndefined();
    const cluster = new FakeCluster();
    const pushed = await pushDrillFigures(cluster, withoutMonitoring, target, TEXT, {});
    expect(pushed).toEqual({
      pushed: false,
      detail:
        "no metrics pushed: the overlay has no monitoring component (Service pgbackrest-metrics with the drill's port 9093), so there is no Pushgateway of the product's to push to",
    });
    expect(cluster.createdJobs).toEqual([]);
  });
});
