/**
 * The round-robin balancer the replica runs put in front of the gateways:
 * new connections alternate between the backends, a backend that refuses
 * connections is skipped, and with none left the client's connection ends.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTcpBalancer, type TcpBalancer } from '../../scripts/tcpBalancer';

const servers: Server[] = [];
let balancer: TcpBalancer | undefined;

async function backend(name: string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { server, port: (server.address() as AddressInfo).port };
}

/** One request on a new connection: the backend's name, or the connection error. */
const ask = (port: number) =>
  new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    req.end();
  });

afterEach(async () => {
  await balancer?.close();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

it('hands new connections to each backend in turn', async () => {
  const a = await backend('a');
  const b = await backend('b');
  balancer = await startTcpBalancer(() => [a.port, b.port]);
  const answers = [];
  for (let i = 0; i < 6; i++) answers.push(await ask(balancer.port));
  expect(answers).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
  expect(balancer.handed).toEqual([3, 3]);
});

it('skips a backend that refuses connections, and ends the connection when none is left', async () => {
  const a = await backend('a');
  const b = await backend('b');
  balancer = await startTcpBalancer(() => [a.port, b.port]);
  await new Promise((r) => a.server.close(r));
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await ask(balancer.port));
  expect(answers).toEqual(['b', 'b', 'b', 'b']);
  await new Promise((r) => b.server.close(r));
  expect(await ask(balancer.port)).toMatch(/^error: (ECONNRESET|socket hang up)/);
});
