import { runService } from '@contactcenter/infra';

/**
 * The routing service process. On the walking skeleton it runs the shared
 * runtime (config, logs, NATS, gRPC with grpc.health.v1, metrics, graceful
 * shutdown); its domain, queues, assignment decisions and capacity safety (issue 4), registers here.
 */
runService('routing', {}, async () => {});
