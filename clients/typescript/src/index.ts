/**
 * @contactcenter/client: the gateway's API for client apps (the widget, the
 * agent desk, integrators), typed from the gateway's own documents.
 *
 * - `createClient`: REST, paths and bodies generated from /openapi.json; every non-2xx answer a `ProblemError`.
 * - `openRealtime`: the WebSocket (`/v1/realtime`), resuming by position after a drop.
 * - `openEventStream`: Server-Sent Events (`/v1/events`), resuming with `Last-Event-ID`.
 * - Event types from the contracts (generated from /asyncapi.json, itself built from the protos).
 *
 * Regenerate the types after changing a route or a contract: `npm run generate:client`.
 */
export { createClient, type CallOf, type ClientOptions, type ContactCenterClient, type SuccessData, type TokenSource } from './createClient';
export { ProblemError, retryAfterSeconds } from './problemError';
export { openRealtime, RealtimeError, type RealtimeConnection, type RealtimeOptions, type RealtimeState, type Subscription, type WebSocketConstructor, type WebSocketLike } from './realtimeSocket';
export { openEventStream, type EventStreamConnection, type EventStreamOptions, type StreamState } from './eventStream';
export { isEvent, isKnownEvent, type ContactCenterEvent, type EventDataByType, type EventOf, type EventType, type OtherEvent, type TypingFrame } from './events';
export type { VisitorIdentity, VisitorSession } from './visitorSessions';
export type { BackoffOptions } from './backoff';
export type { paths, operations, components } from './generated/openapi';
