import type { ChannelEndpoint, ChannelKind, DeliveryUpdate, EndpointDirectory, InboundMessage, InboundSink, ReceiveOutcome } from '../channel/adapter';

/**
 * A directory and a sink that keep everything in memory, for tests of the
 * email adapter: the real pipeline needs NATS and the conversation service.
 * `unavailable` makes the sink answer as the pipeline does when it is down.
 */
export class InMemoryDirectory implements EndpointDirectory {
  constructor(private readonly endpoints: ChannelEndpoint[]) {}
  async find(channel: ChannelKind, endpointId: string): Promise<ChannelEndpoint | undefined> {
    return this.endpoints.find((e) => e.channel === channel && e.endpointId === endpointId);
  }
}

export class InMemorySink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly updates: DeliveryUpdate[] = [];
  unavailable = false;

  constructor(private readonly directory: EndpointDirectory) {}

  async receive(message: InboundMessage): Promise<ReceiveOutcome> {
    if (this.unavailable) return { kind: 'refused', reason: 'unavailable', detail: 'pipeline down' };
    const endpoint = await this.directory.find(message.channel, message.endpointId);
    if (!endpoint) return { kind: 'refused', reason: 'unknown_endpoint', detail: message.endpointId };
    const known = this.messages.find((m) => m.externalMessageId === message.externalMessageId && m.endpointId === message.endpointId);
    if (known) return { kind: 'duplicate', tenantId: endpoint.tenantId, conversationId: 'c-1' };
    this.messages.push(message);
    return { kind: 'recorded', tenantId: endpoint.tenantId, conversationId: 'c-1', messageId: `m-${this.messages.length}`, started: true };
  }

  async delivery(update: DeliveryUpdate): Promise<void> {
    if (this.unavailable) throw new Error('pipeline down');
    this.updates.push(update);
  }
}
