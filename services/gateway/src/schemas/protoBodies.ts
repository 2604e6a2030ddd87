import { ValidationError } from '@contactcenter/infra';
import type { FastifyError, FastifySchemaValidationError } from 'fastify';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Root, Type } from 'protobufjs';
import { defaultProtoRoot } from '../asyncapi/protoEvents';
import { addMessageSchema, schemaRef, type JsonSchema, type SchemaComponents } from '../asyncapi/protoJsonSchema';

/** Fields of a body that do not come from the client, by their proto3-JSON (camelCase) names. */
export interface ProtoBodyOptions {
  /** Given by the route's path (`queueId` of `/admin/queues/:queueId`): optional in the body, where the path's value wins. */
  fromPath?: readonly string[];
  /**
   * Set by the service (`version`, `updatedAt`): accepted, so that what a GET
   * returned can be sent back as it is, marked `readOnly`, and to be dropped
   * by the route before the call.
   */
  serverSet?: readonly string[];
}

/**
 * Every proto of the workspace, parsed once when this module loads (a
 * broken proto fails the gateway's start, not a request). Same parse options
 * as the AsyncAPI document: proto field names, `//` comments as descriptions.
 */
const ROOT = loadProtos(defaultProtoRoot());
const SCHEMAS = new Map<string, JsonSchema>();
const REF_PREFIX = schemaRef('').$ref as string;

function loadProtos(protoRoot: string): Root {
  const base = join(protoRoot, 'contactcenter');
  const files = readdirSync(base, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.endsWith('.proto'))
    .map((p) => join(base, p))
    .sort();
  const root = new Root();
  // Imports are relative to the proto root; google/protobuf/* come bundled with protobufjs.
  root.resolvePath = (_origin, target) => resolve(protoRoot, target);
  root.loadSync(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

/**
 * The JSON Schema of a request body in the proto3 JSON mapping of a message
 * (camelCase fields, enums by name, Timestamps as RFC 3339), for a fastify
 * route's `schema.body`. Self-contained: the messages and enums it refers
 * to are inlined, since @fastify/swagger drops a route schema's
 * `definitions` (and leaves `#/$defs/…` pointing at the OpenAPI document's
 * root), so the OpenAPI document shows the whole shape. Unknown fields,
 * wrong types, unknown enum names and integers out of the field's range
 * are refused, so nothing reaches ts-proto's `fromJSON` (which drops
 * unknown fields and coerces types) or its encoder (which throws on an
 * out-of-range int32). Every field is optional, as in proto3 JSON; the
 * owning service checks what is required.
 *
 * @example
 *   app.put('/admin/queues/:queueId', {
 *     schema: { body: protoBodySchema('contactcenter.routing.v1.Queue', { fromPath: ['queueId'], serverSet: ['revision'] }) },
 *     schemaErrorFormatter: fieldValidationError,
 *   }, handler);
 * @throws Error when the message is unknown, an option names a field it does not have, or the message refers to itself.
 */
export function protoBodySchema(messageName: string, options: ProtoBodyOptions = {}): JsonSchema {
  const cacheKey = JSON.stringify([messageName, options.fromPath ?? [], options.serverSet ?? []]);
  let schema = SCHEMAS.get(cacheKey);
  if (!schema) {
    schema = buildBodySchema(messageName, options);
    SCHEMAS.set(cacheKey, schema);
  }
  return structuredClone(schema); // the caller's to keep: fastify and swagger hold on to route schemas
}

function buildBodySchema(messageName: string, options: ProtoBodyOptions): JsonSchema {
  const type = ROOT.lookup(messageName);
  if (!(type instanceof Type)) throw new Error(`protoBodySchema: no message ${messageName} in the protos`);
  const components: SchemaComponents = {};
  const schema = inline(addMessageSchema(type, components), components, []) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema>;
  const annotate = (names: readonly string[], note: string, extra: JsonSchema) => {
    for (const name of names) {
      const property = properties[name];
      if (!property) throw new Error(`protoBodySchema: ${messageName} has no field ${name}`);
      const description = [property.description, note].filter(Boolean).join('\n');
      properties[name] = { ...property, ...extra, description };
    }
  };
  annotate(options.fromPath ?? [], 'Optional: the path gives it, and the path wins.', {});
  annotate(options.serverSet ?? [], 'Set by the service: accepted (e.g. sent back as read) and ignored.', { readOnly: true });
  return schema;
}

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
const UINT32 = { minimum: 0, maximum: 2 ** 32 - 1 };
/** Keywords that apply to one JSON type only, for splitting a union `type` into `anyOf` branches. */
const STRING_KEYWORDS = ['pattern', 'format', 'minLength', 'maxLength', 'contentEncoding'];
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];

/**
 * A copy of `node` with every `$ref` into `components` replaced by the
 * component, and two adjustments for request validation by fastify's ajv:
 *
 * - integers get the range of their proto type. protoJsonSchema writes
 *   int32 as `{ type: 'integer' }` and uint32 as `{ type: 'integer', minimum: 0 }`
 *   (64-bit integers are unions, below); ts-proto's encoder throws on
 *   anything out of range, which would be a 500.
 * - a union `type` (64-bit integers: number or decimal string) becomes
 *   `anyOf` one branch per type: ajv's strict mode logs a warning for every
 *   union type it compiles. The number branch is kept to safe integers and
 *   the string one to 16 characters, so that no value fails ts-proto's
 *   int64 encoder.
 */
function inline(node: unknown, components: SchemaComponents, seen: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, components, seen));
  if (typeof node !== 'object' || node === null) return node;
  const object = node as JsonSchema;
  if (typeof object.$ref === 'string' && object.$ref.startsWith(REF_PREFIX)) {
    const key = object.$ref.slice(REF_PREFIX.length);
    if (seen.includes(key)) throw new Error(`protoBodySchema: ${key} refers to itself (${[...seen, key].join(' → ')}); a recursive message cannot be inlined`);
    const target = components[key];
    if (!target) throw new Error(`protoBodySchema: no component ${key}`);
    return inline(target, components, [...seen, key]);
  }
  const copy = Object.fromEntries(Object.entries(object).map(([k, v]) => [k, inline(v, components, seen)])) as JsonSchema;
  if (copy.type === 'integer' && copy.maximum === undefined) return { ...copy, ...(copy.minimum === 0 ? UINT32 : INT32) };
  if (Array.isArray(copy.type)) return unionToAnyOf(copy, copy.type as string[]);
  return copy;
}

function unionToAnyOf(schema: JsonSchema, types: readonly string[]): JsonSchema {
  const pick = (keys: readonly string[]) => Object.fromEntries(keys.filter((k) => k in schema).map((k) => [k, schema[k]]));
  const shared = Object.fromEntries(Object.entries(schema).filter(([k]) => k !== 'type' && !STRING_KEYWORDS.includes(k) && !NUMBER_KEYWORDS.includes(k)));
  const branches = types.map((t): JsonSchema => {
    if (t === 'string') return { type: t, ...pick(STRING_KEYWORDS), maxLength: 16 };
    if (t === 'integer' || t === 'number') {
      const bounds = pick(NUMBER_KEYWORDS);
      return { type: t, minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...bounds };
    }
    return { type: t };
  });
  return { ...shared, anyOf: branches };
}

/**
 * A route's `schemaErrorFormatter`: the first validation error as a
 * ValidationError naming the field at fault by its path in the request
 * (`overflow.widen`, `requiredSkills[0].minLevel`, `capacity.chat`), so that
 * the problem JSON carries `field` and a `detail` that says what is wrong
 * ("overflow.widenn: unknown field").
 */
export function fieldValidationError(errors: FastifySchemaValidationError[], dataVar: NonNullable<FastifyError['validationContext']>): ValidationError {
  // An anyOf failure comes after one error per branch: report them together.
  const anyOf = errors.find((e) => e.keyword === 'anyOf');
  const first = anyOf ?? errors[0];
  if (!first) return new ValidationError(dataVar, 'is invalid');
  const tokens = first.instancePath.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let reason = first.message ?? 'is invalid';
  const params = first.params;
  // A map key that fails `propertyNames`: ajv names it beside the params.
  const propertyName = (first as { propertyName?: unknown }).propertyName ?? params.propertyName;
  if (first.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    tokens.push(params.additionalProperty);
    reason = 'unknown field';
  } else if (first.keyword === 'required' && typeof params.missingProperty === 'string') {
    tokens.push(params.missingProperty);
    reason = 'is required';
  } else if (first.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    reason = `must be one of ${params.allowedValues.join(', ')}`;
  } else if (typeof propertyName === 'string') {
    tokens.push(propertyName);
    reason = `key ${reason}`;
  } else if (anyOf) {
    const branches = errors.filter((e) => e !== anyOf && e.instancePath === anyOf.instancePath && e.message);
    if (branches.length > 0) reason = branches.map((e) => e.message).join(', or ');
  }
  return new ValidationError(fieldPath(tokens) || dataVar, reason);
}

/** `["requiredSkills", "0", "minLevel"]` → `requiredSkills[0].minLevel`; odd map keys quoted: `titles["pt-BR"]`. */
function fieldPath(tokens: readonly string[]): string {
  return tokens
    .map((t, i) => {
      if (/^(0|[1-9][0-9]*)$/.test(t)) return `[${t}]`;
      if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(t)) return i === 0 ? t : `.${t}`;
      return `[${JSON.stringify(t)}]`;
    })
    .join('');
}
