// The Action's own identity (manifests/action/): its Role holds exactly the calls the
// Action's operations make. Every operation runs on the local cluster runner through a
// recording Cluster, for a database that is not the default one (examples/second-database:
// namespace ledger-db, stanza ledger). Nothing the Action asks is outside the Role, nothing
// in the Role goes unused, and the Role holds every right of the Roles the Action applies
// (the API server lets no one grant more than they hold).
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { manifestObjects } from "../../src/core/manifests/per-cluster-secrets.ts";
import { projectPath } from "../../src/core/paths.ts";
import { runActionSteps } from "../support/action-run.ts";
import { localClusterForFile, TIMEOUT } from "../support/e2e-cluster.ts";
import {
  type NamespacedAccess,
  notAllowedBy,
  type PolicyRule,
  recordingCluster,
  rightsOf,
  unusedRights,
} from "../support/rbac.ts";

const NAMESPACE = "ledger-db";
const e2e = localClusterForFile();
let accesses: NamespacedAccess[] = [];
let deployed: KubeObject[] = [];

const actionRules = (loadManifestFile(projectPath("manifests", "action", "action-rbac.yaml"))
  .map((d) => d.object as KubeObject)
  .find((o) => o.kind === "Role")?.rules ?? []) as PolicyRule[];

beforeAll(async () => {
  const objects = manifestObjects(projectPath("examples", "second-database"));
  // The namespace and the Secrets are made per cluster before the Action runs, by an admin
  // (namespace.yaml, scripts/make-tls-secrets.sh, the .example files): not the Action's calls.
  const admins = (o: KubeObject) => o.kind === "Secret" || o.kind === "Namespace";
  await e2e.cluster.apply(objects.filter(admins));
  deployed = objects.filter((o) => !admins(o));
  const recorded = recordingCluster(e2e.cluster);
  await runActionSteps(
    recorded.cluster,
    {
      operations: "deploy verify backup validate status mark clone drop-clone",
      "restore-point": "before-migration-42",
      "clone-point": "mark:before-migration-42",
      "clone-ttl": "1h",
      cluster: "local",
      namespace: NAMESPACE,
      stanza: "ledger",
      "timeout-minutes": "5",
    },
    deployed,
    // Renewed often, so that the run renews the lock it holds (a patch of the Lease).
    500,
  );
  accesses = recorded.accesses;
}, TIMEOUT.setUp);

describe("the Action's Role (manifests/action/action-rbac.yaml)", () => {
  it("allows every call deploy, verify, backup, validate, status, mark, clone and drop-clone made, all in the database's namespace", () => {
    expect(new Set(accesses.map((a) => a.namespace))).toEqual(new Set([NAMESPACE]));
    expect(notAllowedBy(actionRules, accesses)).toEqual([]);
  });

  it("refuses a relabel of its namespace: it may not switch Pod Security off", () => {
    const relabel = { verb: "patch", group: "", resource: "namespaces", name: NAMESPACE };
    expect(notAllowedBy(actionRules, [relabel])).toEqual([`patch namespaces ${NAMESPACE}`]);
    expect(accesses.filter((a) => a.resource === "namespaces")).toEqual([]);
  });

  it("grants nothing those calls did not use", () => {
    // What this run had no occasion for: get on pods, which it holds to grant it
    // (pgbackrest-backup's Role). Every wait may read a stuck pod's events.
    expect(unusedRights(actionRules, accesses)).toEqual(["get pods"]);
  });

  it("holds every right of the Roles deploy applies, so that applying them is no escalation", () => {
    const granted = deployed
      .filter((o) => o.kind === "Role")
      .flatMap((role) => rightsOf((role.rules ?? []) as PolicyRule[]));
    expect(granted.length).toBeGreaterThan(0);
    expect(notAllowedBy(actionRules, granted)).toEqual([]);
  });
});
