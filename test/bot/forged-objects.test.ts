// What a bot taken over could make with its rights, held by manifests/bot-policy alone,
// without the namespace's Pod Security label (which the Action's credential could once
// relabel): Jobs that run privileged, as root, with capabilities, on a host port, on the
// control plane, with a ServiceAccount token, or labelled as another template's (a
// validation's, which the Pushgateway admits and status reports); a clone's Service,
// claim and NetworkPolicy that open more than the template's. Each forgery, evaluated
// against the shipped policies' CEL (test/support/admission.ts), is refused with its
// message, and what the product builds stays admitted (test/bot/job-policy.test.ts).
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { botPolicies, refusals } from "../support/admission.ts";
import { BOT, botJobs, cloneOf } from "../support/bot-jobs.ts";

// biome-ignore lint/suspicious/noExplicitAny: changing untyped objects
type Any = any;

const jobPolicy = botPolicies().get("mcpgov-backup-bot-jobs");
const objectPolicy = botPolicies().get("mcpgov-backup-bot-objects");
const [params] = loadManifestFile(projectPath("manifests/bot-target/bot-policy-params.yaml")).map(
  (d) => d.object as Any,
);

const jobRefusals = (job: KubeObject, with_: Any = params) =>
  refusals(jobPolicy, { username: BOT, operation: "CREATE", object: job, params: with_ }).join(
    "\n",
  );

/** The bot's Jobs by what they are, from test/support/bot-jobs.ts's list. */
async function jobsByRole() {
  const [full, , incr, validation, restore, , cloneRestore, cloneServer, info] =
    (await botJobs()) as Any[];
  return { full, incr, validation, restore, cloneRestore, cloneServer, info };
}

const CONTROL_PLANE = "node-role.kubernetes.io/control-plane";
const POD_SECURITY = "the installation's pod security context";
const CONTAINER_SECURITY = "the installation's container security context";
const PLACEMENT = "where the installation's parameters place them";
const TOKEN = "ServiceAccount token";
const LABELS = "the labels of a template of their ServiceAccount";

type JobForgery = [string, (pod: Any) => void, string];

/** The pod reads another S3 key where its template reads the read-only one. */
function readsS3Key(pod: Any, secret: string): void {
  for (const e of pod.containers[0].env)
    if (e.valueFrom?.secretKeyRef?.name === "pgbackrest-s3-reader")
      e.valueFrom.secretKeyRef.name = secret;
}
const podForgeries: JobForgery[] = [
  [
    "a privileged container",
    (p) => (p.containers[0].securityContext.privileged = true),
    CONTAINER_SECURITY,
  ],
  ["root for the pod", (p) => (p.securityContext.runAsUser = 0), POD_SECURITY],
  [
    "root for the container",
    (p) => (p.containers[0].securityContext.runAsUser = 0),
    CONTAINER_SECURITY,
  ],
  ["runAsNonRoot lifted", (p) => (p.securityContext.runAsNonRoot = false), POD_SECURITY],
  ["no pod security context", (p) => delete p.securityContext, POD_SECURITY],
  ["no seccomp profile", (p) => delete p.securityContext.seccompProfile, POD_SECURITY],
  [
    "an added capability",
    (p) => (p.containers[0].securityContext.capabilities.add = ["SYS_ADMIN"]),
    CONTAINER_SECURITY,
  ],
  [
    "privilege escalation",
    (p) => (p.containers[0].securityContext.allowPrivilegeEscalation = true),
    CONTAINER_SECURITY,
  ],
  [
    "no container security context",
    (p) => delete p.containers[0].securityContext,
    CONTAINER_SECURITY,
  ],
  [
    "a host port",
    (p) => (p.containers[0].ports = [{ containerPort: 2222, hostPort: 22 }]),
    "host port",
  ],
  ["a node named", (p) => (p.nodeName = "kind-control-plane"), PLACEMENT],
  [
    "a node selector onto the control plane",
    (p) => (p.nodeSelector = { [CONTROL_PLANE]: "" }),
    PLACEMENT,
  ],
  [
    "a toleration of the control plane's taint",
    (p) => (p.tolerations = [{ key: CONTROL_PLANE, operator: "Exists", effect: "NoSchedule" }]),
    PLACEMENT,
  ],
  [
    "an affinity for the control plane",
    (p) =>
      (p.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: CONTROL_PLANE, operator: "Exists" }] }],
          },
        },
      }),
    PLACEMENT,
  ],
  ["another runtime class", (p) => (p.runtimeClassName = "unconfined"), PLACEMENT],
  [
    "the repository host's S3 key, the one that may delete",
    (p) => readsS3Key(p, "pgbackrest-s3-credentials"),
    "read-only S3 key",
  ],
  [
    "PostgreSQL's S3 key, the one that adds WAL",
    (p) => readsS3Key(p, "pgbackrest-s3-writer"),
    "read-only S3 key",
  ],
  ["the restore's token mounted", (p) => (p.automountServiceAccountToken = true), TOKEN],
  ["the restore's token by default", (p) => delete p.automountServiceAccountToken, TOKEN],
];

describe("a forged Job of the bot", () => {
  it.each(podForgeries)("is refused with %s", async (_, forge, message) => {
    const { restore } = await jobsByRole();
    forge(restore.spec.template.spec);
    expect(jobRefusals(restore)).toContain(message);
  });

  it("is refused a token for any ServiceAccount whose template mounts none", async () => {
    const { validation, cloneServer, cloneRestore, full } = await jobsByRole();
    for (const job of [validation, cloneServer, cloneRestore]) {
      job.spec.template.spec.automountServiceAccountToken = true;
      expect([job.metadata.name, jobRefusals(job)]).toEqual([
        job.metadata.name,
        expect.stringContaining(TOKEN),
      ]);
    }
    // The backups exec through the API server with theirs, as their template says.
    expect(full.spec.template.spec.automountServiceAccountToken).toBeUndefined();
    expect(jobRefusals(full)).toBe("");
  });

  it("is refused a validation's labels unless it is the validation's", async () => {
    const { validation, full, restore, cloneRestore } = await jobsByRole();
    const validationLabels = validation.spec.template.metadata.labels;
    // A backup Job (a token, exec on the repository host) labelled as a validation, on its
    // pods (which the Pushgateway admits) or on itself (which status reports).
    const onPod = structuredClone(full);
    onPod.spec.template.metadata.labels = { ...validationLabels };
    expect(jobRefusals(onPod)).toContain(LABELS);
    const onJob = structuredClone(full);
    onJob.metadata.labels = { ...validation.metadata.labels };
    expect(jobRefusals(onJob)).toContain(LABELS);
    for (const job of [restore, cloneRestore]) {
      job.spec.template.metadata.labels = { ...validationLabels };
      expect(jobRefusals(job)).toContain(LABELS);
    }
  });

  it("is refused labels none of its templates carry", async () => {
    const { cloneServer, restore, incr } = await jobsByRole();
    // A clone's server behind production's Service and policy.
    cloneServer.spec.template.metadata.labels.app = "postgres";
    expect(jobRefusals(cloneServer)).toContain(LABELS);
    // A restore let into the clones.
    restore.spec.template.metadata.labels["mcpgov-backup/clone-access"] = "true";
    expect(jobRefusals(restore)).toContain(LABELS);
    // A backup unlabelled.
    delete incr.spec.template.metadata.labels;
    expect(jobRefusals(incr)).toContain(LABELS);
  });

  it("is admitted on the nodes and with the security context the installation's parameters name", async () => {
    const { restore } = await jobsByRole();
    const pool = { "example.com/pool": "databases" };
    const toleration = {
      key: "example.com/pool",
      operator: "Equal",
      value: "databases",
      effect: "NoSchedule",
    };
    const placed = structuredClone(params);
    placed.template.spec.nodeSelector = pool;
    placed.template.spec.tolerations = [toleration];
    placed.template.spec.securityContext.runAsUser = 26;
    placed.template.spec.securityContext.runAsGroup = 26;
    placed.template.spec.securityContext.fsGroup = 26;
    expect(jobRefusals(restore, placed)).toContain(PLACEMENT);
    expect(jobRefusals(restore, placed)).toContain(POD_SECURITY);
    Object.assign(restore.spec.template.spec, { nodeSelector: pool, tolerations: [toleration] });
    Object.assign(restore.spec.template.spec.securityContext, {
      runAsUser: 26,
      runAsGroup: 26,
      fsGroup: 26,
    });
    expect(jobRefusals(restore, placed)).toBe("");
    expect(jobRefusals(restore)).toContain(PLACEMENT);
  });
});

const TOKEN_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/token";
const BACKUP_COMMAND = "a backup Job runs its template's command";
const COMMAND = "the bot's Jobs run a command of the installation's templates";
const HOOKS = "no command in probes or lifecycle hooks";

/** The backup's command, its "$@" (what the wait-for-backup-lock script runs) replaced. */
function runsInstead(job: Any, ...run: string[]): void {
  const container = job.spec.template.spec.containers[0];
  container.command = [...container.command.slice(0, 5), ...run];
}

/** A variable, or variables from a ConfigMap, added to a container's environment. */
function addEnv(container: Any, name: string, value: string): void {
  container.env = [...(container.env ?? []), { name, value }];
}
function addEnvFrom(container: Any, from: Any): void {
  container.envFrom = [...(container.envFrom ?? []), from];
}

describe("a forged Job's command", () => {
  it("is refused for a backup Job whose command prints its ServiceAccount token", async () => {
    const { full } = await jobsByRole();
    full.spec.template.spec.containers[0].command = ["sh", "-c", `cat ${TOKEN_FILE}`];
    expect(jobRefusals(full)).toContain(BACKUP_COMMAND);
  });

  it("is refused for a backup Job whose waited-for command prints the token", async () => {
    const { full, incr } = await jobsByRole();
    runsInstead(full, "cat", TOKEN_FILE);
    expect(jobRefusals(full)).toContain(BACKUP_COMMAND);
    // Or keeps kubectl exec and runs something else than pgbackrest in the repository host.
    runsInstead(
      incr,
      "kubectl",
      "exec",
      "--namespace=$(POD_NAMESPACE)",
      "pgbackrest-repo-host-0",
      "--container=pgbackrest",
      "--",
      "rm",
      "-rf",
      "/var/lib/pgbackrest",
    );
    expect(jobRefusals(incr)).toContain(BACKUP_COMMAND);
  });

  it("is refused for a backup Job with another script, wait or pgBackRest option", async () => {
    const forgeries: [string, (command: string[]) => void][] = [
      ["another script", (c) => (c[2] = `cat ${TOKEN_FILE}; ${c[2]}`)],
      ["a wait that is not a number", (c) => (c[4] = "a[$(cat /etc/pgbackrest/tls/tls.key)]")],
      ["another pod exec'd into", (c) => (c[8] = "postgres-0")],
      ["another repository path", (c) => c.splice(12, 0, "--repo1-path=/tmp")],
      ["another command of pgBackRest", (c) => (c[c.length - 1] = "stanza-delete")],
      ["a command after pgBackRest's", (c) => c.push("--force")],
    ];
    for (const [what, forge] of forgeries) {
      const { full } = await jobsByRole();
      forge(full.spec.template.spec.containers[0].command);
      expect([what, jobRefusals(full)]).toEqual([what, expect.stringContaining(BACKUP_COMMAND)]);
    }
  });

  it("is refused for a restore Job whose command prints the TLS key and the environment", async () => {
    const { restore } = await jobsByRole();
    const container = restore.spec.template.spec.containers[0];
    container.command = ["sh", "-c", "cat /etc/pgbackrest/tls/tls.key; env"];
    delete container.args;
    expect(jobRefusals(restore)).toContain(COMMAND);
  });

  it("is refused for a restore Job with a pgBackRest option the bot never gives", async () => {
    const { restore } = await jobsByRole();
    restore.spec.template.spec.containers[0].args.unshift("--config=/etc/pgbackrest/tls/tls.key");
    expect(jobRefusals(restore)).toContain(COMMAND);
  });

  it("is refused for an info or a validation Job with another command", async () => {
    const { info, validation, cloneServer } = await jobsByRole();
    info.spec.template.spec.containers[0].command = ["sh", "-c", "env"];
    expect(jobRefusals(info)).toContain(COMMAND);
    validation.spec.template.spec.containers[0].command = ["env"];
    expect(jobRefusals(validation)).toContain(COMMAND);
    // A restore's command, under the validation's ServiceAccount.
    validation.spec.template.spec.containers[0].command = [
      "sh",
      "/etc/pgbackrest/restore-fence.sh",
      "restore",
    ];
    expect(jobRefusals(validation)).toContain(COMMAND);
    cloneServer.spec.template.spec.containers[0].command = ["sh", "-c", "env"];
    expect(jobRefusals(cloneServer)).toContain(COMMAND);
  });

  it("is refused for a validation or a clone with arguments the bot never gives", async () => {
    const { validation, cloneRestore, cloneServer } = await jobsByRole();
    validation.spec.template.spec.containers[0].args = [
      "--assertions",
      "/etc/pgbackrest/tls/tls.key",
    ];
    expect(jobRefusals(validation)).toContain(COMMAND);
    cloneRestore.spec.template.spec.containers[0].args.push(
      "--target",
      "$(PGBACKREST_REPO2_CIPHER_PASS)",
    );
    expect(jobRefusals(cloneRestore)).toContain(COMMAND);
    cloneServer.spec.template.spec.containers[0].args.push("-c", "log_line_prefix=%u");
    expect(jobRefusals(cloneServer)).toContain(COMMAND);
  });

  it("is refused a command in a probe or a lifecycle hook", async () => {
    const { full, cloneServer } = await jobsByRole();
    full.spec.template.spec.containers[0].lifecycle = {
      postStart: { exec: { command: ["sh", "-c", `cat ${TOKEN_FILE} >/dev/termination-log`] } },
    };
    expect(jobRefusals(full)).toContain(HOOKS);
    cloneServer.spec.template.spec.containers[0].readinessProbe.exec.command = ["sh", "-c", "env"];
    expect(jobRefusals(cloneServer)).toContain(HOOKS);
  });

  it("is refused an environment that makes a shell or pgBackRest run or read something else", async () => {
    const ENVIRONMENT = "the environment of their templates";
    const forgeries: [string, (container: Any) => void][] = [
      // bash expands BASH_ENV and sources the file it names before the validation script.
      ["BASH_ENV", (c) => addEnv(c, "BASH_ENV", "$(cat /etc/pgbackrest/tls/tls.key >&2)")],
      ["LD_PRELOAD", (c) => addEnv(c, "LD_PRELOAD", "/tmp/x.so")],
      [
        "pgBackRest's configuration from the TLS key",
        (c) => addEnv(c, "PGBACKREST_CONFIG", "/etc/pgbackrest/tls/tls.key"),
      ],
      // The bot writes its records' ConfigMaps: their keys must not become variables.
      [
        "a record's ConfigMap as the environment",
        (c) => addEnvFrom(c, { configMapRef: { name: "mcpgov-bot-op-x1" } }),
      ],
      [
        "a prefix on the S3 settings' names",
        (c) => addEnvFrom(c, { prefix: "BASH_", configMapRef: { name: "pgbackrest-s3" } }),
      ],
    ];
    for (const [what, forge] of forgeries) {
      const { validation, restore } = await jobsByRole();
      for (const job of [validation, restore]) {
        forge(job.spec.template.spec.containers[0]);
        expect([what, jobRefusals(job)]).toEqual([what, expect.stringContaining(ENVIRONMENT)]);
      }
    }
  });

  it("is admitted for a backup to another repository and a validation of it", async () => {
    const { full, validation } = await jobsByRole();
    full.spec.template.spec.containers[0].command.splice(12, 0, "--repo=2");
    expect(jobRefusals(full)).toBe("");
    validation.spec.template.spec.containers[0].args = ["--repo", "2"];
    expect(jobRefusals(validation)).toBe("");
  });
});

describe("a forged Job that reads pgbackrest info", () => {
  it("is admitted as the template makes it, with no token, no claim and no write key", async () => {
    const { info } = await jobsByRole();
    expect(jobRefusals(info)).toBe("");
    const pod = info.spec.template.spec;
    expect(pod.serviceAccountName).toBe("pgbackrest-info");
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes.filter((v: Any) => v.persistentVolumeClaim)).toEqual([]);
  });

  it("is refused production's data claim", async () => {
    const { info } = await jobsByRole();
    info.spec.template.spec.volumes.push({
      name: "pgdata",
      persistentVolumeClaim: { claimName: "postgres-data" },
    });
    expect(jobRefusals(info)).toContain("an info Job mounts no claim");
  });

  it("is refused the bucket's write key: it reads with the read-only one", async () => {
    const { info } = await jobsByRole();
    info.spec.template.spec.containers[0].env.push({
      name: "PGBACKREST_REPO2_S3_KEY",
      valueFrom: { secretKeyRef: { name: "pgbackrest-s3-credentials", key: "s3-key" } },
    });
    expect(jobRefusals(info)).toContain("an info Job reads only the bucket's read-only key");
  });

  it("is refused a restore's labels, and a restore is refused the info Job's", async () => {
    const { info, restore } = await jobsByRole();
    const infoLabels = info.spec.template.metadata.labels;
    info.spec.template.metadata.labels = { ...restore.spec.template.metadata.labels };
    expect(jobRefusals(info)).toContain(LABELS);
    restore.spec.template.metadata.labels = { ...infoLabels };
    expect(jobRefusals(restore)).toContain(LABELS);
  });
});

describe("a forged object of a clone", () => {
  const refused = (object: Any) =>
    refusals(objectPolicy, { username: BOT, operation: "CREATE", object }).join("\n");
  const forged = (kind: "claim" | "service" | "policy", forge: (spec: Any) => void) => {
    const object = structuredClone(cloneOf()[kind]) as Any;
    forge(object.spec);
    return object;
  };

  const SERVICE = "a clone's Service has no external IPs and serves port 5432 only";
  const POLICY = "a clone's NetworkPolicy is the template's";
  const forgeries: [string, Any, string][] = [
    [
      "a Service with external IPs",
      forged("service", (s) => (s.externalIPs = ["203.0.113.7"])),
      SERVICE,
    ],
    ["a NodePort Service", forged("service", (s) => (s.type = "NodePort")), "ClusterIP"],
    [
      "a Service on another port",
      forged("service", (s) => s.ports.push({ name: "ssh", port: 22, targetPort: 22 })),
      SERVICE,
    ],
    [
      "a Service onto another port of the pod",
      forged("service", (s) => (s.ports[0].targetPort = 22)),
      SERVICE,
    ],
    [
      "a Service selecting the clone's restore too",
      forged("service", (s) => delete s.selector["app.kubernetes.io/component"]),
      "selects the clone's pod only",
    ],
    [
      "a claim of another team's volume",
      forged("claim", (s) => (s.volumeName = "pvc-ledger-db-data")),
      "binds no volume of its own choosing",
    ],
    [
      "a claim choosing volumes by label",
      forged("claim", (s) => (s.selector = { matchLabels: { team: "ledger" } })),
      "binds no volume of its own choosing",
    ],
    [
      "a claim of 100Ti",
      forged("claim", (s) => (s.resources.requests.storage = "100Ti")),
      "at most 9999Gi",
    ],
    [
      "a claim of 100000Gi",
      forged("claim", (s) => (s.resources.requests.storage = "100000Gi")),
      "at most 9999Gi",
    ],
    [
      "a claim with an exponent",
      forged("claim", (s) => (s.resources.requests.storage = "1e15")),
      "at most 9999Gi",
    ],
    ["a NetworkPolicy allowing everyone in", forged("policy", (s) => (s.ingress = [{}])), POLICY],
    [
      "a NetworkPolicy admitting another namespace",
      forged("policy", (s) => s.ingress[0].from.push({ namespaceSelector: {} })),
      POLICY,
    ],
    [
      "a NetworkPolicy opening another port",
      forged("policy", (s) => s.ingress[0].ports.push({ port: 22 })),
      POLICY,
    ],
    ["a NetworkPolicy allowing everything out", forged("policy", (s) => (s.egress = [{}])), POLICY],
    [
      "a NetworkPolicy holding ingress only",
      forged("policy", (s) => (s.policyTypes = ["Ingress"])),
      POLICY,
    ],
    [
      "a NetworkPolicy over every pod of the clone's component",
      forged("policy", (s) => delete s.podSelector.matchLabels["mcpgov-backup/clone"]),
      "selects the clone's pod only",
    ],
  ];

  it.each(forgeries)("is refused: %s", (_, object, message) => {
    expect(refused(object)).toContain(message);
  });

  it("is admitted as the API server stores it (ports' protocol defaulted, an empty egress list left out)", () => {
    const { policy, service, claim } = cloneOf();
    const stored = structuredClone(policy) as Any;
    stored.spec.ingress[0].ports[0].protocol = "TCP";
    delete stored.spec.egress;
    const storedService = structuredClone(service) as Any;
    storedService.spec.ports[0].protocol = "TCP";
    const storedClaim = structuredClone(claim) as Any;
    Object.assign(storedClaim.spec, { volumeMode: "Filesystem", storageClassName: "standard" });
    for (const object of [stored, storedService, storedClaim]) expect(refused(object)).toBe("");
  });
});
