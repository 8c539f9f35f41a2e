// The seed README's names, values and procedures are requirements: each is checked here
// against the manifests as committed.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderKustomization } from "../../src/core/kustomize.ts";
import {
  containerArgv,
  containersOf,
  parseKubectlExec,
  podSpecOf,
} from "../../src/core/manifests/pod.ts";
import { optionValue, parsePgbackrestConfig } from "../../src/core/pgbackrest/config.ts";
import {
  APPLY_ORDER,
  CLONE_FILES,
  SEED_FILES,
  USER_PROVIDED_FILES,
} from "../../src/manifest-checks/order.ts";
import { loadCommittedManifests, manifestsDir, root } from "./support.ts";

const NS = "ai-governance";
const docs = loadCommittedManifests();
// biome-ignore lint/suspicious/noExplicitAny: reading YAML objects
const find = (kind: string, name: string): any => {
  const doc = docs.find(
    (d) => d.object.kind === kind && (d.object.metadata as { name: string }).name === name,
  );
  if (!doc) throw new Error(`${kind}/${name} not found in manifests/`);
  return doc.object;
};
const pgbackrestConf = parsePgbackrestConfig(
  find("ConfigMap", "pgbackrest-config").data["pgbackrest.conf"],
);

/** The stanza a container's pgBackRest runs for: its PGBACKREST_STANZA, read from its ConfigMap. */
function stanzaOf(kind: string, name: string, container: string): string {
  const spec = podSpecOf(find(kind, name));
  const c = spec && containersOf(spec).find((x) => x.name === container);
  const ref = c?.env?.find((e) => e.name === "PGBACKREST_STANZA")?.valueFrom?.configMapKeyRef;
  if (!ref)
    throw new Error(`${kind}/${name} ${container}: PGBACKREST_STANZA is not from a ConfigMap`);
  return find("ConfigMap", ref.name ?? "").data[ref.key ?? ""];
}

function remoteCommand(kind: string, name: string): string {
  const spec = podSpecOf(find(kind, name));
  const container = spec && containersOf(spec)[0];
  if (!container) throw new Error(`${kind}/${name} has no container`);
  return parseKubectlExec(containerArgv(container)).command.join(" ");
}

describe("the seed's files", () => {
  it.each(SEED_FILES.filter((f) => f !== "postgres-secret.yaml"))("manifests/%s exists", (file) => {
    expect(existsSync(join(manifestsDir, file))).toBe(true);
  });

  it("postgres-secret.yaml is committed only as its .example and is git-ignored", () => {
    expect(existsSync(join(manifestsDir, "postgres-secret.yaml.example"))).toBe(true);
    const ignored = execFileSync(
      "git",
      ["check-ignore", "manifests/postgres-secret.yaml", "manifests/pgbackrest-tls-secrets.yaml"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(ignored.trim().split("\n")).toEqual([
      "manifests/postgres-secret.yaml",
      "manifests/pgbackrest-tls-secrets.yaml",
    ]);
  });

  it("every manifest is in the apply order, and the seed's files keep the seed's order", () => {
    // kustomization.yaml is kustomize's list of these files, not a manifest.
    const onDisk = [
      ...readdirSync(manifestsDir),
      ...readdirSync(join(manifestsDir, "schedules")).map((f) => `schedules/${f}`),
      ...readdirSync(join(manifestsDir, "restore")).map((f) => `restore/${f}`),
      ...readdirSync(join(manifestsDir, "clone")).map((f) => `clone/${f}`),
    ]
      .filter((f) => f.endsWith(".yaml") || f.endsWith(".yaml.example"))
      .filter((f) => !f.endsWith("kustomization.yaml"))
      // Made per clone or by a person, never applied.
      .filter((f) => !(CLONE_FILES as readonly string[]).includes(f))
      .map((f) => f.replace(/\.example$/, ""));
    expect([...onDisk].sort()).toEqual(
      APPLY_ORDER.filter((f) => f !== "pgbackrest-tls-secrets.yaml").sort(),
    );
    const positions = SEED_FILES.map((f) => APPLY_ORDER.indexOf(f));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("the README installs with the Secrets made per cluster, then one kubectl apply -k", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const steps = readme.slice(readme.indexOf("### Steps"), readme.indexOf("### Verify"));
    const applied = [...steps.matchAll(/kubectl (?:-n \S+ )?apply -f manifests\/([\w.-]+\.yaml)/g)];
    // What the base leaves out, and nothing else, is applied by hand.
    expect(applied.map((m) => m[1]).sort()).toEqual(Object.keys(USER_PROVIDED_FILES).sort());
    expect(steps).toContain("\nkubectl apply -k manifests ");
  });
});

describe("the seed's names and values", () => {
  it("every object lives in namespace ai-governance, which only the base's kustomization names", () => {
    const installed = renderKustomization(manifestsDir);
    const elsewhere = installed
      .filter((o) => (o.kind === "Namespace" ? o.metadata.name : o.metadata.namespace) !== NS)
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(elsewhere).toEqual([]);
    expect(installed.filter((o) => o.kind === "Namespace")).toHaveLength(1);
    // The files name none: an overlay's namespace moves everything (examples/second-database).
    const named = docs.filter((d) => (d.object.metadata as { namespace?: string }).namespace);
    expect(named.map((d) => d.file)).toEqual([]);
  });

  it("every object of the pgbackrest files carries app: pgbackrest, so the seed's `kubectl get -l app=pgbackrest` finds it", () => {
    const unlabelled = docs
      .filter((d) => /\/pgbackrest-[^/]+$/.test(d.file))
      .filter(
        (d) =>
          (d.object.metadata as { labels?: Record<string, string> }).labels?.app !== "pgbackrest",
      )
      .map((d) => `${d.file} ${d.object.kind}`);
    expect(unlabelled).toEqual([]);
  });

  it.each([
    ["pgbackrest-full-backup", "0 2 * * *", "pgbackrest --type=full backup"],
    ["pgbackrest-diff-backup", "0 */6 * * *", "pgbackrest --type=diff backup"],
  ])(
    "CronJob %s runs at %s the seed's command `%s` for stanza mcpgov",
    (name, schedule, command) => {
      const cron = find("CronJob", name);
      expect(cron.spec.schedule).toBe(schedule);
      expect(cron.spec.timeZone).toBe("Etc/UTC");
      expect(remoteCommand("CronJob", name)).toBe(command);
      // The seed's --stanza=mcpgov is the environment of the container the command runs in.
      expect(stanzaOf("StatefulSet", "pgbackrest-repo-host", "pgbackrest")).toBe("mcpgov");
    },
  );

  it("CronJob pgbackrest-restore-validation runs Sundays at 03:00 UTC the script the VM installs", () => {
    const cron = find("CronJob", "pgbackrest-restore-validation");
    expect(cron.spec.schedule).toBe("0 3 * * 0");
    expect(cron.spec.timeZone).toBe("Etc/UTC");
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0];
    expect(container.command).toEqual(["/usr/local/bin/pgbackrest-restore-validation.sh"]);
  });

  it("Job pgbackrest-stanza-create creates stanza mcpgov", () => {
    expect(remoteCommand("Job", "pgbackrest-stanza-create")).toMatch(
      /^sh -c pgbackrest stanza-create( |$)/,
    );
    expect(stanzaOf("StatefulSet", "pgbackrest-repo-host", "pgbackrest")).toBe("mcpgov");
  });

  it("the repository claim pgbackrest-repo asks for 20Gi and postgres-data exists for the restores", () => {
    expect(find("PersistentVolumeClaim", "pgbackrest-repo").spec.resources.requests.storage).toBe(
      "20Gi",
    );
    expect(find("PersistentVolumeClaim", "postgres-data").metadata.name).toBe("postgres-data");
  });

  it("pgbackrest.conf keeps every point of the last 7 days and 3 differential backups, for stanza mcpgov and any other", () => {
    expect(pgbackrestConf.problems).toEqual([]);
    expect(optionValue(pgbackrestConf.config, "mcpgov", "repo1-retention-full-type")).toBe("time");
    expect(optionValue(pgbackrestConf.config, "mcpgov", "repo1-retention-full")).toBe("7");
    expect(optionValue(pgbackrestConf.config, "mcpgov", "repo1-retention-diff")).toBe("3");
    expect(optionValue(pgbackrestConf.config, "mcpgov", "repo1-path")).toBe("/var/lib/pgbackrest");
    // The stanza is pgbackrest-config's `stanza`, set in one place; no file names it.
    expect([...pgbackrestConf.config.keys()]).toEqual([
      "global",
      "global:archive-push",
      "global:restore",
    ]);
    expect(find("ConfigMap", "pgbackrest-config").data.stanza).toBe("mcpgov");
  });

  it("PostgreSQL archives every WAL segment to stanza mcpgov", () => {
    const conf: string = find("ConfigMap", "postgres-pgbackrest-config").data["postgresql.conf"];
    expect(conf).toMatch(/^archive_mode = on$/m);
    expect(conf).toMatch(/^archive_command = 'pgbackrest archive-push %p'$/m);
    expect(conf).toMatch(/^wal_level = replica$/m);
    expect(stanzaOf("StatefulSet", "postgres", "postgres")).toBe("mcpgov");
  });

  it("the postgres pods carry app: postgres behind postgres-service and mount the seed's config files", () => {
    const sts = find("StatefulSet", "postgres");
    expect(sts.spec.template.metadata.labels.app).toBe("postgres");
    expect(find("Service", "postgres-service").spec.selector).toEqual({ app: "postgres" });
    const mounts = sts.spec.template.spec.containers[0].volumeMounts;
    expect(mounts).toEqual(
      expect.arrayContaining([
        {
          name: "postgres-config",
          mountPath: "/etc/postgresql/postgresql.conf",
          subPath: "postgresql.conf",
        },
        {
          name: "postgres-config",
          mountPath: "/etc/postgresql/pg_hba.conf",
          subPath: "pg_hba.conf",
        },
      ]),
    );
    expect(sts.spec.template.spec.containers[0].args).toEqual([
      "postgres",
      "-c",
      "config_file=/etc/postgresql/postgresql.conf",
      "-c",
      "hba_file=/etc/postgresql/pg_hba.conf",
    ]);
  });

  it("no image is :latest, and every image is the one images/pgbackrest/Dockerfile builds", () => {
    const dockerfile = readFileSync(join(root, "images/pgbackrest/Dockerfile"), "utf8");
    const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1];
    const expected = `ghcr.io/org/mcpgov-backup-pgbackrest:${arg("POSTGRES_VERSION")}-${arg("PGBACKREST_VERSION")}`;
    const images = new Set(
      docs.flatMap((d) => {
        const spec = podSpecOf(d.object);
        return spec ? containersOf(spec).map((c) => c.image) : [];
      }),
    );
    expect([...images]).toEqual([expected]);
  });
});
