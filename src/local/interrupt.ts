// Ctrl-C or TERM during a long local run (the demo, the benchmark). The first signal
// stops the run at the next step and lets it clean up. Later ones are acknowledged and
// never fatal: a terminal's Ctrl-C reaches the whole process group and `npm run` passes
// it on once more, and dying on that second signal would leave servers and directories
// behind.

export interface Interrupt {
  /** Aborted by the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** The exit code for a run stopped by a signal (128 + its number), else undefined. */
  exitCode(): number | undefined;
}

const NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export function stopOnSignals(log: (line: string) => void): Interrupt {
  const controller = new AbortController();
  let received: keyof typeof NUMBERS | undefined;
  for (const name of Object.keys(NUMBERS) as (keyof typeof NUMBERS)[]) {
    process.on(name, () => {
      if (received) {
        log(`${name}: still cleaning up; this stops by itself once everything made is removed`);
        return;
      }
      received = name;
      log(`${name}: stopping after the current step and cleaning up`);
      controller.abort(new Error(`interrupted by ${name}`));
    });
  }
  return {
    signal: controller.signal,
    exitCode: () => (received ? 128 + NUMBERS[received] : undefined),
  };
}
