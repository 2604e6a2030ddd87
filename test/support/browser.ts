/**
 * A real browser for the browser tests: Debian's chromium driven by
 * playwright-core (no browser download: `executablePath`). Without chromium
 * the tests are skipped with the reason printed, except in CI, where they
 * fail (CI installs it). Each step's screenshot is kept under
 * test/browser/artifacts/ (BROWSER_ARTIFACTS_DIR) as the run's record, and
 * accessibility is checked with axe-core.
 */
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((p) => existsSync(p));
}

export function browserTestPlan(): { run: true } | { run: false; reason: string; fail: boolean } {
  if (chromiumPath()) return { run: true };
  return { run: false, reason: `no chromium at ${CANDIDATES.join(', ')} (Debian: apt-get install chromium, or set CHROMIUM_PATH)`, fail: Boolean(process.env.CI) };
}

type Plan = { run: true } | { run: false; reason: string; fail: boolean };

/**
 * `describe` when every plan can run, else `describe.skip` with the first
 * missing piece printed; in CI (a plan's `fail`) a missing piece fails the file.
 */
export function describeWhenReady(what: string, plans: Plan[]): jest.Describe {
  const missing = plans.find((p): p is Exclude<Plan, { run: true }> => !p.run);
  if (!missing) return describe;
  if (missing.fail) throw new Error(`the browser tests need this in CI: ${missing.reason}`);
  process.stdout.write(`skipping ${what}: ${missing.reason}\n`);
  return describe.skip;
}

/** The bundles the gateway serves, as `npm run build:apps` makes them. */
export function buildBrowserApps(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'apps', 'build.mjs'), '--quiet'], { stdio: 'inherit' });
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium is not installed');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export const ARTIFACTS_DIR = process.env.BROWSER_ARTIFACTS_DIR || join(__dirname, '..', 'browser', 'artifacts');

/** Saves a screenshot of `page` as `<test>/<nn>-<step>.png`; the path, for the failure message. */
export async function screenshot(page: Page, test: string, step: string): Promise<string> {
  const dir = join(ARTIFACTS_DIR, test);
  mkdirSync(dir, { recursive: true });
  counters[test] = (counters[test] ?? 0) + 1;
  const n = String(counters[test]).padStart(2, '0');
  const path = join(dir, `${n}-${step.replace(/[^a-z0-9-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
const counters: Record<string, number> = {};

/** axe-core's serious and critical violations on the page as it is now (rule id, impact, how many nodes). */
export async function seriousAccessibilityViolations(page: Page): Promise<{ id: string; impact: string; nodes: number; help: string }[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', nodes: v.nodes.length, help: v.help }));
}

/**
 * Waits until what `read` gives passes `check` (polling, as a person
 * watching the page would); fails naming `what` and the last value seen.
 */
export async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < until) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not so within ${timeoutMs} ms; last seen ${JSON.stringify(last)}${lastError ? ` (${(lastError as Error).message.split('\n')[0]})` : ''}`);
}

const matches = (text: string, expected: string | RegExp) => (typeof expected === 'string' ? text.includes(expected) : expected.test(text));

/** The locator's text contains `expected`. */
export const hasText = (what: string, locator: Locator, expected: string | RegExp, timeoutMs?: number) =>
  eventually(what, () => locator.first().innerText({ timeout: 1_000 }), (t) => matches(t, expected), timeoutMs);

/** The locator matches exactly `n` elements. */
export const hasCount = (what: string, locator: Locator, n: number, timeoutMs?: number) => eventually(what, () => locator.count(), (c) => c === n, timeoutMs);

/** The input or select has the value `expected`. */
export const hasValue = (what: string, locator: Locator, expected: string, timeoutMs?: number) =>
  eventually(what, () => locator.inputValue({ timeout: 1_000 }), (v) => v === expected, timeoutMs);
