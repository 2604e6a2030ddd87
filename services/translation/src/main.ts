import { runService } from '@contactcenter/infra';

/**
 * The translation service process. On the walking skeleton it runs the shared
 * runtime (config, logs, NATS, gRPC with grpc.health.v1, metrics, graceful
 * shutdown); its domain, language detection and translation providers (issue 5), registers here.
 */
runService('translation', {}, async () => {});
