/**
 * The service's standard output when its reader stops reading: lines queue
 * up to the bound, then are dropped and counted, and the count is told once
 * the reader catches up. Over loopback TCP, which buffers like a pipe does.
 */
import { createServer, Socket, type Server } from 'node:net';
import { PipeLogOutput } from './logOutput';

let server: Server;
let reader: Socket;
let writer: Socket;
beforeEach(async () => {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer((s) => resolve(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  writer = new Socket();
  await new Promise<void>((r) => writer.connect((server.address() as { port: number }).port, '127.0.0.1', r));
  reader = await accepted;
  reader.pause();
});
afterEach(async () => {
  writer.destroy();
  reader.destroy();
  await new Promise((r) => server.close(r));
});

const line = (i: number) => `${JSON.stringify({ level: 'info', i, filler: 'x'.repeat(1_000) })}\n`;

it('queues what the reader cannot take yet, drops past the bound, and reports the drops once it reads again', async () => {
  const output = new PipeLogOutput(writer, 256 * 1_024);
  const started = Date.now();
  for (let i = 0; i < 20_000; i++) output.write(line(i)); // ~20 MB, far past socket buffers and the bound
  expect(Date.now() - started).toBeLessThan(5_000); // never blocked: it returned while nobody read
  expect(output.dropped).toBeGreaterThan(0);
  const dropped = output.dropped;

  let received = '';
  reader.on('data', (d: Buffer) => (received += d.toString()));
  reader.resume();
  await output.flush(10_000);
  await new Promise((r) => setTimeout(r, 100));
  const records = received.trim().split('\n').map((l) => JSON.parse(l) as { i?: number; dropped?: number; msg?: string });
  const kept = records.filter((r) => r.i !== undefined).map((r) => r.i!);
  expect(kept.length + dropped).toBe(20_000);
  expect(kept).toEqual([...kept].sort((a, b) => a - b)); // in order, no line split or repeated
  expect(kept[0]).toBe(0); // the oldest lines are the ones kept
  expect(records.at(-1)).toMatchObject({ level: 'warn', dropped, msg: `${dropped} log lines dropped: standard output was not being read` });
});

it('writes through at once while the reader keeps up, and flush resolves when all is out', async () => {
  const output = new PipeLogOutput(writer, 256 * 1_024);
  let received = '';
  reader.on('data', (d: Buffer) => (received += d.toString()));
  reader.resume();
  for (let i = 0; i < 100; i++) output.write(line(i));
  await output.flush(5_000);
  await new Promise((r) => setTimeout(r, 50));
  expect(received.trim().split('\n')).toHaveLength(100);
  expect(output.dropped).toBe(0);
});

it('drops silently once the reader is gone', async () => {
  const output = new PipeLogOutput(writer, 256 * 1_024);
  reader.destroy();
  for (let i = 0; i < 2_000; i++) output.write(line(i));
  await new Promise((r) => setTimeout(r, 200));
  for (let i = 0; i < 10; i++) output.write(line(i));
  await expect(output.flush(1_000)).resolves.toBeUndefined();
  expect(output.dropped).toBeGreaterThan(0);
});
