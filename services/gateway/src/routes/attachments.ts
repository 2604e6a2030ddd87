import { unary } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import type { Peers } from '../peers';
import { callOptions, requireStaff } from '../plugins/auth';
import { conversationIdParam } from '../schemas/conversation';

const problem = { $ref: 'problem#' } as const;
const security = [{ agentToken: [] }];
const segment = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._-]+$' } as const;
type Params = { conversationId: string; attachmentId: string; fileName: string };

/**
 * `GET /v1/conversations/{id}/attachments/{attachmentId}/{fileName}`: a file
 * that came with a customer's email or messaging-app message, for staff of
 * the tenant. The conversation is read first (so another tenant's, or one
 * that does not exist, is 404 before any file is looked up); the channels
 * service holds the bytes and only ever looks under the caller's tenant.
 * Files are served as downloads that a browser will not run or sniff.
 */
export async function attachmentRoutes(app: FastifyInstance, opts: { peers: Peers }): Promise<void> {
  const { conversation, channels } = opts.peers;
  app.get<{ Params: Params }>(
    '/conversations/:conversationId/attachments/:attachmentId/:fileName',
    {
      schema: {
        operationId: 'getAttachment',
        tags: ['conversations'],
        security,
        params: { type: 'object', required: ['conversationId', 'attachmentId', 'fileName'], properties: { ...conversationIdParam.properties, attachmentId: segment, fileName: segment } },
        response: { 200: { type: 'string', format: 'binary', description: 'The file, as received.' }, '4xx': problem },
      },
    },
    async (request, reply) => {
      const p = await requireStaff(request);
      const call = callOptions(request, p);
      const { conversationId, attachmentId, fileName } = request.params;
      await unary(conversation, conversation.getConversation, { conversationId, includeNotes: false }, call);
      const file = await unary(channels, channels.getAttachment, { key: `${p.tenantId}/${conversationId}/${attachmentId}/${fileName}` }, call);
      return reply
        .header('content-type', safeContentType(file.contentType))
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=300')
        .send(Buffer.from(file.content));
    },
  );
}

/** The type the sender declared, when it is a plain type/subtype; anything else is served as bytes. */
function safeContentType(declared: string): string {
  return /^[a-z]+\/[a-z0-9.+-]+$/i.test(declared) ? declared : 'application/octet-stream';
}
