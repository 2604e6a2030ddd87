/** Domain events on NATS JetStream: the shared stream and the CloudEvents codec. */
export * from './cloudEvent';
export * from './eventStream';
export * from './readEvents';
export * from './workConsumer';
export * from './follow';
export * from './eventSubject';
