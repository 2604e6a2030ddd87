import { CircuitBreaker, CircuitOpenError } from './circuitBreaker';

class Boom extends Error {}
class NotMyFault extends Error {}

describe('CircuitBreaker', () => {
  let now: number;
  const make = () => new CircuitBreaker('mt', { failureThreshold: 3, coolDownMs: 1_000, clock: () => now, isFailure: (e) => e instanceof Boom });
  const fail = (b: CircuitBreaker) => b.run(() => Promise.reject(new Boom('down'))).catch((e: unknown) => e);
  const succeed = (b: CircuitBreaker) => b.run(() => Promise.resolve('ok'));
  beforeEach(() => {
    now = 0;
  });

  it('opens after N consecutive failures and then rejects without calling', async () => {
    const b = make();
    await fail(b);
    await fail(b);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
    const call = jest.fn(() => Promise.resolve('ok'));
    now = 400;
    const err = await b.run(call).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).retryInMs).toBe(600);
    expect(call).not.toHaveBeenCalled();
  });

  it('a success in between resets the count', async () => {
    const b = make();
    await fail(b);
    await fail(b);
    await succeed(b);
    await fail(b);
    await fail(b);
    expect(b.state).toBe('closed');
  });

  it('errors that are not failures neither count nor reset', async () => {
    const b = make();
    await fail(b);
    await fail(b);
    await b.run(() => Promise.reject(new NotMyFault())).catch(() => undefined);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
  });

  it('half-open after the cool-down lets exactly one trial through; success closes', async () => {
    const b = make();
    for (let i = 0; i < 3; i++) await fail(b);
    now = 1_000;
    expect(b.state).toBe('half_open');
    let finish!: (v: string) => void;
    const trial = b.run(() => new Promise<string>((r) => (finish = r)));
    await expect(succeed(b)).rejects.toBeInstanceOf(CircuitOpenError);
    finish('ok');
    await expect(trial).resolves.toBe('ok');
    expect(b.state).toBe('closed');
    await expect(succeed(b)).resolves.toBe('ok');
  });

  it('a failed trial opens the circuit for another full cool-down', async () => {
    const b = make();
    for (let i = 0; i < 3; i++) await fail(b);
    now = 1_500;
    await fail(b);
    expect(b.state).toBe('open');
    now = 2_499;
    expect(b.state).toBe('open');
    now = 2_500;
    expect(b.state).toBe('half_open');
  });

  it('a trial that ends in a non-failure error leaves it half-open for the next trial', async () => {
    const b = make();
    for (let i = 0; i < 3; i++) await fail(b);
    now = 1_000;
    await b.run(() => Promise.reject(new NotMyFault())).catch(() => undefined);
    expect(b.state).toBe('half_open');
    await expect(succeed(b)).resolves.toBe('ok');
    expect(b.state).toBe('closed');
  });
});
