// What every operation takes besides the cluster and its progress port: where it works.
import { BASE_NAMESPACE, BASE_STANZA } from "./names/defaults.ts";

export interface Settings {
  namespace: string;
  stanza: string;
  /**
   * The operation holding the lock (core/lock.ts) for this work: the bot's. Work that
   * changes the database refuses to start while anyone else holds it.
   */
  lockHolder?: string;
}

/** The base's names, used wherever a user gives none. */
export const DEFAULT_SETTINGS: Readonly<Settings> = {
  namespace: BASE_NAMESPACE,
  stanza: BASE_STANZA,
};
