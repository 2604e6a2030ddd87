/**
 * What the suite started, stopped in reverse order from afterAll (or at the
 * end of the test): each cleanup on its own, so one failing does not keep
 * the others from running. A run that dies first is orphanReaper.ts's job.
 */
type Cleanup = () => Promise<void> | void;

export class Cleanups {
  private readonly steps: { name: string; run: Cleanup }[] = [];
  private running: Promise<void> | undefined;

  add(name: string, run: Cleanup): void {
    this.steps.push({ name, run });
  }

  /** Runs every cleanup once, later ones first. */
  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const { name, run } of [...this.steps].reverse()) {
        try {
          await run();
        } catch (err) {
          process.stderr.write(`chaos: cleanup ${name} failed: ${(err as Error).message}\n`);
        }
      }
    })();
    return this.running;
  }
}
