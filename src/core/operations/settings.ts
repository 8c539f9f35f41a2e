// What every operation takes besides the cluster: where it works, and how it reports its
// steps. A face decides how a step looks (a row in the bot's comment, a line in the
// Action's log); the operation only names its steps and times none of them itself.
import type { DatabaseTarget } from "../database.ts";
import { BASE_NAMESPACE, BASE_STANZA } from "../names/defaults.ts";
import { POSTGRES } from "../names/objects.ts";

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

/** Runs one named step of an operation; the face shows it, and times the work alone. */
export type Progress = <T>(step: string, work: () => Promise<T>) => Promise<T>;

/** For callers that show no steps. */
export const withoutProgress: Progress = (_step, work) => work();

/** Where operations run SQL: the reference StatefulSet's pod, in the always-present database. */
export function productionDatabase(settings: Settings): DatabaseTarget {
  return {
    namespace: settings.namespace,
    pod: POSTGRES.pod,
    container: POSTGRES.container,
    database: POSTGRES.database,
  };
}
