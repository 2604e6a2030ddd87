import { unary } from '@contactcenter/infra';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff, type Principal } from '../plugins/auth';
import { mergeAgentConversations } from '../regions/agentConversationsAcrossRegions';
import { askEveryRegion, type RegionFanOut } from '../regions/regionFanOut';
import { forwardedFrom } from '../regions/regionForwarding';
import { conversationSchema, conversationView } from '../schemas/conversation';
import { regionStatesSchema } from '../schemas/regionScope';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];

type ConversationView = ReturnType<typeof conversationView>;

const listedConversationSchema = {
  ...conversationSchema,
  properties: {
    ...conversationSchema.properties,
    homeRegion: { type: 'string', description: 'Multi-region deployments: the region the conversation lives in (where it is read and written; requests about it are forwarded there).' },
  },
} as const;

const myConversationsSchema = {
  type: 'object',
  properties: {
    conversations: { type: 'array', items: listedConversationSchema },
    region: { type: 'string', description: "Multi-region deployments: the region that answered. Its socket carries another region's conversation live only when the conversation is named to it (subscribe by id), with no catch-up by position: read it again after a reconnect." },
    complete: { type: 'boolean', description: 'Multi-region deployments: every region answered; when false, the conversations of the regions `regions` lists as unavailable are missing.' },
    regions: regionStatesSchema,
  },
} as const;

/** Another region's answer, checked for the shape the merge reads (anything else counts as that region unavailable). */
const conversationsAnswer = (json: unknown): ConversationView[] => {
  const list = (json as { conversations?: unknown } | null)?.conversations;
  if (!Array.isArray(list)) throw new Error('answered with something other than a conversation list');
  return list as ConversationView[];
};

/**
 * The agent's own conversations, as the desk lists them. In a multi-region
 * deployment a conversation may be assigned to an agent of another region
 * (follow-the-sun) and still live in its home region only, so every other
 * region is asked, with the agent's own token, for the ones it holds for
 * this agent; a region that does not answer is named and the list comes
 * without it. A request forwarded from another region answers for this
 * region only, so a fan-out never fans out again. With one region, the
 * answer is this region's list as it always was.
 */
export async function myConversationsRoutes(app: FastifyInstance, opts: { peers: Peers; regions: RegionFanOut }) {
  const { conversation: c } = opts.peers;
  const { region, others, link } = opts.regions;
  const everyRegion = [region, ...others];
  const multiRegion = others.length > 0 && link !== undefined;

  const mine = async (request: FastifyRequest, p: Principal): Promise<ConversationView[]> => {
    const res = await unary(c, c.listConversations, { status: 0, queueId: '', assignedAgentId: p.subject, pageSize: 200, pageToken: '' }, callOptions(request, p));
    return res.conversations.map(conversationView);
  };

  app.get(
    '/agents/me/conversations',
    { schema: { operationId: 'listMyConversations', tags: ['conversations'], security, response: { 200: myConversationsSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request);
      if (!multiRegion) return { conversations: await mine(request, p) };
      const outcomes =
        forwardedFrom(request) !== undefined
          ? [{ region, status: 'ok' as const, answer: await mine(request, p) }]
          : await askEveryRegion(opts.regions, request, request.url, () => mine(request, p), conversationsAnswer);
      return mergeAgentConversations(region, everyRegion, outcomes);
    },
  );
}
