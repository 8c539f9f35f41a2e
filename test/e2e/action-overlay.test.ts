// A new team's own overlay through the Action's bundle, as a workflow gives it: only
// `manifests:`, no namespace or stanza. The Action reads both from the overlay's
// pgbackrest-config and deploys, backs up and validates in the team's namespace and stanza
// on the local cluster runner; an input that disagrees with the overlay is refused before
// anything is applied.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runActionBundle } from "../../scripts/run-action.ts";
import { paymentsOverlayWithoutComponents } from "../support/payments-overlay.ts";

const work = mkdtempSync(join(tmpdir(), "mcpgov-backup-action-overlay-"));
const payments = paymentsOverlayWithoutComponents();
afterAll(() => {
  payments.remove();
  rmSync(work, { recursive: true, force: true });
});

describe("the Action's bundle given a team's overlay and nothing else", () => {
  it("refuses a namespace input the overlay does not deploy into, before touching the cluster", async () => {
    const { code, log, result } = await runActionBundle(work, {
      operations: "deploy backup",
      cluster: "local",
      manifests: payments.dir,
      namespace: "ai-governance",
    });
    expect(log).toContain(
      '::error::input namespace: "ai-governance" is not the namespace the manifests deploy into ("payments"',
    );
    // Refused before the cluster was opened: no step ran, the runner never started.
    expect(result).toMatchObject({ ok: false, results: [] });
    expect(log).not.toContain("▶ deploy");
    expect(code).toBe(1);
  }, 120_000);

  it("deploys, backs up and validates in the overlay's namespace and stanza", async () => {
    const { code, log, outputs, summary, result, seconds } = await runActionBundle(work, {
      operations: "deploy backup validate status",
      cluster: "local",
      manifests: payments.dir,
      "timeout-minutes": "5",
    });
    console.log(
      `the payments overlay through the bundle: ${seconds.toFixed(1)}s, backup ${outputs["backup-label"]}, validation ${outputs["validation-status"]}`,
    );
    expect(log).not.toContain("::error::");
    expect(log).toContain(
      "namespace payments, stanza payments (from the manifests' pgbackrest-config)",
    );
    // The team's registry is the one its containers name; the runner pulls none.
    expect(log).toContain(
      "image registry.payments.example/platform/pgbackrest:15.19-2.55.1-p1: not pulled",
    );
    expect(log).not.toContain("image ghcr.io/");
    expect(summary).toMatch(
      /\| deploy \| ✅ ok \| \d+ objects applied; stanza payments created \|/,
    );
    expect(outputs["backup-label"]).toMatch(/^\d{8}-\d{6}F$/);
    expect(outputs["validation-status"]).toBe("passed");
    expect(JSON.parse(outputs["backups-json"] ?? "[]")).toEqual([
      expect.objectContaining({ label: outputs["backup-label"], type: "full", repo: 1 }),
    ]);
    expect(result?.results.map((r) => [r.name, r.ok])).toEqual([
      ["deploy", true],
      ["backup", true],
      ["validate", true],
      ["status", true],
    ]);
    // Nothing waited in, or asked about, the base's namespace or stanza.
    expect(log).not.toMatch(/ai-governance|--stanza=mcpgov\b|stanza mcpgov\b/);
    expect(code).toBe(0);
  }, 900_000);
});
