import type { ConversationCommand } from './commands';
import { decide } from './decide';
import type { Decider } from './decider';
import type { ConversationEvent } from './events';
import { evolve } from './evolve';
import { initialState, type ConversationState } from './state';

/**
 * The conversation aggregate.
 *
 * @example
 *   const state = storedEvents.reduce(conversationDecider.evolve, conversationDecider.initialState());
 *   const events = conversationDecider.decide(command, state);
 *   // append `events` to conversationStreamId(tenantId, conversationId) at the revision read
 */
export const conversationDecider: Decider<ConversationState, ConversationCommand, ConversationEvent> = {
  decide,
  evolve,
  initialState,
};
