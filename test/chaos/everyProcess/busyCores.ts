/**
 * The busy-machine mode: `count` child processes, each spinning on a CPU for
 * the whole run, as another tenant of the machine would. Killed by stop(),
 * and by the launcher's exit should it end abruptly.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export function startBusyCores(count: number): { stop(): Promise<void> } {
  const children: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  return {
    stop: async () => {
      const exits = children.map((c) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r()))));
      killAll();
      await Promise.all(exits);
      process.off('exit', killAll);
    },
  };
}
