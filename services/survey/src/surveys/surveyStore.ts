import { NotFoundError } from '@contactcenter/infra/errors';
import { jsonOf } from '@contactcenter/infra/kv';
import { SurveyDefinition } from '@contactcenter/proto/survey/v1';
import type { KV } from '@nats-io/kv';

export const DEFAULT_SURVEY_BUCKET = 'cc_survey';

/**
 * Survey definitions in NATS KV, shared by every survey replica:
 * `survey.<tenant>.<survey_id>`, as proto3 JSON. The KV revision is the
 * definition's version, so a response can say which wording it answered.
 */
export class SurveyStore {
  constructor(private readonly kv: KV) {}

  private key = (tenantId: string, surveyId: string) => `survey.${tenantId}.${surveyId}`;

  async put(tenantId: string, survey: SurveyDefinition, now: Date): Promise<SurveyDefinition> {
    const stored = { ...survey, version: '', updatedAt: now };
    const revision = await this.kv.put(this.key(tenantId, survey.surveyId), JSON.stringify(SurveyDefinition.toJSON(stored)));
    return { ...stored, version: String(revision) };
  }

  async get(tenantId: string, surveyId: string): Promise<SurveyDefinition | undefined> {
    const found = jsonOf<unknown>(await this.kv.get(this.key(tenantId, surveyId)));
    return found ? { ...SurveyDefinition.fromJSON(found.value), version: String(found.revision) } : undefined;
  }

  async require(tenantId: string, surveyId: string): Promise<SurveyDefinition> {
    const found = await this.get(tenantId, surveyId);
    if (!found) throw new NotFoundError('survey', surveyId);
    return found;
  }

  async list(tenantId: string): Promise<SurveyDefinition[]> {
    const prefix = `survey.${tenantId}.`;
    const ids: string[] = [];
    for await (const key of await this.kv.keys(`${prefix}*`)) ids.push(key.slice(prefix.length));
    // Read at once, not one after another: the resolution trigger lists them for every resolved conversation.
    const found = await Promise.all(ids.map((id) => this.get(tenantId, id)));
    return found.filter((s): s is SurveyDefinition => s !== undefined).sort((a, b) => a.surveyId.localeCompare(b.surveyId));
  }

  async delete(tenantId: string, surveyId: string): Promise<void> {
    await this.require(tenantId, surveyId);
    await this.kv.delete(this.key(tenantId, surveyId));
  }
}
