/**
 * `scope` of the supervisor views in a multi-region deployment: `region` (the
 * default) answers from this region's services only, as a single-region
 * deployment does; `all-regions` asks every region and merges their answers.
 * The default stays `region` so that a view never waits on, or is made
 * partial by, another region unless the caller asked for it.
 */
export const regionScopeSchema = {
  type: 'string',
  enum: ['region', 'all-regions'],
  description: '`region` (default): this region only. `all-regions`: every region answers for itself and the answers are merged; `regions` says which answered.',
} as const;

/** Which regions a merged answer covers: a region that did not answer is `unavailable`, with the reason. */
export const regionStatesSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      region: { type: 'string' },
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      reason: { type: 'string' },
      projectedThrough: { type: 'integer', description: 'Metrics only: how far that region has projected its own event stream.' },
    },
  },
} as const;
