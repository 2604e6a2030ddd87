/**
 * The parts a platform team provides or fills in: every Secret key the
 * manifests use has an example, every example key is documented in
 * k8s/README.md; NATS has as many servers as the streams' replicas, and its
 * configuration (as built, with the region's gateways) is one nats-server
 * accepts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { K8sObject } from '../kubectl';
import { natsServerOf } from '../natsServer';
import { processContainers } from '../workloads';

export function secretDocumentationProblems(secrets: Map<string, K8sObject>, readme: string): string[] {
  const problems: string[] = [];
  for (const [name, secret] of secrets) {
    if (!readme.includes(`\`${name}\``)) problems.push(`Secret ${name} (k8s/secrets) is not documented in k8s/README.md`);
    for (const key of Object.keys({ ...secret.data, ...secret.stringData })) {
      if (!readme.includes(`\`${key}\``)) problems.push(`Secret ${name}: key ${key} is not documented in k8s/README.md`);
    }
  }
  return problems;
}

/** JETSTREAM_REPLICAS copies need that many NATS servers (when the overlay runs NATS itself). */
export function natsProblems(objects: K8sObject[], secrets: Map<string, K8sObject>): string[] {
  const nats = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'nats');
  if (!nats) return [];
  const servers = nats.spec.replicas ?? 1;
  return processContainers(objects, secrets)
    .filter((pc) => Number(pc.env.get('JETSTREAM_REPLICAS') ?? 1) > servers)
    .map((pc) => `${pc.workload.id}: JETSTREAM_REPLICAS=${pc.env.get('JETSTREAM_REPLICAS')} but StatefulSet nats runs ${servers} servers`);
}

/**
 * `nats-server -t` on the built configuration, in the environment its container gets (the example
 * Secrets filled in); undefined when nats-server is not installed.
 */
export function natsConfigCheck(objects: K8sObject[], secrets: Map<string, K8sObject>): { problems: string[] } | undefined {
  const server = natsServerOf(objects, secrets);
  if (!server) return { problems: [] };
  const binary = ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server'].find((b) => !spawnSync(b, ['--version']).error);
  if (!binary) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'nats-conf-'));
  try {
    for (const [file, text] of Object.entries(server.files)) writeFileSync(join(dir, file), text);
    const r = spawnSync(binary, ['-c', join(dir, 'nats.conf'), '-t'], { encoding: 'utf8', env: { PATH: process.env.PATH, ...server.env } });
    return { problems: r.status === 0 ? [] : [`StatefulSet nats: nats-server refuses nats.conf: ${(r.stderr || r.stdout).trim()}`] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
