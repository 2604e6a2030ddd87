/**
 * Whether a container engine answers, so test servers can come from
 * testcontainers; otherwise the locally installed binaries are used.
 * `TESTCONTAINERS=off` skips the probe.
 */
let probe: Promise<boolean> | undefined;

export function containerEngineAvailable(): Promise<boolean> {
  if (process.env.TESTCONTAINERS === 'off') return Promise.resolve(false);
  probe ??= (async () => {
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('container engine probe timed out')), 5_000).unref(),
      );
      await Promise.race([getContainerRuntimeClient(), timeout]);
      return true;
    } catch {
      return false;
    }
  })();
  return probe;
}
