// Text that leaves the cluster (Action logs, job summaries, issue comments) goes through
// here first: private keys, passwords, passphrases, keys and tokens become [redacted].

/** The names credentials go by (pgBackRest options and environment variables included). */
const SECRET_KEY =
  "[\\w.-]*(?:password|passwd|passphrase|secret|token|cipher[-_]pass|s3[-_]key|api[-_]?key|credential|client-key-data|client-certificate-data)[\\w.-]*";

const PATTERNS: [RegExp, string][] = [
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    "[redacted private key]",
  ],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, "$1 [redacted]"],
  // GitHub tokens (installation, personal, OAuth) and AWS access key ids, wherever they appear.
  [/\b(gh[pousr]_|github_pat_)[A-Za-z0-9_]{20,}/g, "[redacted token]"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, "[redacted key id]"],
  // Azure connection strings: a key or signature ends at the next `;`.
  [/\b(AccountKey|SharedAccessKey|SharedAccessSignature)=[^;\s"']+/gi, "$1=[redacted]"],
  // The password of a URI: postgresql://user:PASSWORD@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, "$1[redacted]@"],
  // key=value, "key": "value" (JSON), key: value (YAML, logs). A quoted value is redacted
  // whole; after `=` a bare value ends at a space (a command line), after `:` at the end
  // of the line (a YAML value may have spaces), or at a JSON comma or brace.
  [new RegExp(`\\b(${SECRET_KEY})(["']?\\s*=\\s*)("[^"]*"|'[^']*'|\\S+)`, "gi"), "$1$2[redacted]"],
  [
    new RegExp(`\\b(${SECRET_KEY})(["']?\\s*:[ \\t]*)("[^"]*"|'[^']*'|[^\\s,}][^\\n,}]*)`, "gi"),
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
