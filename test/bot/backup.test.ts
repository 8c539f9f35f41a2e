// /backup against GitHub's and the cluster's contracts: one Job from the CronJob,
// annotated, and one status comment edited to its result; /backup status per repository;
// a failed Job shown with its pods, events and log tail, never a secret from it, and
// within GitHub's comment size. Real backups are in test/e2e/bot.test.ts.
import { describe, expect, it } from "vitest";
import { operationId } from "../../src/bot/records.ts";
import { commentPayload, deliver, INSTALLATION_TOKEN } from "../../src/fakes/github.ts";
import { sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import {
  baseConf,
  bot,
  endWorkJobs,
  fake,
  github,
  HOUR,
  info,
  isInfoJob,
  NS,
  now,
  operation,
  probot,
  serveConf,
  serveInfo,
  setup,
  workJobs,
} from "./harness.ts";

// biome-ignore lint/suspicious/noExplicitAny: a Job's spec as the fake holds it
type Any = any;

describe("/backup", () => {
  it("runs one Job from the CronJob, annotated, and edits one status comment to the result", async () => {
    await setup();
    const payload = commentPayload("/backup full", { user: "bob" });
    await deliver(probot, bot, payload, "delivery-full-1");
    expect(github.reactions).toEqual(["eyes"]);
    // Besides the Jobs that read the repository (pgbackrest info) after it.
    expect(workJobs().map((j) => j.metadata.name)).toEqual([
      `pgbackrest-bot-${operationId(payload.comment.id)}-full`,
    ]);
    const annotations = workJobs()[0]?.metadata.annotations;
    expect(annotations).toMatchObject({
      "mcpgov-backup/requested-by": "bob",
      "mcpgov-backup/request-url": payload.comment.html_url,
      "mcpgov-backup/delivery-id": "delivery-full-1",
      "cronjob.kubernetes.io/instantiate": "manual",
    });
    expect(github.comments.size).toBe(1);
    const [body] = github.latest();
    expect(body).toContain("`/backup full`");
    expect(body).toMatch(/✅ \| full backup \(Job pgbackrest-bot-\w+-full\) \| \d+\.\d s/);
    expect(body).toContain("✅ diff backup `20261124-010000F_20261124-030000D`");
    expect((await operation(payload.comment.id)).state).toBe("succeeded");
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("reads the repositories on /backup status in a Job of the pgbackrest-info template, removed after, never by exec in the repository host", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup status"));
    const [body] = github.latest();
    expect(body).toContain("- **Stanza `mcpgov`:** ok (code 0)");
    expect(body).toContain("`20261124-010000F_20261124-030000D`");
    expect(fake.execs.map((e) => e.pod)).not.toContain("pgbackrest-repo-host-0");
    const jobs = fake.createdJobs.filter(isInfoJob);
    expect(jobs.map((j) => j.metadata.name)).toEqual([
      expect.stringMatching(/^pgbackrest-info-[a-z0-9]+$/),
    ]);
    const [job] = jobs as [(typeof jobs)[0]];
    expect(job.metadata.labels?.["app.kubernetes.io/component"]).toBe("info");
    expect((job.spec as Any).template.spec.serviceAccountName).toBe("pgbackrest-info");
    // The template's own Job, owned by nothing, and gone once read.
    expect(job.metadata.ownerReferences).toBeUndefined();
    expect(await fake.get("Job", NS, job.metadata.name)).toBeUndefined();
  });

  it("says there is no window yet, rather than one that ends before it starts, while no WAL after the only backup is archived", async () => {
    await setup();
    // The only backup ended after the newest WAL the archiver reports (now).
    const later = Date.now() + 60_000;
    serveInfo(sampleInfo([sampleBackup("20261124-010000F", "full", later - 10_000, later)]));
    await deliver(probot, bot, commentPayload("/backup status"));
    const body = github.latest()[0] ?? "";
    expect(body).toContain("- **Recovery window:** none yet — the newest WAL in the repository (");
    expect(body).toContain("Until then `/restore latest` restores the newest backup");
    expect(body).not.toContain("a point-in-time restore can reach any moment in it");
  });

  it("says what pgBackRest said when the info Job fails, and removes that Job too", async () => {
    await setup();
    serveInfo({
      outcome: "Failed",
      reason: "BackoffLimitExceeded",
      logs: "ERROR: [039]: HTTP request failed with 403 (Forbidden)",
    });
    await deliver(probot, bot, commentPayload("/backup status"));
    const body = github.latest()[0] ?? "";
    // Cluster text, escaped so that it cannot make a link.
    expect(body).toContain("\\[039\\]: HTTP request failed with 403 (Forbidden)");
    const [job] = fake.createdJobs.filter(isInfoJob);
    expect(job && (await fake.get("Job", NS, job.metadata.name))).toBeUndefined();
  });

  it("reports each repository on /backup status, and what a wrong passphrase means", async () => {
    await setup();
    const two = JSON.parse(info()) as { backup: object[]; repo?: object[] }[];
    const stanza = two[0] as { backup: Record<string, unknown>[]; repo?: object[] };
    // The full backup is in the bucket (repo2), the diff on the volume (repo1).
    stanza.backup[0] = { ...stanza.backup[0], database: { id: 1, "repo-key": 2 } };
    stanza.backup[1] = { ...stanza.backup[1], database: { id: 1, "repo-key": 1 } };
    stanza.repo = [
      { key: 1, cipher: "none", status: { code: 0, message: "ok" } },
      {
        key: 2,
        cipher: "aes-256-cbc",
        status: {
          code: 99,
          message:
            "other\n[FormatError] key/value found outside of section at line 1: \u0001\u00ff",
        },
      },
    ];
    serveInfo(JSON.stringify(two));
    await deliver(probot, bot, commentPayload("/backup status"));
    const [body] = github.latest();
    expect(body).toContain("- **repo1** (not encrypted): ✅ ok");
    expect(body).toMatch(
      /- \*\*repo2\*\* \(aes-256-cbc\): ❌ other \\\[FormatError\\\] key\/value found outside of section at line 1: — wrong cipher passphrase\? pgBackRest cannot read the files of repo2; check repo2-cipher-pass, the pgbackrest-cipher Secret/,
    );
    expect(body).toMatch(/\| full \| `20261124-010000F` \|.*\| repo2 \|/);
    expect(body).toMatch(/\| diff \| `20261124-010000F_20261124-030000D` \|.*\| repo1 \|/);
    expect(body).toMatch(/ {2}- repo1: \S+Z → \S+Z\n {2}- repo2: \S+Z → \S+Z/);
  });

  it("shows clone annotations and other cluster text on /backup status as text, never as Markdown or HTML", async () => {
    await setup();
    // Anyone who can annotate a clone's object (or a pod that forges pgBackRest's answer)
    // chooses this text; in the comment it must stay text.
    await fake.apply([
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name: "mcpgov-clone-x1",
          namespace: NS,
          labels: {
            "app.kubernetes.io/component": "clone",
            "mcpgov-backup/clone": "x1",
          },
          annotations: {
            "mcpgov-backup/point":
              '<img src="https://evil.example/t.png"> [click](https://evil.example) @octocat #1',
            "mcpgov-backup/expires-at": "**soon**\n\n# a heading | x",
          },
        },
      },
    ]);
    const forged = JSON.parse(info()) as { status: { message: string } }[];
    (forged[0] as { status: { message: string } }).status.message =
      "ok <details open><summary>![x](https://evil.example/i.png)</summary>";
    serveInfo(JSON.stringify(forged));
    await deliver(probot, bot, commentPayload("/backup status"));
    const body = github.latest()[0] ?? "";
    expect(body).not.toContain("<img");
    expect(body).not.toContain("<details open>");
    // Every "](" that would make a link or an image is escaped.
    expect(body).not.toMatch(/[^\\]\]\(https:\/\/evil/);
    expect(body).not.toContain("**soon**");
    // A URL, an @mention and an issue reference made inert by an invisible joiner.
    expect(body).toContain(
      "&lt;img src=&quot;https:\u200d//evil.example/t.png&quot;&gt; \\[click\\]",
    );
    expect(body).toContain("@\u200doctocat \\#\u200d1");
    expect(body).not.toMatch(/@octocat|#1/);
    const clones = body.split("\n").find((line) => line.startsWith("- **Clones:**")) ?? "";
    expect(clones).toContain("\\*\\*soon\\*\\*");
    expect(clones).not.toContain("\n");
  });

  it("makes an incremental backup from the differential CronJob with the type changed", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup incr"));
    const spec = workJobs()[0]?.spec as {
      template: { spec: { containers: { command: string[] }[] } };
    };
    const command = spec.template.spec.containers[0]?.command;
    expect(command?.join(" ")).toContain("--type=incr");
    expect(command?.join(" ")).not.toContain("--type=diff");
  });

  it("shows a failed Job's pods, events and log tail, and never a secret from it", async () => {
    await setup();
    const secrets = [
      "PGPASSWORD=hunter2-db-password",
      "repo1-cipher-pass=Zx9-cipher-passphrase",
      "PGBACKREST_REPO1_S3_KEY_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      `token ${INSTALLATION_TOKEN}`,
      "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.payload.signature",
    ];
    endWorkJobs({
      outcome: "Failed",
      reason: "BackoffLimitExceeded",
      logs: `${"x\n".repeat(100)}${secrets.join("\n")}\nERROR: [082]: WAL segment 000000010000000000000005 was not archived before the 60000ms timeout`,
    });
    await deliver(probot, bot, commentPayload("/backup full"));
    const body = github.latest()[0] ?? "";
    expect(body).toContain("❌ | full backup");
    expect(body).toContain("<details><summary>Job pgbackrest-bot-");
    expect(body).toContain("ERROR: [082]: WAL segment");
    for (const value of [
      "hunter2-db-password",
      "Zx9-cipher-passphrase",
      "wJalrXUtnFEMI",
      INSTALLATION_TOKEN,
      "eyJhbGciOiJSUzI1NiJ9",
    ])
      expect(github.everything()).not.toContain(value);
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("keeps the status comment under GitHub's 65,536 characters with a huge log", async () => {
    await setup();
    endWorkJobs({
      outcome: "Failed",
      // Long lines: the tail shown is 40 lines, so only their length can overflow a comment.
      logs: `${"P00 INFO: backup file base/1/2613 (8KB, 0.00%) ".repeat(200)}\n`.repeat(100),
    });
    await deliver(probot, bot, commentPayload("/backup full"));
    for (const body of [...github.comments.values()].flat())
      expect(body.length).toBeLessThanOrEqual(65_536);
    expect(github.latest()[0]).toContain("…(earlier lines cut)");
  });
});

// Retention guarantees a window in time; a writer's ad-hoc full may not shrink it. The
// backups are placed against the clock (hours and days before now), as a fake clock would.
describe("/backup full and the guaranteed window", () => {
  const DAY = 24 * HOUR;
  const full = (day: number, ageMs: number) =>
    sampleBackup(`202611${10 + day}-010000F`, "full", now - ageMs - 60_000, now - ageMs);

  /** An overlay's count retention: pgBackRest then keeps `fulls` fulls, however young. */
  function countRetention(fulls: number): void {
    serveConf(
      baseConf()
        .replace(/^\s*repo1-retention-full-type=time\n/m, "")
        .replace(/repo1-retention-full=\d+/, `repo1-retention-full=${fulls}`),
    );
  }

  it("is refused, naming the window, when count retention would expire a full younger than 7 days; no Job runs", async () => {
    await setup();
    countRetention(4);
    serveInfo(sampleInfo([full(1, 4 * HOUR), full(2, 3 * HOUR), full(3, 2 * HOUR), full(4, HOUR)]));
    const payload = commentPayload("/backup full", { user: "bob" });
    await deliver(probot, bot, payload);
    expect(workJobs()).toEqual([]);
    const body = github.latest()[0] ?? "";
    expect(body).toContain("❌");
    expect(body).toContain("the last 7 days");
    // The full it would expire, and what the window would shrink to.
    expect(body).toContain("20261111-010000F");
    expect(body).toContain("repo1-retention-full=4");
    expect((await operation(payload.comment.id)).state).not.toBe("succeeded");
    expect(await fake.get("Lease", NS, "mcpgov-backup-lock")).toBeUndefined();
  });

  it("runs under count retention when what it expires is older than the window", async () => {
    await setup();
    countRetention(4);
    serveInfo(sampleInfo([full(1, 10 * DAY), full(2, 9 * DAY), full(3, 8 * DAY), full(4, HOUR)]));
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(workJobs()).toHaveLength(1);
    expect(github.latest()[0]).toContain("✅ full backup");
  });

  it("runs under the base's time retention however many fulls were taken today: pgBackRest keeps the last 7 days", async () => {
    await setup();
    expect(baseConf()).toMatch(/^\s*repo1-retention-full-type=time$/m);
    serveInfo(sampleInfo([1, 2, 3, 4, 5, 6].map((day) => full(day, (7 - day) * 60_000))));
    await deliver(probot, bot, commentPayload("/backup full"));
    expect(workJobs()).toHaveLength(1);
  });

  it("/backup status shows the guaranteed window next to the actual one", async () => {
    await setup();
    await deliver(probot, bot, commentPayload("/backup status"));
    const body = github.latest()[0] ?? "";
    expect(body).toMatch(
      /- \*\*Guaranteed window:\*\* repo1: the last 7 days \(repo1-retention-full-type=time\); the window above reaches back 0\.1 days/,
    );
  });

  it("/backup status says when count retention guarantees no time", async () => {
    await setup();
    countRetention(4);
    await deliver(probot, bot, commentPayload("/backup status"));
    expect(github.latest()[0]).toContain(
      "repo1: none in time (repo1-retention-full=4 counts fulls; the scheduled fulls expire the oldest); an ad-hoc full may not expire a backup of the last 7 days",
    );
  });
});
