import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);
var __create = Object.create;
var __defProp = Object.defineProperty;
var __getOwnPropDesc = Object.getOwnPropertyDescriptor;
var __getOwnPropNames = Object.getOwnPropertyNames;
var __getProtoOf = Object.getPrototypeOf;
var __hasOwnProp = Object.prototype.hasOwnProperty;
var __require = /* @__PURE__ */ ((x) => typeof require !== "undefined" ? require : typeof Proxy !== "undefined" ? new Proxy(x, {
  get: (a, b) => (typeof require !== "undefined" ? require : a)[b]
}) : x)(function(x) {
  if (typeof require !== "undefined") return require.apply(this, arguments);
  throw Error('Dynamic require of "' + x + '" is not supported');
});
var __commonJS = (cb, mod) => function __require2() {
  try {
    return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
  } catch (e) {
    throw mod = 0, e;
  }
};
var __copyProps = (to, from, except, desc) => {
  if (from && typeof from === "object" || typeof from === "function") {
    for (let key of __getOwnPropNames(from))
      if (!__hasOwnProp.call(to, key) && key !== except)
        __defProp(to, key, { get: () => from[key], enumerable: !(desc = __getOwnPropDesc(from, key)) || desc.enumerable });
  }
  return to;
};
var __toESM = (mod, isNodeMode, target) => (target = mod != null ? __create(__getProtoOf(mod)) : {}, __copyProps(
  // If the importer is in node compatibility mode or this is not an ESM
  // file that has been converted to a CommonJS file using a Babel-
  // compatible transform (i.e. "__esModule" has not been set), then set
  // "default" to the CommonJS "module.exports" for node compatibility.
  isNodeMode || !mod || !mod.__esModule ? __defProp(target, "default", { value: mod, enumerable: true }) : target,
  mod
));

// src/core/user-error.ts
var UserError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "UserError";
  }
};

// src/core/cluster.ts
function describedText(job, description) {
  const lines = description.pods.flatMap((pod) => [
    `pod ${pod.name}: ${pod.phase}`,
    ...pod.containers.map((c) => `  container ${c.name}: ${c.state}, restarts ${c.restarts}`)
  ]);
  for (const e of description.events)
    lines.push(`event ${e.object}: ${e.type} ${e.reason}: ${e.message}`);
  return lines.join("\n") || `no pods or events found for job/${job}`;
}
var AlreadyExistsError = class extends Error {
  constructor(kind, namespace, name) {
    super(`${kind}/${name} already exists in namespace ${namespace}`);
    this.name = "AlreadyExistsError";
  }
};
var ConflictError = class extends Error {
  constructor(kind, namespace, name) {
    super(`${kind}/${name} in namespace ${namespace} changed since it was read`);
    this.name = "ConflictError";
  }
};
function namespaceMissing(error, namespace) {
  const { code, message } = error;
  if (code !== 404 || !String(message).includes(`namespaces "${namespace}" not found`)) return;
  return new UserError(
    `namespace ${namespace} does not exist: a cluster admin creates it, with its Pod Security labels, from the manifests' namespace.yaml (kubectl kustomize <overlay> | kubectl apply -l app.kubernetes.io/component=namespace -f -), then runs this again`
  );
}
function heldVersion(object) {
  const { resourceVersion } = object.metadata;
  if (!resourceVersion)
    throw new Error(
      `update ${object.kind}/${object.metadata.name}: no resourceVersion to hold it to`
    );
  return resourceVersion;
}
async function written(write, refusal) {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof refusal) return false;
    throw error;
  }
}
function createIfAbsent(cluster, object) {
  return written(() => cluster.create(object), AlreadyExistsError);
}
function mergePatch(target, patch) {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const merged = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = mergePatch(merged[key], value);
  }
  return merged;
}

// src/core/names/kinds.ts
var BACKUP_TYPES = ["full", "diff", "incr"];
function workloadText(workload) {
  return `${workload.kind.toLowerCase()}/${workload.name}`;
}
var JOB_OUTCOMES = ["Complete", "Failed"];
function terminalCondition(conditions) {
  return conditions?.find(
    (c) => JOB_OUTCOMES.includes(c.type) && c.status === "True"
  );
}
function endedConditions(outcome, reason, message) {
  return [{ type: outcome, status: "True", reason, message }];
}

// src/core/names/objects.ts
var POSTGRES = {
  statefulSet: "postgres",
  pod: "postgres-0",
  container: "postgres",
  claim: "postgres-data",
  labels: { app: "postgres" },
  /** The database that is always there, where operations run their SQL. */
  database: "postgres",
  /** The superuser psql connects as, over the pod's Unix socket. */
  user: "postgres",
  /** The postgres user's uid in the official PostgreSQL image; pgBackRest's pods run as it too. */
  uid: 999
};
var POSTGRES_WORKLOAD = { kind: "StatefulSet", name: POSTGRES.statefulSet };
var PGBACKREST_IMAGE = "ghcr.io/org/mcpgov-backup-pgbackrest";
var PGBACKREST_CONFIG = {
  configMap: "pgbackrest-config",
  stanzaKey: "stanza",
  /** pgbackrest.conf, which holds each repository's retention (core/retention.ts). */
  confKey: "pgbackrest.conf"
};
var POLICY_PARAMETERS = [
  "mcpgov-backup-bot-jobs",
  "mcpgov-backup-action-jobs"
];
var LOCK_NAME = "mcpgov-backup-lock";
var INFO_TEMPLATE = "pgbackrest-info";
var CLONE_TEMPLATE = "mcpgov-clone";
var OFFSITE_VALIDATION_CRONJOB = "pgbackrest-restore-validation-s3";
var OFFSITE_REPO = 2;
var DRILL_PUSHGATEWAY = { service: "pgbackrest-metrics", port: 9093 };
var DRILL_PUSH_ACCOUNT = "pgbackrest-restore-validation";

// src/core/manifests/pod.ts
function jobTemplateOf(object) {
  return object.kind === "CronJob" ? object.spec?.jobTemplate : void 0;
}
function jobSpecPath(kind) {
  return kind === "CronJob" ? "spec.jobTemplate.spec" : "spec";
}
function podTemplateOf(object) {
  switch (object.kind) {
    case "Job":
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
      return object.spec?.template;
    case "CronJob":
      return jobTemplateOf(object)?.spec?.template;
    default:
      return void 0;
  }
}
function podSpecOf(object) {
  if (object.kind === "Pod") return object.spec;
  return podTemplateOf(object)?.spec;
}
function podSpecPath(kind) {
  if (kind === "Pod") return "spec";
  return `${kind === "CronJob" ? jobSpecPath(kind) : "spec"}.template.spec`;
}
function containersOf(spec) {
  return [...spec.initContainers ?? [], ...spec.containers];
}
function containerArgv(container) {
  return [...container.command ?? [], ...container.args ?? []];
}

// src/core/paths.ts
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
var root;
function projectRoot() {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, "utf8")).name === "mcpgov-backup") {
      root = dir;
      return dir;
    }
  }
  throw new Error("cannot find the mcpgov-backup checkout (package.json) above this module");
}
function projectPath(...parts) {
  return join(projectRoot(), ...parts);
}

export {
  __require,
  __commonJS,
  __toESM,
  UserError,
  describedText,
  AlreadyExistsError,
  ConflictError,
  namespaceMissing,
  heldVersion,
  written,
  createIfAbsent,
  mergePatch,
  BACKUP_TYPES,
  workloadText,
  terminalCondition,
  endedConditions,
  POSTGRES,
  POSTGRES_WORKLOAD,
  PGBACKREST_IMAGE,
  PGBACKREST_CONFIG,
  POLICY_PARAMETERS,
  LOCK_NAME,
  INFO_TEMPLATE,
  CLONE_TEMPLATE,
  OFFSITE_VALIDATION_CRONJOB,
  OFFSITE_REPO,
  DRILL_PUSHGATEWAY,
  DRILL_PUSH_ACCOUNT,
  jobTemplateOf,
  podTemplateOf,
  podSpecOf,
  podSpecPath,
  containersOf,
  containerArgv,
  projectPath
};
