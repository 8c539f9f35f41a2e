import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
import {
  AlreadyExistsError,
  ConflictError,
  POSTGRES,
  containerArgv,
  endedConditions,
  heldVersion,
  mergePatch,
  podSpecOf,
  podSpecPath,
  projectPath
} from "./chunk-ZSYZUOW5.js";

// src/local/runner/local-cluster.ts
import { mkdirSync as mkdirSync7, mkdtempSync as mkdtempSync2, readdirSync as readdirSync2, rmSync as rmSync3 } from "node:fs";
import { tmpdir } from "node:os";
import { join as join7 } from "node:path";

// src/core/label-selector.ts
var SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];
function selects(selector, labels) {
  const have = labels ?? {};
  const pairs = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => have[k] === v);
  return pairs && (selector?.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(have, e.key);
    switch (e.operator) {
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      case "In":
        return has && (e.values ?? []).includes(have[e.key]);
      case "NotIn":
        return !has || !(e.values ?? []).includes(have[e.key]);
      default:
        throw new Error(`label selector: unknown operator ${e.operator}`);
    }
  });
}

// src/local/host.ts
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs";
import { dirname, join } from "node:path";
function requireRoot() {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the local hosts run PostgreSQL and pgBackRest as the postgres user, which needs root: run again as root or with sudo"
    );
  }
}
function serviceUser() {
  const entry = readFileSync("/etc/passwd", "utf8").split("\n").map((line) => line.split(":")).find((fields) => fields[0] === "postgres");
  if (!entry)
    throw new Error("no postgres user on this machine; run `npm run setup` (installs postgresql)");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}
function postgresBinDir() {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "postgres"))).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors[0] === void 0) {
    throw new Error(
      "PostgreSQL server binaries not found under /usr/lib/postgresql; run `npm run setup` (installs postgresql and pgbackrest)"
    );
  }
  return join(root, majors[0], "bin");
}

// src/local/runner/network-policy.ts
function specOf(policy) {
  return policy.spec ?? {};
}
function unenforceableFields(policy) {
  const spec = specOf(policy);
  const found = [];
  const checkSelector = (selector, at) => {
    for (const [i, e] of (selector?.matchExpressions ?? []).entries())
      if (!SELECTOR_OPERATORS.includes(e.operator))
        found.push(`${at}.matchExpressions[${i}].operator=${e.operator}`);
  };
  checkSelector(spec.podSelector, "spec.podSelector");
  for (const [i, rule] of (spec.ingress ?? []).entries()) {
    for (const [j, peer] of (rule.from ?? []).entries()) {
      const at = `spec.ingress[${i}].from[${j}]`;
      if (peer.ipBlock) found.push(`${at}.ipBlock`);
      checkSelector(peer.podSelector, `${at}.podSelector`);
      checkSelector(peer.namespaceSelector, `${at}.namespaceSelector`);
    }
    for (const [j, port] of (rule.ports ?? []).entries()) {
      const at = `spec.ingress[${i}].ports[${j}]`;
      if (port.endPort !== void 0) found.push(`${at}.endPort`);
      if (port.protocol && port.protocol !== "TCP")
        found.push(`${at}.protocol=${port.protocol} (only TCP)`);
    }
  }
  return found;
}
function isIngressPolicy(spec) {
  return (spec.policyTypes ?? ["Ingress"]).includes("Ingress");
}
function ingressAllows(pod, policies, pods, namespaceLabels) {
  const selecting = policies.filter(
    (p) => (p.metadata.namespace ?? "default") === pod.namespace && isIngressPolicy(specOf(p)) && selects(specOf(p).podSelector, pod.labels)
  );
  if (selecting.length === 0) return void 0;
  const allows = [];
  for (const rule of selecting.flatMap((p) => specOf(p).ingress ?? [])) {
    const ports = rule.ports?.length ? rule.ports.flatMap((p) => {
      if (p.port === void 0) return [void 0];
      if (typeof p.port === "number") return [p.port];
      const named = pod.ports.find((c) => c.name === p.port);
      return named ? [named.containerPort] : [];
    }) : [void 0];
    const sources = rule.from?.length ? rule.from.flatMap(
      (peer) => pods.filter(
        (from) => (peer.namespaceSelector ? selects(peer.namespaceSelector, {
          ...namespaceLabels(from.namespace),
          "kubernetes.io/metadata.name": from.namespace
        }) : from.namespace === pod.namespace) && (peer.podSelector === void 0 || selects(peer.podSelector, from.labels))
      ).map((from) => from.address)
    ) : [void 0];
    for (const from of sources) for (const port of ports) allows.push({ from, port });
  }
  return allows;
}

// src/local/runner/supported.ts
var IMAGE_POSTGRES_UID = POSTGRES.uid;
var ALLOWED = {
  pod: [
    "containers",
    "volumes",
    "securityContext",
    "serviceAccountName",
    "automountServiceAccountToken",
    "restartPolicy",
    "terminationGracePeriodSeconds"
  ],
  podSecurityContext: [
    "runAsUser",
    "runAsGroup",
    "runAsNonRoot",
    "fsGroup",
    "fsGroupChangePolicy",
    "seccompProfile"
  ],
  container: [
    "name",
    "image",
    "imagePullPolicy",
    "command",
    "args",
    "env",
    "envFrom",
    "workingDir",
    "ports",
    "readinessProbe",
    "livenessProbe",
    "resources",
    "securityContext",
    "volumeMounts"
  ],
  containerSecurityContext: [
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "capabilities",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "seccompProfile"
  ],
  probe: [
    "exec",
    "tcpSocket",
    "initialDelaySeconds",
    "periodSeconds",
    "failureThreshold",
    "successThreshold",
    "timeoutSeconds"
  ],
  volume: ["name", "configMap", "secret", "projected", "persistentVolumeClaim", "emptyDir"],
  // sizeLimit is kept, not enforced (the runner says so); medium: Memory is not implemented.
  emptyDir: ["sizeLimit"],
  volumeMount: ["name", "mountPath", "subPath", "readOnly"],
  env: ["name", "value", "valueFrom"],
  envValueFrom: ["secretKeyRef", "configMapKeyRef", "fieldRef"]
};
function unknownKeys(value, allowed2, path) {
  return Object.keys(value ?? {}).filter((key2) => !allowed2.includes(key2)).map((key2) => `${path}.${key2}`);
}
function unsupportedFields(spec, path = "spec") {
  const found = [
    ...unknownKeys(spec, ALLOWED.pod ?? [], path),
    ...unknownKeys(
      spec.securityContext,
      ALLOWED.podSecurityContext ?? [],
      `${path}.securityContext`
    )
  ];
  for (const [i, volume] of (spec.volumes ?? []).entries()) {
    found.push(...unknownKeys(volume, ALLOWED.volume ?? [], `${path}.volumes[${i}]`));
    found.push(
      ...unknownKeys(volume.emptyDir, ALLOWED.emptyDir ?? [], `${path}.volumes[${i}].emptyDir`)
    );
  }
  for (const [i, c] of spec.containers.entries()) {
    const at = `${path}.containers[${i}]`;
    found.push(...unknownKeys(c, ALLOWED.container ?? [], at));
    found.push(
      ...unknownKeys(
        c.securityContext,
        ALLOWED.containerSecurityContext ?? [],
        `${at}.securityContext`
      )
    );
    for (const probe of ["readinessProbe", "livenessProbe"]) {
      found.push(...unknownKeys(c[probe], ALLOWED.probe ?? [], `${at}.${probe}`));
    }
    for (const [j, m] of (c.volumeMounts ?? []).entries()) {
      found.push(...unknownKeys(m, ALLOWED.volumeMount ?? [], `${at}.volumeMounts[${j}]`));
    }
    for (const [j, e] of (c.env ?? []).entries()) {
      found.push(...unknownKeys(e, ALLOWED.env ?? [], `${at}.env[${j}]`));
      found.push(
        ...unknownKeys(e.valueFrom, ALLOWED.envValueFrom ?? [], `${at}.env[${j}].valueFrom`)
      );
    }
    if (c.securityContext?.capabilities?.add?.length)
      found.push(`${at}.securityContext.capabilities.add`);
  }
  const uids = [
    spec.securityContext?.runAsUser,
    ...spec.containers.map((c) => c.securityContext?.runAsUser)
  ];
  if (!uids.some((uid) => uid !== void 0))
    found.push(`${path}.securityContext.runAsUser (must be ${IMAGE_POSTGRES_UID})`);
  for (const uid of uids) {
    if (uid !== void 0 && uid !== IMAGE_POSTGRES_UID)
      found.push(`${path}.securityContext.runAsUser=${uid} (only ${IMAGE_POSTGRES_UID})`);
  }
  return found;
}

// src/local/runner/admission.ts
var KINDS = /* @__PURE__ */ new Set([
  "Namespace",
  "ConfigMap",
  "Secret",
  "Service",
  "PersistentVolumeClaim",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "NetworkPolicy",
  "Lease",
  "StatefulSet",
  "Deployment",
  "Job",
  "CronJob",
  "Pod"
]);
function checkService(service) {
  const spec = service.spec;
  if (spec.type && spec.type !== "ClusterIP")
    throw new Error(
      `Service ${service.metadata.name}: only ClusterIP Services are supported by the local runner`
    );
  for (const port of spec.ports ?? []) {
    if (typeof port.targetPort === "number" && port.targetPort !== port.port) {
      throw new Error(
        `Service ${service.metadata.name}: port ${port.port} must equal its targetPort in the local runner (names resolve to pod addresses, with no proxy)`
      );
    }
  }
}
function checkPolicy(policy, enforceIngress, sayOnce) {
  if (!enforceIngress) {
    sayOnce("NetworkPolicies are kept but not enforced by the local runner");
    return;
  }
  const unenforceable = unenforceableFields(policy);
  if (unenforceable.length > 0)
    throw new Error(
      `apply NetworkPolicy/${policy.metadata.name}: the local runner cannot enforce ${unenforceable.join(", ")}`
    );
  sayOnce(
    "NetworkPolicies: ingress is enforced for TCP by the local runner; UDP and egress are kept but not enforced"
  );
}
function admit(object, enforceIngress, sayOnce) {
  const { kind } = object;
  const name = object.metadata.name;
  if (!KINDS.has(kind))
    throw new Error(`apply ${kind}/${name}: the local runner does not support kind ${kind}`);
  const spec = podSpecOf(object);
  const unsupported = spec ? unsupportedFields(spec, podSpecPath(kind)) : [];
  if (unsupported.length > 0)
    throw new Error(
      `apply ${kind}/${name}: the local runner does not support ${unsupported.join(", ")}`
    );
  if (kind === "Service") checkService(object);
  if (kind === "NetworkPolicy") checkPolicy(object, enforceIngress, sayOnce);
}
function keptNotEnforced(spec) {
  const notices = spec.containers.map(
    (c) => `image ${c.image}: not pulled; this machine's PostgreSQL (${postgresBinDir()}) and pgBackRest stand in`
  );
  if (spec.containers.some((c) => c.resources))
    notices.push("resource requests and limits are kept but not enforced by the local runner");
  if (spec.volumes?.some((v) => v.emptyDir?.sizeLimit))
    notices.push("emptyDir size limits are kept but not enforced by the local runner");
  const seccomp = [spec.securityContext, ...spec.containers.map((c) => c.securityContext)];
  if (seccomp.some((context) => context?.seccompProfile))
    notices.push("seccomp profiles are kept but not enforced by the local runner");
  return notices;
}

// src/local/runner/changes.ts
var Changes = class {
  waiters = /* @__PURE__ */ new Set();
  /** Wakes every wait, to look again. */
  notify() {
    for (const wake of this.waiters) wake();
  }
  async until(what, timeoutMs, check) {
    const deadline = Date.now() + timeoutMs;
    for (; ; ) {
      const value = check();
      if (value !== void 0) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${Math.round(timeoutMs / 1e3)}s waiting for ${what}`);
      await new Promise((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 500));
        this.waiters.add(wake);
      });
    }
  }
};

// src/local/runner/hosts.ts
import { closeSync, existsSync as existsSync2, ftruncateSync, mkdirSync as mkdirSync2, openSync, writeSync } from "node:fs";
import { join as join2 } from "node:path";
function hostsFileOf(dir, namespace) {
  const path = join2(dir, "hosts", namespace);
  if (!existsSync2(path)) {
    mkdirSync2(join2(dir, "hosts"), { recursive: true });
    writeInPlace(path, "127.0.0.1 localhost\n", true);
  }
  return path;
}
function writeHostsFiles(dir, pods, objects) {
  const namespaces = new Set(pods.map((p) => p.namespace));
  for (const namespace of namespaces) {
    const path = hostsFileOf(dir, namespace);
    writeInPlace(path, hostsFor(namespace, pods, objects), false);
  }
}
function hostsFor(namespace, pods, objects) {
  const lines = ["127.0.0.1 localhost"];
  for (const pod of pods) lines.push(`${pod.address} ${pod.name}`);
  for (const service of objects) {
    if (service.kind !== "Service") continue;
    const selector = service.spec.selector ?? {};
    const ns = service.metadata.namespace ?? "default";
    const pod = pods.find(
      (p) => p.namespace === ns && p.ready && selects({ matchLabels: selector }, p.labels)
    );
    const name = service.metadata.name;
    if (!pod) continue;
    const qualified = `${name}.${ns} ${name}.${ns}.svc ${name}.${ns}.svc.cluster.local`;
    lines.push(`${pod.address} ${ns === namespace ? `${name} ` : ""}${qualified}`);
  }
  return `${lines.join("\n")}
`;
}
function writeInPlace(path, content, create) {
  const fd = openSync(path, create ? "w" : "r+");
  try {
    writeSync(fd, content, 0);
    ftruncateSync(fd, Buffer.byteLength(content));
  } finally {
    closeSync(fd);
  }
}

// src/local/runner/ingress.ts
var IngressEnforcement = class {
  /** Rules are rewritten one pass at a time, in the order of the changes. */
  pass = Promise.resolve();
  enabled;
  network;
  sources;
  constructor(enabled, network, sources) {
    this.enabled = enabled;
    this.network = network;
    this.sources = sources;
  }
  /** Rewrites every pod's ingress rules; nothing when policies are kept, not enforced. */
  update() {
    if (!this.enabled) return Promise.resolve();
    const pass = this.pass.then(() => this.rewrite());
    this.pass = pass.catch(() => {
    });
    return pass;
  }
  async rewrite() {
    const policies = this.sources.policies();
    const pods = this.sources.pods().map((pod) => ({
      pod,
      namespace: pod.namespace,
      labels: pod.labels,
      address: pod.address,
      ports: pod.spec.containers.flatMap((c) => c.ports ?? [])
    }));
    for (const target of pods) {
      try {
        await this.network.setIngress(
          target.pod.network,
          ingressAllows(target, policies, pods, (name) => this.sources.namespaceLabels(name))
        );
      } catch (error) {
        if (this.sources.isCurrent(target.pod)) throw error;
      }
    }
  }
};

// src/local/runner/job.ts
import { randomBytes } from "node:crypto";
function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
var LocalJob = class {
  object;
  pods = [];
  result;
  failures = 0;
  stopped = false;
  deadline;
  expiry;
  pending;
  host;
  constructor(object, host) {
    this.object = object;
    this.host = host;
  }
  get spec() {
    return this.object.spec;
  }
  get namespace() {
    return this.object.metadata.namespace ?? "default";
  }
  async start() {
    const seconds = this.spec.activeDeadlineSeconds;
    if (seconds) {
      this.deadline = setTimeout(
        () => void this.fail("DeadlineExceeded", "Job was active longer than specified deadline"),
        seconds * 1e3
      );
    }
    await this.runPod();
  }
  async runPod() {
    if (this.stopped || this.result) return;
    const claims = (this.spec.template.spec.volumes ?? []).flatMap(
      (v) => v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []
    );
    if (claims.some((claim) => !this.host.hasClaim(this.namespace, claim))) {
      this.pending = setTimeout(() => void this.runPod(), 500);
      return;
    }
    const name = this.object.metadata.name;
    const labels = { ...this.spec.template.metadata?.labels, "job-name": name };
    const suffix2 = randomBytes(3).toString("hex").slice(0, 5);
    const pod = await this.host.startPod(
      this.namespace,
      `${name}-${suffix2}`,
      labels,
      this.spec.template.spec,
      `Job/${name}`
    );
    this.pods.push(pod);
    const watch = setInterval(() => {
      if (pod.phase !== "Succeeded" && pod.phase !== "Failed") return;
      clearInterval(watch);
      void this.podFinished(pod);
    }, 100);
  }
  async podFinished(pod) {
    if (this.stopped || this.result) return;
    if (pod.phase === "Succeeded") {
      this.finish({ outcome: "Complete" });
      return;
    }
    this.failures++;
    if (this.failures > (this.spec.backoffLimit ?? 6)) {
      await this.fail("BackoffLimitExceeded", "Job has reached the specified backoff limit");
      return;
    }
    await delay(Math.min(1e4, 1e3 * 2 ** (this.failures - 1)));
    await this.runPod();
  }
  async fail(reason, message) {
    if (this.result) return;
    this.finish({ outcome: "Failed", reason, message });
    for (const pod of this.pods)
      if (pod.phase === "Running") await this.host.stopPod(this.namespace, pod.name);
  }
  finish(result) {
    if (this.deadline) clearTimeout(this.deadline);
    this.result = {
      name: this.object.metadata.name,
      startTime: this.object.metadata.creationTimestamp,
      completionTime: (/* @__PURE__ */ new Date()).toISOString(),
      ...result
    };
    this.expireInTime();
    this.host.changed();
  }
  /** Removes the Job ttlSecondsAfterFinished after it ended, counted from its end. */
  expireInTime() {
    if (this.expiry) clearTimeout(this.expiry);
    const ttl = this.spec.ttlSecondsAfterFinished;
    if (ttl === void 0 || !this.result) return;
    const ended = Date.parse(this.result.completionTime ?? "");
    this.expiry = setTimeout(() => void this.host.expire(), ended + ttl * 1e3 - Date.now());
    this.expiry.unref();
  }
  /**
   * A new ttlSecondsAfterFinished (`kubectl patch`: unlike its pod template, it may change),
   * counted from the Job's end, as the TTL controller does.
   */
  keepFor(seconds) {
    this.spec.ttlSecondsAfterFinished = seconds;
    this.expireInTime();
  }
  /** Ends the Job for good (deleted, or the cluster shuts down): no new pods, its pods stopped. */
  async stop() {
    this.stopped = true;
    if (this.deadline) clearTimeout(this.deadline);
    if (this.pending) clearTimeout(this.pending);
    if (this.expiry) clearTimeout(this.expiry);
    for (const pod of this.pods) await this.host.stopPod(this.namespace, pod.name);
  }
  /** The Job's status as the Kubernetes API shows it. */
  status() {
    const result = this.result;
    return {
      startTime: this.object.metadata.creationTimestamp,
      active: this.pods.filter((p) => p.phase === "Running").length,
      succeeded: this.pods.filter((p) => p.phase === "Succeeded").length,
      failed: this.failures,
      ...result?.outcome === "Complete" ? { completionTime: result.completionTime } : {},
      conditions: result ? endedConditions(result.outcome, result.reason, result.message) : []
    };
  }
};

// src/local/runner/network.ts
import { execFile } from "node:child_process";
import { promisify } from "node:util";
var run = promisify(execFile);
var NETNS_PREFIX = "mcpgov-";
var SUBNET = "10.244";
async function ip(...args) {
  try {
    const { stdout } = await run("ip", args);
    return stdout;
  } catch (error) {
    const stderr = error.stderr?.trim();
    throw new Error(`ip ${args.join(" ")}: ${stderr || error.message}`);
  }
}
var LOCAL_PREF = 32e3;
var DENY = ["1-32767", "61000-65534"];
var DENY_PREF = 31e3;
var ALLOW_PREFS = [1e3, 11e3];
var started = 0;
var Network = class _Network {
  hub;
  owner;
  /**
   * Never reused: a deleted namespace lives on while any process still holds it (a probe
   * that has not timed out yet), and so do its veth pair and its name in the hub.
   */
  nextHost = 2;
  /** The admitting rules in force in each isolated pod's namespace. */
  ingress = /* @__PURE__ */ new Map();
  constructor(owner) {
    this.owner = owner;
    this.hub = `${NETNS_PREFIX}${owner}-hub`;
  }
  /** The namespaces are named mcpgov-<pid>c<n>-...: the runner's PID tells whether their owner still runs. */
  static async create() {
    started++;
    const network = new _Network(`${process.pid}c${started}`);
    await ip("netns", "add", network.hub);
    await ip("-n", network.hub, "link", "add", "br0", "type", "bridge");
    await ip("-n", network.hub, "link", "set", "br0", "up");
    return network;
  }
  /** A namespace with loopback and eth0 on the pod network. */
  async addPod() {
    const host = this.nextHost++;
    if (host > 65e3)
      throw new Error(
        "the local runner's pod network is used up (65,000 pods); start a new cluster"
      );
    const netns = `${NETNS_PREFIX}${this.owner}-${host}`;
    const veth = `veth${host}`;
    const address = `${SUBNET}.${host >> 8}.${host & 255}`;
    await ip("netns", "add", netns);
    await ip(
      "-n",
      this.hub,
      "link",
      "add",
      veth,
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      netns
    );
    await ip("-n", this.hub, "link", "set", veth, "master", "br0", "up");
    await ip("-n", netns, "addr", "add", `${address}/16`, "dev", "eth0");
    await ip("-n", netns, "link", "set", "eth0", "up");
    await ip("-n", netns, "link", "set", "lo", "up");
    return { netns, address };
  }
  async removePod(pod) {
    this.ingress.delete(pod.netns);
    await ip("netns", "del", pod.netns).catch(() => {
    });
  }
  /** What the pod accepts over eth0: everything (undefined) or only what `allows` lists. */
  async setIngress(pod, allows) {
    const netns = pod.netns;
    const current = this.ingress.get(netns);
    if (!allows) {
      if (!current) return;
      await ip("-n", netns, "rule", "add", "pref", "0", "lookup", "local");
      for (const rule of [...current.rules, ...denyRules()])
        await ip("-n", netns, "rule", "del", ...rule);
      await ip("-n", netns, "rule", "del", "pref", String(LOCAL_PREF), "lookup", "local");
      this.ingress.delete(netns);
      return;
    }
    const block = current ? 1 - current.block : 0;
    const rules = allows.map((allow, i) => [
      "pref",
      String((ALLOW_PREFS[block] ?? 0) + i),
      "iif",
      "eth0",
      ...allow.from ? ["from", `${allow.from}/32`] : [],
      ...allow.port ? ["ipproto", "tcp", "dport", String(allow.port)] : [],
      "lookup",
      "local"
    ]);
    if (current && JSON.stringify(current.rules.map((r) => r.slice(2))) === JSON.stringify(rules.map((r) => r.slice(2))))
      return;
    for (const rule of rules) await ip("-n", netns, "rule", "add", ...rule);
    if (current) {
      for (const rule of current.rules) await ip("-n", netns, "rule", "del", ...rule);
    } else {
      for (const rule of denyRules()) await ip("-n", netns, "rule", "add", ...rule);
      await ip("-n", netns, "rule", "add", "pref", String(LOCAL_PREF), "lookup", "local");
      await ip("-n", netns, "rule", "del", "pref", "0", "lookup", "local");
    }
    this.ingress.set(netns, { block, rules });
  }
  async destroy() {
    await ip("netns", "del", this.hub).catch(() => {
    });
  }
};
function denyRules() {
  return DENY.map((ports, i) => [
    "pref",
    String(DENY_PREF + i),
    "iif",
    "eth0",
    "ipproto",
    "tcp",
    "dport",
    ports,
    "prohibit"
  ]);
}
async function removeStaleNamespaces() {
  const removed = [];
  for (const line of (await ip("netns", "list")).split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const owner = new RegExp(`^${NETNS_PREFIX}(\\d+)c\\d+-`).exec(name)?.[1];
    if (!owner || isAlive(Number(owner))) continue;
    for (const pid of (await ip("netns", "pids", name)).split("\n").filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
      }
    }
    await ip("netns", "del", name).catch(() => {
    });
    removed.push(name);
  }
  return removed;
}
function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

// src/local/runner/objects.ts
import { randomUUID } from "node:crypto";
function key(kind, namespace, name) {
  return `${kind}/${namespace}/${name}`;
}
var ObjectStore = class {
  objects = /* @__PURE__ */ new Map();
  /** Every write gives the object a new resourceVersion, as etcd's revision does. */
  revision = 0;
  get(kind, namespace, name) {
    return this.objects.get(key(kind, namespace, name));
  }
  has(kind, namespace, name) {
    return this.objects.has(key(kind, namespace, name));
  }
  /** Keeps a copy of the object, as stored: its namespace and creation time filled in. */
  put(object) {
    const namespace = object.metadata.namespace ?? "default";
    const before = this.get(object.kind, namespace, object.metadata.name);
    const stored = {
      ...structuredClone(object),
      metadata: {
        ...structuredClone(object.metadata),
        namespace,
        // Its own name for good, by which an owner is named (ownerReferences).
        uid: before?.metadata.uid ?? object.metadata.uid ?? randomUUID(),
        creationTimestamp: (/* @__PURE__ */ new Date()).toISOString(),
        resourceVersion: String(++this.revision)
      }
    };
    this.objects.set(key(object.kind, namespace, object.metadata.name), stored);
    return stored;
  }
  /** Replaces a stored object as it is (a controller's change, such as a new replica count). */
  replace(object) {
    const namespace = object.metadata.namespace ?? "default";
    const resourceVersion = String(++this.revision);
    this.objects.set(key(object.kind, namespace, object.metadata.name), {
      ...object,
      metadata: { ...object.metadata, resourceVersion }
    });
  }
  delete(kind, namespace, name) {
    this.objects.delete(key(kind, namespace, name));
  }
  all() {
    return [...this.objects.values()];
  }
  /** The objects of a kind, in one namespace or in all. */
  ofKind(kind, namespace) {
    return this.all().filter(
      (o) => o.kind === kind && (namespace === void 0 || o.metadata.namespace === namespace)
    );
  }
  /**
   * A Namespace's labels, for namespaceSelectors, with kubernetes.io/metadata.name as
   * Kubernetes sets it on every namespace, applied or not.
   */
  namespaceLabels(name) {
    const labels = this.get("Namespace", "default", name)?.metadata.labels ?? {};
    return { ...labels, "kubernetes.io/metadata.name": name };
  }
};

// src/local/runner/pods.ts
import { chownSync as chownSync3, existsSync as existsSync4, mkdirSync as mkdirSync6, rmSync as rmSync2 } from "node:fs";
import { join as join6 } from "node:path";

// src/local/runner/api.ts
import { chmodSync } from "node:fs";
import { createServer } from "node:http";

// src/local/runner/rbac.ts
function ruleAllows(rule, access) {
  const has = (list, value) => (list ?? []).some((v) => v === value || v === "*");
  if (!has(rule.apiGroups, access.group)) return false;
  if (!has(rule.resources, access.resource)) return false;
  if (!has(rule.verbs, access.verb)) return false;
  if (rule.resourceNames?.length)
    return access.name !== void 0 && rule.resourceNames.includes(access.name);
  return true;
}

// src/local/runner/api.ts
function allowed(backend, namespace, serviceAccount, verb, resource, name) {
  const bindings = backend.objects("RoleBinding", namespace).filter(
    (b) => (b.subjects ?? []).some(
      (s) => s.kind === "ServiceAccount" && s.name === serviceAccount && (s.namespace ?? namespace) === namespace
    )
  );
  const roles = bindings.map((b) => b.roleRef.name).flatMap(
    (roleName) => backend.objects("Role", namespace).filter((r) => r.metadata.name === roleName)
  );
  const access = { verb, group: "", resource, name };
  return roles.some(
    (role) => (role.rules ?? []).some((rule) => ruleAllows(rule, access))
  );
}
function serveApi(socketPath, backend, namespace, serviceAccount) {
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const send = (frame) => res.write(`${JSON.stringify(frame)}
`);
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      try {
        const request = JSON.parse(body);
        const user = `system:serviceaccount:${namespace}:${serviceAccount}`;
        for (const [verb, resource] of [
          ["get", "pods"],
          ["create", "pods/exec"]
        ]) {
          if (!allowed(backend, request.namespace, serviceAccount, verb, resource, request.pod)) {
            send({
              error: `${resource} "${request.pod}" is forbidden: User "${user}" cannot ${verb} resource "${resource}" in the namespace "${request.namespace}"`,
              exit: 1
            });
            return res.end();
          }
        }
        const result = await backend.exec(request, (stream, chunk) => send({ [stream]: chunk }));
        send({ exit: result.code });
      } catch (error) {
        send({ error: error.message, exit: 1 });
      }
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      chmodSync(socketPath, 438);
      resolve(server);
    });
  });
}

// src/local/runner/env.ts
function dataOf(object) {
  if (!object) return {};
  const data = object.data ?? {};
  if (object.kind !== "Secret") return data;
  const decoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])
  );
  return { ...decoded, ...object.stringData ?? {} };
}
function expand(text, env) {
  return text.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
    (match, name) => match === "$$" ? "$" : name !== void 0 && env[name] !== void 0 ? env[name] : match
  );
}
function containerEnv(container, base, sources) {
  const env = { ...base };
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name ?? from.secretRef?.name ?? "";
    const object = from.configMapRef ? sources.configMap(name) : sources.secret(name);
    const optional = from.configMapRef?.optional ?? from.secretRef?.optional;
    if (!object && !optional)
      throw new Error(`envFrom: ${from.configMapRef ? "ConfigMap" : "Secret"} "${name}" not found`);
    for (const [key2, value] of Object.entries(dataOf(object)))
      env[`${from.prefix ?? ""}${key2}`] = value;
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom;
    if (ref?.configMapKeyRef || ref?.secretKeyRef) {
      const key2 = ref.configMapKeyRef ?? ref.secretKeyRef;
      const object = ref.configMapKeyRef ? sources.configMap(key2?.name ?? "") : sources.secret(key2?.name ?? "");
      const value = dataOf(object)[key2?.key ?? ""];
      if (value === void 0 && !key2?.optional) {
        throw new Error(
          `env ${variable.name}: key "${key2?.key}" of ${ref.configMapKeyRef ? "ConfigMap" : "Secret"} "${key2?.name}" not found`
        );
      }
      if (value !== void 0) env[variable.name] = value;
    } else if (ref?.fieldRef) {
      const value = sources.field(ref.fieldRef.fieldPath);
      if (value === void 0)
        throw new Error(
          `env ${variable.name}: fieldRef ${ref.fieldRef.fieldPath} is not supported by the local runner`
        );
      env[variable.name] = value;
    } else {
      env[variable.name] = expand(variable.value ?? "", env);
    }
  }
  return env;
}
function podEnvironments(spec, pod, lookup) {
  const fields = {
    "metadata.name": pod.name,
    "metadata.namespace": pod.namespace,
    "status.podIP": pod.address,
    "spec.serviceAccountName": pod.serviceAccount
  };
  const base = {
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${postgresBinDir()}`,
    HOSTNAME: pod.name,
    HOME: "/var/lib/postgresql",
    LANG: "C.UTF-8"
  };
  return new Map(
    spec.containers.map((c) => [
      c.name,
      containerEnv(c, base, { ...lookup, field: (p) => fields[p] })
    ])
  );
}

// src/local/runner/pod.ts
import { spawn as spawn2 } from "node:child_process";
import { createWriteStream, existsSync as existsSync3, mkdirSync as mkdirSync5, readFileSync as readFileSync2, readlinkSync } from "node:fs";
import { join as join5 } from "node:path";

// src/local/runner/container.ts
import { mkdirSync as mkdirSync3, writeFileSync as writeFileSync2 } from "node:fs";
import { join as join3 } from "node:path";
var LAUNCHER = projectPath("src/local/runner/launcher.sh");
function writeContainerSpec(specDir, layout) {
  mkdirSync3(specDir, { recursive: true });
  const { mounts, hide, hostname, container } = layout;
  writeFileSync2(
    join3(specDir, "mounts"),
    mounts.map((m) => `${m.source}
${m.target}
${m.readOnly ? "ro" : "rw"}
`).join("")
  );
  writeFileSync2(join3(specDir, "hide"), hide.map((p) => `${p}
`).join(""));
  writeFileSync2(join3(specDir, "hostname"), hostname);
  writeFileSync2(join3(specDir, "workdir"), container.workingDir ?? "/");
  if (container.securityContext?.readOnlyRootFilesystem)
    writeFileSync2(join3(specDir, "readonly"), "");
}
function launchArgv(netns, specDir, command) {
  return [
    // If the runner dies, so does the pod; --kill-child takes the namespace's processes with it.
    "setpriv",
    "--pdeathsig",
    "SIGKILL",
    "--",
    "ip",
    "netns",
    "exec",
    netns,
    "unshare",
    "--mount",
    "--uts",
    "--pid",
    "--fork",
    "--kill-child",
    "--propagation",
    "private",
    "--",
    "/bin/sh",
    LAUNCHER,
    specDir,
    "--",
    ...command
  ];
}
function enterArgv(initPid, workdir, command) {
  return [
    "nsenter",
    "--target",
    String(initPid),
    "--mount",
    "--uts",
    "--net",
    "--pid",
    "--root",
    "--wd",
    "--",
    "setpriv",
    "--reuid=postgres",
    "--regid=postgres",
    "--init-groups",
    "--no-new-privs",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    "env",
    `--chdir=${workdir}`,
    "--",
    ...command
  ];
}

// src/local/runner/process.ts
import { spawn } from "node:child_process";
function run2(argv, env, timeoutMs = 0, onOutput) {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(file ?? "", args, {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
      onOutput?.("stdout", chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
      onOutput?.("stderr", chunk);
    });
    const timer = timeoutMs > 0 ? setTimeout(() => child.kill("SIGKILL"), timeoutMs) : void 0;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? (signal === "SIGKILL" && timer ? 124 : 128), stdout, stderr });
    });
  });
}

// src/local/runner/probes.ts
async function probeOnce(target, probe) {
  const timeout = (probe.timeoutSeconds ?? 1) * 1e3 + 2e3;
  if (probe.exec?.command) {
    const result = await target.exec(probe.exec.command, timeout);
    return result.code === 0;
  }
  if (probe.tcpSocket) {
    const port = portNumber(target.container, probe.tcpSocket.port);
    const connect = `exec 3<>/dev/tcp/${target.address}/${port}`;
    const result = await run2(
      ["ip", "netns", "exec", target.netns, "bash", "-c", connect],
      {},
      timeout
    );
    return result.code === 0;
  }
  throw new Error(
    `container ${target.container.name}: a probe needs exec or tcpSocket in the local runner`
  );
}
function portNumber(container, port) {
  if (typeof port === "number") return port;
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named "${port}"`);
  return named.containerPort;
}

// src/local/runner/volumes.ts
import { chmodSync as chmodSync2, chownSync as chownSync2, mkdirSync as mkdirSync4, writeFileSync as writeFileSync3 } from "node:fs";
import { dirname as dirname2, join as join4 } from "node:path";
function filesOf(object) {
  const files = {};
  const data = object.data ?? {};
  for (const [key2, value] of Object.entries(data)) {
    files[key2] = object.kind === "Secret" ? Buffer.from(value, "base64") : Buffer.from(value);
  }
  for (const [key2, value] of Object.entries(object.stringData ?? {})) {
    files[key2] = Buffer.from(value);
  }
  return files;
}
function writeKeys(dir, what, object, items, mode, gid, optional = false) {
  if (!object) {
    if (optional) return;
    throw new Error(`${what} not found: apply it before the pods that mount it`);
  }
  const files = filesOf(object);
  const chosen = items ?? Object.keys(files).map((key2) => ({ key: key2, path: key2 }));
  for (const item of chosen) {
    const content = files[item.key];
    if (content === void 0 && optional) continue;
    if (content === void 0) throw new Error(`${what} has no key "${item.key}"`);
    if (item.path.split("/").includes(".."))
      throw new Error(`${what}: item path "${item.path}" leaves the volume`);
    const file = join4(dir, item.path);
    mkdirSync4(dirname2(file), { recursive: true, mode: 493 });
    writeFileSync3(file, content);
    chmodSync2(file, item.mode ?? mode);
    chownSync2(file, 0, gid);
  }
}
function prepareVolume(volume, dir, lookup, fsGroup, owner) {
  const gid = fsGroup === void 0 ? 0 : owner.gid;
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    const path = lookup.claim(claim);
    if (!path)
      throw new Error(
        `volume ${volume.name}: PersistentVolumeClaim "${claim}" not found: apply it first`
      );
    return path;
  }
  mkdirSync4(dir, { recursive: true, mode: 493 });
  if (volume.emptyDir) {
    chmodSync2(dir, 511);
    return dir;
  }
  const write = (kind, name, source, mode = 420) => {
    const object = kind === "ConfigMap" ? lookup.configMap(name ?? "") : lookup.secret(name ?? "");
    writeKeys(dir, `${kind} "${name ?? ""}"`, object, source.items, mode, gid, source.optional);
  };
  if (volume.configMap) {
    write("ConfigMap", volume.configMap.name, volume.configMap, volume.configMap.defaultMode);
  } else if (volume.secret) {
    write("Secret", volume.secret.secretName, volume.secret, volume.secret.defaultMode);
  } else if (volume.projected) {
    const mode = volume.projected.defaultMode;
    for (const [i, source] of (volume.projected.sources ?? []).entries()) {
      if (source.configMap) write("ConfigMap", source.configMap.name, source.configMap, mode);
      else if (source.secret) write("Secret", source.secret.name, source.secret, mode);
      else
        throw new Error(
          `volume ${volume.name}: projected.sources[${i}] must be a configMap or a secret in the local runner`
        );
    }
  } else {
    throw new Error(
      `volume ${volume.name}: only configMap, secret, projected, persistentVolumeClaim and emptyDir are supported`
    );
  }
  return dir;
}
function prepareVolumes(spec, podDir, lookup, owner) {
  const dirs = /* @__PURE__ */ new Map();
  for (const volume of spec.volumes ?? []) {
    dirs.set(
      volume.name,
      prepareVolume(
        volume,
        join4(podDir, "volumes", volume.name),
        lookup,
        spec.securityContext?.fsGroup,
        owner
      )
    );
  }
  return dirs;
}
function containerMounts(container, spec, dirs) {
  return (container.volumeMounts ?? []).map((m) => {
    const volume = spec.volumes?.find((v) => v.name === m.name);
    const dir = dirs.get(m.name);
    if (!volume || !dir)
      throw new Error(`container ${container.name}: volumeMounts ${m.name}: no such volume`);
    if (m.subPath?.split("/").includes(".."))
      throw new Error(`container ${container.name}: subPath "${m.subPath}" leaves the volume`);
    const alwaysReadOnly = Boolean(volume.configMap || volume.secret || volume.projected);
    if (/[\n\r]/.test(m.mountPath))
      throw new Error(`container ${container.name}: mountPath must not contain a line break`);
    return {
      source: m.subPath ? join4(dir, m.subPath) : dir,
      target: m.mountPath,
      readOnly: alwaysReadOnly || m.readOnly === true
    };
  });
}

// src/local/runner/pod.ts
function delay2(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
var LocalPod = class {
  name;
  namespace;
  labels;
  spec;
  network;
  startTime = /* @__PURE__ */ new Date();
  phase = "Pending";
  setup;
  containers = /* @__PURE__ */ new Map();
  stopping = false;
  timers = /* @__PURE__ */ new Set();
  constructor(setup) {
    this.setup = setup;
    this.name = setup.name;
    this.namespace = setup.namespace;
    this.labels = setup.labels;
    this.spec = setup.spec;
    this.network = setup.network;
    for (const c of setup.spec.containers) {
      mkdirSync5(join5(setup.dir, "logs"), { recursive: true });
      this.containers.set(c.name, {
        spec: c,
        restarts: 0,
        ready: false,
        log: join5(setup.dir, "logs", `${c.name}.log`)
      });
    }
  }
  get ready() {
    return this.phase === "Running" && [...this.containers.values()].every((c) => c.ready);
  }
  get address() {
    return this.network.address;
  }
  start() {
    this.phase = "Running";
    for (const state of this.containers.values()) this.startContainer(state);
    this.setup.onChange();
  }
  startContainer(state) {
    const c = state.spec;
    const env = this.setup.env.get(c.name) ?? {};
    const argv = containerArgv(c).map((arg) => expand(arg, env));
    const command = c.command ? argv : ["docker-entrypoint.sh", ...argv];
    const specDir = join5(this.setup.dir, "containers", `${c.name}-${state.restarts}`);
    writeContainerSpec(specDir, {
      mounts: [...this.setup.extraMounts, ...containerMounts(c, this.spec, this.setup.volumes)],
      hide: this.setup.hide,
      hostname: this.name,
      container: c
    });
    const log = createWriteStream(state.log, { flags: "a" });
    const [program, ...args] = launchArgv(this.network.netns, specDir, command);
    const child = spawn2(program, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    state.process = child;
    state.exitCode = void 0;
    state.initPid = void 0;
    this.watchStart(state, specDir);
    child.on("close", (code, signal) => {
      log.end();
      state.process = void 0;
      state.initPid = void 0;
      state.ready = false;
      state.exitCode = code ?? (signal ? 128 + 9 : 1);
      this.containerExited(state);
    });
  }
  /** Finds the container's PID 1 once the launcher has built its filesystem, then starts the probes. */
  watchStart(state, specDir) {
    const child = state.process;
    const poll = setInterval(() => {
      if (!child || state.process !== child) return clearInterval(poll);
      if (!existsSync3(join5(specDir, "started"))) return;
      const pid = child.pid;
      const init = pid && Number(readFileSync2(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0]);
      if (!init) return;
      try {
        if (readlinkSync(`/proc/${init}/root`) === "/") return;
      } catch {
        return;
      }
      clearInterval(poll);
      state.initPid = init;
      this.startProbes(state);
    }, 20);
    this.timers.add(poll);
  }
  startProbes(state) {
    const readiness = state.spec.readinessProbe;
    const liveness = state.spec.livenessProbe;
    if (!readiness) {
      state.ready = true;
      this.setup.onChange();
    } else {
      this.probeLoop(state, readiness, (ok) => {
        if (ok !== state.ready) {
          state.ready = ok;
          this.setup.onChange();
        }
      });
    }
    if (liveness) {
      this.probeLoop(state, liveness, (ok) => {
        if (!ok && state.initPid) this.killTree(state, "SIGKILL");
      });
    }
  }
  probeLoop(state, probe, report) {
    const process2 = state.process;
    const period = (probe.periodSeconds ?? 10) * 1e3;
    const threshold = probe.failureThreshold ?? 3;
    let failures = 0;
    const tick = async () => {
      if (this.stopping || state.process !== process2) return;
      const target = {
        container: state.spec,
        netns: this.network.netns,
        address: this.address,
        exec: (command, timeoutMs) => this.exec(state.spec.name, command, timeoutMs)
      };
      const ok = await probeOnce(target, probe).catch(() => false);
      failures = ok ? 0 : failures + 1;
      if (ok || failures >= threshold) report(ok);
      const timer = setTimeout(tick, period);
      this.timers.add(timer);
    };
    const first = setTimeout(tick, (probe.initialDelaySeconds ?? 0) * 1e3);
    this.timers.add(first);
  }
  containerExited(state) {
    const policy = this.spec.restartPolicy ?? "Always";
    const restart = !this.stopping && (policy === "Always" || policy === "OnFailure" && state.exitCode !== 0);
    if (restart) {
      const wait = Math.min(3e4, 1e3 * 2 ** Math.min(state.restarts, 5));
      state.restarts++;
      const timer = setTimeout(() => {
        if (!this.stopping) this.startContainer(state);
      }, wait);
      this.timers.add(timer);
    } else if ([...this.containers.values()].every(
      (c) => c.process === void 0 && c.exitCode !== void 0
    )) {
      if (!this.stopping || this.phase === "Running") {
        this.phase = [...this.containers.values()].every((c) => c.exitCode === 0) ? "Succeeded" : "Failed";
      }
    }
    this.setup.onChange();
  }
  /** Runs a command in a running container: its namespaces, root, user and environment. */
  async exec(container, command, timeoutMs = 0, onOutput) {
    const state = this.containers.get(container);
    if (!state) throw new Error(`pod ${this.name} has no container "${container}"`);
    const deadline = Date.now() + 3e4;
    while (!state.initPid) {
      if (!state.process || Date.now() > deadline)
        throw new Error(`container ${container} of pod ${this.name} is not running`);
      await delay2(50);
    }
    const env = this.setup.env.get(container) ?? {};
    const workdir = state.spec.workingDir ?? "/";
    return run2(enterArgv(state.initPid, workdir, command), env, timeoutMs, onOutput);
  }
  killTree(state, signal) {
    const target = state.initPid ?? state.process?.pid;
    if (target) {
      try {
        process.kill(target, signal);
      } catch {
      }
    }
  }
  /** SIGTERM to every container, SIGKILL after the grace period. */
  async stop(graceMs) {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    const grace = graceMs ?? (this.spec.terminationGracePeriodSeconds ?? 30) * 1e3;
    const running = () => [...this.containers.values()].filter((c) => c.process);
    for (const state of running()) this.killTree(state, "SIGTERM");
    const deadline = Date.now() + grace;
    while (running().length > 0 && Date.now() < deadline) await delay2(50);
    for (const state of running()) {
      this.killTree(state, "SIGKILL");
      state.process?.kill("SIGKILL");
    }
    while (running().length > 0) await delay2(20);
  }
  logs(container) {
    const state = container ? this.containers.get(container) : this.containers.values().next().value;
    if (!state) throw new Error(`pod ${this.name} has no container "${container}"`);
    return existsSync3(state.log) ? readFileSync2(state.log, "utf8") : "";
  }
  /** "name: running|exited (exit code N), restarts R" for each container. */
  containerStates() {
    return [...this.containers.values()].map((c) => ({
      name: c.spec.name,
      state: c.process ? "running" : c.exitCode === void 0 ? "waiting" : `terminated (exit code ${c.exitCode})`,
      restarts: c.restarts
    }));
  }
  containerNames() {
    return [...this.containers.keys()];
  }
};

// src/local/runner/stand-ins.ts
var STAND_INS = projectPath("src/local/runner/stand-ins");
function runnerMounts(hostsFile) {
  return [
    { source: hostsFile, target: "/etc/hosts", readOnly: true },
    {
      source: `${STAND_INS}/docker-entrypoint.sh`,
      target: "/usr/local/bin/docker-entrypoint.sh",
      readOnly: true
    },
    { source: `${STAND_INS}/kubectl.sh`, target: "/usr/local/bin/kubectl", readOnly: true },
    {
      source: `${STAND_INS}/kubectl.mjs`,
      target: "/usr/local/lib/mcpgov-runner/kubectl.mjs",
      readOnly: true
    },
    { source: process.execPath, target: "/usr/local/lib/mcpgov-runner/node", readOnly: true }
  ];
}

// src/local/runner/pods.ts
var Pods = class {
  pods = /* @__PURE__ */ new Map();
  /** "namespace/pod" → the workload that made it: "StatefulSet/postgres", "Job/...", "Pod/...". */
  owners = /* @__PURE__ */ new Map();
  servers = /* @__PURE__ */ new Map();
  context;
  constructor(context) {
    this.context = context;
  }
  all() {
    return [...this.pods.values()];
  }
  find(namespace, name) {
    return this.pods.get(`${namespace}/${name}`);
  }
  ownedBy(owner, namespace) {
    return this.all().filter(
      (p) => p.namespace === namespace && this.owners.get(`${namespace}/${p.name}`) === owner
    );
  }
  matching(namespace, labels) {
    return this.all().filter(
      (p) => p.namespace === namespace && selects({ matchLabels: labels }, p.labels)
    );
  }
  /** Where a PersistentVolumeClaim's data lives on this machine, made for postgres when asked. */
  claimDir(namespace, name, create) {
    const dir = join6(this.context.dir, "claims", namespace, name);
    if (create && !existsSync4(dir)) {
      mkdirSync6(dir, { recursive: true, mode: 488 });
      const { uid, gid } = serviceUser();
      chownSync3(dir, uid, gid);
    }
    return dir;
  }
  async start(namespace, name, labels, spec, owner) {
    const { objects, network: networks } = this.context;
    const podKey = `${namespace}/${name}`;
    if (this.pods.has(podKey))
      throw new Error(`pod ${name} already exists in namespace ${namespace}`);
    for (const notice of keptNotEnforced(spec)) this.context.sayOnce(notice);
    const dir = join6(this.context.dir, "pods", `${namespace}-${name}`);
    rmSync2(dir, { recursive: true, force: true });
    mkdirSync6(dir, { recursive: true });
    const network = await networks.addPod();
    try {
      const lookup = {
        configMap: (n) => objects.get("ConfigMap", namespace, n),
        secret: (n) => objects.get("Secret", namespace, n)
      };
      const claim = (n) => objects.has("PersistentVolumeClaim", namespace, n) ? this.claimDir(namespace, n, true) : void 0;
      const volumes = prepareVolumes(spec, dir, { ...lookup, claim }, serviceUser());
      const serviceAccount = spec.serviceAccountName ?? "default";
      const identity = { name, namespace, address: network.address, serviceAccount };
      const env = podEnvironments(spec, identity, lookup);
      const extraMounts = runnerMounts(hostsFileOf(this.context.dir, namespace));
      if (this.hasApiToken(namespace, spec)) {
        const socket = join6(dir, "api.sock");
        this.servers.set(
          podKey,
          await serveApi(socket, this.apiBackend(), namespace, serviceAccount)
        );
        extraMounts.push({
          source: socket,
          target: "/run/mcpgov-runner/api.sock",
          readOnly: false
        });
      }
      const pod = new LocalPod({
        name,
        namespace,
        labels,
        spec,
        dir,
        network,
        volumes,
        env,
        extraMounts,
        hide: [this.context.dir],
        onChange: () => this.context.changed()
      });
      this.pods.set(podKey, pod);
      this.owners.set(podKey, owner);
      await this.context.ingress.update();
      pod.start();
      return pod;
    } catch (error) {
      this.pods.delete(podKey);
      this.owners.delete(podKey);
      await networks.removePod(network);
      throw new Error(`start pod ${name}: ${error.message}`, { cause: error });
    }
  }
  /** A pod gets an API token unless its pod spec or its ServiceAccount turns it off. */
  hasApiToken(namespace, spec) {
    if (spec.automountServiceAccountToken !== void 0) return spec.automountServiceAccountToken;
    const account = this.context.objects.get(
      "ServiceAccount",
      namespace,
      spec.serviceAccountName ?? "default"
    );
    return account?.automountServiceAccountToken !== false;
  }
  /** What a pod's API socket serves: the namespace's objects and exec into its pods. */
  apiBackend() {
    return {
      objects: (kind, namespace) => this.context.objects.ofKind(kind, namespace),
      exec: (r, onOutput) => {
        const target = this.find(r.namespace, r.pod);
        if (!target) throw new Error(`pods "${r.pod}" not found`);
        return target.exec(
          r.container || (target.containerNames()[0] ?? ""),
          r.command,
          0,
          onOutput
        );
      }
    };
  }
  async stop(namespace, name, graceMs) {
    const podKey = `${namespace}/${name}`;
    const pod = this.pods.get(podKey);
    if (!pod) return;
    await pod.stop(graceMs);
    const server = this.servers.get(podKey);
    if (server) await new Promise((resolve) => server.close(resolve));
    this.servers.delete(podKey);
    await this.context.network.removePod(pod.network);
    this.pods.delete(podKey);
    this.owners.delete(podKey);
    this.context.changed();
  }
  async stopAll(graceMs) {
    await Promise.all(this.all().map((p) => this.stop(p.namespace, p.name, graceMs)));
  }
};

// src/local/runner/workloads.ts
import { randomBytes as randomBytes2 } from "node:crypto";
function suffix() {
  return randomBytes2(3).toString("hex").slice(0, 5);
}
async function reconcile(pods, object, previous) {
  const namespace = object.metadata.namespace ?? "default";
  const owner = `${object.kind}/${object.metadata.name}`;
  const spec = object.spec;
  const template = spec.template;
  const start = (name) => pods.start(namespace, name, template.metadata?.labels ?? {}, template.spec, owner);
  const changedTemplate = previous && JSON.stringify(previous.spec.template) !== JSON.stringify(template);
  if (changedTemplate) {
    for (const pod of pods.ownedBy(owner, namespace)) await pods.stop(namespace, pod.name);
  }
  const want = spec.replicas ?? 1;
  const running = pods.ownedBy(owner, namespace);
  if (object.kind === "StatefulSet") {
    for (let i = 0; i < want; i++) {
      const name = `${object.metadata.name}-${i}`;
      if (!running.some((p) => p.name === name)) await start(name);
    }
    for (const pod of running) {
      if (Number(pod.name.split("-").pop()) >= want) await pods.stop(namespace, pod.name);
    }
  } else {
    for (let i = running.length; i < want; i++) await start(`${object.metadata.name}-${suffix()}`);
    for (const pod of running.slice(want)) await pods.stop(namespace, pod.name);
  }
}

// src/local/runner/local-cluster.ts
var STATE_PREFIX = "mcpgov-cluster-";
var LocalCluster = class _LocalCluster {
  dir;
  network;
  log;
  objects = new ObjectStore();
  pods;
  ingress;
  jobs = /* @__PURE__ */ new Map();
  said = /* @__PURE__ */ new Set();
  changes = new Changes();
  constructor(dir, network, log, enforceIngress) {
    this.dir = dir;
    this.network = network;
    this.log = log;
    this.ingress = new IngressEnforcement(enforceIngress, network, {
      policies: () => this.objects.ofKind("NetworkPolicy"),
      pods: () => this.pods.all(),
      namespaceLabels: (name) => this.objects.namespaceLabels(name),
      isCurrent: (pod) => this.pods.find(pod.namespace, pod.name) === pod
    });
    this.pods = new Pods({
      dir,
      network,
      objects: this.objects,
      ingress: this.ingress,
      sayOnce: (text) => this.sayOnce(text),
      changed: () => this.changed()
    });
  }
  /** Starts an empty local cluster, after removing what crashed runners left behind. */
  static async start(options = {}) {
    requireRoot();
    const log = options.log ?? (() => {
    });
    for (const name of await removeStaleNamespaces())
      log(`removed ${name}, left by a runner that is gone`);
    for (const entry of readdirSync2(tmpdir())) {
      const owner = new RegExp(`^${STATE_PREFIX}(\\d+)-`).exec(entry)?.[1];
      if (owner && !isAlive(Number(owner)))
        rmSync3(join7(tmpdir(), entry), { recursive: true, force: true });
    }
    const dir = mkdtempSync2(join7(tmpdir(), `${STATE_PREFIX}${process.pid}-`));
    for (const sub of ["pods", "claims"]) mkdirSync7(join7(dir, sub));
    const network = await Network.create();
    return new _LocalCluster(dir, network, log, options.enforceIngressPolicies === true);
  }
  sayOnce(text) {
    if (this.said.has(text)) return;
    this.said.add(text);
    this.log(text);
  }
  /** Every pod's /etc/hosts is written again, and the waits look again. */
  changed() {
    writeHostsFiles(this.dir, this.pods.all(), this.objects.all());
    this.changes.notify();
  }
  job(namespace, name) {
    return this.jobs.get(`${namespace}/${name}`);
  }
  // ---- objects -------------------------------------------------------------------------
  async apply(objects) {
    for (const object of objects) await this.applyOne(object);
  }
  async applyOne(object) {
    const { kind, metadata } = object;
    const namespace = metadata.namespace ?? "default";
    admit(object, this.ingress.enabled, (text) => this.sayOnce(text));
    const previous = this.objects.get(kind, namespace, metadata.name);
    if ((kind === "Job" || kind === "Pod") && previous) {
      if (kind === "Job" && this.changeTtl(previous, object)) return;
      if (JSON.stringify(previous.spec) !== JSON.stringify(object.spec)) {
        throw new Error(`apply ${kind}/${metadata.name}: spec is immutable; delete it first`);
      }
      return;
    }
    const stored = this.objects.put(object);
    if (kind === "PersistentVolumeClaim") this.pods.claimDir(namespace, metadata.name, true);
    if (kind === "NetworkPolicy") await this.ingress.update();
    if (kind === "StatefulSet" || kind === "Deployment")
      await reconcile(this.pods, stored, previous);
    if (kind === "Job") await this.startJob(stored);
    if (kind === "Pod") {
      const labels = stored.metadata.labels ?? {};
      await this.pods.start(
        namespace,
        metadata.name,
        labels,
        stored.spec,
        `Pod/${metadata.name}`
      );
    }
    this.changed();
  }
  /** A Job's time after it ends may change, unlike the rest of its spec: whether only it did. */
  changeTtl(previous, object) {
    const ttl = object.spec.ttlSecondsAfterFinished;
    if (ttl === previous.spec.ttlSecondsAfterFinished) return false;
    const spec = { ...previous.spec, ttlSecondsAfterFinished: ttl };
    if (JSON.stringify(spec) !== JSON.stringify(object.spec)) return false;
    this.objects.replace({ ...previous, spec });
    this.job(previous.metadata.namespace ?? "default", previous.metadata.name)?.keepFor(ttl);
    this.changed();
    return true;
  }
  async get(kind, namespace, name) {
    const object = this.objects.get(kind, namespace, name);
    if (!object) return void 0;
    if (kind === "Job") return { ...object, status: this.job(namespace, name)?.status() };
    if (kind === "StatefulSet" || kind === "Deployment") {
      const pods = this.pods.ownedBy(`${kind}/${name}`, namespace);
      return {
        ...object,
        status: { replicas: pods.length, readyReplicas: pods.filter((p) => p.ready).length }
      };
    }
    return structuredClone(object);
  }
  async list(kind, namespace, labels = {}) {
    if (kind === "Pod") {
      return this.pods.matching(namespace, labels).map((p) => ({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: p.name, namespace, labels: p.labels },
        status: { phase: p.phase, podIP: p.address, ready: p.ready }
      }));
    }
    const found = [];
    for (const object of this.objects.ofKind(kind, namespace)) {
      if (!selects({ matchLabels: labels }, object.metadata.labels)) continue;
      found.push(await this.get(kind, namespace, object.metadata.name) ?? object);
    }
    return found;
  }
  async delete(kind, namespace, name) {
    const object = this.objects.get(kind, namespace, name);
    if (kind === "Pod" && !object) {
      await this.pods.stop(namespace, name);
      return;
    }
    if (!object) throw new Error(`delete ${kind}/${name}: not found in namespace ${namespace}`);
    if (kind === "Job") {
      await this.job(namespace, name)?.stop();
      this.jobs.delete(`${namespace}/${name}`);
    }
    if (kind === "StatefulSet" || kind === "Deployment" || kind === "Pod") {
      for (const pod of this.pods.ownedBy(`${kind}/${name}`, namespace))
        await this.pods.stop(namespace, pod.name);
    }
    if (kind === "PersistentVolumeClaim")
      rmSync3(this.pods.claimDir(namespace, name, false), { recursive: true, force: true });
    this.objects.delete(kind, namespace, name);
    if (kind === "NetworkPolicy") await this.ingress.update();
    this.changed();
    const owners = new Set(this.objects.all().map((o) => o.metadata.uid));
    for (const dependent of this.objects.all())
      if (dependent.metadata.namespace === namespace && dependent.metadata.ownerReferences?.some((r) => r.uid === object.metadata.uid) && !dependent.metadata.ownerReferences.some((r) => owners.has(r.uid)))
        await this.delete(dependent.kind, namespace, dependent.metadata.name).catch(() => {
        });
  }
  /** Where a PersistentVolumeClaim's data lives on this machine. */
  claimPath(namespace, name) {
    return this.pods.claimDir(namespace, name, false);
  }
  // ---- workloads -------------------------------------------------------------------------
  async scale(namespace, kind, name, replicas) {
    const object = this.objects.get(kind, namespace, name);
    if (!object) throw new Error(`scale ${kind}/${name}: not found in namespace ${namespace}`);
    const updated = { ...object, spec: { ...object.spec, replicas } };
    this.objects.replace(updated);
    await reconcile(this.pods, updated, updated);
    this.changed();
  }
  async setSuspended(namespace, cronJob, suspended) {
    const object = this.objects.get("CronJob", namespace, cronJob);
    if (!object) throw new Error(`cronjob ${cronJob}: not found in namespace ${namespace}`);
    this.objects.replace({ ...object, spec: { ...object.spec, suspend: suspended } });
    this.changed();
  }
  async create(object) {
    const namespace = object.metadata.namespace ?? "default";
    const { kind, metadata } = object;
    if (this.objects.has(kind, namespace, metadata.name))
      throw new AlreadyExistsError(kind, namespace, metadata.name);
    await this.applyOne(object);
    return await this.get(kind, namespace, metadata.name);
  }
  async update(object) {
    const namespace = object.metadata.namespace ?? "default";
    const { kind, metadata } = object;
    const stored = this.objects.get(kind, namespace, metadata.name);
    if (stored?.metadata.resourceVersion !== heldVersion(object) || !stored)
      throw new ConflictError(kind, namespace, metadata.name);
    if (kind !== "ConfigMap" && kind !== "Lease")
      throw new Error(
        `update ${kind}/${metadata.name}: the local runner updates ConfigMaps and Leases only`
      );
    this.objects.replace(mergePatch(stored, object));
    this.changed();
    return await this.get(kind, namespace, metadata.name);
  }
  async startJob(object) {
    const job = new LocalJob(object, {
      startPod: (namespace, name, labels, spec, owner) => this.pods.start(namespace, name, labels, spec, owner),
      stopPod: (namespace, name) => this.pods.stop(namespace, name),
      changed: () => this.changed(),
      hasClaim: (namespace, name) => this.objects.has("PersistentVolumeClaim", namespace, name),
      expire: async () => {
        const { namespace = "default", name } = object.metadata;
        this.log(`job/${name} removed: its ttlSecondsAfterFinished after it ended is over`);
        await this.delete("Job", namespace, name);
      }
    });
    this.jobs.set(`${object.metadata.namespace ?? "default"}/${object.metadata.name}`, job);
    await job.start();
  }
  waitForJob(namespace, name, timeoutMs) {
    if (!this.job(namespace, name))
      return Promise.reject(new Error(`wait for job/${name}: not found in namespace ${namespace}`));
    return this.changes.until(
      `job/${name} to complete`,
      timeoutMs,
      () => this.job(namespace, name)?.result
    );
  }
  async waitForPodsReady(namespace, labels, timeoutMs) {
    const selector = Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
    await this.changes.until(`pods ${selector} to be ready`, timeoutMs, () => {
      const pods = this.pods.matching(namespace, labels);
      return pods.length > 0 && pods.every((p) => p.ready) ? true : void 0;
    });
  }
  // ---- pods ------------------------------------------------------------------------------
  async logs(namespace, target, container) {
    const pod = target.startsWith("job/") ? this.job(namespace, target.slice(4))?.pods.at(-1) : this.pods.find(namespace, target);
    if (!pod) throw new Error(`logs ${target}: no pod found in namespace ${namespace}`);
    return pod.logs(container);
  }
  async exec({ namespace, pod, container }, command) {
    const found = this.pods.find(namespace, pod);
    if (!found) throw new Error(`pods "${pod}" not found in namespace ${namespace}`);
    return found.exec(container || (found.containerNames()[0] ?? ""), command);
  }
  async describeJob(namespace, name) {
    const job = this.job(namespace, name);
    if (!job) throw new Error(`describe job/${name}: not found in namespace ${namespace}`);
    const pods = job.pods.map((pod) => ({
      name: pod.name,
      phase: pod.phase,
      containers: pod.containerStates()
    }));
    const reason = job.result?.reason;
    const events = reason ? [{ object: `Job/${name}`, type: "Warning", reason, message: job.result?.message ?? "" }] : [];
    return { pods, events };
  }
  /** Stops every pod and removes every namespace and directory the cluster made. */
  async shutdown() {
    for (const job of this.jobs.values()) await job.stop();
    await this.pods.stopAll(1e4);
    await this.network.destroy();
    rmSync3(this.dir, { recursive: true, force: true });
  }
};

// src/local/runner/open.ts
async function openLocalCluster(log) {
  const cluster = await LocalCluster.start({ log: (line) => log(`runner: ${line}`) });
  return { cluster, close: () => cluster.shutdown() };
}
export {
  openLocalCluster
};
