// The Action works where the manifests it deploys say: the namespace and the stanza of
// their pgbackrest-config. An input may say the same; one that says otherwise is refused
// before anything touches a cluster, with what to do. Without manifests to render, the
// inputs or the base's defaults.
import { afterAll, describe, expect, it } from "vitest";
import { InputError, readInputs } from "../../src/action/inputs.ts";
import { objectsFor } from "../../src/action/manifests.ts";
import { actionSettings } from "../../src/action/settings.ts";
import { BASE_NAMESPACE, BASE_STANZA } from "../../src/core/names/defaults.ts";
import { projectPath } from "../../src/core/paths.ts";
import { paymentsOverlayWithoutComponents } from "../support/payments-overlay.ts";

const payments = paymentsOverlayWithoutComponents();
afterAll(() => payments.remove());

/** The settings of a run with these inputs, and whether it rendered the manifests. */
async function settingsOf(given: Record<string, string>) {
  const inputs = readInputs((name) => given[name] ?? "");
  let rendered = false;
  const settings = await actionSettings(inputs, () => {
    rendered = true;
    return objectsFor(inputs);
  });
  return { settings, rendered };
}

describe("the Action's namespace and stanza", () => {
  it("are the overlay's when manifests: names one and no input does", async () => {
    const { settings } = await settingsOf({ operations: "deploy backup", manifests: payments.dir });
    expect(settings).toEqual({ namespace: "payments", stanza: "payments" });
  });

  it("are the overlay's for operations that deploy nothing, too", async () => {
    const { settings, rendered } = await settingsOf({
      operations: "backup status",
      manifests: projectPath("examples", "second-database"),
    });
    expect(rendered).toBe(true);
    expect(settings).toEqual({ namespace: "ledger-db", stanza: "ledger" });
  });

  it("take inputs that agree with the overlay", async () => {
    const { settings } = await settingsOf({
      operations: "deploy",
      manifests: payments.dir,
      namespace: "payments",
      stanza: "payments",
    });
    expect(settings).toEqual({ namespace: "payments", stanza: "payments" });
  });

  it.each([
    [
      { namespace: BASE_NAMESPACE },
      `input namespace: "${BASE_NAMESPACE}" is not the namespace the manifests deploy into ("payments", pgbackrest-config's); nothing was applied. Leave the namespace input out to use the manifests', or set namespace: ${BASE_NAMESPACE} in the overlay`,
    ],
    [
      { stanza: BASE_STANZA },
      `input stanza: "${BASE_STANZA}" is not the manifests' stanza ("payments", pgbackrest-config's stanza); nothing was applied. Leave the stanza input out to use the manifests', or patch pgbackrest-config's stanza to ${BASE_STANZA} in the overlay`,
    ],
  ])(
    "refuse an input %j that differs from the overlay, saying what to do",
    async (input, message) => {
      const run = settingsOf({ operations: "deploy backup", manifests: payments.dir, ...input });
      await expect(run).rejects.toThrow(InputError);
      await expect(run).rejects.toThrow(message);
    },
  );

  it("refuse a namespace the bundled base does not deploy into", async () => {
    await expect(settingsOf({ operations: "deploy", namespace: "payments" })).rejects.toThrow(
      `input namespace: "payments" is not the namespace the manifests deploy into ("${BASE_NAMESPACE}"`,
    );
  });

  it("are the inputs, else the base's, when nothing is rendered", async () => {
    expect(await settingsOf({ operations: "backup status" })).toEqual({
      settings: { namespace: BASE_NAMESPACE, stanza: BASE_STANZA },
      rendered: false,
    });
    expect(
      await settingsOf({ operations: "status", namespace: "ledger-db", stanza: "ledger" }),
    ).toEqual({ settings: { namespace: "ledger-db", stanza: "ledger" }, rendered: false });
  });
});
