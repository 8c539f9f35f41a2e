// What an overlay sets for its own Prometheus, rendered by the real kustomize: a stranger's
// overlay (its own namespace, stanza and wiki) with the monitoring component, the
// `release:` label kube-prometheus-stack's default selectors want on the ServiceMonitor and
// the PrometheusRule, its own runbook base (the product's replacements file, copied beside
// its kustomization.yaml as docs/monitoring.md says) and its own RPO target.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { projectPath } from "../../src/core/paths.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;

const scratch = mkdtempSync(join(tmpdir(), "mcpgov-monitoring-overlay-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const WIKI = "https://wiki.payments.example/ops/backups/";

/** The stranger's overlay, as docs/monitoring.md tells one to write it. */
function strangersOverlay(): KubeObject[] {
  const dir = join(scratch, "payments");
  mkdirSync(dir, { recursive: true });
  const root = relative(dir, projectPath());
  copyFileSync(
    projectPath("manifests/monitoring/replacements/runbook-url.yaml"),
    join(dir, "runbook-url.yaml"),
  );
  writeFileSync(
    join(dir, "kustomization.yaml"),
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: payments-db
resources:
  - ${root}/manifests
components:
  - ${root}/manifests/monitoring
patches:
  - target: {kind: ConfigMap, name: pgbackrest-config}
    patch: |-
      - {op: replace, path: /data/stanza, value: payments}
  - target: {kind: ConfigMap, name: pgbackrest-monitoring}
    patch: |-
      - {op: replace, path: /data/RUNBOOK_BASE_URL, value: "${WIKI}"}
      - {op: replace, path: /data/METRICS_RPO_TARGET_SECONDS, value: "300"}
  - target: {group: monitoring.coreos.com}
    patch: |-
      - {op: add, path: /metadata/labels/release, value: kube-prometheus-stack}
replacements:
  - path: runbook-url.yaml
`,
  );
  return renderKustomization(dir);
}

const find = (objects: KubeObject[], kind: string, name: string): Any => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not in the render`);
  return found;
};

const runbookUrls = (objects: KubeObject[]): string[] =>
  find(objects, "PrometheusRule", "pgbackrest-alerts").spec.groups.flatMap((g: Any) =>
    g.rules.map((r: Any) => r.annotations.runbook_url),
  );

describe("a stranger's overlay of the monitoring component", () => {
  const objects = strangersOverlay();

  it("puts release: on the ServiceMonitor and the PrometheusRule, in its namespace", () => {
    for (const [kind, name] of [
      ["ServiceMonitor", "pgbackrest-metrics"],
      ["PrometheusRule", "pgbackrest-alerts"],
    ] as const) {
      const object = find(objects, kind, name);
      expect(object.metadata.labels.release).toBe("kube-prometheus-stack");
      expect(object.metadata.namespace).toBe("payments-db");
    }
  });

  it("links every alert to its runbook under its own base", () => {
    const urls = runbookUrls(objects);
    const defaults = runbookUrls(renderKustomization(projectPath("examples", "production")));
    expect(urls).toHaveLength(defaults.length);
    expect(urls).toEqual(
      defaults.map((url) =>
        url.replace("https://github.com/org/mcpgov-backup/blob/v1/docs/runbooks/", WIKI),
      ),
    );
    for (const url of urls)
      expect(url).toMatch(
        /^https:\/\/wiki\.payments\.example\/ops\/backups\/pgbackrest-[a-z-]+\.md$/,
      );
  });

  it("gives the wal-metrics container beside PostgreSQL its stanza and its RPO target", () => {
    const postgres = find(objects, "StatefulSet", "postgres");
    const names = postgres.spec.template.spec.containers.map((c: Any) => c.name);
    expect(names).toEqual(["postgres", "pgbackrest", "wal-metrics"]);
    const env = postgres.spec.template.spec.containers[2].env;
    const target = env.find((e: Any) => e.name === "METRICS_RPO_TARGET_SECONDS");
    expect(target.valueFrom.configMapKeyRef.name).toBe("pgbackrest-monitoring");
    expect(
      find(objects, "ConfigMap", "pgbackrest-monitoring").data.METRICS_RPO_TARGET_SECONDS,
    ).toBe("300");
    expect(find(objects, "ConfigMap", "pgbackrest-config").data.stanza).toBe("payments");
  });
});

/** A pod template's wal-metrics container, checked to mount only volumes the pod has. */
function walMetrics(statefulSet: Any): Any {
  const spec = statefulSet.spec.template.spec;
  const container = spec.containers.find((c: Any) => c.name === "wal-metrics");
  const volumes = new Set(spec.volumes.map((v: Any) => v.name));
  for (const mount of container?.volumeMounts ?? []) expect(volumes).toContain(mount.name);
  return container;
}

describe("the monitoring component over an adopted PostgreSQL (examples/adopt)", () => {
  it("adds the same wal-metrics container to the adopted StatefulSet, on its socket volume", () => {
    const dir = join(scratch, "adopt-monitored");
    mkdirSync(dir, { recursive: true });
    const root = relative(dir, projectPath());
    writeFileSync(
      join(dir, "kustomization.yaml"),
      `resources: [${root}/examples/adopt]\ncomponents: [${root}/manifests/monitoring]\n`,
    );
    const objects = renderKustomization(dir);
    const adopted = objects.filter(
      (o) => o.kind === "StatefulSet" && o.metadata.annotations?.["mcpgov-backup/adopt"] === "true",
    );
    expect(adopted).toHaveLength(1);
    const container = walMetrics(adopted[0]);
    const socket = container.volumeMounts.find((m: Any) => m.mountPath === "/var/run/postgresql");
    expect(socket.name).toBe("pgbackrest-socket");
    // The same container as the base's, but for its volumes' names.
    const base = walMetrics(find(strangersOverlay(), "StatefulSet", "postgres"));
    const withoutMounts = ({ volumeMounts: _, ...rest }: Any) => rest;
    expect(withoutMounts(container)).toEqual(withoutMounts(base));
  });
});

describe("an overlay that sets nothing (examples/production)", () => {
  it("keeps the default runbook base and no release label", () => {
    const objects = renderKustomization(projectPath("examples", "production"));
    for (const url of runbookUrls(objects))
      expect(url).toMatch(
        /^https:\/\/github\.com\/org\/mcpgov-backup\/blob\/v1\/docs\/runbooks\/pgbackrest-[a-z-]+\.md$/,
      );
    expect(
      find(objects, "ServiceMonitor", "pgbackrest-metrics").metadata.labels.release,
    ).toBeUndefined();
  });
});
