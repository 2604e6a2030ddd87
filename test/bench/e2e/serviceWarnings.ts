/** Warnings and errors the services logged, grouped by service and message; the collected lines are dropped as they are counted. */
import type { TestStack } from '../../support/stack';

const isWarningOrError = (line: string) => ['"level":"warn"', '"level":"error"', '"level":40', '"level":50'].some((level) => line.includes(level));

export class ServiceWarnings {
  private readonly counts = new Map<string, number>();

  /** Counts the lines the stack collected since the last call. */
  count(stack: TestStack): void {
    for (const { service, line } of stack.logs.splice(0)) {
      if (!isWarningOrError(line)) continue;
      let what = line.slice(0, 120);
      try {
        const rec = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        what = `${rec.msg ?? ''}${rec.err?.message ? `: ${rec.err.message.slice(0, 100)}` : ''}`;
      } catch {
        // not JSON
      }
      const key = `${service}: ${what}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** The `n` most frequent, most frequent first. */
  top(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1]).slice(0, n);
  }
}
