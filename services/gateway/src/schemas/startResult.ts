import { commandResultSchema } from './conversation';

/** A start's answer: the command's result, and in a multi-region deployment the region the conversation lives in. */
export const startResultSchema = {
  ...commandResultSchema,
  properties: {
    ...commandResultSchema.properties,
    region: { type: 'string', description: 'The region the conversation lives in, placed by the tenant\'s residency settings (multi-region deployments only).' },
  },
} as const;
