#!/usr/bin/env node
/**
 * Builds the browser apps with esbuild: the visitor widget into
 * `apps/widget/dist/widget.js` (one script a site embeds), the agent desk into
 * `apps/desk/dist/` (`index.html`, `desk.js`, `desk.css`). Minified, with
 * source maps; prints each bundle's size, gzipped, and fails when the
 * widget's passes its budget (60 kB gzipped: it loads on customers' pages).
 *
 *   node apps/build.mjs            # both, once
 *   node apps/build.mjs --quiet    # no size lines (npm start, tests)
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const APPS = dirname(fileURLToPath(import.meta.url));
const WIDGET_BUDGET_GZIP_BYTES = 60 * 1024;

const common = { bundle: true, minify: true, sourcemap: true, target: ['es2020'], platform: 'browser', format: 'iife', legalComments: 'none', logLevel: 'error' };

/** Builds both apps; `quiet` leaves out the size lines. */
export async function buildApps({ quiet = false } = {}) {
  const widgetOut = join(APPS, 'widget', 'dist', 'widget.js');
  await build({ ...common, entryPoints: [join(APPS, 'widget', 'src', 'main.ts')], outfile: widgetOut });
  const deskDist = join(APPS, 'desk', 'dist');
  mkdirSync(deskDist, { recursive: true });
  await build({ ...common, entryPoints: [join(APPS, 'desk', 'src', 'main.ts')], outfile: join(deskDist, 'desk.js') });
  for (const file of ['index.html', 'desk.css']) {
    const from = join(APPS, 'desk', 'static', file);
    if (existsSync(from)) copyFileSync(from, join(deskDist, file));
  }
  const sizes = { widget: gzipSync(readFileSync(widgetOut)).length, desk: gzipSync(readFileSync(join(deskDist, 'desk.js'))).length };
  if (!quiet) for (const [name, bytes] of Object.entries(sizes)) process.stdout.write(`${name}: ${(bytes / 1024).toFixed(1)} kB gzipped\n`);
  if (sizes.widget > WIDGET_BUDGET_GZIP_BYTES) throw new Error(`the widget is ${(sizes.widget / 1024).toFixed(1)} kB gzipped, over its ${WIDGET_BUDGET_GZIP_BYTES / 1024} kB budget`);
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildApps({ quiet: process.argv.includes('--quiet') }).catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
}
