import { ValidationError } from '@contactcenter/infra';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { fieldValidationError, protoBodySchema } from './protoBodies';

/**
 * Validates as the gateway does: ajv 8 in its default dialect (draft-07),
 * with fastify's defaults and the app's options (no coercion, nothing
 * removed). Strict mode's warnings fail the test: fastify would log them.
 */
const ajv = new Ajv({
  coerceTypes: false,
  removeAdditional: false,
  useDefaults: true,
  allErrors: false,
  logger: {
    log: () => undefined,
    warn: (...args: unknown[]) => {
      throw new Error(`ajv warning: ${args.join(' ')}`);
    },
    error: (...args: unknown[]) => {
      throw new Error(`ajv error: ${args.join(' ')}`);
    },
  },
});
addFormats(ajv);

const compiled = new Map<string, ValidateFunction>();
function check(message: string, body: unknown): { valid: true } | { valid: false; field: string; detail: string } {
  let validate = compiled.get(message);
  if (!validate) {
    const options = message.endsWith('.Queue') ? { fromPath: ['queueId'], serverSet: ['revision'] } : message.endsWith('.SurveyDefinition') ? { serverSet: ['version', 'updatedAt'] } : {};
    validate = ajv.compile(protoBodySchema(message, options));
    compiled.set(message, validate);
  }
  if (validate(body)) return { valid: true };
  const err = fieldValidationError(validate.errors!, 'body');
  return { valid: false, field: err.field, detail: err.message };
}

const QUEUE = 'contactcenter.routing.v1.Queue';
const AGENT = 'contactcenter.presence.v1.AgentProfile';
const SURVEY = 'contactcenter.survey.v1.SurveyDefinition';

describe('protoBodySchema', () => {
  it('accepts a valid proto3-JSON body, enums by name', () => {
    expect(
      check(QUEUE, {
        queueId: 'q1',
        name: 'Billing',
        channel: 'chat',
        requiredSkills: [{ name: 'billing', minLevel: 3 }],
        language: 'en',
        priority: 'PRIORITY_HIGH',
        strategy: 'STRATEGY_LEAST_BUSY',
        offerTimeoutSeconds: 30,
        overflow: { afterSeconds: 600, widen: true },
        revision: '12',
      }),
    ).toEqual({ valid: true });
    expect(
      check(AGENT, {
        displayName: 'Ana',
        skills: [{ name: 'billing', level: 5 }],
        capacity: { chat: 3, email: 10 },
        calendar: { timeZone: 'Europe/Lisbon', shifts: [{ day: 'DAY_OF_WEEK_MONDAY', start: '09:00', end: '17:00' }] },
        translationEnabled: true,
      }),
    ).toEqual({ valid: true });
    expect(check(QUEUE, {})).toEqual({ valid: true }); // proto3: every field may be omitted; the service says what it needs
  });

  it.each([
    ['at the top level', QUEUE, { strategyy: 'STRATEGY_LEAST_BUSY' }, 'strategyy'],
    ['in a nested message', QUEUE, { overflow: { widenn: true } }, 'overflow.widenn'],
    ['in a repeated message', QUEUE, { requiredSkills: [{ name: 'a' }, { name: 'b', level: 2 }] }, 'requiredSkills[1].level'],
    ['in a message two levels down', AGENT, { calendar: { shifts: [{ day: 'DAY_OF_WEEK_MONDAY', from: '09:00' }] } }, 'calendar.shifts[0].from'],
    ['spelled as in the .proto (snake_case)', QUEUE, { offer_timeout_seconds: 30 }, 'offer_timeout_seconds'],
  ])('rejects an unknown field %s, naming it', (_where, message, body, field) => {
    expect(check(message, body)).toEqual({ valid: false, field, detail: `${field}: unknown field` });
  });

  it.each([
    ['a string for a map', AGENT, { capacity: 'lots' }, 'capacity', 'must be object'],
    ['a string for a map value', AGENT, { capacity: { chat: 'lots' } }, 'capacity.chat', 'must be integer'],
    ['a fraction for an int32', QUEUE, { agingSeconds: 1.5 }, 'agingSeconds', 'must be integer'],
    ['an int32 out of range', QUEUE, { offerTimeoutSeconds: 2 ** 31 }, 'offerTimeoutSeconds', 'must be <= 2147483647'],
    ['a number for a string', QUEUE, { name: 42 }, 'name', 'must be string'],
    ['a string for a bool', QUEUE, { overflow: { widen: 'yes' } }, 'overflow.widen', 'must be boolean'],
    ['an object for a repeated field', QUEUE, { requiredSkills: { name: 'a' } }, 'requiredSkills', 'must be array'],
    ['null', QUEUE, { name: null }, 'name', 'must be string'],
    ['a timestamp that is not RFC 3339', SURVEY, { updatedAt: 'yesterday' }, 'updatedAt', 'must match format "date-time"'],
    ['a map key that is not a string of its type', SURVEY, { titles: { en: 1 } }, 'titles.en', 'must be string'],
  ])('rejects %s, naming the field', (_what, message, body, field, reason) => {
    expect(check(message, body)).toEqual({ valid: false, field, detail: `${field}: ${reason}` });
  });

  it('rejects an unknown enum name, or an enum number, listing the names', () => {
    const names = 'STRATEGY_UNSPECIFIED, STRATEGY_LONGEST_IDLE, STRATEGY_LEAST_BUSY, STRATEGY_ROUND_ROBIN, STRATEGY_MANUAL_PICK';
    expect(check(QUEUE, { strategy: 'STRATEGY_FASTEST' })).toEqual({ valid: false, field: 'strategy', detail: `strategy: must be one of ${names}` });
    expect(check(QUEUE, { strategy: 2 })).toMatchObject({ valid: false, field: 'strategy' });
    expect(check(SURVEY, { sendOnResolveChannels: ['CHANNEL_CHAT', 'CHANNEL_FAX'] })).toMatchObject({ valid: false, field: 'sendOnResolveChannels[1]' });
    expect(check(SURVEY, { sendOnResolveChannels: ['CHANNEL_CHAT', 'CHANNEL_EMAIL'], questions: [{ questionId: 'q1', kind: 'SURVEY_QUESTION_KIND_CSAT', texts: { en: 'How did we do?' } }] })).toEqual({ valid: true });
  });

  it('takes a 64-bit integer as a number or a decimal string, within what the encoder takes', () => {
    expect(check(QUEUE, { revision: 12 })).toEqual({ valid: true });
    expect(check(QUEUE, { revision: '12' })).toEqual({ valid: true });
    expect(check(QUEUE, { revision: 'twelve' })).toEqual({ valid: false, field: 'revision', detail: 'revision: must be integer, or must match pattern "^-?[0-9]+$"' });
    expect(check(QUEUE, { revision: 2 ** 60 })).toMatchObject({ valid: false, field: 'revision' });
    expect(check(QUEUE, { revision: '1'.repeat(20) })).toMatchObject({ valid: false, field: 'revision' });
  });

  it('rejects a body that is not an object, naming the body', () => {
    expect(check(QUEUE, [])).toEqual({ valid: false, field: 'body', detail: 'body: must be object' });
  });

  it('marks path and server-set fields in the schema, and keeps accepting them', () => {
    const schema = protoBodySchema(SURVEY, { fromPath: ['surveyId'], serverSet: ['version', 'updatedAt'] }) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.surveyId!.description).toMatch(/path/);
    expect(schema.properties.version).toMatchObject({ type: 'string', readOnly: true });
    expect(schema.properties.updatedAt).toMatchObject({ type: 'string', format: 'date-time', readOnly: true });
    expect(check(SURVEY, { surveyId: 'other', version: '7', updatedAt: '2025-01-02T03:04:05Z', enabled: true })).toEqual({ valid: true });
  });

  it('is self-contained, and a fresh copy each time', () => {
    const a = protoBodySchema(AGENT);
    expect(JSON.stringify(a)).not.toContain('$ref');
    (a.properties as Record<string, unknown>).displayName = { type: 'integer' };
    expect((protoBodySchema(AGENT).properties as Record<string, unknown>).displayName).toEqual({ type: 'string' });
  });

  it.each([
    'contactcenter.presence.v1.AgentProfile',
    'contactcenter.routing.v1.Queue',
    'contactcenter.routing.v1.Team',
    'contactcenter.routing.v1.FaqEntry',
    'contactcenter.translation.v1.CannedResponse',
    'contactcenter.translation.v1.TenantSettings',
    'contactcenter.survey.v1.SurveyDefinition',
    'contactcenter.survey.v1.MetricsSettings',
  ])('builds the admin body %s without a strict-mode warning', (name) => {
    expect(() => ajv.compile({ type: ['integer', 'string'] })).toThrow(/allowUnionTypes/); // what a warning does here
    expect(() => ajv.compile(protoBodySchema(name))).not.toThrow();
  });

  it('refuses an unknown message, or an option naming a field the message does not have', () => {
    expect(() => protoBodySchema('contactcenter.routing.v1.Queu')).toThrow(/no message contactcenter\.routing\.v1\.Queu/);
    expect(() => protoBodySchema(QUEUE, { fromPath: ['queue_id'] })).toThrow(/has no field queue_id/);
  });
});

describe('fieldValidationError', () => {
  it('names a path parameter, and quotes map keys that are not identifiers', () => {
    const param = fieldValidationError([{ keyword: 'pattern', instancePath: '/queueId', schemaPath: '#/properties/queueId/pattern', params: { pattern: '^x$' }, message: 'must match pattern "^x$"' }], 'params');
    expect(param).toBeInstanceOf(ValidationError);
    expect(param.field).toBe('queueId');
    expect(fieldValidationError([{ keyword: 'type', instancePath: '/titles/pt-BR', schemaPath: '', params: {}, message: 'must be string' }], 'body').field).toBe('titles["pt-BR"]');
    const badKey = { keyword: 'pattern', instancePath: '/load', schemaPath: '#/properties/load/propertyNames/pattern', params: { pattern: '^[0-9]+$' }, message: 'must match pattern "^[0-9]+$"', propertyName: 'abc' };
    expect(fieldValidationError([badKey], 'body').message).toBe('load.abc: key must match pattern "^[0-9]+$"');
    expect(fieldValidationError([{ keyword: 'required', instancePath: '', schemaPath: '', params: { missingProperty: 'surveyId' }, message: "must have required property 'surveyId'" }], 'params').message).toBe('surveyId: is required');
  });
});
