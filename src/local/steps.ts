// Named, timed steps for long local runs: a progress line when each starts and ends, the
// durations kept for the summary, and a stop between steps when asked (Ctrl-C).

export interface Step {
  name: string;
  seconds: number;
}

export class Steps {
  readonly done: Step[] = [];
  private readonly log: (line: string) => void;
  private readonly signal: AbortSignal | undefined;

  constructor(log: (line: string) => void = () => {}, signal?: AbortSignal) {
    this.log = log;
    this.signal = signal;
  }

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.signal?.throwIfAborted();
    this.log(`▶ ${name}`);
    const started = performance.now();
    const result = await work();
    const seconds = (performance.now() - started) / 1000;
    this.done.push({ name, seconds });
    this.log(`  done in ${seconds.toFixed(1)}s`);
    return result;
  }
}
