/** Helpers for tests that run services as separate processes. */
import { ServiceProcess, type ServiceName } from '../../scripts/stack';

/** Runs one service with `env` until it exits; returns its exit code and what it printed. */
export async function runUntilExit(name: ServiceName, env: Record<string, string>, timeoutMs = 20_000) {
  const proc = new ServiceProcess(name, env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  // let readline flush the last lines
  await new Promise((r) => setImmediate(r));
  return { code, output: proc.output };
}
