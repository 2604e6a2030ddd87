/**
 * Calls `attempt` every 200 ms until it resolves, and resolves with that; once
 * `timeoutMs` has passed, rejects with its last error. For what takes a moment
 * to hold across processes: interest crossing NATS gateways, a new JetStream
 * meta leader, a reconnect.
 */
export async function untilResolves<T>(attempt: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
