/**
 * How many copies of each JetStream stream and KV bucket this process creates
 * (JETSTREAM_REPLICAS): 1 on a single server (`npm start`, tests), 3 on a
 * production NATS cluster, so that losing one server loses no event, claim
 * or checkpoint. `runService` sets it once at start from the validated
 * config; every place that creates a stream or bucket asks `jetStreamReplicas()`.
 *
 * Only creation uses it: an existing stream or bucket keeps its replicas
 * (change them with `nats stream edit <name> --replicas 3`, KV buckets are
 * streams named `KV_<bucket>`).
 *
 * @example
 *   await jsm.streams.add({ name, subjects, num_replicas: jetStreamReplicas() });
 */
let configured = 1;

export function setJetStreamReplicas(replicas: number): void {
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new RangeError(`JetStream replicas must be an integer from 1 to 5, got ${replicas}`);
  configured = replicas;
}

/** Replicas for a new stream or bucket: what the caller asks for, never fewer than JETSTREAM_REPLICAS. */
export function jetStreamReplicas(requested = 1): number {
  return Math.max(requested, configured);
}
