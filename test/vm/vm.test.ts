// The VM variant (seed: "VM/Non-Kubernetes Deployment"): vm/install.sh puts the same
// validation script at the same path, and systemd timers or a cron file that run the
// three CronJobs' commands on the CronJobs' schedules, plus the metrics writer every
// minute with its file linked into node_exporter's directory; systemd accepts the units.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import {
  containerArgv,
  containersOf,
  isKubectlExec,
  parseKubectlExec,
  podSpecOf,
} from "../../src/core/manifests/pod.ts";
import { postgresBinDir, serviceUser } from "../../src/local/host.ts";
import { stagedForService } from "../../src/local/lab/stage.ts";

const root = new URL("../..", import.meta.url).pathname;
let target: string;
let cronTarget: string;

beforeAll(() => {
  target = mkdtempSync(join(tmpdir(), "mcpgov-backup-vm-"));
  cronTarget = mkdtempSync(join(tmpdir(), "mcpgov-backup-vm-cron-"));
  execFileSync(join(root, "vm/install.sh"), ["--root", target], { stdio: "pipe" });
  execFileSync(join(root, "vm/install.sh"), ["--root", cronTarget, "--cron"], { stdio: "pipe" });
});

afterAll(() => {
  rmSync(target, { recursive: true, force: true });
  rmSync(cronTarget, { recursive: true, force: true });
});

interface CronJobFacts {
  name: string;
  schedule: string;
  command: string;
}

const config = loadManifestFile(join(root, "manifests/pgbackrest-config.yaml"))[0]?.object;
const STANZA = (config?.data as { stanza?: string } | undefined)?.stanza;
/** Each CronJob's schedule and the command its pod runs (the remote one for the backups). */
const cronJobs: CronJobFacts[] = ["full-backup", "diff-backup", "restore-validation"].map(
  (kind) => {
    const [doc] = loadManifestFile(
      join(root, `manifests/schedules/pgbackrest-${kind}-cronjob.yaml`),
    );
    const object = doc?.object as { metadata: { name: string }; spec: { schedule: string } };
    const spec = podSpecOf(doc?.object ?? {});
    const argv = containerArgv(spec ? (containersOf(spec)[0] ?? { name: "" }) : { name: "" });
    const inPod = isKubectlExec(argv) ? parseKubectlExec(argv).command.join(" ") : argv.join(" ");
    // A pod reads the stanza from PGBACKREST_STANZA; the VM's command line names it.
    const command = inPod.replace(/^pgbackrest /, `pgbackrest --stanza=${STANZA} `);
    return { name: object.metadata.name, schedule: object.spec.schedule, command };
  },
);

// An oracle on purpose: the timers' OnCalendar lines are held to what the CronJobs' cron
// schedules mean (crontab(5)), worked out here; the product has no cron reading to share.
/** The next `count` minutes matching a five-field cron schedule (numbers, "*", "*\/n"), in UTC. */
function cronTimes(schedule: string, from: Date, count: number): string[] {
  const fields = schedule.split(" ");
  const matches = (field: string | undefined, value: number) =>
    field === "*" ||
    (field?.startsWith("*/") ? value % Number(field.slice(2)) === 0 : Number(field) === value);
  const times: string[] = [];
  for (let t = from.getTime() + 60_000; times.length < count; t += 60_000) {
    const d = new Date(t);
    const values = [
      d.getUTCMinutes(),
      d.getUTCHours(),
      d.getUTCDate(),
      d.getUTCMonth() + 1,
      d.getUTCDay(),
    ];
    if (values.every((v, i) => matches(fields[i], v)))
      times.push(d.toISOString().replace(/:00\.000Z$/, ""));
  }
  return times;
}

/** The next `count` elapses systemd computes for an OnCalendar expression. */
function timerTimes(onCalendar: string, from: Date, count: number): string[] {
  const out = execFileSync(
    "systemd-analyze",
    ["calendar", `--iterations=${count}`, `--base-time=@${from.getTime() / 1000}`, onCalendar],
    { encoding: "utf8", env: { ...process.env, TZ: "UTC", SYSTEMD_COLORS: "0" } },
  );
  return [
    ...out.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d):00 UTC/g),
  ].map((m) => (m[1] ?? "").replace(" ", "T"));
}

describe("vm/install.sh", () => {
  it("installs the ConfigMap's validation script byte for byte at the seed's path", () => {
    const installed = join(target, "usr/local/bin/pgbackrest-restore-validation.sh");
    expect(readFileSync(installed, "utf8")).toBe(
      readFileSync(join(root, "scripts/restore-validation.sh"), "utf8"),
    );
    expect(statSync(installed).mode & 0o777).toBe(0o755);
  });

  it("installs the metrics script byte for byte, and links its file into node_exporter's directory", () => {
    const installed = join(target, "usr/local/bin/pgbackrest-metrics.sh");
    expect(readFileSync(installed, "utf8")).toBe(
      readFileSync(join(root, "scripts/pgbackrest-metrics.sh"), "utf8"),
    );
    expect(statSync(installed).mode & 0o777).toBe(0o755);
    // The writer replaces its file by a rename: the directory is postgres's own.
    const dir = statSync(join(target, "var/lib/pgbackrest-metrics"));
    expect([dir.uid, dir.mode & 0o777]).toEqual([serviceUser().uid, 0o755]);
    const link = readlinkSync(join(target, "var/lib/prometheus/node-exporter/pgbackrest.prom"));
    const service = readFileSync(
      join(target, "etc/systemd/system/pgbackrest-metrics.service"),
      "utf8",
    );
    expect(/--textfile (\S+)/.exec(service)?.[1]).toBe(link);
  });

  it("refuses a relative --textfile-dir, saying what to give", () => {
    expect(() =>
      execFileSync(
        join(root, "vm/install.sh"),
        ["--root", target, "--textfile-dir", "node-exporter"],
        {
          stdio: "pipe",
        },
      ),
    ).toThrow(/--textfile-dir must be an absolute path/);
  });

  it("makes the scratch directory, owned by postgres and private", () => {
    const scratch = statSync(join(target, "var/lib/pgbackrest-validation"));
    expect([scratch.uid, scratch.mode & 0o777]).toEqual([serviceUser().uid, 0o700]);
  });

  it("writes this machine's PostgreSQL bin directory into the units and the cron file", () => {
    const unit = readFileSync(
      join(target, "etc/systemd/system/pgbackrest-restore-validation.service"),
      "utf8",
    );
    expect(unit).toContain(`Environment=PATH=${postgresBinDir()}:/usr/bin:/bin`);
    expect(readFileSync(join(cronTarget, "etc/cron.d/mcpgov-backup"), "utf8")).toContain(
      `PATH=${postgresBinDir()}:`,
    );
  });

  it("refuses to run without root, saying how", () => {
    const result = (() => {
      try {
        execFileSync(
          "runuser",
          ["-u", "nobody", "--", stagedForService("vm", "install.sh"), "--root", "/nonexistent"],
          { cwd: "/", stdio: "pipe" },
        );
        return "";
      } catch (error) {
        return String((error as { stderr?: Buffer }).stderr);
      }
    })();
    expect(result).toContain("run as root (sudo vm/install.sh)");
  });
});

describe("the systemd units", () => {
  it("pass systemd-analyze verify", () => {
    const units = readdirSync(join(target, "etc/systemd/system")).map((u) =>
      join(target, "etc/systemd/system", u),
    );
    // verify wants ExecStart's programs to exist: the scripts are shown at their path in a
    // private mount namespace, so the host's /usr/local/bin stays untouched.
    const scripts = join(target, "usr/local/bin");
    const output = execFileSync(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount -t tmpfs tmpfs /usr/local/bin && cp "$1"/*.sh /usr/local/bin/ && shift && systemd-analyze verify "$@" 2>&1',
        "sh",
        scripts,
        ...units,
      ],
      { encoding: "utf8" },
    );
    expect(output.split("\n").filter((line) => line.includes("pgbackrest-"))).toEqual([]);
    expect(units).toHaveLength(8);
  });

  it.each(cronJobs)(
    "run $name's command on its schedule ($schedule)",
    ({ name, schedule, command }) => {
      const service = readFileSync(join(target, `etc/systemd/system/${name}.service`), "utf8");
      const timer = readFileSync(join(target, `etc/systemd/system/${name}.timer`), "utf8");
      expect(
        /^ExecStart=(.*)$/m.exec(service)?.[1]?.replace("/usr/bin/pgbackrest", "pgbackrest"),
      ).toBe(command.replace(/^pgbackrest/, "pgbackrest"));
      const onCalendar = /^OnCalendar=(.*)$/m.exec(timer)?.[1] ?? "";
      const from = new Date("2026-01-01T00:00:00Z");
      expect(timerTimes(onCalendar, from, 10)).toEqual(cronTimes(schedule, from, 10));
    },
  );
});

describe("the metrics writer", () => {
  const command = () =>
    /^ExecStart=(.*)$/m.exec(
      readFileSync(join(target, "etc/systemd/system/pgbackrest-metrics.service"), "utf8"),
    )?.[1] ?? "";

  it("runs every minute from the timer, and from the cron file with the same command", () => {
    const timer = readFileSync(join(target, "etc/systemd/system/pgbackrest-metrics.timer"), "utf8");
    const onCalendar = /^OnCalendar=(.*)$/m.exec(timer)?.[1] ?? "";
    const from = new Date("2026-01-01T00:00:00Z");
    expect(timerTimes(onCalendar, from, 3)).toEqual(cronTimes("* * * * *", from, 3));
    const lines = readFileSync(join(cronTarget, "etc/cron.d/mcpgov-backup"), "utf8").split("\n");
    expect(lines).toContain(`* * * * * postgres ${command()}`);
  });

  it("writes the local PostgreSQL's WAL figures too, from the timer and the cron file, linked for node_exporter", () => {
    const service = readFileSync(
      join(target, "etc/systemd/system/pgbackrest-metrics.service"),
      "utf8",
    );
    const wal = [...service.matchAll(/^ExecStart=(.*)$/gm)].map((m) => m[1] ?? "")[1] ?? "";
    expect(wal).toContain(" --wal --stanza mcpgov ");
    const file = /--textfile (\S+)/.exec(wal)?.[1];
    expect(readlinkSync(join(target, "var/lib/prometheus/node-exporter/wal.prom"))).toBe(file);
    const lines = readFileSync(join(cronTarget, "etc/cron.d/mcpgov-backup"), "utf8").split("\n");
    expect(lines).toContain(`* * * * * postgres ${wal}`);
  });

  it("reads the validation's report where the validation writes it by default", () => {
    expect(command()).toContain("--validation-reports /var/lib/pgbackrest-validation ");
    expect(readFileSync(join(root, "scripts/restore-validation.sh"), "utf8")).toMatch(
      /validation_scratch=\$\{VALIDATION_SCRATCH:-\/var\/lib\/pgbackrest-validation\}/,
    );
  });
});

describe("the cron file", () => {
  it.each(cronJobs)("runs $name's command on its schedule as postgres", ({ schedule, command }) => {
    const lines = readFileSync(join(cronTarget, "etc/cron.d/mcpgov-backup"), "utf8").split("\n");
    expect(lines).toContain(`${schedule} postgres ${command}`);
  });
});

// pgBackRest's lock lives where only postgres can write: not in a /tmp every user shares,
// where anyone could make /tmp/pgbackrest first and hold or fake the backups' lock.
describe("pgBackRest's lock on the VM", () => {
  const LOCK = "/run/pgbackrest";
  const services = ["full-backup", "diff-backup", "restore-validation", "metrics"].map(
    (name) => `pgbackrest-${name}.service`,
  );
  const unit = (name: string) => readFileSync(join(target, "etc/systemd/system", name), "utf8");
  /** The lock path pgBackRest takes with the ConfigMap's file and the given environment. */
  const lockPath = (env: Record<string, string>) => {
    const conf = join(target, "pgbackrest.conf");
    const data = (config?.data ?? {}) as Record<string, string>;
    writeFileSync(conf, Object.values(data).find((v) => v.includes("lock-path=")) ?? "");
    const help = execFileSync("pgbackrest", [`--config=${conf}`, "help", "backup", "lock-path"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return /^current: (.*)$/m.exec(help)?.[1];
  };

  it.each(services)(
    "%s takes it in a directory of postgres's own, and has a private /tmp",
    (name) => {
      const text = unit(name);
      const env = Object.fromEntries(
        [...text.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]),
      );
      expect(lockPath(env)).toBe(LOCK);
      // systemd makes /run/pgbackrest for the unit's user, 0700, and keeps it between runs,
      // so every service (one user) shares the one lock.
      expect(text).toMatch(/^RuntimeDirectory=pgbackrest$/m);
      expect(text).toMatch(/^RuntimeDirectoryMode=0700$/m);
      expect(text).toMatch(/^RuntimeDirectoryPreserve=yes$/m);
      expect(text).toMatch(/^PrivateTmp=yes$/m);
      expect(/^ReadWritePaths=(.*)$/m.exec(text)?.[1]?.split(" ")).not.toContain("/tmp");
    },
  );

  it("is the same for the cron file", () => {
    const lines = readFileSync(join(cronTarget, "etc/cron.d/mcpgov-backup"), "utf8").split("\n");
    const env = Object.fromEntries(
      lines
        .filter((l) => /^\w+=/.test(l))
        .map((l) => [l.split("=")[0] ?? "", l.slice(l.indexOf("=") + 1)]),
    );
    expect(lockPath(env)).toBe(LOCK);
  });

  it.each([
    ["the systemd units", () => target],
    ["the cron file", () => cronTarget],
  ])("with %s, the directory is made at every boot for postgres alone", (_, installed) => {
    const file = join(installed(), "etc/tmpfiles.d/mcpgov-backup.conf");
    // systemd-tmpfiles reads the users of the root it makes files in: this machine's.
    for (const users of ["passwd", "group"])
      copyFileSync(`/etc/${users}`, join(installed(), "etc", users));
    execFileSync("systemd-tmpfiles", ["--create", `--root=${installed()}`, file]);
    const made = statSync(join(installed(), LOCK));
    expect([made.uid, made.mode & 0o777]).toEqual([serviceUser().uid, 0o700]);
  });
});
