// A stranger's overlay the local runner can run: test/fixtures/overlays/payments as its
// team wrote it (namespace and stanza payments, its own registry, storage class fast, the
// full backup at 01:30), less what needs a cloud (the s3, monitoring and bot components and
// the bucket's patch), in a directory of its own that points back at manifests/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { projectPath } from "../../src/core/paths.ts";

export const PAYMENTS_FIXTURE = projectPath("test/fixtures/overlays/payments/kustomization.yaml");

interface Overlay {
  resources: string[];
  components?: string[];
  patches?: { target: { kind: string; name: string } }[];
}

export interface TempOverlay {
  dir: string;
  remove: () => void;
}

/** The payments overlay without its components, written to a scratch directory. */
export function paymentsOverlayWithoutComponents(): TempOverlay {
  const dir = mkdtempSync(join(tmpdir(), "mcpgov-backup-payments-"));
  const overlay = parse(readFileSync(PAYMENTS_FIXTURE, "utf8")) as Overlay;
  delete overlay.components;
  overlay.patches = overlay.patches?.filter((p) => p.target.name !== "pgbackrest-s3");
  // kustomize takes a base by a relative path only ("new root cannot be absolute").
  overlay.resources = [relative(dir, projectPath("manifests"))];
  writeFileSync(join(dir, "kustomization.yaml"), stringify(overlay));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
