// Where a deployment works, as its rendered manifests say: pgbackrest-config's namespace and
// stanza, which the overlay sets. A value given besides them (an Action input) must agree:
// otherwise the work would wait, back up and validate where nothing was deployed.
import type { KubeObject } from "../cluster.ts";
import { PGBACKREST_CONFIG } from "../names/objects.ts";
import { DEFAULT_SETTINGS, type Settings } from "../settings.ts";

export type SettingKey = "namespace" | "stanza";

/** The where of a deployment: what was given ("" for nothing), or what its manifests say. */
export type Where = Pick<Settings, SettingKey>;

/** A value given that is not what the manifests say. */
export interface SettingConflict {
  key: SettingKey;
  given: string;
  manifests: string;
}

/** What the manifests say: pgbackrest-config's namespace and stanza, each only when said. */
export function settingsInManifests(objects: readonly KubeObject[]): Partial<Where> {
  const config = objects.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === PGBACKREST_CONFIG.configMap,
  );
  const data = (config as { data?: Record<string, unknown> } | undefined)?.data;
  const stanza = data?.[PGBACKREST_CONFIG.stanzaKey];
  return {
    // The base's files name no namespace: only kustomize puts them in one.
    ...(config?.metadata.namespace ? { namespace: config.metadata.namespace } : {}),
    ...(typeof stanza === "string" && stanza ? { stanza } : {}),
  };
}

/** What was given, else what the manifests say, else the base's; and each disagreement. */
export function settingsFrom(
  given: Where,
  manifests: Partial<Where>,
): { settings: Where; conflicts: SettingConflict[] } {
  const keys: SettingKey[] = ["namespace", "stanza"];
  const conflicts = keys.flatMap((key) => {
    const said = manifests[key];
    return given[key] && said && given[key] !== said
      ? [{ key, given: given[key], manifests: said }]
      : [];
  });
  const settings = {
    namespace: given.namespace || manifests.namespace || DEFAULT_SETTINGS.namespace,
    stanza: given.stanza || manifests.stanza || DEFAULT_SETTINGS.stanza,
  };
  return { settings, conflicts };
}
