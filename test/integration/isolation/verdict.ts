/**
 * Judging one attack's answer: refused as expected, or kept to the caller's
 * own tenant, and in either case carrying no secret of A's that the attacker
 * did not already hold.
 */
import type { GatewayResponse } from '../../support/gatewayClient';
import type { Attack } from './attacks';
import type { World } from './world';

/** The secrets found in `text`, minus those the attacker knows. */
export function leaksIn(text: string, secrets: string[], known: string[] = []): string[] {
  return secrets.filter((s) => !known.includes(s) && text.includes(s));
}

/** What went wrong with one attack, if anything. */
export function verdict(w: World, attack: Attack, res: GatewayResponse): string | undefined {
  const label = `${attack.method} ${attack.path} as ${attack.who} (expected ${typeof attack.expect === 'object' ? `400 naming ${attack.expect.nothingOwn.join(' or ')}` : attack.expect})`;
  const sent = `${attack.path} ${JSON.stringify(attack.body ?? '')}`;
  const known = [...(attack.knows ?? []), ...((attack.credential && w.known.get(attack.credential)) ?? []), ...w.secrets.filter((s) => sent.includes(s))];
  const leaked = leaksIn(res.text, w.secrets, known);
  if (leaked.length) return `${label}: answered ${res.status} leaking ${JSON.stringify(leaked)}: ${res.text.slice(0, 300)}`;
  const code = (res.json as { code?: unknown } | undefined)?.code;
  const problem = /application\/problem\+json/.test(res.contentType) && typeof code === 'string';
  // A wrong path or body would pass as "refused" without exercising the route: those are the table's bugs.
  if (typeof attack.expect === 'object') {
    const field = (res.json as { field?: unknown } | undefined)?.field;
    return res.status === 400 && problem && typeof field === 'string' && attack.expect.nothingOwn.includes(field) ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
  }
  if (code === 'route_not_found' || code === 'validation') return `${label}: the attack itself is malformed (${res.status} ${res.text.slice(0, 300)})`;
  switch (attack.expect) {
    case 'denied':
      return (res.status === 403 || res.status === 404) && problem ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
    case 'unauthenticated':
      return res.status === 401 && problem ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
    case 'own-scope':
      return res.status < 500 && (res.status < 400 || problem) ? undefined : `${label}: answered ${res.status} ${res.text.slice(0, 300)}`;
  }
}
