// pgbackrest.conf: an ini file whose keys may repeat (list and hash options such as
// tls-server-auth). Parsed here to read paths and hosts out of it, and to catch the
// mistake pgBackRest rejects at run time: a comment on the same line as a value.

export type PgbackrestConfig = Map<string, Map<string, string[]>>;

export interface ConfigProblem {
  line: number;
  message: string;
}

export function parsePgbackrestConfig(text: string): {
  config: PgbackrestConfig;
  problems: ConfigProblem[];
} {
  const config: PgbackrestConfig = new Map();
  const problems: ConfigProblem[] = [];
  let section: Map<string, string[]> | undefined;
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    const number = index + 1;
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1]) {
      section = config.get(header[1]) ?? new Map();
      config.set(header[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || !section) {
      const message = section
        ? `expected key=value, got "${line}"`
        : "key=value before any [section]";
      problems.push({ line: number, message });
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (/\s#/.test(value)) {
      problems.push({
        line: number,
        message: `${key}: "${value}" looks like an inline comment; pgBackRest reads it as part of the value: put the comment on its own line`,
      });
    }
    section.set(key, [...(section.get(key) ?? []), value]);
  }
  return { config, problems };
}

/** Merges files in the order pgBackRest loads them (later files add to earlier ones). */
export function mergeConfigs(configs: PgbackrestConfig[]): PgbackrestConfig {
  const merged: PgbackrestConfig = new Map();
  for (const config of configs) {
    for (const [name, options] of config) {
      const target = merged.get(name) ?? new Map<string, string[]>();
      for (const [key, values] of options) target.set(key, [...(target.get(key) ?? []), ...values]);
      merged.set(name, target);
    }
  }
  return merged;
}

/**
 * The options a container's environment gives pgBackRest (PGBACKREST_PG1_PATH is
 * pg1-path), as one [global] section: they apply to every stanza and, merged after the
 * files, win over them as pgBackRest's environment does. `$(NAME)` is expanded from the
 * variables before it, as the kubelet does; values from ConfigMaps and Secrets are left out.
 */
export function environmentConfig(env: { name: string; value?: string }[]): PgbackrestConfig {
  const values = new Map<string, string>();
  const options = new Map<string, string[]>();
  for (const { name, value } of env) {
    if (value === undefined) continue;
    const expanded = value.replace(
      /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
      (ref, variable: string) => values.get(variable) ?? ref,
    );
    values.set(name, expanded);
    if (name.startsWith("PGBACKREST_"))
      options.set(name.slice("PGBACKREST_".length).toLowerCase().replaceAll("_", "-"), [expanded]);
  }
  return new Map([["global", options]]);
}

/** An option's value for a stanza: the stanza section wins over [global]. */
export function optionValue(
  config: PgbackrestConfig,
  stanza: string,
  key: string,
): string | undefined {
  return config.get(stanza)?.get(key)?.at(-1) ?? config.get("global")?.get(key)?.at(-1);
}
