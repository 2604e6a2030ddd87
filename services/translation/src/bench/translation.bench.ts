/**
 * Translation micro benchmark on a real Apertium APY (eng-spa) and a fresh
 * NATS server, same run, same texts:
 * 1. raw APY: one HTTP POST /translate per message, no service code (baseline);
 * 2. cache miss: the translator (validation, glossary, breaker, adapter,
 *    NATS KV get + put) on texts it has never seen;
 * 3. cache hit: the same texts again, answered from NATS KV.
 * Each phase runs CONCURRENCY loops over a fixed number of messages. Phases 1
 * and 2 alternate in ROUNDS chunks after a discarded warm-up, so that APY
 * warming up or the machine drifting hits both alike. Prints a table, then
 * as its very last line one JSON object.
 *   npx tsx services/translation/src/bench/translation.bench.ts
 */
import { connect } from '@nats-io/transport-node';
import { randomUUID } from 'node:crypto';
import { startNatsServer } from '../../../../scripts/natsServer';
import { NatsKvTranslationCache } from '../memory/natsKvTranslationCache';
import { ApertiumApyProvider } from '../providers/apertiumApy';
import { withCircuitBreaker } from '../providers/breakerProvider';
import { startApertiumServer } from '../../../../scripts/apertiumServer';
import { translate, type TranslatorDeps } from '../translator';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WARM_UP = 40;
const SENTENCES = [
  'Hello, my order has not arrived yet and I would like to know where it is.',
  'Can you help me change the delivery address of my Acme Cloud subscription?',
  'The invoice shows the wrong amount, please check it.',
  'Thank you very much for your help, have a nice day.',
];
const GLOSSARY = ['Acme Cloud'];

type Phase = { name: string; messages: number; seconds: number; latenciesMs: number[] };

/** Runs `op` over `texts` in CONCURRENCY loops, adding to `into` when given. */
async function phase(name: string, texts: string[], op: (text: string) => Promise<unknown>, into?: Phase): Promise<Phase> {
  const latenciesMs = into?.latenciesMs ?? [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < texts.length; i = next++) {
        const t0 = performance.now();
        await op(texts[i]!);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  return { name, messages: (into?.messages ?? 0) + texts.length, seconds: (into?.seconds ?? 0) + seconds, latenciesMs };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const round = (n: number, digits = 2) => Number(n.toFixed(digits));

function summary(p: Phase) {
  const sorted = [...p.latenciesMs].sort((a, b) => a - b);
  return { perSecond: round(p.messages / p.seconds, 1), p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) };
}

async function main() {
  const apy = await startApertiumServer();
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  try {
    const cache = await NatsKvTranslationCache.open(nc, `bench_translation_${randomUUID().slice(0, 8)}`);
    const deps: TranslatorDeps = { providers: new Map([['apertium', withCircuitBreaker(new ApertiumApyProvider({ baseUrl: apy.url, timeoutMs: 30_000 }))]]), cache };
    const run = randomUUID().slice(0, 6);
    // Unique texts, so phase 2 misses the cache every time; the ticket number changes nothing for Apertium's work.
    const texts = Array.from({ length: MESSAGES }, (_, i) => `Ticket ${run}-${i}: ${SENTENCES[i % SENTENCES.length]}`);
    const rawTexts = texts.map((t) => `${t} `);
    const settings = { provider: 'apertium', glossary: GLOSSARY };

    const rawOp = async (q: string) => {
      const res = await fetch(`${apy.url}/translate`, { method: 'POST', body: new URLSearchParams({ langpair: 'eng|spa', q, markUnknown: 'no' }) });
      if (!res.ok) throw new Error(`APY answered ${res.status}`);
      await res.json();
    };
    const missOp = async (text: string) => {
      const r = await translate(deps, settings, { text, source: 'en', target: 'es' });
      if (r.status !== 'translated' || r.fromCache) throw new Error(`expected a fresh translation, got ${JSON.stringify(r)}`);
    };
    await phase('warm-up', texts.slice(0, WARM_UP).map((t) => `Warm ${t}`), rawOp);
    let raw: Phase | undefined;
    let miss: Phase | undefined;
    const chunk = Math.ceil(MESSAGES / ROUNDS);
    for (let r = 0; r < ROUNDS; r++) {
      raw = await phase('raw APY HTTP', rawTexts.slice(r * chunk, (r + 1) * chunk), rawOp, raw);
      miss = await phase('translator, cache miss', texts.slice(r * chunk, (r + 1) * chunk), missOp, miss);
    }
    if (!raw || !miss) throw new Error('BENCH_ROUNDS must be at least 1');
    const hit = await phase('translator, cache hit', texts, async (text) => {
      const r = await translate(deps, settings, { text, source: 'en', target: 'es' });
      if (r.status !== 'translated' || !r.fromCache) throw new Error(`expected a cache hit, got ${JSON.stringify(r)}`);
    });

    const result = { rawApy: summary(raw), cacheMiss: summary(miss), cacheHit: summary(hit) };
    console.log(`Apertium eng→spa, ${MESSAGES} messages per phase, concurrency ${CONCURRENCY}`);
    console.log('phase                     msg/s      p50 ms     p99 ms');
    for (const [p, s] of [[raw, result.rawApy], [miss, result.cacheMiss], [hit, result.cacheHit]] as const) {
      console.log(`${p.name.padEnd(24)}${String(s.perSecond).padStart(7)}${String(s.p50Ms).padStart(11)}${String(s.p99Ms).padStart(11)}`);
    }
    process.stdout.write(`${JSON.stringify({ benchmark: 'translation', provider: 'apertium', pair: 'en-es', messages: MESSAGES, concurrency: CONCURRENCY, ...result })}\n`);
  } finally {
    await nc.close();
    await nats.stop();
    await apy.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
