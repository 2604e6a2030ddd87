/**
 * The settings each process really reads, taken from the code rather than
 * from a list kept beside the manifests: every entrypoint is loaded with
 * `runService` replaced by a recorder, so its config schema (the validated
 * fields, with their defaults and parsers) is captured without starting it.
 * The migration Job's command reads EVENT_STORE_URL alone.
 */
import { commonConfig, type Field, type Schema } from '@contactcenter/infra';
import { conversationConfig } from '../../services/conversation/src/config';

/** Process name (as runService names it) → the entrypoint whose schema it reads. */
const ENTRYPOINTS: Record<string, string> = {
  gateway: '../../services/gateway/src/main',
  conversation: '../../services/conversation/src/main',
  relay: '../../services/conversation/src/relay/main',
  routing: '../../services/routing/src/main',
  presence: '../../services/presence/src/main',
  translation: '../../services/translation/src/main',
  survey: '../../services/survey/src/main',
  channels: '../../services/channels/src/main',
};

export type Settings = Map<string, Schema>;

/** Each process's full schema: the settings every service shares plus its own. */
export function serviceSettings(): Settings {
  const captured: Settings = new Map();
  jest.isolateModules(() => {
    jest.doMock('@contactcenter/infra', () => ({
      ...jest.requireActual('@contactcenter/infra'),
      runService: (name: string, schema: Schema) => captured.set(name, { ...commonConfig, ...schema }),
    }));
    for (const entry of Object.values(ENTRYPOINTS)) require(entry);
  });
  for (const name of Object.keys(ENTRYPOINTS)) if (!captured.has(name)) throw new Error(`${ENTRYPOINTS[name]} did not call runService('${name}', …)`);
  captured.set('migrate', { EVENT_STORE_URL: conversationConfig.EVENT_STORE_URL });
  return captured;
}

/** Parses one field; the error message when the value is refused (or absent and required). */
export function refusal(field: Field<unknown>, name: string, raw: string | undefined): string | undefined {
  try {
    field.parse(raw, name);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The default a field falls back to when unset; undefined when it has none (or is optional). */
export function defaultOf(field: Field<unknown>, name: string): unknown {
  try {
    return field.parse(undefined, name);
  } catch {
    return undefined;
  }
}
