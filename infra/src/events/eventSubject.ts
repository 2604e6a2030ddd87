import { subjectToken } from './cloudEvent';

/**
 * Subjects of the events stream: `cc.<tenant>.<context>.<EventType>`, e.g.
 * `cc.acme.conversation.MessagePosted`. The tenant and the context come first
 * so that a consumer filters by subject (`cc.acme.>`, `cc.*.conversation.>`)
 * and the server, not the client, drops what it does not need. Built and read
 * here only, never split by hand.
 */
export interface EventSubject {
  tenantId: string;
  /** The bounded context that published it: conversation, routing, presence, engagement, … */
  context: string;
  /** The event's type without its package: `MessagePosted`. */
  eventType: string;
}

const ROOT = 'cc';

/**
 * The subject of an event.
 * @throws ValidationError when a part is not a safe subject token (a `.`, `*` or `>` would change its meaning).
 */
export function eventSubject(tenantId: string, context: string, eventType: string): string {
  return `${ROOT}.${subjectToken('tenant_id', tenantId)}.${subjectToken('context', context)}.${subjectToken('type', eventType)}`;
}

/** The parts of an events-stream subject; undefined for any other subject. */
export function parseEventSubject(subject: string): EventSubject | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== ROOT || parts.some((p) => p.length === 0)) return undefined;
  const [, tenantId, context, eventType] = parts as [string, string, string, string];
  return { tenantId, context, eventType };
}

/** The filter of every event of one tenant (`cc.acme.>`), or of one context of every tenant (`cc.*.routing.>`). */
export function eventFilter(scope: { tenantId?: string; context?: string; eventType?: string }): string {
  const tenant = scope.tenantId === undefined ? '*' : subjectToken('tenant_id', scope.tenantId);
  if (scope.context === undefined) return `${ROOT}.${tenant}.>`;
  const context = subjectToken('context', scope.context);
  return scope.eventType === undefined ? `${ROOT}.${tenant}.${context}.>` : `${ROOT}.${tenant}.${context}.${subjectToken('type', scope.eventType)}`;
}
