// The local cluster runner's promises, one at a time, with small pods: what a pod sees
// (user, privileges, files, names), how Jobs end, RBAC on exec, refusals by field name,
// and clean-up after a runner that died.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, type KubeObject } from "../../src/core/cluster.ts";
import { POSTGRES } from "../../src/core/names/objects.ts";
import { LocalCluster } from "../../src/local/runner/local-cluster.ts";

const ns = "runner-test";
let cluster: LocalCluster;
const said: string[] = [];

beforeAll(async () => {
  cluster = await LocalCluster.start({ log: (line) => said.push(line) });
  await cluster.apply([
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "worker", namespace: ns } },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: ns },
      data: { greeting: "hello", "app.conf": "a=1\n" },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "credentials", namespace: ns },
      stringData: { password: "s3cret" },
    },
  ]);
}, 60_000);

afterAll(async () => {
  await cluster?.shutdown();
}, 60_000);

interface PodOptions {
  securityContext?: object;
  volumes?: object[];
  volumeMounts?: object[];
  env?: object[];
  envFrom?: object[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  extra?: object;
}

function podSpec(script: string, options: PodOptions = {}): object {
  return {
    serviceAccountName: options.serviceAccountName ?? "worker",
    ...(options.automountServiceAccountToken === undefined
      ? {}
      : { automountServiceAccountToken: options.automountServiceAccountToken }),
    restartPolicy: "Never",
    securityContext: { runAsUser: POSTGRES.uid, runAsGroup: POSTGRES.uid, fsGroup: POSTGRES.uid },
    containers: [
      {
        name: "main",
        image: "example/tools:1.0",
        command: ["sh", "-c", script],
        securityContext: { readOnlyRootFilesystem: true, ...options.securityContext },
        volumeMounts: options.volumeMounts ?? [],
        env: options.env ?? [],
        envFrom: options.envFrom ?? [],
      },
    ],
    volumes: options.volumes ?? [],
    ...options.extra,
  };
}

function job(
  name: string,
  script: string,
  options: PodOptions = {},
  jobSpec: object = {},
): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      ...jobSpec,
      template: { metadata: { labels: { test: name } }, spec: podSpec(script, options) },
    },
  };
}

async function runJob(
  name: string,
  script: string,
  options: PodOptions = {},
  jobSpec: object = {},
) {
  await cluster.create(job(name, script, options, jobSpec));
  const result = await cluster.waitForJob(ns, name, 60_000);
  return { result, logs: await cluster.logs(ns, `job/${name}`) };
}

describe("what a local pod sees", () => {
  it("runs as the local postgres user, with no capabilities and no new privileges", async () => {
    const { result, logs } = await runJob(
      "identity",
      "id -un; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status",
    );
    expect(logs).toMatch(/^postgres\nCapEff:\s+0{16}\nNoNewPrivs:\s+1\n$/);
    expect(result.outcome).toBe("Complete");
  }, 60_000);

  it("has a read-only root filesystem when asked, and writable emptyDirs", async () => {
    const { logs } = await runJob(
      "readonly",
      "touch /etc/x 2>&1 || echo root-readonly; touch /scratch/x && echo scratch-writable",
      {
        volumes: [{ name: "scratch", emptyDir: {} }],
        volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
      },
    );
    expect(logs).toContain("root-readonly");
    expect(logs).toContain("scratch-writable");
  }, 60_000);

  it("mounts Secret items with their mode (YAML 1.1 octal), read-only, and ConfigMap keys by subPath", async () => {
    const { logs } = await runJob(
      "files",
      "stat -c '%a %G' /secret/pw; cat /secret/pw; echo; cat /etc/app.conf; touch /secret/x 2>/dev/null || echo secret-readonly",
      {
        volumes: [
          {
            name: "secret",
            secret: {
              secretName: "credentials",
              defaultMode: 0o440,
              items: [{ key: "password", path: "pw" }],
            },
          },
          { name: "settings", configMap: { name: "settings" } },
        ],
        volumeMounts: [
          { name: "secret", mountPath: "/secret" },
          { name: "settings", mountPath: "/etc/app.conf", subPath: "app.conf" },
        ],
      },
    );
    expect(logs).toBe("440 postgres\ns3cret\na=1\nsecret-readonly\n");
  }, 60_000);

  it("gets env from values, ConfigMaps, Secrets and the downward API, and $(VAR) in its command", async () => {
    await cluster.create({
      ...job("env", ""),
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            ...(podSpec("") as object),
            containers: [
              {
                name: "main",
                image: "example/tools:1.0",
                command: [
                  "sh",
                  "-c",
                  // $(GREETING) is expanded by the runner, as by the kubelet; $$(GREETING) escapes it.
                  `echo "$GREETING $PASSWORD $POD_NAMESPACE $(GREETING)" '$$(GREETING)'`,
                ],
                env: [
                  {
                    name: "GREETING",
                    valueFrom: { configMapKeyRef: { name: "settings", key: "greeting" } },
                  },
                  {
                    name: "PASSWORD",
                    valueFrom: { secretKeyRef: { name: "credentials", key: "password" } },
                  },
                  {
                    name: "POD_NAMESPACE",
                    valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
                  },
                ],
              },
            ],
          },
        },
      },
    });
    await cluster.waitForJob(ns, "env", 60_000);
    expect(await cluster.logs(ns, "job/env")).toBe(`hello s3cret ${ns} hello $(GREETING)\n`);
  }, 60_000);

  it("resolves Services by name to the ready pod they select", async () => {
    await cluster.apply([
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "echo", namespace: ns },
        spec: { selector: { app: "echo" }, ports: [{ port: 7000, targetPort: 7000 }] },
      },
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "echo", namespace: ns },
        spec: {
          serviceName: "echo",
          replicas: 1,
          selector: { matchLabels: { app: "echo" } },
          template: { metadata: { labels: { app: "echo" } }, spec: podSpec("exec sleep 600") },
        },
      },
    ]);
    await cluster.waitForPodsReady(ns, { app: "echo" }, 30_000);
    const [pod] = await cluster.list("Pod", ns, { app: "echo" });
    const { logs } = await runJob(
      "resolve",
      "getent hosts echo echo.runner-test.svc.cluster.local | awk '{print $1}' | sort -u",
    );
    expect(logs.trim()).toBe((pod?.status as { podIP?: string } | undefined)?.podIP);

    // From another namespace, as a cluster's DNS answers: the qualified name, never the
    // short one (a second database's pods must not reach the first's by its short names).
    const script =
      "getent hosts echo.runner-test | awk '{print $1}'; getent hosts echo || echo 'no echo here'";
    const other = job("resolve-elsewhere", script);
    other.metadata.namespace = "runner-other";
    await cluster.create(other);
    await cluster.waitForJob("runner-other", "resolve-elsewhere", 60_000);
    const elsewhere = await cluster.logs("runner-other", "job/resolve-elsewhere");
    expect(elsewhere.trim().split("\n")).toEqual([
      (pod?.status as { podIP?: string } | undefined)?.podIP,
      "no echo here",
    ]);
  }, 60_000);
});

describe("how workloads keep running", () => {
  it("restarts a StatefulSet's container that exits, and keeps its pod", async () => {
    await cluster.apply([
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "flaky", namespace: ns },
        spec: {
          serviceName: "flaky",
          replicas: 1,
          selector: { matchLabels: { app: "flaky" } },
          template: {
            metadata: { labels: { app: "flaky" } },
            spec: { ...podSpec("echo started; sleep 0.3; exit 1"), restartPolicy: "Always" },
          },
        },
      },
    ]);
    const deadline = Date.now() + 20_000;
    let logs = "";
    while ((logs.match(/started/g) ?? []).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      logs = await cluster.logs(ns, "flaky-0", "main");
    }
    expect((logs.match(/started/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect((await cluster.list("Pod", ns, { app: "flaky" })).map((p) => p.metadata.name)).toEqual([
      "flaky-0",
    ]);
    await cluster.scale(ns, "StatefulSet", "flaky", 0);
    expect(await cluster.list("Pod", ns, { app: "flaky" })).toEqual([]);
  }, 60_000);
});

describe("how Jobs end", () => {
  it("fails with DeadlineExceeded when activeDeadlineSeconds passes, and stops its pod", async () => {
    const started = Date.now();
    const { result } = await runJob("too-slow", "exec sleep 60", {}, { activeDeadlineSeconds: 2 });
    expect(result).toMatchObject({ outcome: "Failed", reason: "DeadlineExceeded" });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it("retries a failing pod backoffLimit times, then fails with BackoffLimitExceeded", async () => {
    const { result } = await runJob(
      "always-fails",
      "echo attempt; exit 3",
      {},
      { backoffLimit: 1 },
    );
    expect(result).toMatchObject({ outcome: "Failed", reason: "BackoffLimitExceeded" });
    const status = (await cluster.get("Job", ns, "always-fails"))?.status as { failed: number };
    expect(status.failed).toBe(2);
  }, 60_000);

  it("goes ttlSecondsAfterFinished after its end, that time changed after it ended, and keeps its template", async () => {
    await runJob("kept", "true", {}, { ttlSecondsAfterFinished: 3600 });
    const stored = (await cluster.get("Job", ns, "kept")) as KubeObject;
    const ended = Date.parse((stored.status as { completionTime: string }).completionTime);
    const shortened = {
      ...stored,
      spec: { ...(stored.spec as object), ttlSecondsAfterFinished: 2 },
    };
    await cluster.apply([shortened]);
    const changedTemplate = { ...shortened, spec: { ...shortened.spec, backoffLimit: 5 } };
    await expect(cluster.apply([changedTemplate])).rejects.toThrow(/immutable/);
    while ((await cluster.get("Job", ns, "kept")) && Date.now() - ended < 20_000)
      await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cluster.get("Job", ns, "kept")).toBeUndefined();
    expect(Date.now() - ended).toBeGreaterThanOrEqual(2_000);
  }, 60_000);
});

describe("kubectl exec from a pod", () => {
  const exec =
    "kubectl exec --namespace=runner-test echo-0 --container=main -- echo reached 2>&1; echo exit=$?";

  it("is forbidden without a Role that allows pods/exec on that pod", async () => {
    const { logs } = await runJob("exec-denied", exec);
    expect(logs).toContain(
      'Error from server: pods "echo-0" is forbidden: User "system:serviceaccount:runner-test:worker" cannot get resource "pods"',
    );
    expect(logs).toContain("exit=1");
  }, 60_000);

  it("works once RBAC allows it, and returns the command's output", async () => {
    await cluster.apply([
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "exec-echo", namespace: ns },
        rules: [
          {
            apiGroups: [""],
            resources: ["pods", "pods/exec"],
            resourceNames: ["echo-0"],
            verbs: ["get", "create"],
          },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "exec-echo", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "exec-echo" },
        subjects: [{ kind: "ServiceAccount", name: "worker", namespace: ns }],
      },
    ]);
    const { logs } = await runJob("exec-allowed", exec);
    expect(logs).toBe("reached\nexit=0\n");
  }, 60_000);

  it("cannot reach the API at all from a pod without a token", async () => {
    const { logs } = await runJob("exec-no-token", exec, { automountServiceAccountToken: false });
    expect(logs).toContain("kubectl: cannot reach the API");
  }, 60_000);
});

describe("a record's conditional update", () => {
  it("changes the object only from the version read, as the API server does", async () => {
    const read = (await cluster.get("ConfigMap", ns, "settings")) as KubeObject;
    const version = read.metadata.resourceVersion;
    expect(version).toMatch(/^\d+$/);
    const written = await cluster.update({ ...read, data: { greeting: "hi" } });
    expect(written.metadata.resourceVersion).not.toBe(version);
    // Merged as a JSON merge patch: the key it did not name is kept.
    expect(written.data).toEqual({ greeting: "hi", "app.conf": "a=1\n" });
    // A second writer holding the old version loses, and changes nothing.
    await expect(cluster.update({ ...read, data: { greeting: "hey" } })).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await cluster.get("ConfigMap", ns, "settings"))?.data).toMatchObject({
      greeting: "hi",
    });
    await cluster.update({ ...written, data: { greeting: "hello" } });
  });

  it("refuses a write that holds to no version, and one to an object that went", async () => {
    const read = (await cluster.get("ConfigMap", ns, "settings")) as KubeObject;
    const { resourceVersion: _, ...unversioned } = read.metadata;
    await expect(
      cluster.update({ ...read, metadata: unversioned, data: { greeting: "forced" } }),
    ).rejects.toThrow("no resourceVersion to hold it to");
    expect((await cluster.get("ConfigMap", ns, "settings"))?.data).toEqual(read.data);
    const gone = { ...read, metadata: { ...read.metadata, name: "went" } };
    await expect(cluster.update(gone)).rejects.toBeInstanceOf(ConflictError);
    expect(await cluster.get("ConfigMap", ns, "went")).toBeUndefined();
  });
});

describe("what the runner refuses", () => {
  it.each([
    ["hostNetwork", { extra: { hostNetwork: true } }, "spec.template.spec.hostNetwork"],
    [
      "a hostPath volume",
      { volumes: [{ name: "h", hostPath: { path: "/" } }] },
      "spec.template.spec.volumes[0].hostPath",
    ],
    [
      "a uid other than the image's postgres user",
      { securityContext: { runAsUser: 0 } },
      `runAsUser=0 (only ${POSTGRES.uid})`,
    ],
    [
      "added capabilities",
      { securityContext: { capabilities: { add: ["NET_ADMIN"] } } },
      "spec.template.spec.containers[0].securityContext.capabilities.add",
    ],
  ])("refuses %s by the field's name", async (_, options, field) => {
    await expect(
      cluster.apply([job(`refused-${Math.random().toString(36).slice(2, 7)}`, "true", options)]),
    ).rejects.toThrow(field);
  });
});

describe("NetworkPolicy ingress, when the runner is asked to enforce it", () => {
  const policyNs = "policy-test";
  let enforcing: LocalCluster;
  const pod = (name: string, command: string[], extra: object = {}): KubeObject => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: policyNs, labels: { app: name } },
    spec: {
      securityContext: { runAsUser: POSTGRES.uid, runAsGroup: POSTGRES.uid },
      containers: [{ name: "main", image: "example/tools:1.0", command, ...extra }],
    },
  });
  const admitClient: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "server-from-client", namespace: policyNs },
    spec: {
      podSelector: { matchLabels: { app: "server" } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: "echo" }] },
      ],
    },
  };
  /** Whether `from` opens a TCP connection to the server's port within 3 s. */
  const connects = async (from: string) =>
    (
      await enforcing.exec({ namespace: policyNs, pod: from, container: "main" }, [
        "timeout",
        "3",
        "bash",
        "-c",
        "exec 3<>/dev/tcp/server/7000",
      ])
    ).code === 0;

  beforeAll(async () => {
    enforcing = await LocalCluster.start({ enforceIngressPolicies: true });
    await enforcing.apply([
      admitClient,
      // The machine's node, which the runner puts in every container.
      pod(
        "server",
        [
          "/usr/local/lib/mcpgov-runner/node",
          "-e",
          "require('net').createServer((s) => s.end()).listen(7000)",
        ],
        {
          ports: [{ name: "echo", containerPort: 7000 }],
          readinessProbe: { tcpSocket: { port: "echo" }, periodSeconds: 1 },
        },
      ),
      pod("client", ["sleep", "600"]),
      pod("stranger", ["sleep", "600"]),
    ]);
    await enforcing.waitForPodsReady(policyNs, { app: "server" }, 30_000);
  }, 60_000);

  afterAll(async () => {
    await enforcing?.shutdown();
  }, 60_000);

  it("admits the selected pods on the named port, drops the others, and opens up when the policy goes", async () => {
    expect(await connects("client")).toBe(true);
    expect(await connects("stranger")).toBe(false);
    await enforcing.delete("NetworkPolicy", policyNs, "server-from-client");
    expect(await connects("stranger")).toBe(true);
  }, 60_000);

  it("refuses by name what it cannot enforce", async () => {
    const ipBlock = structuredClone(admitClient) as KubeObject & { spec: { ingress: object[] } };
    ipBlock.metadata.name = "from-a-network";
    ipBlock.spec.ingress = [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }];
    await expect(enforcing.apply([ipBlock])).rejects.toThrow("spec.ingress[0].from[0].ipBlock");
  });
});

describe("who may run it", () => {
  it("says what to run when it is not root", () => {
    // The modules are read as root, then the process becomes nobody: the checkout may be
    // in a directory only root can enter (root's home), and the refusal is what is tested.
    const script = `import { LocalCluster } from ${JSON.stringify(new URL("../../src/local/runner/local-cluster.ts", import.meta.url).pathname)};
      process.setgid(65534);
      process.setuid("nobody");
      LocalCluster.start().catch((error) => { console.error(error.message); process.exit(1); });`;
    const node = `${new URL("../..", import.meta.url).pathname}node_modules/.bin/node`;
    const result = spawnSync(node, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.stderr).toContain("needs root: run again as root or with sudo");
    expect(result.status).toBe(1);
  });
});

describe("after a crash", () => {
  it("removes the namespaces and directories a dead runner left behind", async () => {
    const dead = 999_999; // above the kernel's default pid_max: no such process
    execFileSync("ip", ["netns", "add", `mcpgov-${dead}c1-hub`]);
    const stale = join(tmpdir(), `mcpgov-cluster-${dead}-abc`);
    mkdirSync(stale, { recursive: true });
    const lines: string[] = [];
    const fresh = await LocalCluster.start({ log: (line) => lines.push(line) });
    await fresh.shutdown();
    expect(lines).toContain(`removed mcpgov-${dead}c1-hub, left by a runner that is gone`);
    expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toContain(
      `mcpgov-${dead}-`,
    );
    expect(existsSync(stale)).toBe(false);
  }, 60_000);
});
