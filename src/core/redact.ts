// Text that leaves the cluster (Action logs, job summaries, issue comments) goes through
// here first: private keys, passwords, passphrases, keys and tokens become [redacted].

const PATTERNS: [RegExp, string][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    "[redacted private key]",
  ],
  [/\b(Bearer)\s+[\w.~+/=-]+/gi, "$1 [redacted]"],
  // GitHub tokens (installation, personal, OAuth) and AWS access key ids, wherever they appear.
  [/\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g, "[redacted token]"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, "[redacted key id]"],
  // key=value and key: value, for the names credentials go by (pgBackRest options and env included).
  [
    /\b([\w-]*(?:password|passwd|secret|token|cipher[-_]pass|s3[-_]key)[\w-]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    "$1$2[redacted]",
  ],
];

/** The text with every credential it recognises, and every value in `known`, replaced by [redacted]. */
export function redact(text: string, known: string[] = []): string {
  let result = text;
  for (const value of known.filter((v) => v.length >= 4))
    result = result.split(value).join("[redacted]");
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}
