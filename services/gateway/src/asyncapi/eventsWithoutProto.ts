import type { EventContract } from './protoEvents';
import type { JsonSchema } from './protoJsonSchema';

/*
 * Events that services publish on `cc.>` without a proto message yet:
 * routing's offers (services/routing/src/engine/routingEvents.ts), presence
 * changes (services/presence/src/domain/agent.ts `Change`) and the gateway's
 * engagement facts (engagement/engagementEvents.ts). Described here from the
 * publishers' code, so they can drift: the cure is a message in
 * `proto/contactcenter/<context>/v1/events.proto`, which then replaces the
 * entry below without a change here (proto contracts win).
 */

const str: JsonSchema = { type: 'string' };
const int: JsonSchema = { type: 'integer' };
const strings: JsonSchema = { type: 'array', items: str };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const epochMs: JsonSchema = { type: 'integer', description: 'Unix time in milliseconds.' };
const status: JsonSchema = { type: 'string', enum: ['online', 'away', 'busy', 'offline', 'custom'] };
const channel: JsonSchema = { type: 'string', enum: ['chat', 'email', 'social', 'phone'] };

/** All of `props` required: these publishers always write every field (no proto3 default omission). */
const object = (props: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  properties: props,
  required: Object.keys(props).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});

const profile = object({
  agentId: str,
  displayName: str,
  skills: { type: 'array', items: object({ name: str, level: int }) },
  languages: { ...strings, description: 'BCP 47 tags.' },
  capacity: { type: 'object', description: 'Conversations at once per channel.', propertyNames: channel, additionalProperties: int },
  calendar: {
    oneOf: [
      { type: 'null' },
      object({ timeZone: { ...str, description: 'IANA time zone.' }, shifts: { type: 'array', items: object({ day: { ...int, minimum: 1, maximum: 7 }, start: str, end: str, endsNextDay: { type: 'boolean' } }) }, holidays: strings }),
    ],
  },
  translationEnabled: { type: 'boolean' },
  teamIds: strings,
});

const event = (context: string, name: string, description: string, data: JsonSchema): EventContract => ({
  type: `contactcenter.${context}.v1.${name}`,
  context,
  name,
  description,
  data,
  contract: 'publisher',
});

const offerState = { type: 'string', enum: ['idle', 'reserving', 'offered', 'accepting', 'assigned'] };

export const EVENTS_WITHOUT_PROTO: readonly EventContract[] = [
  event('routing', 'OfferMade', 'A waiting conversation was offered to one agent, or to several at once (manual pick).', object({ conversationId: str, agentIds: strings, queueId: str, expiresAt: dateTime })),
  event('routing', 'OfferDeclined', 'An agent declined an offer.', object({ conversationId: str, agentId: str })),
  event('routing', 'OfferExpired', 'An offer was not accepted in time; routing looks for the next agent.', object({ conversationId: str, agentIds: strings, state: offerState })),
  event('presence', 'AgentProfileUpdated', 'An agent profile was created or replaced.', object({ agentId: str, profile })),
  event('presence', 'AgentStatusChanged', 'An agent changed status, by hand or because their connections stopped (or resumed) beating.', object({
    agentId: str,
    from: status,
    fromCustom: str,
    to: status,
    toCustom: str,
    reason: { type: 'string', enum: ['manual', 'heartbeat_timeout', 'reconnected'] },
  })),
  event('presence', 'AgentConnected', 'A live connection (an agent desk tab) of the agent beat for the first time.', object({ agentId: str, connectionId: str })),
  event('presence', 'AgentDisconnected', 'A live connection closed or stopped beating.', object({ agentId: str, connectionId: str, reason: { type: 'string', enum: ['closed', 'heartbeat_timeout'] } })),
  event('presence', 'CapacityReserved', 'A unit of the agent\'s capacity on a channel was taken for a conversation.', object({ agentId: str, conversationId: str, channel, at: epochMs, load: int, capacity: int })),
  event('presence', 'CapacityReleased', 'A unit of capacity was given back (resolved, transferred, offer declined).', object({ agentId: str, conversationId: str, channel, at: epochMs, load: int })),
  event('engagement', 'InvitationSent', 'A proactive chat invitation was shown to a website visitor.', object({
    invitationId: str,
    customerId: str,
    ruleId: str,
    url: str,
    timeOnPageSeconds: { type: 'number' },
    pagesViewed: { type: 'integer' },
    cartValue: { type: 'number' },
    currency: str,
  })),
  event('engagement', 'InvitationAccepted', 'The visitor accepted an invitation and a conversation started.', object({ invitationId: str, customerId: str, ruleId: str, conversationId: str })),
];
