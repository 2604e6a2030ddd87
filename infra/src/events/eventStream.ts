import { ValidationError } from '../errors';
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType, DiscardPolicy, type JetStreamManager, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { jetStreamReplicas } from '../jetstreamReplicas';
import { untilJetStreamAnswers } from '../nats';

export const DEFAULT_STREAM = 'CC_EVENTS';
export const DEFAULT_SUBJECTS = ['cc.>'];
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

export interface EventStreamOptions {
  /** JetStream stream name (default `CC_EVENTS`). */
  name?: string;
  /** Subjects the stream captures (default `cc.>`). Core-NATS-only signals must use other subjects. */
  subjects?: string[];
  /**
   * How long JetStream remembers a `Nats-Msg-Id` (default 2 min). A relay that
   * crashes after publishing but before saving its checkpoint republishes those
   * events on restart: they are dropped as duplicates if it restarts within this window.
   */
  duplicateWindowMs?: number;
  /** Events older than this are discarded; 0 (default) keeps them until removed otherwise. */
  maxAgeMs?: number;
  /** Copies in a cluster (default JETSTREAM_REPLICAS: 1, or 3 on a production cluster); never fewer than JETSTREAM_REPLICAS. */
  replicas?: number;
}

/**
 * Creates the events stream if missing (file storage, limits retention), or
 * brings its duplicate window and max age to the requested values. Subjects
 * of an existing stream are left alone: an operator may have widened them.
 */
export async function ensureEventStream(jsm: JetStreamManager, options: EventStreamOptions = {}): Promise<StreamInfo> {
  return untilJetStreamAnswers(`the event stream ${options.name ?? DEFAULT_STREAM}`, () => ensureOnce(jsm, options));
}

async function ensureOnce(jsm: JetStreamManager, options: EventStreamOptions): Promise<StreamInfo> {
  const name = options.name ?? DEFAULT_STREAM;
  const maxAge = options.maxAgeMs ?? 0;
  const duplicateWindow = options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (duplicateWindow <= 0) throw new ValidationError('duplicateWindowMs', 'must be positive: publishers rely on deduplication');
  if (maxAge > 0 && duplicateWindow > maxAge) throw new ValidationError('duplicateWindowMs', `must not exceed maxAgeMs (${maxAge})`);
  const wanted = { duplicate_window: nanos(duplicateWindow), max_age: nanos(maxAge) };

  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
  }
  if (!info) {
    try {
      return await jsm.streams.add({
        name,
        subjects: options.subjects ?? DEFAULT_SUBJECTS,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        num_replicas: jetStreamReplicas(options.replicas),
        ...wanted,
      });
    } catch (err) {
      // Another process created it at the same moment: use theirs.
      info = await jsm.streams.info(name).catch(() => {
        throw err;
      });
    }
  }
  if (info.config.duplicate_window === wanted.duplicate_window && info.config.max_age === wanted.max_age) return info;
  return jsm.streams.update(name, { ...info.config, ...wanted });
}
