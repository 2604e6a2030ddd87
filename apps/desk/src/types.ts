import type { operations } from '@contactcenter/client';

type Json<O extends keyof operations, S extends number> = operations[O]['responses'] extends { [K in S]: { content: { 'application/json': infer B } } } ? B : never;

/** A conversation as the gateway answers it. */
export type Conversation = Json<'getConversation', 200>;
export type Offer = NonNullable<Json<'listMyOffers', 200>['offers']>[number];
export type TimelineEntry = NonNullable<Json<'getCustomerTimeline', 200>['entries']>[number];
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
