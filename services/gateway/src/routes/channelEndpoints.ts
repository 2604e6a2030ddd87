import { unary } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import {
  endpointAnswerSchema,
  endpointBody,
  endpointListSchema,
  endpointOf,
  endpointParams,
  endpointView,
  ENDPOINT_CHANNELS,
  restFieldError,
  type EndpointBody,
  type EndpointChannel,
} from '../schemas/channelEndpoint';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
type Params = { channel: EndpointChannel; endpointId: string };

/**
 * The tenant's endpoints on channels other than chat, for admins: support
 * addresses (email over SMTP, or a mailbox polled over IMAP), WhatsApp phone
 * numbers, Facebook pages and Instagram accounts. The channels service owns
 * them and checks the values (an address or number has one owner: another
 * tenant's is 409); the gateway only translates. Secrets (app secret, access
 * token, IMAP password) go in and never come out: answers say `hasAppSecret`
 * and the like. While the channels service is down these routes answer 503;
 * the rest of the API is not affected.
 */
export async function channelEndpointRoutes(app: FastifyInstance, opts: { peers: Peers }): Promise<void> {
  const { channels } = opts.peers;
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw restFieldError(err);
    }
  };

  app.get('/admin/channels', { schema: { operationId: 'listChannelEndpoints', tags: ['admin'], security, response: { 200: endpointListSchema, '4xx': problem } } }, async (request) => {
    const p = await requireStaff(request, ['admin']);
    const res = await unary(channels, channels.listEndpoints, {}, callOptions(request, p));
    return { endpoints: res.endpoints.map(endpointView) };
  });

  app.put<{ Params: Params; Body: EndpointBody }>(
    '/admin/channels/:channel/:endpointId',
    { schema: { operationId: 'putChannelEndpoint', tags: ['admin'], security, params: endpointParams, body: endpointBody, response: { 200: endpointAnswerSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const endpoint = endpointOf(request.params.channel, request.params.endpointId, request.body ?? {});
      const res = await call(() => unary(channels, channels.putEndpoint, { endpoint }, callOptions(request, p)));
      return { endpoint: endpointView(res.endpoint!) };
    },
  );

  app.get<{ Params: Params }>(
    '/admin/channels/:channel/:endpointId',
    { schema: { operationId: 'getChannelEndpoint', tags: ['admin'], security, params: endpointParams, response: { 200: endpointAnswerSchema, '4xx': problem } } },
    async (request) => {
      const p = await requireStaff(request, ['admin']);
      const req = { channel: ENDPOINT_CHANNELS[request.params.channel], endpointId: request.params.endpointId };
      const res = await call(() => unary(channels, channels.getEndpoint, req, callOptions(request, p)));
      return { endpoint: endpointView(res.endpoint!) };
    },
  );

  app.delete<{ Params: Params }>(
    '/admin/channels/:channel/:endpointId',
    { schema: { operationId: 'deleteChannelEndpoint', tags: ['admin'], security, params: endpointParams, response: { '4xx': problem } } },
    async (request, reply) => {
      const p = await requireStaff(request, ['admin']);
      const req = { channel: ENDPOINT_CHANNELS[request.params.channel], endpointId: request.params.endpointId };
      await call(() => unary(channels, channels.deleteEndpoint, req, callOptions(request, p)));
      return reply.code(204).send();
    },
  );
}
