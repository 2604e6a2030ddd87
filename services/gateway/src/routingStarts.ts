import { CallBatches, unary, type CallOptions } from '@contactcenter/infra';
import type { RoutingServiceClient, StartInQueueRequest, StartInQueueResponse } from '@contactcenter/proto/routing/v1';

type Start = { request: StartInQueueRequest; options: CallOptions };

/**
 * Visitors' conversations started into their queues, sent to routing
 * together: the starts that arrive while earlier ones are in flight go in one
 * StartInQueues call per tenant, each as its own visitor, so a gateway under
 * a rush of visitors pays one call per batch instead of one per visitor
 * (a unary gRPC call costs both ends more CPU than routing's work on it). A
 * quiet gateway sends each start at once as StartInQueue, with its request id,
 * trace and cancellation; a batch carries the items' answers one by one, so
 * each visitor still gets their own conversation or their own error. A
 * routing that does not know StartInQueues yet (a rolling upgrade) gets
 * single calls.
 */
export class RoutingStarts {
  private readonly batches: CallBatches<Start, StartInQueueResponse>;

  constructor(routing: RoutingServiceClient) {
    this.batches = new CallBatches({
      send: async (tenantId, items) =>
        (await unary(routing, routing.startInQueues, { items: items.map(({ request, options }) => ({ request, actorId: options.actorId ?? '' })) }, { tenantId, actorId: 'gateway' })).outcomes.map(
          (o) => o.outcome,
        ),
      sendOne: (_tenantId, { request, options }) => unary(routing, routing.startInQueue, request, options),
    });
  }

  /** Starts one visitor's conversation in a queue, as StartInQueue would (its answer, or its own error). */
  start(request: StartInQueueRequest, options: CallOptions): Promise<StartInQueueResponse> {
    return this.batches.call(options.tenantId, { request, options });
  }
}
