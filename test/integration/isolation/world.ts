/**
 * The world the isolation test attacks: tenant A with a real resource behind
 * every route, tenant B with the same kinds of credentials, and the secrets
 * of A's that nobody else may read.
 */
import { randomUUID } from 'node:crypto';
import type { Credential } from '../../support/gatewayClient';

/** This run's id: every name of A's carries it, so a leak is unmistakable. */
export const RUN = randomUUID().slice(0, 8);
/** Marks every string of tenant A that nobody else may ever read. */
export const secret = (what: string) => `${what} of A ${RUN}`;
/** While the world is built: `keep(x)` adds x to A's secrets and returns it. */
export const keeperOf = (secrets: string[]) => <T extends string>(s: T): T => (secrets.push(s), s);

export interface Visitor {
  token: Credential;
  customerId: string;
}

export interface TenantCredentials {
  id: string;
  admin: Credential;
  supervisor: Credential;
  agent: Credential;
  widgetKey: string;
  identitySecret: string;
}

/** Tenant A: a real target behind every route. */
export interface TenantA extends TenantCredentials {
  agentId: string;
  /** API keys: one per scope, so that each scope can be missing. */
  eventsKey: Credential;
  hooksKey: Credential;
  hooksKeyId: string;
  queueId: string;
  teamId: string;
  faqId: string;
  cannedId: string;
  webhookId: string;
  deliveryId: string;
  invitationId: string;
  /** A's WhatsApp number (phone number id): its app secret and access token are among A's secrets. */
  channelEndpointId: string;
  /** V1, identity-verified, and V2, anonymous; c1 is V1's conversation (assigned), c2 V2's (offered, waiting). */
  v1: Visitor;
  v2: Visitor;
  c1: string;
  c2: string;
  /** A's third conversation, started by its agent: B starts one with the same id (its own, not A's). */
  c0: string;
  /** A queue only A has: B's visitor tries to enter it. */
  privateQueueId: string;
  /** V1's resolved conversation with a survey sent in it; the survey, and a second one B writes its own under. */
  c3: string;
  surveyId: string;
  draftSurveyId: string;
}

export interface TenantB extends TenantCredentials {
  key: Credential;
  visitor: Visitor;
  /** A verified visitor of B whose customer id is V1's: same id, other tenant. */
  sameCustomer: Visitor;
}

export interface World {
  a: TenantA;
  b: TenantB;
  /** Everything of A's that must never reach anyone else. */
  secrets: string[];
  /** The secrets a credential's holder may read anyway (V2 its own conversation, B's visitor its own customer id). */
  known: Map<Credential, string[]>;
}
