import { eachItem, eachItemAsItsActor, type AsyncService, type CallContext, type Logger } from '@contactcenter/infra';
import { homeRegionOf, isMultiRegion, regionConversationId, type RegionSettings } from '@contactcenter/infra/regions';
import { NotFoundError, UnavailableError, ValidationError } from '@contactcenter/infra/errors';
import type { EventStore } from '@contactcenter/infra/eventstore';
import type { CommandResult, ConversationServiceServer, PostMessageRequest, PostMessageResponse, StartConversationRequest } from '@contactcenter/proto/conversation/v1';
import { randomUUID } from 'node:crypto';
import {
  conversationStreamId,
  findMessageIdByClientMessageId,
  type ConversationCommand,
  type ConversationCommandType,
} from './conversation';
import type { Projector } from './projections/projector';
import type { ConversationQueries } from './projections/queries';
import type { ConversationRepository, Handled } from './store/conversationRepository';
import { ConversationHistory } from './store/conversationHistory';

export interface ConversationServiceDeps {
  repository: ConversationRepository;
  queries: ConversationQueries;
  projector: Projector;
  events: EventStore;
  /** How long a read waits for the read model to reach the caller's own writes. */
  readYourWritesMs?: number;
  /** REGION and REGIONS; with more than one region, ids carry their home region (default: one region). */
  regions?: RegionSettings;
  /** Where a batch item's unexplained failure is logged. */
  logger?: Logger;
}

type WithRevision = { conversationId: string; expectedRevision?: number | undefined };

/**
 * The id a started conversation gets. With several regions every id carries
 * its home region, `<region>_<id>`, so any gateway can tell where to send a
 * request about it: a new id and a client's own id without a region prefix
 * get this region's; a client's id naming another region is refused (it
 * would be stored here but sent there).
 */
export function newConversationId(given: string, regions?: RegionSettings): string {
  if (regions === undefined || !isMultiRegion(regions)) return given || randomUUID();
  if (given === '') return regionConversationId(regions.region, randomUUID());
  const home = homeRegionOf(given, regions.regions);
  if (home === undefined) return regionConversationId(regions.region, given);
  if (home !== regions.region) throw new ValidationError('conversation_id', `names the region "${home}", but this is region "${regions.region}"`);
  return given;
}

/**
 * ConversationService over gRPC: each command request is the `data` of the
 * aggregate command of the same name; queries read the read models, waiting
 * briefly so a caller reads its own writes.
 */
export function conversationService(deps: ConversationServiceDeps): AsyncService<ConversationServiceServer> {
  const { repository, queries } = deps;
  const history = new ConversationHistory(deps.events);

  const run = async <Req extends WithRevision>(type: ConversationCommandType, request: Req, ctx: CallContext): Promise<Handled> => {
    if (request.expectedRevision !== undefined && request.expectedRevision < -1) {
      throw new ValidationError('expected_revision', 'must be -1 (no conversation yet) or a revision ≥ 0');
    }
    const { expectedRevision, ...data } = request;
    const command = {
      type,
      data,
      metadata: { tenantId: ctx.tenantId, actorId: ctx.actorId, now: new Date(), newId: randomUUID() },
    } as unknown as ConversationCommand;
    return repository.handle(command, { expectedRevision, requestId: ctx.requestId, traceparent: ctx.traceparent, signal: ctx.signal });
  };
  const result = (conversationId: string, handled: Handled): CommandResult => ({ conversationId, revision: handled.revision });
  const plain =
    (type: ConversationCommandType) =>
    async (request: WithRevision, ctx: CallContext): Promise<{ result: CommandResult }> =>
      ({ result: result(request.conversationId, await run(type, request, ctx)) });

  const startOne = async (request: StartConversationRequest, ctx: CallContext): Promise<CommandResult> => {
    const conversationId = newConversationId(request.conversationId, deps.regions);
    return result(conversationId, await run('StartConversation', { ...request, conversationId }, ctx));
  };

  const postOne = async (request: PostMessageRequest, ctx: CallContext): Promise<PostMessageResponse> => {
    const handled = await run('PostMessage', request, ctx);
    const posted = handled.events.find((e) => e.type === 'MessagePosted');
    if (posted && posted.type === 'MessagePosted') {
      return { result: result(request.conversationId, handled), messageId: posted.data.message?.messageId ?? '', duplicate: false };
    }
    const messageId = findMessageIdByClientMessageId(handled.state, request.clientMessageId) ?? '';
    return { result: result(request.conversationId, handled), messageId, duplicate: true };
  };

  const readable = async (tenantId: string, conversationId: string): Promise<void> => {
    const streamRevision = await deps.events.streamRevision(conversationStreamId(tenantId, conversationId));
    if (streamRevision === undefined) throw new NotFoundError('conversation', conversationId);
    const caughtUp = await deps.projector.waitUntil(
      async () => ((await queries.revisionOf(tenantId, conversationId)) ?? -1) >= streamRevision,
      deps.readYourWritesMs ?? 2_000,
    );
    if (!caughtUp) throw new UnavailableError('the conversation read model is catching up; retry shortly');
  };

  return {
    startConversation: async (request, ctx) => ({ result: await startOne(request, ctx) }),
    // Each item as StartConversation; run together, their appends share the event store's next statement.
    startConversations: async (request, ctx) => ({ outcomes: await eachItemAsItsActor(request.items, ctx, startOne, 'result', deps.logger) }),
    postMessage: (request, ctx) => postOne(request, ctx),
    postMessages: async (request, ctx) => ({ outcomes: await eachItem(request.items, (item) => postOne(item, ctx), 'posted', deps.logger) }),
    queueConversation: plain('QueueConversation'),
    // Each item as QueueConversation; run together, their appends share the event store's next statement.
    queueConversations: async (request, ctx) => ({
      outcomes: await eachItemAsItsActor(request.items, ctx, async (item, asked) => result(item.conversationId, await run('QueueConversation', item, asked)), 'result', deps.logger),
    }),
    assignAgent: plain('AssignAgent'),
    // Each item as AssignAgent; run together, their appends share the event store's next statement.
    assignAgents: async (request, ctx) => ({
      outcomes: await eachItem(request.items, async (item) => result(item.conversationId, await run('AssignAgent', item, ctx)), 'result', deps.logger),
    }),
    transferConversation: plain('TransferConversation'),
    addInternalNote: async (request, ctx) => {
      const handled = await run('AddInternalNote', request, ctx);
      const added = handled.events.find((e) => e.type === 'InternalNoteAdded');
      return { result: result(request.conversationId, handled), noteId: added?.type === 'InternalNoteAdded' ? (added.data.note?.noteId ?? '') : '' };
    },
    tagConversation: plain('TagConversation'),
    setPriority: plain('SetPriority'),
    resolveConversation: plain('ResolveConversation'),
    reopenConversation: plain('ReopenConversation'),
    convertToTicket: plain('ConvertToTicket'),
    setTicketStatus: plain('SetTicketStatus'),
    linkCustomerIdentity: plain('LinkCustomerIdentity'),
    unlinkCustomerIdentity: plain('UnlinkCustomerIdentity'),
    recordMessageDelivery: plain('RecordMessageDelivery'),
    recordTranslation: plain('RecordTranslation'),
    changeCustomerLanguage: plain('ChangeCustomerLanguage'),
    requestSurvey: plain('RequestSurvey'),
    recordSurveyResponse: async (request, ctx) => {
      const handled = await run('RecordSurveyResponse', request, ctx);
      const state = handled.state;
      const survey = state.status === 'initial' ? undefined : (state.details.surveys ?? []).find((s) => s.surveyId === request.surveyId);
      return { result: result(request.conversationId, handled), responseRevision: survey?.responseRevision ?? 0, editableUntil: survey?.editableUntil };
    },

    getConversation: async (request, ctx) => {
      if (!request.conversationId) throw new ValidationError('conversation_id', 'is required');
      conversationStreamId(ctx.tenantId, request.conversationId); // validates the id
      await readable(ctx.tenantId, request.conversationId);
      const found = await queries.conversation(ctx.tenantId, request.conversationId, request.includeNotes);
      if (!found) throw new NotFoundError('conversation', request.conversationId);
      return found;
    },
    listConversations: (request, ctx) => queries.list(ctx.tenantId, request),
    getCustomerTimeline: async (request, ctx) => {
      if (!request.customerId) throw new ValidationError('customer_id', 'is required');
      return queries.timeline(ctx.tenantId, request.customerId, request.pageSize, request.pageToken);
    },
    // The past is read from the event store itself: no read model to wait for.
    getConversationHistory: (request, ctx) => history.history(ctx.tenantId, request),
    getConversationAt: (request, ctx) => history.conversationAt(ctx.tenantId, request, new Date()),
  };
}
