import type { Principal } from '../plugins/auth';

/**
 * Which events a connected client may see, and in what form. Pure: the
 * conversation's customer comes in from `ConversationOwners`.
 *
 * - Staff (agent, supervisor, admin) see every conversation and routing event
 *   of their tenant, as the REST API lets them read every conversation of it.
 * - A visitor sees events of conversations whose customer is them, and only
 *   the types listed in VISITOR_EVENTS, with internal fields removed. An
 *   allow-list, not a deny-list: an event type added later stays internal
 *   until someone decides a visitor may see it. Internal notes, tags,
 *   priorities, linked identities and every routing event (offers name agents)
 *   are never sent to a visitor.
 */

/** The visitor-visible conversation events, each with the data fields to drop. */
const VISITOR_EVENTS: Readonly<Record<string, readonly string[]>> = {
  ConversationStarted: [],
  MessagePosted: [],
  MessageTranslated: [],
  ConversationQueued: [],
  // How routing scored the agents, and why, is for staff.
  AgentAssigned: ['reason', 'decision'],
  ConversationTransferred: ['reason', 'transferredBy', 'toTeamId'],
  ConversationResolved: [],
  ConversationReopened: ['reason'],
  ConvertedToTicket: [],
  TicketStatusChanged: [],
  CustomerLanguageChanged: [],
  // The survey request carries the questions in the visitor's language; who sent it is staff's business.
  SurveyRequested: ['requestedBy'],
  SurveyAnswered: [],
};

/** The parts of an event's subject (`cc.<tenant>.<context>.<Type>.<conversation>`) that decide what a principal sees of it. */
export interface EventAddress {
  context: 'conversation' | 'routing';
  type: string;
}

export const isStaff = (p: Principal): boolean => p.roles.some((r) => r === 'agent' || r === 'supervisor' || r === 'admin');

/** Whether `p` may follow every event of their tenant on a socket (an agent follows their own work). */
export const mayFollowTenant = (p: Principal): boolean => p.roles.some((r) => r === 'supervisor' || r === 'admin');

/** Whether `p` may see anything of events of this address at all (before knowing the conversation's customer). */
export function mayEverSee(p: Principal, address: EventAddress): boolean {
  if (isStaff(p)) return true;
  return address.context === 'conversation' && Object.hasOwn(VISITOR_EVENTS, address.type);
}

/** The event's data as `p` may see it, given the conversation's customer; undefined to withhold the event. */
export function viewOf(p: Principal, address: EventAddress, customerId: string | undefined, data: unknown): { data: unknown } | undefined {
  if (isStaff(p)) return { data };
  if (!mayEverSee(p, address) || customerId === undefined || customerId !== p.subject) return undefined;
  const drop = VISITOR_EVENTS[address.type]!;
  if (drop.length === 0 || typeof data !== 'object' || data === null) return { data };
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of drop) delete copy[field];
  return { data: copy };
}
