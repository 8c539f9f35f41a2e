// Where a deployment works is what its manifests say: pgbackrest-config's namespace and
// stanza. A value given besides them must agree with them; the base's defaults apply only
// when neither says.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/core/cluster.ts";
import { settingsFrom, settingsInManifests } from "../../src/core/manifests/settings.ts";
import { BASE_NAMESPACE, BASE_STANZA } from "../../src/core/names/defaults.ts";

const config = (namespace: string | undefined, stanza: string | undefined): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "pgbackrest-config", ...(namespace ? { namespace } : {}) },
  ...(stanza ? { data: { stanza, "pgbackrest.conf": "[global]\n" } } : {}),
});
const other = (name: string, namespace: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace },
  data: { stanza: "not-this-one" },
});

describe("the settings a deployment's manifests say", () => {
  it("are pgbackrest-config's namespace and stanza, and no other ConfigMap's", () => {
    const objects = [other("postgres-config", "elsewhere"), config("payments", "payments")];
    expect(settingsInManifests(objects)).toEqual({ namespace: "payments", stanza: "payments" });
  });

  it("are nothing where the files name no namespace, or there is no pgbackrest-config", () => {
    expect(settingsInManifests([config(undefined, "ledger")])).toEqual({ stanza: "ledger" });
    expect(settingsInManifests([other("postgres-config", "payments")])).toEqual({});
  });

  it("are taken when nothing is given", () => {
    expect(
      settingsFrom({ namespace: "", stanza: "" }, { namespace: "payments", stanza: "payments" }),
    ).toEqual({ settings: { namespace: "payments", stanza: "payments" }, conflicts: [] });
  });

  it("agree with what is given when it is the same", () => {
    expect(
      settingsFrom(
        { namespace: "payments", stanza: "" },
        { namespace: "payments", stanza: "payments" },
      ),
    ).toEqual({ settings: { namespace: "payments", stanza: "payments" }, conflicts: [] });
  });

  it("name every value given that differs from them", () => {
    const { conflicts } = settingsFrom(
      { namespace: BASE_NAMESPACE, stanza: BASE_STANZA },
      { namespace: "payments", stanza: "payments" },
    );
    expect(conflicts).toEqual([
      { key: "namespace", given: BASE_NAMESPACE, manifests: "payments" },
      { key: "stanza", given: BASE_STANZA, manifests: "payments" },
    ]);
  });

  it("leave what is given, else the base's, where they say nothing", () => {
    expect(settingsFrom({ namespace: "ledger-db", stanza: "" }, {})).toEqual({
      settings: { namespace: "ledger-db", stanza: BASE_STANZA },
      conflicts: [],
    });
    expect(settingsFrom({ namespace: "", stanza: "" }, { stanza: "ledger" }).settings).toEqual({
      namespace: BASE_NAMESPACE,
      stanza: "ledger",
    });
  });
});
