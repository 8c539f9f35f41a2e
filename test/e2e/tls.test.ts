// The repository host's TLS server with the manifests' repo-host.conf (its
// tls-server-auth list) and real pgBackRest: a client with a certificate it lists reads
// the stanza; a certificate from the same CA with a name it does not list is refused;
// a certificate from another CA never gets past the handshake.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MANIFESTS, pgHostForFile } from "../support/e2e-pg-host.ts";
import { type ClientCertificate, RepoHost } from "../support/repo-host.ts";

const e2e = pgHostForFile({ stanza: true });
let repoHost: RepoHost;

/** pgbackrest info as a client of the repository host with this certificate. */
function infoAs(client: ClientCertificate) {
  return e2e.db.run(["pgbackrest", "--stanza=mcpgov", "--output=json", "info"], {
    allowFailure: true,
    env: repoHost.clientEnv(client),
  });
}

beforeAll(async () => {
  repoHost = await RepoHost.start(MANIFESTS, e2e.db.repoPath);
});

afterAll(async () => {
  await repoHost?.destroy();
});

describe("the repository host's TLS server", () => {
  it("serves a client whose certificate it lists (pgbackrest-client)", async () => {
    const { code, stdout, stderr } = await infoAs(repoHost.client("pgbackrest-client"));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0].status.message).toBe("no valid backups");
  }, 60_000);

  it("refuses a certificate from the same CA whose name it does not list", async () => {
    const { stdout, stderr } = await infoAs(repoHost.client("intruder"));
    expect(stdout + stderr).toMatch(/access denied/);
  }, 60_000);

  it("refuses a certificate from another CA, even with a listed name", async () => {
    const forged = repoHost.client("pgbackrest-client", repoHost.otherCa());
    const { stdout, stderr } = await infoAs(forged);
    expect(stdout + stderr).not.toMatch(/"status":\{"code":[02]/);
    expect(stdout + stderr).toMatch(/TLS|certificate|ProtocolError|unable to/i);
  }, 60_000);
});
