import { unary, IllegalStateError, NotFoundError } from '@contactcenter/infra';
import { Channel } from '@contactcenter/proto/conversation/v1';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { publishEngagement } from '../engagement/engagementEvents';
import { matchRule, messageFor, validateRules, type InvitationRule } from '../engagement/invitationRules';
import type { InvitationStore } from '../engagement/invitationStore';
import type { Peers } from '../peers';
import { callOptions, requireStaff, requireVisitor } from '../plugins/auth';
import { idempotent } from '../idempotency/idempotentRoute';

const problem = { $ref: 'problem#' } as const;

const ruleSchema = {
  type: 'object',
  required: ['ruleId', 'urlPattern', 'messages'],
  additionalProperties: false,
  properties: {
    ruleId: { type: 'string' },
    urlPattern: { type: 'string' },
    minTimeOnPageSeconds: { type: 'number' },
    minPagesViewed: { type: 'integer' },
    minCartValue: { type: 'number' },
    currency: { type: 'string' },
    messages: { type: 'object', additionalProperties: { type: 'string' } },
    queueId: { type: 'string' },
  },
} as const;

type ActivityBody = { url: string; timeOnPageSeconds: number; pagesViewed?: number; cartValue?: number; currency?: string; language?: string };

/**
 * Proactive invitations: the widget reports the visitor's page, time on
 * page, pages viewed in the visit and cart value; the tenant's rules decide whether to invite them to
 * chat. Invitations and their acceptance are CloudEvents
 * (`cc.<tenant>.engagement.*`), which conversion metrics count.
 */
export async function invitationRoutes(app: FastifyInstance, opts: { peers: Peers; nats: NatsConnection; invitations: InvitationStore; region: string }) {
  const { invitations, nats, region } = opts;
  const { conversation, routing } = opts.peers;

  app.put<{ Body: { rules: (Pick<InvitationRule, 'ruleId' | 'urlPattern' | 'messages'> & Partial<InvitationRule>)[] } }>(
    '/admin/invitation-rules',
    {
      schema: {
        operationId: 'putInvitationRules',
        tags: ['admin'],
        security: [{ agentToken: [] }],
        body: { type: 'object', required: ['rules'], additionalProperties: false, properties: { rules: { type: 'array', items: ruleSchema } } },
        response: { '4xx': problem },
      },
    },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const rules = validateRules(
        request.body.rules.map((r) => ({ minTimeOnPageSeconds: 0, minPagesViewed: 0, minCartValue: 0, currency: '', queueId: '', ...r })),
      );
      await invitations.putRules(p.tenantId, rules);
      return { rules };
    },
  );

  app.get('/admin/invitation-rules', { schema: { operationId: 'getInvitationRules', tags: ['admin'], security: [{ agentToken: [] }], response: { '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin']);
    return { rules: await invitations.rules(p.tenantId) };
  });

  app.post<{ Body: ActivityBody }>(
    '/visitor/activity',
    {
      schema: {
        operationId: 'reportVisitorActivity',
        tags: ['visitors'],
        security: [{ visitorToken: [] }],
        body: {
          type: 'object',
          required: ['url', 'timeOnPageSeconds'],
          additionalProperties: false,
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2048 },
            timeOnPageSeconds: { type: 'number', minimum: 0, maximum: 86400 },
            pagesViewed: { type: 'integer', minimum: 1, maximum: 10000, description: 'Pages of the site viewed in this visit, this one included (default 1).' },
            cartValue: { type: 'number', minimum: 0 },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            language: { type: 'string', maxLength: 35 },
          },
        },
        response: {
          200: { type: 'object', properties: { invitation: { type: ['object', 'null'], properties: { invitationId: { type: 'string' }, message: { type: 'string' } } } } },
          '4xx': problem,
        },
      },
    },
    async (request) => {
      const p = await requireVisitor(request);
      const b = request.body;
      const rule = matchRule(await invitations.rules(p.tenantId), { url: b.url, timeOnPageSeconds: b.timeOnPageSeconds, pagesViewed: b.pagesViewed ?? 1, cartValue: b.cartValue ?? 0, currency: b.currency ?? '', language: b.language ?? 'en' });
      if (!rule) return { invitation: null };
      const invitation = { invitationId: randomUUID(), customerId: p.subject, ruleId: rule.ruleId, queueId: rule.queueId, message: messageFor(rule, b.language ?? 'en'), sentAt: new Date().toISOString(), conversationId: '' };
      if (!(await invitations.invite(p.tenantId, invitation))) return { invitation: null };
      await publishEngagement(nats, region, p.tenantId, 'InvitationSent', invitation.invitationId, {
        customerId: p.subject,
        ruleId: rule.ruleId,
        url: b.url,
        timeOnPageSeconds: b.timeOnPageSeconds,
        pagesViewed: b.pagesViewed ?? 1,
        cartValue: b.cartValue ?? 0,
        currency: b.currency ?? '',
      });
      return { invitation: { invitationId: invitation.invitationId, message: invitation.message } };
    },
  );

  app.post<{ Params: { invitationId: string }; Body: { language?: string } }>(
    '/visitor/invitations/:invitationId/accept',
    idempotent({
      schema: {
        operationId: 'acceptInvitation',
        tags: ['visitors'],
        security: [{ visitorToken: [] }],
        params: { type: 'object', required: ['invitationId'], properties: { invitationId: { type: 'string', maxLength: 64 } } },
        body: { type: 'object', additionalProperties: false, properties: { language: { type: 'string', maxLength: 35 } } },
        response: { 201: { type: 'object', properties: { conversationId: { type: 'string' } } }, '4xx': problem },
      },
    }),
    async (request, reply) => {
      const p = await requireVisitor(request);
      const found = await invitations.get(p.tenantId, request.params.invitationId);
      // Another visitor's invitation is as unknown as one that never was.
      if (!found || found.invitation.customerId !== p.subject) throw new NotFoundError('invitation', request.params.invitationId);
      if (found.invitation.conversationId) throw new IllegalStateError(`invitation "${request.params.invitationId}" was already accepted`);
      // The conversation's id comes from the invitation: two accepts racing (a double click, a retry after a
      // timeout) start the same conversation once, and the loser of the compare-and-set below leaves no orphan.
      const started = await unary(
        conversation,
        conversation.startConversation,
        { conversationId: `inv-${found.invitation.invitationId}`, channel: Channel.CHANNEL_CHAT, customerId: p.subject, language: request.body?.language ?? '', region: '', subject: '', invitationId: found.invitation.invitationId },
        callOptions(request, p),
      );
      const conversationId = started.result!.conversationId;
      if (!(await invitations.accept(p.tenantId, { ...found.invitation, conversationId }, found.revision))) {
        throw new IllegalStateError(`invitation "${request.params.invitationId}" was already accepted`);
      }
      if (found.invitation.queueId) await unary(routing, routing.enqueueConversation, { conversationId, queueId: found.invitation.queueId }, callOptions(request, p));
      await publishEngagement(nats, region, p.tenantId, 'InvitationAccepted', found.invitation.invitationId, { customerId: p.subject, ruleId: found.invitation.ruleId, conversationId });
      return reply.code(201).send({ conversationId });
    },
  );
}
