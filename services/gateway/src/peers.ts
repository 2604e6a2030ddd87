import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { PresenceServiceClient } from '@contactcenter/proto/presence/v1';
import { RoutingServiceClient } from '@contactcenter/proto/routing/v1';
import { SurveyServiceClient } from '@contactcenter/proto/survey/v1';
import { TranslationServiceClient } from '@contactcenter/proto/translation/v1';
import { createGrpcClient, HealthChecker } from '@contactcenter/infra';
import type { gatewayConfig } from './config';
import type { ConfigOf } from '@contactcenter/infra';

/** The services the gateway calls over gRPC, and a health checker for each. */
export interface Peers {
  conversation: ConversationServiceClient;
  routing: RoutingServiceClient;
  presence: PresenceServiceClient;
  translation: TranslationServiceClient;
  survey: SurveyServiceClient;
  health: Record<string, HealthChecker>;
  close(): void;
}

type PeerAddresses = Pick<ConfigOf<typeof gatewayConfig>, `${'CONVERSATION' | 'ROUTING' | 'PRESENCE' | 'TRANSLATION' | 'SURVEY'}_GRPC_ADDR`>;

export function connectPeers(config: PeerAddresses): Peers {
  const addresses = {
    conversation: config.CONVERSATION_GRPC_ADDR,
    routing: config.ROUTING_GRPC_ADDR,
    presence: config.PRESENCE_GRPC_ADDR,
    translation: config.TRANSLATION_GRPC_ADDR,
    survey: config.SURVEY_GRPC_ADDR,
  };
  const conversation = createGrpcClient(ConversationServiceClient, addresses.conversation);
  const routing = createGrpcClient(RoutingServiceClient, addresses.routing);
  const presence = createGrpcClient(PresenceServiceClient, addresses.presence);
  const translation = createGrpcClient(TranslationServiceClient, addresses.translation);
  const survey = createGrpcClient(SurveyServiceClient, addresses.survey);
  const health = Object.fromEntries(Object.entries(addresses).map(([name, addr]) => [name, new HealthChecker(addr)]));
  return {
    conversation,
    routing,
    presence,
    translation,
    survey,
    health,
    close() {
      conversation.close();
      routing.close();
      presence.close();
      translation.close();
      survey.close();
      for (const h of Object.values(health)) h.close();
    },
  };
}
