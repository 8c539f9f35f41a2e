// pgBackRest's errors that do not say what a person should do, said plainly. A wrong
// cipher passphrase is the worst of them: pgBackRest decrypts its own files to garbage
// and reports a format error about them; a missing one names an option. Each pattern is
// checked against the real output of the release the product pins (2.55.1) by an
// end-to-end test: faults.test.ts (lock, full volume, WAL not archived), s3.test.ts
// (missing and wrong passphrase, unreachable bucket), restore-validation.test.ts.

interface Known {
  pattern: RegExp;
  /** `repo`: the repository's number, when the caller knows it. */
  explain: (match: RegExpMatchArray, repo: string | undefined) => string;
}

const repoName = (n: string | undefined) => (n ? `repo${n}` : "the repository");

const KNOWN: Known[] = [
  {
    pattern: /requires option: repo(\d)-cipher-pass/,
    explain: (m) =>
      `the cipher passphrase of ${repoName(m[1])} is not set: create the pgbackrest-cipher Secret (manifests/s3/pgbackrest-cipher-secret.yaml.example) and restart the pods that run pgBackRest`,
  },
  {
    // pgbackrest info's Job reads the bucket with the read-only key, the other pods with theirs.
    pattern: /requires option: repo(\d)-s3-key(?:-secret)?\b/,
    explain: (m) =>
      `the S3 key of ${repoName(m[1])} is not set: create its Secret (pgbackrest-s3-reader, the read-only key, for the Jobs that read pgbackrest info; pgbackrest-s3-credentials for the other pods; docs/s3.md)`,
  },
  {
    pattern:
      /(?:repo(\d)[^\n]*)?(?:FormatError|\[029\]|key\/value found outside of section|cipher header invalid|\[095\]|is or was the repo encrypted)/,
    explain: (m, known) => {
      const repo = m[1] ?? known;
      return `wrong cipher passphrase? pgBackRest cannot read the files of ${repoName(repo)}; check ${repo ? `repo${repo}-` : ""}cipher-pass, the pgbackrest-cipher Secret, against the passphrase the stanza was created with`;
    },
  },
  {
    pattern: /unable to connect to '([^']+)'/,
    explain: (m) =>
      `cannot connect to '${m[1]}': is the S3 endpoint (or the repository host) up, and reachable from this pod through its NetworkPolicies?`,
  },
  {
    // 2.55 names the file <stanza>-backup-<repo>.lock, older releases <stanza>-backup.lock.
    pattern:
      /\[050\]: unable to acquire lock on file '[^']*\/([\w.-]+?)-(?:backup|archive)(?:-\d+)?\.lock'/,
    explain: (m) =>
      `another pgBackRest command holds stanza ${m[1]}'s lock: a backup or expire is already running (a CronJob's Job, a manual one, the bot's); wait for it to finish, or find it with \`kubectl get jobs -l app=pgbackrest\``,
  },
  {
    pattern: /\[082\]: WAL segment (\w+) was not archived/,
    explain: (m) =>
      `WAL segment ${m[1]} did not reach the repository in time: PostgreSQL's archive_command is failing or behind; pg_stat_archiver and PostgreSQL's log say why (a full repository volume, an unreachable repository, a wrong passphrase)`,
  },
  {
    pattern: /No space left on device/,
    explain: () =>
      "the repository's volume is full: earlier backups are intact; make room (lower the retention, or grow the pgbackrest-repo claim) and run the backup again",
  },
  // pgBackRest's worker processes report a failed write without the system's reason.
  {
    pattern: /unable to write '([^']+)'/,
    explain: (m) =>
      `pgBackRest could not write '${m[1]}': is that volume full (df on the pod that mounts it)? Earlier backups are intact; make room (lower the retention, or grow the claim) and run it again`,
  },
];

/**
 * A plain explanation of pgBackRest's output when it holds a known puzzle, else undefined.
 * `repo` names the repository when the caller knows it and the output does not say.
 */
export function explainPgbackrest(output: string, repo?: number): string | undefined {
  for (const { pattern, explain } of KNOWN) {
    const match = output.match(pattern);
    if (match) return explain(match, repo === undefined ? undefined : String(repo));
  }
  return undefined;
}
