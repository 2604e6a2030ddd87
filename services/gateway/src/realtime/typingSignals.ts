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

/**
 * Calls `onSignal` for every typing signal of the tenant until the returned
 * function is called. Malformed payloads (from something other than a
 * gateway) are dropped.
 */
export function subscribeTyping(nc: NatsConnection, tenantId: string, onSignal: (signal: TypingSignal) => void): () => void {
  const sub = nc.subscribe(`ccx.${tenantId}.typing.*`, {
    callback: (err, msg) => {
      if (err) return;
      let signal: unknown;
      try {
        signal = msg.json();
      } catch {
        return;
      }
      if (isTypingSignal(signal) && msg.subject === typingSubject(tenantId, signal.conversationId)) onSignal(signal);
    },
  });
  return () => sub.unsubscribe();
}

function isTypingSignal(v: unknown): v is TypingSignal {
  const s = v as Partial<TypingSignal> | null;
  return (
    typeof s === 'object' && s !== null &&
    typeof s.conversationId === 'string' && typeof s.typing === 'boolean' && typeof s.origin === 'string' &&
    typeof s.from === 'object' && s.from !== null && (s.from.kind === 'agent' || s.from.kind === 'visitor') && typeof s.from.id === 'string'
  );
}
