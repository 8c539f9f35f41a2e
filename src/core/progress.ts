// How an operation reports its steps. A face decides how a step looks (a row in the bot's
// comment, a line in the Action's log); the operation only names its steps and times none
// of them itself.

/** Runs one named step of an operation; the face shows it, and times the work alone. */
export type Progress = <T>(step: string, work: () => Promise<T>) => Promise<T>;

/** For callers that show no steps. */
export const withoutProgress: Progress = (_step, work) => work();
