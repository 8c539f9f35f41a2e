// One core, two faces: the same operation run through the Action's step and the bot's
// command reports the same thing (the recovery window, a backup's result), and every
// refusal of a restore target shows the window that status shows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import type { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readInputs } from "../../src/action/inputs.ts";
import { backupStep } from "../../src/action/steps/backup.ts";
import { statusStep } from "../../src/action/steps/status.ts";
import { validateStep } from "../../src/action/steps/validate.ts";
import { type Bot, createBot } from "../../src/bot/app.ts";
import { DEFAULT_SETTINGS } from "../../src/core/settings.ts";
import { FakeCluster } from "../../src/fakes/cluster.ts";
import {
  commentPayload,
  deliver,
  FakeGitHub,
  testProbot,
  testSettings,
} from "../../src/fakes/github.ts";
import { infoLog, sampleBackup, sampleInfo } from "../../src/fakes/pgbackrest-info.ts";
import { baseObject } from "../support/base.ts";

const HOUR = 3_600_000;
const now = Date.now();
/** The full backup stopped at 1.5 s past a whole second, three hours ago. */
const fullStopMs = Math.floor((now - 3 * HOUR) / 1000) * 1000 + 1500;
const archivedMs = now - 30_000 + 250;

// The Action's own defaults, as a workflow without `with:` gets them; the base's namespace and stanza.
const inputs = readInputs((name) => (name === "operations" ? "status" : ""));

function cluster(): FakeCluster {
  const conf = (baseObject("ConfigMap", "pgbackrest-config").data as Record<string, string>)[
    "pgbackrest.conf"
  ] as string;
  const info = infoLog(
    sampleInfo([sampleBackup("20261124-010000F", "full", fullStopMs - 90_000, fullStopMs)]),
    conf,
  );
  const fake = new FakeCluster({
    // pgbackrest info and the retention, in its Job (manifests/restore/pgbackrest-info-cronjob.yaml).
    job: () => ({ outcome: "Complete", logs: info }),
    exec: (_pod, command) => {
      const out = (stdout: string) => ({ code: 0, stdout, stderr: "" });
      const sql = command.at(-1) ?? "";
      if (sql.includes("archived_count"))
        return out(`10|00000001000000000000000A|${new Date(archivedMs).toISOString()}|0||`);
      if (sql.includes("clock_timestamp")) return out(new Date().toISOString());
      if (sql.includes("pg_switch_wal")) return out("00000001000000000000000A");
      if (sql.includes("last_archived_wal")) return out("00000001000000000000000A");
      return out("1");
    },
  });
  void fake.apply([
    baseObject("CronJob", "pgbackrest-full-backup"),
    baseObject("CronJob", "pgbackrest-info"),
  ]);
  return fake;
}

let probot: Probot;
let bot: Bot;
let github: FakeGitHub;
let fake: FakeCluster;

beforeEach(async () => {
  nock.disableNetConnect();
  github = new FakeGitHub();
  fake = cluster();
  bot = createBot({ cluster: fake, settings: testSettings() });
  probot = testProbot();
  await probot.load(bot.app);
});

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

/** What the bot answered to a command, as the issue shows it. */
async function botSays(command: string): Promise<string> {
  await deliver(probot, bot, commentPayload(command));
  return github.latest().at(-1) ?? "";
}

const action = { settings: DEFAULT_SETTINGS, annotations: {}, log: () => {} };
const window = /Recovery window:\*\* (\S+) → (\S+)/;
const refusedWindow = /The recovery window is (\S+) → (\S+); pick a time inside it/;

describe("the recovery window", () => {
  it("is the same in the Action's outputs and in /backup status, to the millisecond", async () => {
    const step = await statusStep({ cluster: fake, inputs, ...action });
    const [, start, end] = window.exec(await botSays("/backup status")) ?? [];
    expect([
      step.outputs?.["recovery-window-start"],
      step.outputs?.["recovery-window-end"],
    ]).toEqual([start, end]);
    // It starts one second after the full backup's stop second: pgBackRest cannot reach
    // the stop second itself. Both ends are written to the millisecond. Worked out here from
    // pgBackRest's behaviour, not with src/core/recovery-window.ts, which both faces use.
    expect(start).toBe(new Date(Math.floor(fullStopMs / 1000) * 1000 + 1000).toISOString());
    expect(end).toBe(new Date(archivedMs).toISOString());
  });

  it("is shown by both faces beside the window retention guarantees", async () => {
    const step = await statusStep({ cluster: fake, inputs, ...action });
    const said = await botSays("/backup status");
    const guarantee = "repo1: the last 7 days (repo1-retention-full-type=time)";
    // The full stopped 3 h ago: the actual window is an eighth of a day long.
    expect(step.detail).toContain(`guaranteed window ${guarantee}, reaching back 0.1 days`);
    expect(said).toContain(
      `**Guaranteed window:** ${guarantee}; the window above reaches back 0.1 days`,
    );
    expect(step.data?.guarantees.map((g) => g.days)).toEqual([7]);
  });

  it("a target in the backup's stop second is refused by /restore pitr with the window status shows", async () => {
    const [, start] = window.exec(await botSays("/backup status")) ?? [];
    const target = new Date(fullStopMs).toISOString();
    const refused = await botSays(`/restore pitr ${target}`);
    expect(refused).toContain(`${target} is before the oldest restorable point`);
    expect(refusedWindow.exec(refused)?.[1]).toBe(start);
    // The window's first second is accepted.
    expect(await botSays(`/restore pitr ${start}`)).toContain(
      "**Plan — nothing has changed yet.**",
    );
  });

  it("a target in the future is refused with the window shown", async () => {
    const target = new Date(now + HOUR).toISOString();
    const refused = await botSays(`/restore pitr ${target}`);
    expect(refused).toContain(`${target} is in the future`);
    expect(refused).toMatch(refusedWindow);
  });
});

describe("status without the right to list Jobs", () => {
  it("still gives the window in both faces, and says what it could not read", async () => {
    const list = fake.list.bind(fake);
    fake.list = async (kind, namespace, labels) => {
      if (kind === "Job") throw new Error('jobs.batch is forbidden: cannot list resource "jobs"');
      return list(kind, namespace, labels);
    };
    const step = await statusStep({ cluster: fake, inputs, ...action });
    const said = await botSays("/backup status");
    expect(step.ok).toBe(true);
    expect(window.exec(said)?.[1]).toBe(step.outputs?.["recovery-window-start"]);
    expect(said).toContain("❔ could not read the validation Jobs: jobs.batch is forbidden");
  });
});

describe("a backup", () => {
  it("is reported alike by the Action's step and by /backup full", async () => {
    const step = await backupStep({ cluster: fake, inputs, ...action });
    const said = await botSays("/backup full");
    expect(step.detail).toBe("full backup 20261124-010000F: 90s, 4.8 MiB stored in repo1");
    expect(said).toContain(
      "✅ full backup `20261124-010000F`: 90 s, database 47.7 MiB, 4.8 MiB stored in repo1",
    );
  });
});

describe("a validation whose checks fail", () => {
  it("is a verdict both faces give with its reason, not an error", async () => {
    const report = {
      schema: "mcpgov-backup/restore-validation/v1",
      status: "failed",
      reason: "table count 11 differs from 12",
      rtoSeconds: 8.5,
      backup: { label: "20261124-010000F", repo: 1 },
      checks: [{ name: "tables", result: "fail", detail: "11 of 12" }],
    };
    await fake.apply([baseObject("CronJob", "pgbackrest-restore-validation")]);
    // The script fails its Job when a check fails, and still prints its report last.
    fake.behaviour.job = () => ({
      outcome: "Failed",
      reason: "BackoffLimitExceeded",
      logs: `restore-validation: FAILED\n${JSON.stringify(report, null, 2)}\n`,
    });
    // The step writes the report where later steps of the job find it: RUNNER_TEMP.
    const runnerTemp = mkdtempSync(join(tmpdir(), "mcpgov-backup-faces-"));
    vi.stubEnv("RUNNER_TEMP", runnerTemp);
    const step = await validateStep({ cluster: fake, inputs, ...action }).finally(() => {
      vi.unstubAllEnvs();
      rmSync(runnerTemp, { recursive: true, force: true });
    });
    expect(step).toMatchObject({
      ok: false,
      detail: "failed: table count 11 differs from 12",
      outputs: { "validation-status": "failed", "rto-seconds": "8.5" },
      data: { status: "failed", backup: "20261124-010000F", checks: 1 },
    });
    expect(await botSays("/restore validate")).toContain(
      "❌ Validation failed: table count 11 differs from 12",
    );
  });
});
