import { ChannelsServiceClient } from '@contactcenter/proto/channels/v1';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import { SurveyServiceClient } from '@contactcenter/proto/survey/v1';
import { TranslationServiceClient } from '@contactcenter/proto/translation/v1';
import { createGrpcClient, HealthChecker } from '@contactcenter/infra';
import type { gatewayConfig } from './config';
import { RoutingStarts } from './routingStarts';
import type { ConfigOf } from '@contactcenter/infra';

/** Where the channels service listens unless CHANNELS_GRPC_ADDR says otherwise (50056 is the relay's health port). */
export const DEFAULT_CHANNELS_GRPC_ADDR = '127.0.0.1:50057';

/** The services the gateway calls over gRPC, and a health checker for each. */
export interface Peers {
  conversation: ConversationServiceClient;
  routing: RoutingServiceClient;
  /** Starts into a queue go to routing together when they arrive together (RoutingStarts). */
  routingStarts: RoutingStarts;
  presence: PresenceServiceClient;
  translation: TranslationServiceClient;
  survey: SurveyServiceClient;
  /** Optional like every peer: while it is down, only its routes (the admin's channel endpoints) answer 503. */
  channels: ChannelsServiceClient;
  health: Record<string, HealthChecker>;
  close(): void;
}

type PeerAddresses = Pick<ConfigOf<typeof gatewayConfig>, `${'CONVERSATION' | 'ROUTING' | 'PRESENCE' | 'TRANSLATION' | 'SURVEY'}_GRPC_ADDR`> &
  // Optional here so that apps assembled without email and messaging apps (tests, the client generator) need not name it.
  Partial<Pick<ConfigOf<typeof gatewayConfig>, 'CHANNELS_GRPC_ADDR'>>;

export function connectPeers(config: PeerAddresses): Peers {
  const addresses = {
    conversation: config.CONVERSATION_GRPC_ADDR,
    routing: config.ROUTING_GRPC_ADDR,
    presence: config.PRESENCE_GRPC_ADDR,
    translation: config.TRANSLATION_GRPC_ADDR,
    survey: config.SURVEY_GRPC_ADDR,
    channels: config.CHANNELS_GRPC_ADDR ?? DEFAULT_CHANNELS_GRPC_ADDR,
  };
  const conversation = createGrpcClient(ConversationServiceClient, addresses.conversation);
  const routing = createGrpcClient(RoutingServiceClient, addresses.routing);
  const presence = createGrpcClient(PresenceServiceClient, addresses.presence);
  const translation = createGrpcClient(TranslationServiceClient, addresses.translation);
  const survey = createGrpcClient(SurveyServiceClient, addresses.survey);
  const channels = createGrpcClient(ChannelsServiceClient, addresses.channels);
  const health = Object.fromEntries(Object.entries(addresses).map(([name, addr]) => [name, new HealthChecker(addr)]));
  return {
    conversation,
    routing,
    routingStarts: new RoutingStarts(routing),
    presence,
    translation,
    survey,
    channels,
    health,
    close() {
      conversation.close();
      routing.close();
      presence.close();
      translation.close();
      survey.close();
      channels.close();
      for (const h of Object.values(health)) h.close();
    },
  };
}
