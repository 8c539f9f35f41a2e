// What deploying the bot takes: its manifests pass the same offline checks as the rest,
// its image runs the sources as they are on the Node.js the Deployment names, and the
// GitHub App asks for exactly what the bot uses. The Role is held to the calls the bot
// really makes in test/e2e/bot.test.ts.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderKustomization } from "../../src/core/kustomize.ts";
import { loadManifestDir, loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { SCHEDULED_CRONJOBS } from "../../src/core/schedules.ts";
import { oneTarget, REPO_ID } from "../../src/fakes/github.ts";
import { formatManifestProblem } from "../../src/manifest-checks/problem.ts";
import { checkReferences } from "../../src/manifest-checks/references.ts";
import { validateSchema } from "../../src/manifest-checks/schema.ts";
import { checkPolicy } from "../../src/manifest-checks/security-rules.ts";
import { accessOf, type PolicyRule, rightsOf, ruleAllows } from "../support/rbac.ts";

// biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
type Any = any;
const dir = projectPath("manifests", "bot");
const docs = [
  ...loadManifestDir(dir),
  ...loadManifestDir(projectPath("manifests", "bot-target")),
  ...loadManifestFile(join(dir, "bot-secret.yaml.example")),
];
const find = (kind: string, name?: string) => {
  const doc = docs.find(
    (d) => d.object.kind === kind && (!name || (d.object.metadata as Any).name === name),
  );
  if (!doc) throw new Error(`no ${kind} in manifests/bot`);
  // biome-ignore lint/suspicious/noExplicitAny: reading untyped YAML
  return doc.object as any;
};
const dockerfile = readFileSync(projectPath("images", "bot", "Dockerfile"), "utf8");
const packageJson = JSON.parse(readFileSync(projectPath("package.json"), "utf8"));
/** The uid the image runs as, from its USER line. */
const imageUid = Number(/^USER (\d+)$/m.exec(dockerfile)?.[1]);

describe("the bot's manifests", () => {
  it("are valid Kubernetes objects with no dangling reference", () => {
    const problems = [...docs.flatMap(validateSchema), ...checkReferences(docs, {})];
    expect(problems.map(formatManifestProblem)).toEqual([]);
    expect(docs.map((d) => d.object.kind).sort()).toEqual([
      // The targets file.
      "ConfigMap",
      "Deployment",
      "Namespace",
      "NetworkPolicy",
      // The parameters of the cluster's policies (manifests/bot-policy) for one target.
      "PodTemplate",
      // Its records' in its own namespace; one target's.
      "Role",
      "Role",
      "RoleBinding",
      "RoleBinding",
      "Secret",
      "Service",
      "ServiceAccount",
    ]);
  });

  it("keep the pod policy, as the image's non-root user", () => {
    expect(imageUid).toBe(1000);
    const problems = docs.flatMap((doc) => checkPolicy(doc, { uid: imageUid }));
    expect(problems.map(formatManifestProblem)).toEqual([]);
    // The same check finds a bot running as root.
    const root = {
      file: "bot-deployment.yaml",
      index: 0,
      object: structuredClone(find("Deployment")),
    };
    root.object.spec.template.spec.securityContext.runAsUser = 0;
    expect(checkPolicy(root, { uid: imageUid }).map(formatManifestProblem).join("\n")).toContain(
      "spec.template.spec.securityContext.runAsUser: must be 1000",
    );
  });

  it("run one bot at a time, from the image this version builds, with the App's Secret", () => {
    const spec = find("Deployment").spec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy.type).toBe("Recreate");
    const [container] = spec.template.spec.containers;
    expect(container.image).toBe(`ghcr.io/org/mcpgov-backup-bot:${packageJson.version}`);
    expect(container.envFrom).toEqual([{ secretRef: { name: "mcpgov-backup-bot" } }]);
    expect(Object.keys(find("Secret").stringData).sort()).toEqual([
      "APP_ID",
      "PRIVATE_KEY",
      "WEBHOOK_SECRET",
    ]);
    expect(container.readinessProbe.httpGet.path).toBe("/healthz");
    // A restore under way is seen through when the pod is replaced.
    expect(spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(4 * 3600);
  });

  it("let webhooks reach the bot's port only, through its Service", () => {
    const pod = find("Deployment").spec.template;
    const port = pod.spec.containers[0].ports[0];
    const policy = find("NetworkPolicy").spec;
    expect(policy.podSelector.matchLabels).toEqual({ app: "mcpgov-backup-bot" });
    expect(pod.metadata.labels).toMatchObject(policy.podSelector.matchLabels);
    expect(policy.ingress.flatMap((i: { ports: object[] }) => i.ports)).toEqual([
      { port: port.containerPort },
    ]);
    const service = find("Service").spec;
    expect(service.selector).toEqual(policy.podSelector.matchLabels);
    expect(service.ports[0].targetPort).toBe(port.name);
  });

  it("give the bot's ServiceAccount its records' Role in its own namespace and one Role per target, with no wildcard and nothing cluster-wide", () => {
    expect(docs.filter((d) => String(d.object.kind).startsWith("Cluster"))).toEqual([]);
    // No cluster-wide object at all: the admission policies are installed once per cluster
    // (manifests/bot-policy), so two installations never overwrite each other's.
    expect(docs.filter((d) => String(d.object.kind).startsWith("ValidatingAdmission"))).toEqual([]);
    const roles = docs.filter((d) => d.object.kind === "Role").map((d) => d.object as Any);
    const everything = roles
      .flatMap((role) => role.rules as PolicyRule[])
      .flatMap((r) => [
        ...(r.apiGroups ?? []),
        ...(r.resources ?? []),
        ...(r.verbs ?? []),
        ...(r.resourceNames ?? []),
      ]);
    expect(everything.filter((v) => v.includes("*"))).toEqual([]);
    // In its own namespace: its records, ConfigMaps, and nothing else. That it writes no
    // other is held by the policy mcpgov-backup-bot-objects (test/bot/job-policy.test.ts).
    const records = rightsOf(find("Role", "mcpgov-backup-bot-records").rules as PolicyRule[]);
    expect(new Set(records.map((r) => r.resource))).toEqual(new Set(["configmaps"]));
    // In a target's: nothing on a Secret or a ConfigMap (the retention comes from the
    // pgbackrest-info Job's log), nothing that changes a workload's spec.
    const target = find("Role", "mcpgov-backup-bot");
    const rights = rightsOf(target.rules as PolicyRule[]);
    expect(target.metadata.namespace).toBeUndefined();
    expect(rights.filter((r) => r.resource === "secrets")).toEqual([]);
    expect(rights.filter((r) => r.resource === "configmaps")).toEqual([]);
    expect(
      rights.filter(
        (r) => ["deployments", "statefulsets"].includes(r.resource) && r.verb !== "get",
      ),
    ).toEqual([]);
  });

  it("give the bot nothing in a namespace that is not a target, and take a removed target's Role out of the render", () => {
    const bound = (objects: Any[]) =>
      objects
        .filter(
          (o) =>
            o.kind.endsWith("RoleBinding") &&
            o.subjects?.some((s: Any) => s.name === "mcpgov-backup-bot"),
        )
        .map((o) => `${o.kind}/${o.metadata.namespace}/${o.roleRef.name}`)
        .sort();
    const two = renderKustomization(projectPath("examples", "two-teams"));
    expect(bound(two)).toEqual([
      "RoleBinding/ledger-db/mcpgov-backup-bot",
      "RoleBinding/mcpgov-backup-bot/mcpgov-backup-bot-records",
      "RoleBinding/payments-db/mcpgov-backup-bot",
    ]);
    // Every subject is the bot's one ServiceAccount, in its own namespace.
    for (const binding of two.filter((o) => o.kind === "RoleBinding") as Any[])
      if (binding.metadata.name.startsWith("mcpgov-backup-bot"))
        expect(binding.subjects).toEqual([
          { kind: "ServiceAccount", name: "mcpgov-backup-bot", namespace: "mcpgov-backup-bot" },
        ]);
    // The ledger team's overlay without the component line: no Role of the bot's there.
    const root = mkdtempSync(join(tmpdir(), "two-teams-"));
    const example = projectPath("examples", "two-teams");
    const ledger = readFileSync(join(example, "ledger", "kustomization.yaml"), "utf8")
      .replaceAll("../../../manifests", relative(join(root, "ledger"), projectPath("manifests")))
      .split("\n")
      .filter((line) => !line.endsWith("/manifests/bot-target"))
      .join("\n");
    mkdirSync(join(root, "ledger"));
    writeFileSync(join(root, "ledger", "kustomization.yaml"), ledger);
    writeFileSync(
      join(root, "kustomization.yaml"),
      `resources: [${relative(root, join(example, "payments"))}, ledger, ${relative(root, join(example, "bot"))}]\n`,
    );
    const one = renderKustomization(root);
    expect(bound(one)).toEqual([
      "RoleBinding/mcpgov-backup-bot/mcpgov-backup-bot-records",
      "RoleBinding/payments-db/mcpgov-backup-bot",
    ]);
    expect(
      one.filter(
        (o) =>
          o.metadata.namespace === "ledger-db" && o.metadata.name.startsWith("mcpgov-backup-bot"),
      ),
    ).toEqual([]);
    // The database itself is still there: only the bot's access went.
    expect(
      one.filter((o) => o.kind === "StatefulSet" && o.metadata.namespace === "ledger-db"),
    ).not.toEqual([]);
  });

  it("let the bot read the templates of manifests/restore/ and change nothing of them", () => {
    const rights = rightsOf(find("Role", "mcpgov-backup-bot").rules as PolicyRule[]);
    const templates = ["pgbackrest-restore", "pgbackrest-restore-pitr", "pgbackrest-info"];
    expect(
      rights
        .filter((r) => r.resource === "cronjobs" && templates.includes(r.name ?? ""))
        .map((r) => `${r.verb} ${r.name}`)
        .sort(),
    ).toEqual(["get pgbackrest-info", "get pgbackrest-restore", "get pgbackrest-restore-pitr"]);
    // Every cronjobs right names its CronJob: no other is read, none of the templates resumed.
    expect(rights.filter((r) => r.resource === "cronjobs" && !r.name)).toEqual([]);
  });

  it("let the bot suspend and resume every scheduled CronJob, the -s3 ones included, and no other", () => {
    const rights = rightsOf(find("Role", "mcpgov-backup-bot").rules as PolicyRule[]);
    const patched = rights.filter((r) => r.resource === "cronjobs" && r.verb === "patch");
    expect(patched.map((r) => r.name).sort()).toEqual([...SCHEDULED_CRONJOBS].sort());
    expect(SCHEDULED_CRONJOBS).toEqual(
      expect.arrayContaining([
        "pgbackrest-full-backup-s3",
        "pgbackrest-diff-backup-s3",
        "pgbackrest-restore-validation-s3",
      ]),
    );
  });

  it("let the bot exec only in PostgreSQL: never in the repository host, whose volume is repository 1", () => {
    const rules = find("Role", "mcpgov-backup-bot").rules as PolicyRule[];
    const allowed = (pod: string) =>
      accessOf("exec", [{ namespace: "ai-governance", pod, container: "c" }, ["psql"]]).every(
        (access) => rules.some((rule) => ruleAllows(rule, access)),
      );
    expect(allowed("postgres-0")).toBe(true);
    // pgbackrest info runs in a Job of its own (manifests/restore/pgbackrest-info-cronjob.yaml).
    expect(allowed("pgbackrest-repo-host-0")).toBe(false);
    expect(allowed("governance-api-0")).toBe(false);
  });

  it("keep the filled-in Secret out of git", () => {
    const ignored = execFileSync("git", ["check-ignore", "manifests/bot/bot-secret.yaml"], {
      cwd: projectPath(),
      encoding: "utf8",
    });
    expect(ignored.trim()).toBe("manifests/bot/bot-secret.yaml");
  });
});

describe("the bot's image and GitHub App", () => {
  it("builds on the Node.js major the project runs on, with what the bot reads at run time", () => {
    const nodeMajor = /\^?(\d+)\./.exec(packageJson.devDependencies.node)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_VERSION=${nodeMajor}\\.\\d+\\.\\d+$`, "m"));
    expect(dockerfile).toContain("npm ci --omit=dev --ignore-scripts");
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
    // /restore pitr and latest make their Jobs of the overlay's templates in the cluster: no
    // restore template is baked into the image.
    expect(dockerfile).not.toMatch(/^COPY .*manifests\/restore/m);
    expect(dockerfile).toMatch(/^CMD \["node", "src\/bot\/main\.ts"\]$/m);
  });

  it("app.yml subscribes to the events the bot handles and asks for the permissions it uses", () => {
    const app = parse(readFileSync(projectPath("app.yml"), "utf8"));
    const handled = [
      ...readFileSync(projectPath("src", "bot", "app.ts"), "utf8").matchAll(/\.on\("([a-z_]+)\./g),
    ].map((m) => m[1]);
    expect([...new Set(handled)]).toEqual(app.default_events);
    expect(app.default_permissions).toEqual({
      issues: "write",
      contents: "read",
      metadata: "read",
      members: "read",
    });
  });
});

/** A free loopback port. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const node = projectPath("node_modules", ".bin", "node");
const main = projectPath("src", "bot", "main.ts");

describe("the bot's server, as the image runs it (node src/bot/main.ts)", () => {
  it("explains itself with --help", () => {
    const help = execFileSync(node, [main, "--help"], { encoding: "utf8" });
    expect(help).toContain("usage: node src/bot/main.ts [--local] [--help]");
    expect(help).toContain("APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET");
  });

  it("says which settings are missing", () => {
    const result = (() => {
      try {
        execFileSync(node, [main], {
          encoding: "utf8",
          env: { PATH: process.env.PATH },
          stdio: "pipe",
        });
        return { status: 0, stderr: "" };
      } catch (error) {
        return error as { status: number; stderr: string };
      }
    })();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "set APP_ID, WEBHOOK_SECRET, PRIVATE_KEY or PRIVATE_KEY_PATH (the GitHub App's settings; see --help)",
    );
  });

  it("will not start without its targets file, and says what to set", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const run = spawnSync(node, [main], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        APP_ID: "1",
        PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
        WEBHOOK_SECRET: "a-webhook-secret",
      },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      "could not read the targets file /etc/mcpgov-backup-bot/targets.yaml (ENOENT: no such file or directory, open '/etc/mcpgov-backup-bot/targets.yaml'): mount the ConfigMap mcpgov-backup-bot-targets there, or set MCPGOV_TARGETS_FILE; the bot serves no repository without it",
    );
  });

  it("serves /healthz, refuses an unsigned webhook and stops cleanly on SIGTERM", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const port = await freePort();
    const targets = join(mkdtempSync(join(tmpdir(), "bot-targets-")), "targets.yaml");
    writeFileSync(targets, oneTarget());
    const child = spawn(node, [main], {
      env: {
        PATH: process.env.PATH,
        HOME: mkdtempSync(join(tmpdir(), "bot-home-")),
        APP_ID: "1",
        PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
        WEBHOOK_SECRET: "a-webhook-secret",
        MCPGOV_TARGETS_FILE: targets,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes(`listening on port ${port}`)) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the bot did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const unsigned = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "issue_comment",
          "x-github-delivery": "unsigned-1",
        },
        body: "{}",
      });
      expect(unsigned.status).toBeGreaterThanOrEqual(400);
      expect(unsigned.status).toBeLessThan(500);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(output).toContain(
      `target governance: namespace ai-governance, stanza mcpgov, for acme/ops (id ${REPO_ID})`,
    );
    expect(output).toContain("records in namespace mcpgov-backup-bot");
    expect(output).toContain("SIGTERM: finishing the commands under way, taking no new ones");
  }, 30_000);
});
