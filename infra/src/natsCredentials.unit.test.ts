/**
 * NATS credentials in URLs: the client ignores `user:pass@` (checked against
 * nats-server: Authorization Violation), so connectNats takes them out, and no
 * error shows them.
 */
import { ConfigError, loadConfig, natsUrl } from './config';
import { ValidationError } from './errors';
import { natsServersWithCredentials } from './nats';

describe('natsServersWithCredentials', () => {
  it('takes user and password out of the URLs', () => {
    expect(natsServersWithCredentials('nats://eu:s3cret@127.0.0.1:4222, nats://eu:s3cret@127.0.0.1:4223')).toEqual({
      list: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'],
      user: 'eu',
      pass: 's3cret',
    });
  });

  it('percent-decodes them and reads a lone name as a token', () => {
    expect(natsServersWithCredentials('nats://a%40b:p%3Aw@h:1')).toEqual({ list: ['nats://h:1'], user: 'a@b', pass: 'p:w' });
    expect(natsServersWithCredentials('nats://tok@h:1')).toEqual({ list: ['nats://h:1'], token: 'tok' });
    expect(natsServersWithCredentials('nats://eu:a/b@c@h:1')).toEqual({ list: ['nats://h:1'], user: 'eu', pass: 'a/b@c' });
  });

  it('leaves URLs without credentials alone', () => {
    expect(natsServersWithCredentials('nats://127.0.0.1:4222')).toEqual({ list: ['nats://127.0.0.1:4222'] });
  });

  it('refuses URLs with different credentials without showing them', () => {
    const attempt = () => natsServersWithCredentials('nats://eu:one@h:1,nats://us:two@h:2');
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/^NATS_URL: its URLs carry different credentials \(nats:\/\/h:1, nats:\/\/h:2\)/);
  });
});

describe('NATS_URL with credentials', () => {
  const schema = { NATS_URL: natsUrl() };

  it('is accepted', () => {
    expect(loadConfig(schema, { NATS_URL: 'nats://eu:s3cret@127.0.0.1:4222' }).NATS_URL).toBe('nats://eu:s3cret@127.0.0.1:4222');
  });

  it.each(['http://eu:s3cret@127.0.0.1:4222', 'nats://eu:s3/cret@127.0.0.1:4222', 'nats://eu:s3cret@127.0.0.1:port'])(
    'is refused without echoing the password: %s',
    (raw) => {
      let error: unknown;
      try {
        loadConfig(schema, { NATS_URL: raw });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/^NATS_URL: /);
      expect((error as Error).message).not.toContain('s3');
    },
  );
});
