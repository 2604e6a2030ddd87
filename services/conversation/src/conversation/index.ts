// The conversation aggregate: pure functions over events defined in proto.
export type { Command, Decider, Event } from './decider';
export * from './commands';
export * from './events';
export * from './state';
export { evolve } from './evolve';
export { decide } from './decide';
export { CUSTOMER_REPLY_REOPEN_REASON } from './decideMessages';
export { conversationDecider } from './conversationDecider';
export { conversationView } from './conversationView';
export { conversationStreamId, parseConversationStreamId } from './streamId';
export { conversationEventDataToJson, conversationEventFromJson } from './eventCodec';
export { limits as conversationLimits } from './validation';
export { eventCountAt, eventTime, foldPast, type PastConversation, type PastPoint, type RecordedConversationEvent } from './pastConversation';
