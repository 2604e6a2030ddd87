import { SpanKind, withSpan } from '../tracing/spans';
import type { EventStore } from './eventStore';

/**
 * Makes every append a span of the trace it happens in (a command's gRPC
 * call): the time spent writing the record shows apart from deciding.
 * Whatever the adapter, hence here and not in each of them.
 */
export function traceAppends<S extends EventStore>(store: S, backend: string): S {
  const append = store.appendToStream.bind(store);
  store.appendToStream = (streamId, events, options) =>
    withSpan('eventstore append', { kind: SpanKind.CLIENT, attributes: { 'db.system': backend, 'db.operation.name': 'append', 'eventstore.events': events.length } }, () =>
      append(streamId, events, options),
    );
  return store;
}
