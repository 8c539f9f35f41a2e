// The kubeconfig's credential, looked at before the cluster is: a token or certificate that
// expires before the next run is warned of, one that lasts beyond is not, one made for
// this run is not (the next brings its own), an expired one stops the run before anything
// is sent; and every secret the Action reads is masked.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  CredentialExpiredError,
  checkKubeCredentials,
  openCheckedKubeCluster,
  secretValues,
} from "../../src/action/credentials.ts";
import { readInputs } from "../../src/action/inputs.ts";
import { loadKubeConfig } from "../../src/core/kube/open.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const now = Date.parse("2026-12-07T12:00:00Z");

function jwt(claims: Record<string, number>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", kid: "k" })}.${part(claims)}.${"s".repeat(43)}`;
}

/** A token made `agoMs` before now that lasts `lifeMs`. */
function token(agoMs: number, lifeMs: number): string {
  const iat = Math.floor((now - agoMs) / 1000);
  return jwt({ iat, exp: iat + Math.floor(lifeMs / 1000) });
}

function kubeconfig(user: string, server = "https://127.0.0.1:6443"): string {
  return `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]
users: [{ name: ci, user: ${user} }]
contexts: [{ name: c, context: { cluster: c, user: ci } }]
current-context: c
`;
}

function check(user: string, at = now) {
  const masked: string[] = [];
  const warnings = checkKubeCredentials(loadKubeConfig(kubeconfig(user)), WEEK, at, (s) =>
    masked.push(s),
  );
  return { warnings, masked };
}

describe("the kubeconfig's credential", () => {
  it("warns when the token expires before the next run, saying when and how to renew it", () => {
    // Stored two weeks ago for three: it lasts 6 more days, the next run is in 7.
    const { warnings, masked } = check(`{ token: "${token(14 * DAY, 20 * DAY)}" }`);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^the kubeconfig's token of user ci expires at 2026-12-13T12:00:00\.000Z \(in 6 days\), before the next run \(run-interval 7 days\).*scripts\/make-action-kubeconfig\.sh/,
      ),
    ]);
    expect(masked).toEqual([token(14 * DAY, 20 * DAY)]);
  });

  it("does not warn when the token lasts beyond the next run", () => {
    expect(check(`{ token: "${token(14 * DAY, 30 * DAY)}" }`).warnings).toEqual([]);
  });

  it("does not warn of a short-lived token made for this run: the next run makes its own", () => {
    expect(check(`{ token: "${token(5 * 60_000, HOUR)}" }`).warnings).toEqual([]);
  });

  it("says nothing of a token that is not a JWT, and still masks it", () => {
    expect(check(`{ token: "opaque-static-token-1234" }`)).toEqual({
      warnings: [],
      masked: ["opaque-static-token-1234"],
    });
  });

  it("refuses an expired token with what expired, when, and how to renew it", () => {
    const expired = () => check(`{ token: "${token(8 * DAY, 7 * DAY)}" }`);
    expect(expired).toThrow(CredentialExpiredError);
    expect(expired).toThrow(
      "the kubeconfig's token of user ci expired at 2026-12-06T12:00:00.000Z (1 day ago); nothing was sent to the cluster. To renew it, make a new kubeconfig with scripts/make-action-kubeconfig.sh",
    );
  });

  it("reads a client certificate's notAfter, and masks its key and a password", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-cert-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
        ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
        ...["-days", "2", "-subj", "/CN=ci"],
      ],
      { stdio: "pipe" },
    );
    const b64 = (file: string) => readFileSync(join(dir, file)).toString("base64");
    const user = `{ client-certificate-data: "${b64("cert.pem")}", client-key-data: "${b64("key.pem")}", username: ci, password: "a-password-9" }`;
    // Read three hours after it was made: not this run's, and it ends in two days.
    const { warnings, masked } = check(user, Date.now() + 3 * HOUR);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^the kubeconfig's client certificate of user ci expires at .* \(in 1 day 2[01] h\)/,
      ),
    ]);
    expect(masked).toContain(b64("key.pem"));
    expect(masked).toContain("a-password-9");
    // Each line of the key's PEM, as the log would show it.
    const keyLines = readFileSync(join(dir, "key.pem"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"));
    for (const line of keyLines) expect(masked).toContain(line);
    expect(masked).not.toContain(b64("cert.pem"));
    // A certificate that lasts a year says nothing.
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-key",
        join(dir, "key.pem"),
        "-out",
        join(dir, "long.pem"),
        "-days",
        "365",
        "-subj",
        "/CN=ci",
      ],
      { stdio: "pipe" },
    );
    expect(
      check(
        `{ client-certificate-data: "${b64("long.pem")}", client-key-data: "${b64("key.pem")}" }`,
        Date.now() + 3 * HOUR,
      ).warnings,
    ).toEqual([]);
  });

  it("sends nothing to the cluster when the token has expired; the same cluster hears a valid one", async () => {
    const heard: string[] = [];
    const server = createServer((request, response) => {
      heard.push(`${request.method} ${request.url}`);
      response.writeHead(404, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const open = (user: string) =>
      openCheckedKubeCluster(kubeconfig(user, url), WEEK, Date.now(), () => {});
    const iat = Math.floor(Date.now() / 1000);
    expect(() => open(`{ token: "${jwt({ iat: iat - 9 * 86_400, exp: iat - 60 })}" }`)).toThrow(
      CredentialExpiredError,
    );
    expect(heard).toEqual([]);
    // The same server, a valid token: the first call reaches it (the check above can fail).
    const { opened } = open(`{ token: "${jwt({ iat, exp: iat + 30 * 86_400 })}" }`);
    await opened.cluster
      .get("ConfigMap", "ai-governance", "pgbackrest-config")
      .catch(() => undefined);
    expect(heard[0]).toMatch(/^GET \/api\b/);
  });
});

describe("the secrets the Action masks", () => {
  it("masks the per-cluster Secrets' passwords and keys, not a user name or a certificate", () => {
    const values = secretValues([
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "postgres-secret" },
        stringData: { POSTGRES_USER: "postgres", POSTGRES_PASSWORD: "rAnd0m-passw0rd" },
      },
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "tls" },
        data: {
          "tls.key": Buffer.from(
            "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n",
          ).toString("base64"),
          "ca.crt": Buffer.from("certificate-text").toString("base64"),
        },
      },
    ] as never);
    expect(values).toContain("rAnd0m-passw0rd");
    expect(values).toContain("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49");
    expect(values).not.toContain("postgres");
    expect(values.join("\n")).not.toContain("certificate-text");
  });
});

describe("the report inputs", () => {
  const read = (inputs: Record<string, string>) =>
    readInputs((name) => ({ operations: "status", ...inputs })[name] ?? "");

  it("default to reporting failures to the ops label, a weekly run", () => {
    expect(read({})).toMatchObject({
      githubToken: "",
      report: "on-failure",
      reportLabels: ["ops"],
      runIntervalMs: WEEK,
    });
    expect(
      read({ "report-labels": "ops, database ,ops", "run-interval": "24h", report: "always" }),
    ).toMatchObject({
      reportLabels: ["ops", "database"],
      runIntervalMs: DAY,
      report: "always",
    });
  });

  it.each([
    [{ report: "sometimes" }, 'input report: "sometimes" is not one of on-failure, always, never'],
    [
      { "run-interval": "weekly" },
      'input run-interval: "weekly" should say how often the workflow runs, a number and a unit (m, h, d or w) up to a year, such as 24h or 7d',
    ],
    [{ "run-interval": "0d" }, 'input run-interval: "0d" should say'],
    [{ "report-labels": " , " }, 'input report-labels: " , " is not a list of GitHub labels'],
    [
      { "report-labels": `ops,${"x".repeat(51)}` },
      "names of at most 50 characters, separated by commas, such as ops",
    ],
  ])("refuses %j, saying what to write", (inputs, message) => {
    expect(() => read(inputs)).toThrow(message);
  });
});
