import { subjectToken } from './cloudEvent';

/**
 * Subjects of the events stream: `cc.<tenant>.<context>.<EventType>.<aggregate>`,
 * e.g. `cc.acme.conversation.MessagePosted.c-42`. The tenant and the context
 * come first so that a consumer filters by subject (`cc.acme.>`,
 * `cc.*.conversation.>`) and the server, not the client, drops what it does
 * not need; the aggregate (the conversation; the agent for presence; the
 * invitation for engagement) comes last, so that one conversation's events
 * are one filter (`cc.acme.*.*.c-42`: what a visitor resuming its socket
 * reads, and nobody else's). Built and read here only, never split by hand.
 *
 * Events published before the aggregate was added have four tokens; they
 * are still read (without an aggregate) until the stream's retention drops them.
 */
export interface EventSubject {
  tenantId: string;
  /** The bounded context that published it: conversation, routing, presence, engagement, … */
  context: string;
  /** The event's type without its package: `MessagePosted`. */
  eventType: string;
  /** The id of what it is about (the CloudEvents `subject`); undefined on subjects of the four-token form. */
  aggregateId?: string;
}

/** The aggregate token of an event that is about no one thing. */
export const NO_AGGREGATE = '_';

const ROOT = 'cc';

/**
 * The subject of an event about `aggregateId` (NO_AGGREGATE when it is about no one thing).
 * @throws ValidationError when a part is not a safe subject token (a `.`, `*` or `>` would change its meaning).
 */
export function eventSubject(tenantId: string, context: string, eventType: string, aggregateId: string): string {
  return `${ROOT}.${subjectToken('tenant_id', tenantId)}.${subjectToken('context', context)}.${subjectToken('type', eventType)}.${subjectToken('aggregate_id', aggregateId)}`;
}

/** The parts of an events-stream subject; undefined for any other subject. */
export function parseEventSubject(subject: string): EventSubject | undefined {
  const parts = subject.split('.');
  if ((parts.length !== 5 && parts.length !== 4) || parts[0] !== ROOT || parts.some((p) => p.length === 0)) return undefined;
  const [, tenantId, context, eventType, aggregate] = parts as [string, string, string, string, string | undefined];
  return { tenantId, context, eventType, ...(aggregate !== undefined && aggregate !== NO_AGGREGATE ? { aggregateId: aggregate } : {}) };
}

/**
 * The filter of every event of one tenant (`cc.acme.>`), of one context of every tenant
 * (`cc.*.routing.>`), of one type (`cc.*.conversation.MessagePosted.>`), or of one
 * aggregate (`cc.acme.*.*.c-42`, every context's events about conversation c-42).
 */
export function eventFilter(scope: { tenantId?: string; context?: string; eventType?: string; aggregateId?: string }): string {
  const tenant = scope.tenantId === undefined ? '*' : subjectToken('tenant_id', scope.tenantId);
  if (scope.aggregateId !== undefined) {
    const context = scope.context === undefined ? '*' : subjectToken('context', scope.context);
    const type = scope.eventType === undefined ? '*' : subjectToken('type', scope.eventType);
    return `${ROOT}.${tenant}.${context}.${type}.${subjectToken('aggregate_id', scope.aggregateId)}`;
  }
  if (scope.context === undefined) return `${ROOT}.${tenant}.>`;
  const context = subjectToken('context', scope.context);
  // `>` also matches the four-token subjects of events published before the aggregate was added.
  return scope.eventType === undefined ? `${ROOT}.${tenant}.${context}.>` : `${ROOT}.${tenant}.${context}.${subjectToken('type', scope.eventType)}.>`;
}
