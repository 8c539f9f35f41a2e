// Text from the cluster or a person, put into a GitHub issue or comment by either face: shown
// as it reads, acting on nothing (no mention, no reference, no Markdown it did not mean).

/** Joins what follows it to what precedes it, invisibly: GitHub then sees no mention or reference. */
const JOINER = "\u200d";

/**
 * What GitHub acts on in a comment made inert, reading the same: an @mention (a
 * notification), #123, owner/repo#123 and GH-123 (a link, and a cross-reference in that
 * issue) and a bare URL (a link), each with a zero-width joiner after its @, #, GH or scheme.
 */
export function inert(value: string): string {
  return value
    .replace(/[@#]/g, `$&${JOINER}`)
    .replace(/\bGH-/gi, (gh) => `${gh.slice(0, 2)}${JOINER}-`)
    .replace(/:\/\//g, `:${JOINER}//`)
    .replace(/\bwww\./gi, (www) => `${www.slice(0, 3)}${JOINER}.`);
}

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/**
 * Text from the cluster (an annotation, pgBackRest's or a Job's message, an error that
 * quotes them, a step's name) shown as text, on one line, in a list or a table cell: HTML is escaped, and so is every character that
 * would start Markdown (a link, an image, emphasis, code, a cell's end); it pings no one
 * and links no issue.
 */
export function text(value: string): string {
  return inert(escapeHtml(value).replace(/[\\`*_[\]~|!#]/g, "\\$&")).replace(/\r\n|\r|\n/g, " ");
}

/** A fenced block that the text cannot close. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}
