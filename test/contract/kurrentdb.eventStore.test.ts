import { createEventStore } from '@contactcenter/infra/eventstore';
import { eventStoreContract } from './eventStore.contract';

jest.setTimeout(120_000);

// No KurrentDB server can be installed on every machine: run the contract only against one we are given.
const url = process.env.KURRENTDB_CONNECTION_STRING;

if (url) {
  eventStoreContract({
    name: 'KurrentDB',
    guarantees: { refusesReusedEventIds: false, idempotentWhateverExpectedRevision: false },
    async open() {
      const store = await createEventStore(url);
      return { store, close: () => store.close() };
    },
  });
} else {
  process.stderr.write('KurrentDB contract skipped: KURRENTDB_CONNECTION_STRING is not set (e.g. kurrentdb://localhost:2113?tls=false)\n');
  describe.skip('EventStore contract on KurrentDB', () => {
    it('needs KURRENTDB_CONNECTION_STRING', () => undefined);
  });
}
