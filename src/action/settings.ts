// Where the Action works: the namespace and the stanza of the manifests it renders (their
// pgbackrest-config), which the namespace and stanza inputs may repeat but not contradict;
// the inputs, else the base's defaults, when it renders none.
import type { KubeObject } from "../core/cluster.ts";
import {
  type SettingConflict,
  settingsFrom,
  settingsInManifests,
} from "../core/manifests/settings.ts";
import type { Settings } from "../core/settings.ts";
import { InputError, type Inputs, type Operation } from "./inputs.ts";

/** The operations that apply, compare or rebuild from the manifests: they render them whatever is given. */
const RENDERING: readonly Operation[] = ["deploy", "verify", "drill"];

/** Whether this run renders the manifests: it was given some, or deploys or verifies. */
export function rendersManifests(inputs: Inputs): boolean {
  return inputs.manifests !== "" || inputs.operations.some((op) => RENDERING.includes(op));
}

/** What a person does about an input that is not what the manifests say. */
function refusal({ key, given, manifests }: SettingConflict): string {
  if (key === "namespace")
    return `input namespace: "${given}" is not the namespace the manifests deploy into ("${manifests}", pgbackrest-config's); nothing was applied. Leave the namespace input out to use the manifests', or set namespace: ${given} in the overlay`;
  return `input stanza: "${given}" is not the manifests' stanza ("${manifests}", pgbackrest-config's stanza); nothing was applied. Leave the stanza input out to use the manifests', or patch pgbackrest-config's stanza to ${given} in the overlay`;
}

/** The line the log opens with: where the run works, and who said so. */
export function settingsLine(inputs: Inputs, settings: Settings): string {
  const whence = rendersManifests(inputs)
    ? "from the manifests' pgbackrest-config"
    : "from the inputs, else the base's defaults";
  return `namespace ${settings.namespace}, stanza ${settings.stanza} (${whence})`;
}

/** The run's namespace and stanza; refused, before anything is applied, on a disagreement. */
export async function actionSettings(
  inputs: Inputs,
  objects: () => Promise<KubeObject[]>,
): Promise<Settings> {
  const said = rendersManifests(inputs) ? settingsInManifests(await objects()) : {};
  const { settings, conflicts } = settingsFrom(inputs, said);
  const [conflict] = conflicts;
  if (conflict) throw new InputError(refusal(conflict));
  return settings;
}
