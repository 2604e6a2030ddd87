import type { NatsConnection } from '@contactcenter/infra';

/**
 * Typing indicators: ephemeral, over core NATS, never stored. The subject is
 * `ccx.<tenant>.typing.<conversationId>`, deliberately outside `cc.>`: the
 * events stream CC_EVENTS captures `cc.>`, so a `cc.<tenant>.ephemeral…`
 * subject would be written to JetStream (and replayed to integrators) like
 * any domain event. Every gateway replica publishes and subscribes here, so
 * a visitor and an agent connected to different replicas see each other type.
 */
export const typingSubject = (tenantId: string, conversationId: string): string => `ccx.${tenantId}.typing.${conversationId}`;

export interface TypingSignal {
  conversationId: string;
  typing: boolean;
  from: { kind: 'agent' | 'visitor'; id: string };
  /** The socket that sent it, so that it is not echoed back. */
  origin: string;
}

export function publishTyping(nc: NatsConnection, tenantId: string, signal: TypingSignal): void {
  nc.publish(typingSubject(tenantId, signal.conversationId), JSON.stringify(signal));
}

/** Every gateway replica's one subscription to typing signals (the event hub hands each to the sockets following its conversation). */
export const TYPING_SUBSCRIPTION = 'ccx.*.typing.*';

/**
 * The tenant and signal of a message on TYPING_SUBSCRIPTION; undefined for a
 * malformed one (from something other than a gateway), or one whose subject
 * and body disagree.
 */
export function readTypingSignal(subject: string, payload: () => unknown): { tenantId: string; signal: TypingSignal } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'ccx' || parts[2] !== 'typing') return undefined;
  let signal: unknown;
  try {
    signal = payload();
  } catch {
    return undefined;
  }
  const tenantId = parts[1]!;
  if (!isTypingSignal(signal) || subject !== typingSubject(tenantId, signal.conversationId)) return undefined;
  return { tenantId, signal };
}

function isTypingSignal(v: unknown): v is TypingSignal {
  const s = v as Partial<TypingSignal> | null;
  return (
    typeof s === 'object' && s !== null &&
    typeof s.conversationId === 'string' && typeof s.typing === 'boolean' && typeof s.origin === 'string' &&
    typeof s.from === 'object' && s.from !== null && (s.from.kind === 'agent' || s.from.kind === 'visitor') && typeof s.from.id === 'string'
  );
}
