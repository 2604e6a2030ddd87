import { createGrpcClient, hostPort, runService, string } from '@contactcenter/infra';
import { ConversationServiceClient } from '@contactcenter/proto/conversation/v1';
import { openStateBucket } from '@contactcenter/infra/kv';
import { SurveyServiceService } from '@contactcenter/proto/survey/v1';
import { metricsConfig, startMetrics } from './metrics';
import { ResolutionTrigger } from './surveys/resolutionTrigger';
import { surveyCalls } from './surveys/surveyGrpc';
import { DEFAULT_SURVEY_BUCKET, SurveyStore } from './surveys/surveyStore';

/**
 * The survey service process: survey definitions, surveys sent on
 * resolution or on an agent's request, the customer's answers (recorded on
 * the conversation), and the service metrics projected from the events.
 */
runService(
  'survey',
  {
    CONVERSATION_GRPC_ADDR: hostPort({ default: '127.0.0.1:50051' }),
    /** NATS KV bucket of survey definitions and metrics settings, shared by every survey replica. */
    SURVEY_BUCKET: string({ default: DEFAULT_SURVEY_BUCKET }),
    ...metricsConfig,
  },
  async (rt) => {
    const { config, logger } = rt;
    const kv = await openStateBucket(rt.nats, config.SURVEY_BUCKET, 'survey');
    const store = new SurveyStore(kv);
    const conversation = createGrpcClient(ConversationServiceClient, config.CONVERSATION_GRPC_ADDR);
    const trigger = new ResolutionTrigger({ nc: rt.nats, store, conversation, logger });
    await trigger.start();
    const metrics = await startMetrics({ nc: rt.nats, kv, logger, config, registry: rt.metrics.registry });
    rt.grpc.addService(SurveyServiceService, { ...surveyCalls({ store, conversation }), ...metrics.calls });
    rt.onShutdown('metrics', () => metrics.close());
    rt.onShutdown('surveys', async () => {
      await trigger.stop();
      conversation.close();
    });
  },
);
