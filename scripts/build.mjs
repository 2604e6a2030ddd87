#!/usr/bin/env node
/**
 * `npm run build`: compiles every workspace package to CommonJS JavaScript in
 * its own `dist/` (proto/gen → proto/dist, infra/src → infra/dist,
 * services/<name>/src → services/<name>/dist), for `node dist/…` in the
 * production image.
 *
 * Why swc file by file rather than `tsc` emit: the tree is already
 * `isolatedModules` (each file compiles alone), `npm run typecheck` (`tsc -b`)
 * checks the types, and jest runs every test through this very transform, so
 * the JavaScript that ships is the JavaScript the tests ran. It takes a few
 * seconds instead of a second full type check.
 *
 * Packages resolve each other's `dist/` through the `dist` export condition
 * (`node --conditions=dist …`, set by the image); without it they resolve to
 * the TypeScript sources, as tsx, jest and tsc expect.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFile } from '@swc/core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The same options as jest.config.js's transform, plus source maps for readable stack traces. */
const SWC = {
  jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  module: { type: 'commonjs' },
  sourceMaps: true,
  swcrc: false,
  configFile: false,
};
/** Test code and test-only helpers stay out of the image. */
const EXCLUDED = [/\.test\.ts$/, /(^|\/)testSupport\//, /(^|\/)bench\//];
/** Files loaded at run time by path rather than by import (the PGlite worker). */
const ASSETS = /\.(cjs|json)$/;

const servicesDir = join(ROOT, 'services');
const packages = [
  { src: 'proto/gen', out: 'proto/dist' },
  { src: 'infra/src', out: 'infra/dist' },
  ...readdirSync(servicesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({ src: `services/${d.name}/src`, out: `services/${d.name}/dist` })),
];

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .filter((rel) => !EXCLUDED.some((re) => re.test(rel)));
}

async function buildPackage({ src, out }) {
  const srcDir = join(ROOT, src);
  const outDir = join(ROOT, out);
  rmSync(outDir, { recursive: true, force: true });
  let compiled = 0;
  for (const rel of filesUnder(srcDir)) {
    const from = join(srcDir, rel);
    if (ASSETS.test(rel)) {
      mkdirSync(dirname(join(outDir, rel)), { recursive: true });
      copyFileSync(from, join(outDir, rel));
      continue;
    }
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) continue;
    const target = join(outDir, rel.replace(/\.ts$/, '.js'));
    const { code, map } = await transformFile(from, { ...SWC, filename: from, sourceFileName: relative(dirname(target), from) });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) writeFileSync(`${target}.map`, map);
    compiled++;
  }
  return compiled;
}

const started = Date.now();
let total = 0;
for (const pkg of packages) {
  const n = await buildPackage(pkg);
  total += n;
  process.stdout.write(`${pkg.src} → ${pkg.out}: ${n} files\n`);
}
process.stdout.write(`built ${total} files in ${Date.now() - started} ms\n`);
