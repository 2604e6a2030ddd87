import type { operations } from '@contactcenter/client';

type Json<O extends keyof operations, S extends number> = operations[O]['responses'] extends { [K in S]: { content: { 'application/json': infer B } } } ? B : never;

/**
 * A conversation as the gateway answers it, with the fields of email and
 * messaging-app conversations named even where the typed client predates them.
 */
export type Conversation = Json<'getConversation', 200> & {
  /** 'email', 'whatsapp', 'messenger', 'instagram'; absent for chat. */
  channelProvider?: string;
  /** Messaging apps: after it only a template (WhatsApp) or nothing (Messenger, Instagram) may be sent. */
  replyWindowClosesAt?: string;
};
/** A WhatsApp template as sent or to send. */
export interface MessageTemplate {
  name?: string;
  language?: string;
  parameters?: string[];
}
export type Offer = NonNullable<Json<'listMyOffers', 200>['offers']>[number];
export type TimelineEntry = NonNullable<Json<'getCustomerTimeline', 200>['entries']>[number] & { conversation?: { channelProvider?: string } };
export type Timeline = Json<'getCustomerTimeline', 200>;
export type HistoryEvent = Json<'getConversationHistory', 200>['events'][number];
export type MetricsRow = NonNullable<Json<'getMetrics', 200>['rows']>[number];
export type Figures = NonNullable<MetricsRow['figures']>;
export type Presence = Json<'setMyStatus', 200>;

/** What the admin routes answer (proto3 JSON; their schemas are not in the OpenAPI document). */
export interface QueueDefinition {
  queueId?: string;
  name?: string;
  channel?: string;
  teamId?: string;
}
export interface TeamDefinition {
  teamId?: string;
  name?: string;
}
export interface AgentProfile {
  agentId?: string;
  displayName?: string;
  languages?: string[];
  capacity?: Record<string, number>;
  teamIds?: string[];
}
export interface CannedResponse {
  cannedResponseId?: string;
  title?: string;
  versions?: Record<string, string>;
}
