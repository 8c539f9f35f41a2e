// The alert rules with Prometheus's own promtool: they load, every alert is unit-tested
// firing and not firing, each links a runbook that exists, each product metric they read
// is one the metrics script writes, and the PrometheusRule carries the same rules.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RULES, rulesSpec } from "../../scripts/embed-configmap.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";

// The alerts every installation loads, and the Kubernetes-only ones.
const rulesFiles = RULES.sources.map((source) => projectPath(source));
const testsDir = projectPath("monitoring", "tests");
const testFiles = readdirSync(testsDir)
  .filter((f) => f.endsWith(".test.yml"))
  .map((f) => join(testsDir, f));

interface Rule {
  alert: string;
  expr: string;
  annotations: Record<string, string>;
}
interface UnitTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const rules: Rule[] = rulesFiles.flatMap((file) =>
  (parse(readFileSync(file, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  ),
);
const cases = testFiles.flatMap((f) =>
  (parse(readFileSync(f, "utf8")) as UnitTests).tests.flatMap((t) => t.alert_rule_test ?? []),
);

function promtool(args: string[]): string {
  try {
    return execFileSync("promtool", args, { cwd: testsDir, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
}

describe("the alert rules", () => {
  it("load in Prometheus (promtool check rules)", () => {
    const out = promtool(["check", "rules", ...rulesFiles]);
    const found = [...out.matchAll(/SUCCESS: (\d+) rules found/g)].map((m) => Number(m[1]));
    expect(found.reduce((a, b) => a + b, 0)).toBe(rules.length);
  });

  it("pass their unit tests (promtool test rules)", () => {
    const out = promtool(["test", "rules", ...testFiles]);
    expect(out.match(/SUCCESS/g)).toHaveLength(testFiles.length);
  }, 120_000);

  it.each(rules.map((r) => [r.alert, r] as const))(
    "%s is tested firing and not firing",
    (alert) => {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(mine.some((c) => c.exp_alerts.length > 0)).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0)).toBe(true);
    },
  );

  // The base an overlay may change: test/monitoring/overlay.test.ts renders one that does.
  it.each(rules.map((r) => [r.alert, r] as const))(
    "%s links its runbook under the default base, and the runbook exists",
    (alert, rule) => {
      const url = rule.annotations.runbook_url ?? "";
      const words = alert
        .replace(/^PgBackRest/, "")
        .replace(/([a-z])([A-Z])/g, "$1-$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
        .toLowerCase();
      expect(url).toBe(
        `https://github.com/org/mcpgov-backup/blob/v1/docs/runbooks/pgbackrest-${words}.md`,
      );
      expect(existsSync(projectPath(url.replace(/^.*\/blob\/v1\//, "")))).toBe(true);
    },
  );

  it("read only product metrics that pgbackrest-metrics.sh (or the Action's drill) writes", () => {
    const script = [
      projectPath("scripts", "pgbackrest-metrics.sh"),
      projectPath("src", "core", "drill-measures.ts"),
    ]
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const read = new Set(rules.flatMap((r) => r.expr.match(/mcpgov_backup_\w+/g) ?? []));
    expect([...read].filter((name) => !script.includes(`"${name}"`))).toEqual([]);
  });

  it("are the spec of the PrometheusRule, as npm run manifests:embed copies them", () => {
    const [doc] = loadManifestFile(
      projectPath("manifests", "monitoring", "pgbackrest-prometheusrule.yaml"),
    );
    const object = doc?.object as { kind: string; spec: unknown };
    expect(object.kind).toBe("PrometheusRule");
    expect(object.spec).toEqual(rulesSpec(projectPath()));
  });
});
