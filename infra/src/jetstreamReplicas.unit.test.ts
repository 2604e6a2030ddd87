import { jetStreamReplicas, setJetStreamReplicas } from './jetstreamReplicas';

describe('JetStream replicas', () => {
  afterEach(() => setJetStreamReplicas(1));

  it('creates single copies by default, and what a caller asks for above that', () => {
    expect(jetStreamReplicas()).toBe(1);
    expect(jetStreamReplicas(3)).toBe(3);
  });

  it('never creates fewer copies than JETSTREAM_REPLICAS, whatever a caller asks for', () => {
    setJetStreamReplicas(3);
    expect(jetStreamReplicas()).toBe(3);
    expect(jetStreamReplicas(1)).toBe(3);
    expect(jetStreamReplicas(5)).toBe(5);
  });

  it.each([0, 6, 1.5])('refuses %p copies', (n) => {
    expect(() => setJetStreamReplicas(n)).toThrow(RangeError);
  });
});
