import { runService } from '@contactcenter/infra';

/**
 * The survey service process. On the walking skeleton it runs the shared
 * runtime (config, logs, NATS, gRPC with grpc.health.v1, metrics, graceful
 * shutdown); its domain, surveys and service metrics projected from conversation events (issue 6), registers here.
 */
runService('survey', {}, async () => {});
