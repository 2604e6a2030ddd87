import { unary } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { idempotent } from '../idempotency/idempotentRoute';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { commandResultSchema, conversationIdParam, customerIdSchema } from '../schemas/conversation';
import { inRestTerms } from '../schemas/restFields';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
/** As the conversation service keeps them: at most 1000 characters. */
const reason = { type: 'string', maxLength: 1000 } as const;

type IdParams = { conversationId: string };
type LinkBody = { customerId: string; method?: string; reason?: string };
type UnlinkBody = { customerId: string; reason: string };

const linkBody = {
  type: 'object',
  required: ['customerId'],
  additionalProperties: false,
  properties: {
    customerId: { ...customerIdSchema, description: 'The other identity of the conversation\'s customer, e.g. the e-mail sender\'s `email:ken@example.com`.' },
    method: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 64, description: 'How the identity was established (default "agent").' },
    reason: { ...reason, description: 'Why the two are one person, in words; kept with the link.' },
  },
} as const;

const unlinkBody = {
  type: 'object',
  required: ['customerId', 'reason'],
  additionalProperties: false,
  properties: {
    customerId: customerIdSchema,
    reason: { ...reason, minLength: 1, pattern: '\\S', description: 'Why the link was wrong: required, kept with the unlink.' },
  },
} as const;

/** The conversation service names the other identity `linked_customer_id`; the agent sent `customerId`. */
const restField = (err: unknown): unknown => inRestTerms(err, (field) => (field === 'linked_customer_id' ? 'customerId' : undefined));

const action = (operationId: string, body: object) =>
  idempotent({ schema: { operationId, tags: ['customers'], security, params: conversationIdParam, body, response: { 200: commandResultSchema, '4xx': problem } } });

/**
 * An agent's judgement that a conversation's customer and another identity
 * (an e-mail sender, a WhatsApp number, a verified visitor) are one person,
 * so that their timelines join; and its undoing when it was wrong, with the
 * reason. Staff of the conversation's tenant, as on the other conversation
 * routes; the conversation service records who did it (the token's subject).
 */
export async function identityLinkRoutes(app: FastifyInstance, opts: { peers: Peers }): Promise<void> {
  const { conversation: c } = opts.peers;

  app.post<{ Params: IdParams; Body: LinkBody }>('/conversations/:conversationId/identities', action('linkCustomerIdentity', linkBody), async (request) => {
    const p = await requireStaff(request);
    const b = request.body;
    const req = { conversationId: request.params.conversationId, linkedCustomerId: b.customerId, method: b.method ?? 'agent', ...(b.reason ? { reason: b.reason } : {}) };
    const res = await unary(c, c.linkCustomerIdentity, req, callOptions(request, p)).catch((err: unknown) => Promise.reject(restField(err)));
    return { conversationId: res.result?.conversationId ?? request.params.conversationId, revision: res.result?.revision ?? 0 };
  });

  app.post<{ Params: IdParams; Body: UnlinkBody }>('/conversations/:conversationId/identities/unlink', action('unlinkCustomerIdentity', unlinkBody), async (request) => {
    const p = await requireStaff(request);
    const req = { conversationId: request.params.conversationId, linkedCustomerId: request.body.customerId, reason: request.body.reason };
    const res = await unary(c, c.unlinkCustomerIdentity, req, callOptions(request, p)).catch((err: unknown) => Promise.reject(restField(err)));
    return { conversationId: res.result?.conversationId ?? request.params.conversationId, revision: res.result?.revision ?? 0 };
  });
}
