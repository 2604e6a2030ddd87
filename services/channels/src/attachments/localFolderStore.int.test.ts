import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@contactcenter/infra/errors';
import { LocalFolderStore } from './localFolderStore';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'objects-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('LocalFolderStore', () => {
  it('stores and reads back bytes and content type', async () => {
    const store = new LocalFolderStore(join(root, 'store'));
    const { url } = await store.put('t-1/c-9/ab12/invoice 1042.pdf', Buffer.from('%PDF-1.4'), 'application/pdf');
    expect(url).toMatch(/^file:\/\/.*\/store\/t-1\/c-9\/ab12\/invoice%201042\.pdf$/);
    expect(await store.get('t-1/c-9/ab12/invoice 1042.pdf')).toEqual({ content: Buffer.from('%PDF-1.4'), contentType: 'application/pdf' });
    expect(await store.get('t-1/c-9/missing.pdf')).toBeUndefined();
  });

  it('answers URLs under a public base when one is configured', async () => {
    const store = new LocalFolderStore(join(root, 'public'), 'https://files.shop.example/att/');
    expect((await store.put('t-1/a b.png', Buffer.from('x'), 'image/png')).url).toBe('https://files.shop.example/att/t-1/a%20b.png');
  });

  it.each(['../escape.txt', 't-1/../../escape.txt', '/etc/passwd', 't-1//x', 't-1/./x', 'a\\..\\b', 'nul\u0000byte', ''])(
    'refuses the key %j, and writes nothing outside the store',
    async (key) => {
      const store = new LocalFolderStore(join(root, 'store'));
      await expect(store.put(key, Buffer.from('x'), 'text/plain')).rejects.toBeInstanceOf(ValidationError);
      await expect(store.get(key)).rejects.toBeInstanceOf(ValidationError);
      expect(existsSync(join(root, 'escape.txt'))).toBe(false);
    },
  );
});
