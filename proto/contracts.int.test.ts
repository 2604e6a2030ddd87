/**
 * The contracts lint cleanly with buf (Buf style) and the committed
 * generated code is exactly what `npm run generate` produces.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const protoDir = __dirname;
const buf = join(protoDir, '..', 'node_modules', '.bin', 'buf');

const listFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });

describe('proto contracts', () => {
  it('pass buf lint', () => {
    expect(() => execFileSync(buf, ['lint'], { cwd: protoDir, stdio: 'pipe' })).not.toThrow();
  });

  it('generate exactly the committed code', () => {
    const out = mkdtempSync(join(tmpdir(), 'cc-gen-'));
    try {
      execFileSync(buf, ['generate', '-o', out], { cwd: protoDir, stdio: 'pipe' });
      const fresh = join(out, 'gen');
      const committed = join(protoDir, 'gen');
      const names = (d: string) => listFiles(d).map((f) => relative(d, f)).sort();
      expect(names(fresh)).toEqual(names(committed));
      for (const name of names(fresh)) {
        expect(readFileSync(join(fresh, name), 'utf8')).toBe(readFileSync(join(committed, name), 'utf8'));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
