// Waiting on the local cluster: a wait looks again whenever something changed (a pod
// became ready, a Job ended) and at least twice a second, until its check gives a value
// or its deadline passes.
export class Changes {
  private readonly waiters = new Set<() => void>();

  /** Wakes every wait, to look again. */
  notify(): void {
    for (const wake of this.waiters) wake();
  }

  async until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 500));
        this.waiters.add(wake);
      });
    }
  }
}
