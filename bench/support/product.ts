// The product's pgBackRest settings, read from manifests/pgbackrest-config.yaml, so that
// what the bench calls "the product" is what the manifests ship.
import { loadManifestFile } from "../../src/core/manifests/load.ts";
import { projectPath } from "../../src/core/paths.ts";
import { parsePgbackrestConfig } from "../../src/core/pgbackrest/config.ts";

const KEYS = [
  "compress-type",
  "compress-level",
  "process-max",
  "archive-async",
  "start-fast",
  "delta",
  "repo1-bundle",
  "repo1-block",
  "repo1-block-size-map",
  "repo1-block-size-super",
  "repo1-retention-full-type",
  "repo1-retention-full",
  "repo1-retention-diff",
];

/** The settings the figures are about, as pgbackrest.conf's [global] sets them. */
export function productSettings(): Record<string, string> {
  const data = loadManifestFile(projectPath("manifests/pgbackrest-config.yaml"))[0]?.object
    .data as Record<string, string>;
  // [global:restore] and the like apply to one command, not to what is measured here.
  const global = parsePgbackrestConfig(data["pgbackrest.conf"] ?? "").config.get("global");
  const found: Record<string, string> = {};
  for (const key of KEYS) {
    const value = global?.get(key)?.[0];
    if (value !== undefined) found[key] = value;
  }
  return found;
}

/** The product's repository layout: bundling and block incremental as the manifests set them. */
export function productLayout(): string[] {
  const settings = productSettings();
  return ["repo1-bundle", "repo1-block", "repo1-block-size-map", "repo1-block-size-super"]
    .filter((key) => settings[key] !== undefined && settings[key] !== "n")
    .map((key) => `${key}=${settings[key]}`);
}

/** The product's codec: zst at pgBackRest's default level 3 unless the manifest says otherwise. */
export function productCodec(): { type: string; level: number; processes: number } {
  const settings = productSettings();
  const type = settings["compress-type"] ?? "gz";
  const defaultLevel = type === "gz" ? 6 : type === "zst" ? 3 : 1;
  return {
    type,
    level: Number(settings["compress-level"] ?? defaultLevel),
    processes: Number(settings["process-max"] ?? 1),
  };
}
