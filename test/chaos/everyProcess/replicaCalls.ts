/**
 * "Load spreads": the gRPC calls each replica of a service served, read from
 * its own metrics endpoint (`grpc_server_handling_seconds_count`, summed over
 * methods and codes). A replica restarted by a kill counts from its restart.
 */
import type { ServiceName, Stack } from '../../../scripts/stack';

export async function callsPerReplica(stack: Stack): Promise<Partial<Record<ServiceName, number[]>>> {
  const out: Partial<Record<ServiceName, number[]>> = {};
  for (const [name, ports] of stack.replicaPorts) {
    out[name] = await Promise.all(
      ports.map(async ({ metricsPort }) => {
        const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
        let calls = 0;
        for (const line of text.split('\n')) if (line.startsWith('grpc_server_handling_seconds_count')) calls += Number(line.split(' ').pop());
        return calls;
      }),
    );
  }
  return out;
}
