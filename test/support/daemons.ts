// The exporters and servers the monitoring tests run on loopback (node_exporter,
// the Pushgateway, Prometheus), as the postgres user, stopped by the test.
import { type ChildProcess, spawn } from "node:child_process";
import { serviceUser } from "../../src/local/host.ts";

/** Every daemon any Daemons started in this process and has not stopped. */
const running = new Set<ChildProcess>();

export class Daemons {
  private readonly children: ChildProcess[] = [];

  /**
   * Starts argv as the postgres user with only PATH and `env` in its environment, in /
   * (the checkout may be a directory the postgres user cannot enter).
   */
  start(argv: string[], env: Record<string, string> = {}): ChildProcess {
    const [command, ...args] = argv;
    const { uid, gid } = serviceUser();
    const child = spawn(command as string, args, {
      uid,
      gid,
      cwd: "/",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdio: "ignore",
    });
    this.children.push(child);
    running.add(child);
    child.once("exit", () => running.delete(child));
    return child;
  }

  stopAll(): void {
    for (const child of this.children.splice(0)) child.kill();
  }
}

/** Stops every daemon still running, whoever started it: the net under a failed test. */
export function stopAllDaemons(): void {
  for (const child of running) child.kill();
  running.clear();
}

/** Polls `probe` every 0.5 s until it gives a value; throws after `ms` saying what did not happen. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The exposition at `url` once the daemon answers (it may still be starting). */
export function scrape(url: string, ms = 30_000): Promise<string> {
  return until(
    `${url} answering`,
    async () => {
      const response = await fetch(url);
      return response.ok ? response.text() : undefined;
    },
    ms,
  );
}
