// Copies repository files into the manifests that carry them, so the scripts a pod runs
// and the alerts Prometheus loads are the files that are linted and tested:
// scripts and the Grafana dashboard into ConfigMap keys, the rules file into the
// PrometheusRule's spec.
// Run: npm run manifests:embed
import { readFileSync, writeFileSync } from "node:fs";
import { isScalar, parseDocument } from "yaml";

export interface EmbeddedFile {
  manifest: string;
  key: string;
  source: string;
}

export const EMBEDDED_FILES: EmbeddedFile[] = [
  {
    manifest: "manifests/pgbackrest-config.yaml",
    key: "restore-validation.sh",
    source: "scripts/restore-validation.sh",
  },
  {
    manifest: "manifests/pgbackrest-config.yaml",
    key: "restore-fence.sh",
    source: "scripts/restore-fence.sh",
  },
  {
    manifest: "manifests/pgbackrest-config.yaml",
    key: "pgbackrest-info.sh",
    source: "scripts/pgbackrest-info.sh",
  },

  {
    manifest: "manifests/monitoring/pgbackrest-metrics-configmap.yaml",
    key: "pgbackrest-metrics.sh",
    source: "scripts/pgbackrest-metrics.sh",
  },
  {
    manifest: "manifests/monitoring/pgbackrest-dashboard-configmap.yaml",
    key: "mcpgov-backup.json",
    source: "manifests/monitoring/dashboard/mcpgov-backup.json",
  },
];

/**
 * The PrometheusRule whose spec is the plain rules files' groups, in this order: the
 * alerts every installation loads, then the Kubernetes-only ones (a VM loads only the first).
 */
export const RULES = {
  manifest: "manifests/monitoring/pgbackrest-prometheusrule.yaml",
  sources: [
    "monitoring/pgbackrest-alerts.rules.yml",
    "monitoring/pgbackrest-alerts-kubernetes.rules.yml",
  ],
};

/** The groups of every rules file, as the PrometheusRule's spec holds them. */
export function rulesSpec(root = "."): { groups: unknown[] } {
  return {
    groups: RULES.sources.flatMap(
      (source) =>
        (parseDocument(readFileSync(`${root}/${source}`, "utf8")).toJS() as { groups: unknown[] })
          .groups,
    ),
  };
}

export function readEmbedded(file: EmbeddedFile, root = "."): unknown {
  return parseDocument(readFileSync(`${root}/${file.manifest}`, "utf8")).getIn(["data", file.key]);
}

function embed(file: EmbeddedFile): boolean {
  const doc = parseDocument(readFileSync(file.manifest, "utf8"));
  const content = readFileSync(file.source, "utf8");
  if (doc.getIn(["data", file.key]) === content) return false;
  const node = doc.getIn(["data", file.key], true);
  // A key written as a literal block (`|`) stays one: the dashboard's JSON reads as itself.
  if (isScalar(node) && node.type === "BLOCK_LITERAL") node.value = content;
  else doc.setIn(["data", file.key], content);
  writeFileSync(file.manifest, String(doc));
  return true;
}

function embedRules(): boolean {
  const doc = parseDocument(readFileSync(RULES.manifest, "utf8"));
  const rules = rulesSpec();
  if (JSON.stringify((doc.toJS() as { spec?: unknown }).spec ?? null) === JSON.stringify(rules))
    return false;
  doc.setIn(["spec"], doc.createNode(rules));
  // Expressions as literal blocks, lines as written: the manifest reads like the rules file.
  writeFileSync(RULES.manifest, doc.toString({ lineWidth: 0, blockQuote: "literal" }));
  return true;
}

if (import.meta.main) {
  for (const file of EMBEDDED_FILES) {
    const changed = embed(file);
    console.log(
      `${file.manifest}: ${file.key} ${changed ? "updated from" : "already matches"} ${file.source}`,
    );
  }
  const changed = embedRules();
  console.log(
    `${RULES.manifest}: spec ${changed ? "updated from" : "already matches"} ${RULES.sources.join(" and ")}`,
  );
}
