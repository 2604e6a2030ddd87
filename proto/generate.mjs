// Compiles proto/contactcenter/**.proto into gen/ with ts-proto through buf
// (binary from the npm registry, no system protoc), then lints them.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buf = join(here, '..', 'node_modules', '.bin', 'buf');
const run = (args) => execFileSync(buf, args, { cwd: here, stdio: 'inherit' });

run(['lint']);
run(['generate']);
