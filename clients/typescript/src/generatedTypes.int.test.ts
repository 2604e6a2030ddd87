/**
 * The committed generated types are what the generator makes of the gateway
 * as it is now: a route or a contract changed without regenerating fails
 * here, naming the file and the first line that differs. The generator runs
 * as its own process, as `npm run generate:client` runs it (openapi-typescript
 * needs Node's own module loader, which jest replaces).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');
const GENERATED_DIR = join(ROOT, 'clients', 'typescript', 'src', 'generated');

const firstDifference = (committed: string, fresh: string): string => {
  const a = committed.split('\n');
  const b = fresh.split('\n');
  const i = a.findIndex((line, n) => line !== b[n]);
  const at = i === -1 ? a.length : i;
  return `line ${at + 1}: committed ${JSON.stringify(a[at] ?? '<end of file>')}, generated ${JSON.stringify(b[at] ?? '<end of file>')}`;
};

describe('the generated client types', () => {
  it('match the gateway\'s /openapi.json and /asyncapi.json (run `npm run generate:client` when this fails)', async () => {
    const { stdout } = await promisify(execFile)(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'generateClient.ts'), '--print'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const fresh = JSON.parse(stdout) as Record<string, string>;
    expect(Object.keys(fresh).sort()).toEqual(['events.ts', 'openapi.ts']);
    const stale = Object.entries(fresh).flatMap(([name, text]) => {
      let committed: string;
      try {
        committed = readFileSync(join(GENERATED_DIR, name), 'utf8');
      } catch {
        return [`clients/typescript/src/generated/${name} is missing`];
      }
      return committed === text ? [] : [`clients/typescript/src/generated/${name} is stale (${firstDifference(committed, text)})`];
    });
    if (stale.length > 0) throw new Error(`The typed client is stale: run \`npm run generate:client\` and commit the result.\n${stale.join('\n')}`);
  });
});
