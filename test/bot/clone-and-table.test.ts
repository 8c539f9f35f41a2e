// /restore clone, /restore drop and /restore table: a clone of one database beside
// production, how to reach it and when it goes, removed when its time is up and no other;
// options and ids that are not ones refused before anything runs; a table copied back
// beside production with its counts, production never stopped.
import { describe, expect, it } from "vitest";
import { createBot } from "../../src/bot/app.ts";
import { operationId } from "../../src/bot/records.ts";
import type { KubeObject } from "../../src/core/cluster.ts";
import { commentPayload, deliver, testSettings } from "../../src/fakes/github.ts";
import { baseObject } from "../support/base.ts";
import { bot, fake, github, HOUR, NS, now, probot, setup, workJobs } from "./harness.ts";

describe("/restore clone, /restore drop and /restore table", () => {
  /** The clone restore Job's report, as scripts/restore-validation.sh --clone prints it. */
  const report = JSON.stringify(
    {
      schema: "mcpgov-backup/restore-validation/v1",
      status: "passed",
      reason: null,
      rtoSeconds: 4.2,
      backup: { label: "20261124-010000F", repo: 1 },
      recovery: { recoveredTo: "2026-11-24T12:59:59.000000Z", timeline: 2 },
      checks: [],
    },
    null,
    2,
  );

  async function setupClones() {
    await setup({ roles: { alice: "admin", bob: "write" } });
    await fake.apply([
      baseObject("StatefulSet", "postgres"),
      baseObject("PersistentVolumeClaim", "postgres-data"),
    ]);
    const job = fake.behaviour.job;
    fake.behaviour.job = (j) =>
      j.metadata.name.startsWith("mcpgov-clone-")
        ? { outcome: "Complete", logs: `restore-validation: PASSED\n${report}\n` }
        : (job?.(j) ?? { outcome: "Complete", logs: "" });
  }

  const cloneObjectsNow = async () =>
    (
      await Promise.all(
        ["Job", "NetworkPolicy", "Service", "PersistentVolumeClaim"].map((kind) =>
          fake.list(kind, NS, { "app.kubernetes.io/component": "clone" }),
        ),
      )
    )
      .flat()
      .map((o) => `${o.kind}/${o.metadata.name}`);

  it("makes a clone of one database, says how to reach it and when it goes, and drops it", async () => {
    await setupClones();
    const time = new Date(now - 2 * HOUR).toISOString();
    const payload = commentPayload(`/restore clone ${time} db=mcpgov ttl=2h`);
    await deliver(probot, bot, payload);
    const id = operationId(payload.comment.id);
    const body = github.latest().at(-1) ?? "";
    expect(body).toContain(`🧪 Clone \`${id}\` holds production as at **`);
    expect(body).toContain("(database `mcpgov` only)");
    expect(body).toContain(
      `\`kubectl -n ${NS} port-forward svc/mcpgov-clone-${id} 5433:5432\`, then \`psql -h localhost -p 5433 -U postgres -d mcpgov\``,
    );
    // In the cluster, the Service qualified with its namespace (L2): a bare name goes to
    // whatever a search domain of the client's pod finds first.
    expect(body).toContain(`connects to \`mcpgov-clone-${id}.${NS}.svc:5432\``);
    expect(body).not.toContain(`mcpgov-clone-${id}:5432`);
    expect(body).toMatch(/it goes at \*\*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\*\*/);
    expect(await cloneObjectsNow()).toEqual([
      `Job/mcpgov-clone-${id}-restore`,
      `Job/mcpgov-clone-${id}`,
      `NetworkPolicy/mcpgov-clone-${id}`,
      `Service/mcpgov-clone-${id}`,
      `PersistentVolumeClaim/mcpgov-clone-${id}`,
    ]);
    type Args = { template: { spec: { containers: { args: string[] }[] } } };
    const restore = workJobs().find((j) => j.metadata.name === `mcpgov-clone-${id}-restore`);
    const args = (restore?.spec as Args | undefined)?.template.spec.containers[0]?.args ?? [];
    expect(args).toEqual(expect.arrayContaining(["--clone", "--db-include", "mcpgov"]));
    const server = (await fake.get("Job", NS, `mcpgov-clone-${id}`)) as KubeObject;
    // The server stops itself after its two hours, whoever is still there.
    const deadline = (server.spec as { activeDeadlineSeconds: number }).activeDeadlineSeconds;
    expect(deadline).toBeGreaterThan(7100);
    expect(deadline).toBeLessThanOrEqual(7200);
    // With no bot or Action left, Kubernetes removes the rest: the server a minute after
    // its deadline; the claim (production's data), Service and policy with the restore Job
    // that owns them, which goes when the clone's time is up.
    expect((server.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished).toBe(60);
    const restoreJob = (await fake.get("Job", NS, `mcpgov-clone-${id}-restore`)) as KubeObject;
    const keep = (restoreJob.spec as { ttlSecondsAfterFinished?: number }).ttlSecondsAfterFinished;
    // The clone's two hours, and two minutes for its server to stop first.
    expect(keep).toBeGreaterThan(7100 + 120);
    expect(keep).toBeLessThanOrEqual(7200 + 120);
    expect(restoreJob.metadata.uid).toBeTruthy();
    for (const kind of ["PersistentVolumeClaim", "Service", "NetworkPolicy"])
      expect([
        kind,
        (await fake.get(kind, NS, `mcpgov-clone-${id}`))?.metadata.ownerReferences,
      ]).toEqual([
        kind,
        [
          {
            apiVersion: "batch/v1",
            kind: "Job",
            name: `mcpgov-clone-${id}-restore`,
            uid: restoreJob.metadata.uid,
          },
        ],
      ]);
    // Production was not touched: nothing scaled, no restore Job for it.
    expect(fake.scaled).toEqual([]);

    await deliver(probot, bot, commentPayload(`/restore drop ${id}`));
    expect(github.latest().at(-1)).toContain(`🗑️ Clone \`${id}\` removed:`);
    expect(await cloneObjectsNow()).toEqual([]);
    await deliver(probot, bot, commentPayload(`/restore drop ${id}`));
    expect(github.latest().at(-1)).toContain(`There is no clone ${id}. There are no clones.`);
  });

  it("makes the server from the overlay's template as the cluster holds it, and refuses without one, touching nothing", async () => {
    await setupClones();
    // The overlay's own label, as its kustomization puts it on the template.
    const template = (await fake.get("CronJob", NS, "mcpgov-clone")) as KubeObject;
    template.metadata.labels = { ...template.metadata.labels, team: "ledger" };
    // And the uid the API server gives it, by which an owner is named.
    (template.metadata as { uid?: string }).uid = "uid-mcpgov-clone";
    await fake.apply([template]);
    const payload = commentPayload("/restore clone latest ttl=1h");
    await deliver(probot, bot, payload);
    const id = operationId(payload.comment.id);
    for (const kind of ["Job", "NetworkPolicy", "Service", "PersistentVolumeClaim"])
      expect([
        kind,
        (await fake.get(kind, NS, `mcpgov-clone-${id}`))?.metadata.labels?.team,
      ]).toEqual([kind, "ledger"]);
    const server = (await fake.get("Job", NS, `mcpgov-clone-${id}`)) as KubeObject;
    // Owned by no template: a clone outlives its template being made again.
    expect(server.metadata).not.toHaveProperty("ownerReferences");

    await fake.delete("CronJob", NS, "mcpgov-clone");
    const before = await cloneObjectsNow();
    await deliver(probot, bot, commentPayload("/restore clone latest ttl=1h"));
    expect(github.latest().at(-1)).toContain(
      `CronJob mcpgov-clone not found in ${NS}: a clone's server is made from it; deploy the overlay (kubectl apply -k) first`,
    );
    expect(await cloneObjectsNow()).toEqual(before);
  });

  it("removes clones whose time is up, at start and after, and no other", async () => {
    await setupClones();
    const payload = commentPayload("/restore clone latest ttl=1h");
    await deliver(probot, bot, payload);
    const id = operationId(payload.comment.id);
    const said: string[] = [];
    await bot.reapClones((line) => said.push(line));
    expect(said).toEqual([]);
    expect(await cloneObjectsNow()).toHaveLength(5);
    // An hour later (a new bot process reads the expiry from the objects themselves).
    for (const object of fake.objects.values())
      if (object.metadata.labels?.["mcpgov-backup/clone"] === id)
        object.metadata.annotations = {
          ...object.metadata.annotations,
          "mcpgov-backup/expires-at": new Date(Date.now() - 1000).toISOString(),
        };
    const restarted = createBot({ cluster: fake, settings: testSettings() });
    await restarted.reapClones((line) => said.push(line));
    expect(said).toEqual([`target governance: removed clone ${id}: its time was up`]);
    expect(await cloneObjectsNow()).toEqual([]);
    expect(await fake.get("StatefulSet", NS, "postgres")).toBeDefined();
  });

  it("refuses clone options and ids that are not ones, before anything runs", async () => {
    await setupClones();
    for (const [body, refusal] of [
      ["/restore clone latest db=Bad;name", "Bad;name&quot; is not a database name"],
      ["/restore clone latest ttl=3d", "3d&quot; is not a time to live"],
      ["/restore drop ../etc", "`/restore drop` needs the id of a clone"],
      ["/restore clone", "`/restore clone` needs the point to copy"],
      ["/restore table public.x;drop latest", "public.x;drop&quot; is not a table"],
      ["/restore table public.policies", "`/restore table` needs the table and the point"],
    ]) {
      await deliver(probot, bot, commentPayload(body ?? ""));
      expect([body, github.latest().at(-1)]).toEqual([
        body,
        expect.stringContaining(refusal ?? ""),
      ]);
    }
    expect(workJobs()).toEqual([]);
  });

  it("refuses a bad db=, point or table from someone with the restore right before any record, exec, Job or read of the repository", async () => {
    await setupClones();
    for (const [body, refusal] of [
      ["/restore clone latest db=Bad-Name", "Bad-Name&quot; is not a database name"],
      ["/restore clone latest db=a;b", "a;b&quot; is not a database name"],
      ["/restore clone 2026-11-24 25:00:00+00 db=mcpgov", "there is no such date or time"],
      ["/restore clone mark:x';drop db=mcpgov", "is not a mark name"],
      ["/restore pitr yesterday", "cannot read &quot;yesterday&quot; as a point in time"],
      ["/restore pitr mark:x';drop", "is not a mark name"],
      ["/restore table public.x;drop latest", "public.x;drop&quot; is not a table"],
      ["/restore table public.policies yesterday", "cannot read &quot;yesterday&quot;"],
    ]) {
      await deliver(probot, bot, commentPayload(body ?? "", { user: "alice" }));
      expect([body, github.latest().at(-1)]).toEqual([
        body,
        expect.stringContaining(refusal ?? ""),
      ]);
    }
    // Not a record, not a lock read, not a WAL switch, not a pgbackrest info Job. (The
    // person's text comes back inert: HTML-escaped, so GitHub shows the quotes.)
    expect(fake.calls).toEqual([]);
    // The right comes first: someone without it learns nothing about the arguments.
    await deliver(
      probot,
      bot,
      commentPayload("/restore clone latest db=Bad-Name", { user: "bob" }),
    );
    expect(github.latest().at(-1)).toBe("@bob: `/restore clone` needs admin; you have write");
    expect(fake.calls).toEqual([]);
  });

  it("plans a table back, and on confirmation copies it beside production with its counts", async () => {
    await setupClones();
    const exec = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      const last = command.at(-1) ?? "";
      if (command[0] === "sh" && command[2]?.startsWith("printf")) return out("mcpgov");
      if (command[3] === "in-clone")
        return out(last.includes("to_regclass") ? "t" : last.includes("count") ? "12\n" : "");
      if (command[3] === "restore-table") return out("");
      if (last.includes("to_regclass('public.governance_policies_restored_")) return out("f");
      if (last.includes("to_regclass('public.governance_policies')")) return out("f");
      if (last.includes("select count(*) from public.governance_policies_restored_"))
        return out("12");
      return exec?.(pod, command) ?? out("");
    };
    const time = new Date(now - 2 * HOUR).toISOString();
    const payload = commentPayload(`/restore table public.governance_policies ${time}`);
    await deliver(probot, bot, payload);
    const plan = github.latest().at(-1) ?? "";
    expect(plan).toContain(
      "**Plan — nothing has changed yet.** Copy table `public.governance_policies`",
    );
    expect(plan).toContain("production is **not stopped and not rewound**");
    expect(workJobs()).toEqual([]);

    const id = operationId(payload.comment.id);
    await deliver(probot, bot, commentPayload(`/restore confirm ${id}`));
    const done = github.latest().at(-1) ?? "";
    expect(done).toMatch(
      /✅ `mcpgov\.public\.governance_policies_restored_\d{8}t\d{6}` holds \*\*12 rows\*\*, exactly the 12 that `public\.governance_policies` had at /,
    );
    expect(done).toMatch(
      /put it in the table's place: `alter table public\.governance_policies_restored_\d{8}t\d{6} rename to governance_policies;`/,
    );
    // Copied in production's pod, from the clone, names as arguments, not in the script;
    // the clone by its Service's name qualified with the namespace (production's password
    // goes there, so not to whatever a search domain finds first).
    const copy = fake.execs.find((e) => e.command[3] === "restore-table");
    expect(copy?.pod).toBe("postgres-0");
    const counted = fake.execs.find((e) => e.command[3] === "in-clone");
    expect(counted?.command[4]).toBe(`mcpgov-clone-${id}.${NS}.svc`);
    expect(copy?.command.slice(4)).toEqual([
      `mcpgov-clone-${id}.${NS}.svc`,
      "mcpgov",
      "public.governance_policies",
      expect.stringMatching(/^public\.governance_policies_restored_\d{8}t\d{6}$/),
      "12",
    ]);
    expect(fake.scaled).toEqual([]);
    expect(await cloneObjectsNow()).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("says production has no copy when the copy fails midway, and a retry copies the table", async () => {
    await setupClones();
    const exec = fake.behaviour.exec;
    let copyFails = true;
    const dropped: string[] = [];
    fake.behaviour.exec = (pod, command) => {
      const out = (stdout: string, code = 0, stderr = "") => ({ code, stdout, stderr });
      const last = command.at(-1) ?? "";
      if (command[0] === "sh" && command[2]?.startsWith("printf")) return out("mcpgov");
      if (command[3] === "in-clone")
        return out(last.includes("to_regclass") ? "t" : last.includes("count") ? "12\n" : "");
      if (command[3] === "restore-table")
        return copyFails ? out("", 1, "pg_dump: error: connection lost") : out("");
      if (last.startsWith("drop table if exists")) dropped.push(last);
      if (last.includes("to_regclass('public.governance_policies_restored_")) return out("f");
      if (last.includes("to_regclass('public.governance_policies')")) return out("f");
      if (last.includes("select count(*) from public.governance_policies_restored_"))
        return out("12");
      return exec?.(pod, command) ?? out("");
    };
    const time = new Date(now - 2 * HOUR).toISOString();
    const attempt = async () => {
      const payload = commentPayload(`/restore table public.governance_policies ${time}`);
      await deliver(probot, bot, payload);
      await deliver(
        probot,
        bot,
        commentPayload(`/restore confirm ${operationId(payload.comment.id)}`),
      );
      // The comment's Markdown escapes _: read as it shows.
      return (github.latest().at(-1) ?? "").replaceAll("\\_", "_");
    };

    const failed = await attempt();
    expect(failed).toContain("pg_dump: error: connection lost");
    expect(failed).toMatch(
      /Production has no mcpgov\.public\.governance_policies_restored_\d{8}t\d{6} \(checked\): nothing was written, and planning again retries/,
    );
    expect(failed).not.toContain("holds **");
    expect(dropped).toEqual([
      expect.stringMatching(
        /^drop table if exists public\.governance_policies_restored_\d{8}t\d{6}$/,
      ),
    ]);
    expect(await cloneObjectsNow()).toEqual([]);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();

    copyFails = false;
    expect(await attempt()).toMatch(
      /✅ `mcpgov\.public\.governance_policies_restored_\d{8}t\d{6}` holds \*\*12 rows\*\*/,
    );
  });

  it("offers the missing rows back, and the changed ones as a choice of their own that names them", async () => {
    await setupClones();
    const exec = fake.behaviour.exec;
    fake.behaviour.exec = (pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      const last = command.at(-1) ?? "";
      if (command[0] === "sh" && command[2]?.startsWith("printf")) return out("mcpgov");
      if (command[3] === "in-clone")
        return out(last.includes("to_regclass") ? "t" : last.includes("count") ? "12\n" : "");
      if (command[3] === "restore-table") return out("");
      if (last.includes("to_regclass('public.governance_policies_restored_")) return out("f");
      if (last.includes("to_regclass('public.governance_policies')")) return out("t");
      if (last.includes("from pg_constraint")) return out('["id"]');
      if (last.includes("from pg_attribute")) return out('["id", "rule"]');
      if (last.includes("where not exists")) return out("3");
      if (last.includes("row_number()")) return out('{"rows": 2, "keys": ["(20)", "(21)"]}');
      if (last.includes("select count(*) from public.governance_policies_restored_"))
        return out("12");
      if (last.includes("select count(*) from public.governance_policies")) return out("11");
      return exec?.(pod, command) ?? out("");
    };
    const time = new Date(now - 2 * HOUR).toISOString();
    const payload = commentPayload(`/restore table public.governance_policies ${time}`);
    await deliver(probot, bot, payload);
    await deliver(
      probot,
      bot,
      commentPayload(`/restore confirm ${operationId(payload.comment.id)}`),
    );
    const done = (github.latest().at(-1) ?? "").replaceAll("\\_", "_");
    expect(done).toMatch(
      /or add back its 3 rows missing from the live table, leaving every row there as it is: `insert into public\.governance_policies \(id, rule\) select id, rule from public\.governance_policies_restored_\d{8}t\d{6} on conflict \(id\) do nothing;`/,
    );
    expect(done).toMatch(
      /2 rows differ from the point \(key 20, 21; all of them: `select r\.id from .*`\)\. Taking the point's values \*\*overwrites what was written to them since\*\*; only if that is what you want: `update public\.governance_policies l set rule = r\.rule from .* where l\.id = r\.id and \(l\.rule\) is distinct from \(r\.rule\);`/,
    );
  });
});
