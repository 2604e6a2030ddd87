import { runService } from '@contactcenter/infra';

/**
 * The presence service process. On the walking skeleton it runs the shared
 * runtime (config, logs, NATS, gRPC with grpc.health.v1, metrics, graceful
 * shutdown); its domain, agent status, heartbeats, capacity and shifts in NATS KV (issue 4), registers here.
 */
runService('presence', {}, async () => {});
