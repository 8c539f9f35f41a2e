// The Action's log carries text from the cluster (pods' logs, events, objects' status). The
// runner reads a line that starts with `::` (after spaces), or holds `##[`, as a workflow
// command: such text is printed with commands stopped, under a token it cannot know, so
// that it reads as it is and does nothing (no forged output, mask or annotation).
import { randomUUID } from "node:crypto";

const COMMAND_LIKE = /::|##\[/;

/** A log function that writes each line through `write`, neutralised where it needs it. */
export function actionLog(write: (line: string) => void): (line: string) => void {
  return (line) => {
    if (!COMMAND_LIKE.test(line)) return write(line);
    const token = randomUUID();
    write(`::stop-commands::${token}`);
    write(line);
    write(`::${token}::`);
  };
}
