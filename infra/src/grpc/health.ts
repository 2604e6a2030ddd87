import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { CHANNEL_OPTIONS } from './client';

type CheckResponse = { status: string | number };
type HealthClient = grpc.Client & {
  check(
    request: { service: string },
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (err: grpc.ServiceError | null, response?: CheckResponse) => void,
  ): grpc.ClientUnaryCall;
};

const HealthClientCtor = grpc.makeGenericClientConstructor(healthService as unknown as grpc.ServiceDefinition, 'Health');

export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN' | 'UNREACHABLE';

const STATUS_NAMES: ServingStatus[] = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** A `grpc.health.v1` client, for readiness checks and tests. */
export class HealthChecker {
  private readonly client: HealthClient;

  constructor(readonly address: string) {
    // The clients' reconnect backoff: readiness sees a restarted peer as soon as the calls can use it.
    this.client = new HealthClientCtor(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as HealthClient;
  }

  /** The peer's status for `service` ('' = the server as a whole); UNREACHABLE when it does not answer in time. */
  check(service = '', deadlineMs = 1_000): Promise<ServingStatus> {
    return new Promise((resolve) => {
      this.client.check({ service }, new grpc.Metadata(), { deadline: new Date(Date.now() + deadlineMs) }, (err, res) => {
        if (err) return resolve(err.code === grpc.status.NOT_FOUND ? 'SERVICE_UNKNOWN' : 'UNREACHABLE');
        const s = res?.status;
        resolve(typeof s === 'number' ? (STATUS_NAMES[s] ?? 'UNKNOWN') : ((s as ServingStatus | undefined) ?? 'UNKNOWN'));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
