import { Enum, MapField, Type, type Field } from 'protobufjs';

/** A JSON Schema (draft-07, the dialect of AsyncAPI 3.0 schemas). */
export type JsonSchema = Record<string, unknown>;

/** Named schemas of the document's `components/schemas`, keyed by proto full name (`contactcenter.conversation.v1.Message`). */
export type SchemaComponents = Record<string, JsonSchema>;

export const schemaRef = (key: string): JsonSchema => ({ $ref: `#/components/schemas/${key}` });

/**
 * 64-bit integers: proto3 JSON writes them as decimal strings, but our
 * publishers (ts-proto with forceLong=number) write JSON numbers, all below
 * 2^53. Both are valid proto3 JSON input, so both are documented.
 */
const INT64: JsonSchema = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', description: '64-bit integer: a JSON number, or a decimal string in canonical proto3 JSON; accept both.' };
const UINT64: JsonSchema = { ...INT64, minimum: 0, pattern: '^[0-9]+$' };

const SCALARS: Record<string, JsonSchema> = {
  double: { type: 'number' },
  float: { type: 'number' },
  int32: { type: 'integer' },
  sint32: { type: 'integer' },
  sfixed32: { type: 'integer' },
  uint32: { type: 'integer', minimum: 0 },
  fixed32: { type: 'integer', minimum: 0 },
  int64: INT64,
  sint64: INT64,
  sfixed64: INT64,
  uint64: UINT64,
  fixed64: UINT64,
  bool: { type: 'boolean' },
  string: { type: 'string' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

/**
 * Well-known types whose JSON is not their message shape. Only those that
 * ts-proto writes the proto3 way are listed (Timestamp with useDate, the
 * wrappers, Struct/Value/ListValue); others (Duration) fall through to their
 * message shape, which is what our publishers write.
 */
const WELL_KNOWN: Record<string, JsonSchema> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Struct': { type: 'object' },
  'google.protobuf.Value': {},
  'google.protobuf.ListValue': { type: 'array' },
  'google.protobuf.DoubleValue': SCALARS.double!,
  'google.protobuf.FloatValue': SCALARS.float!,
  'google.protobuf.Int64Value': INT64,
  'google.protobuf.UInt64Value': UINT64,
  'google.protobuf.Int32Value': SCALARS.int32!,
  'google.protobuf.UInt32Value': SCALARS.uint32!,
  'google.protobuf.BoolValue': SCALARS.bool!,
  'google.protobuf.StringValue': SCALARS.string!,
  'google.protobuf.BytesValue': SCALARS.bytes!,
};

/** Map keys are always JSON strings; these say which strings. */
const KEY_NAMES: Record<string, JsonSchema> = {
  bool: { enum: ['true', 'false'] },
  ...Object.fromEntries(['int32', 'sint32', 'sfixed32', 'int64', 'sint64', 'sfixed64'].map((k) => [k, { pattern: '^-?[0-9]+$' }])),
  ...Object.fromEntries(['uint32', 'fixed32', 'uint64', 'fixed64'].map((k) => [k, { pattern: '^[0-9]+$' }])),
};

const fullNameOf = (t: Type | Enum) => t.fullName.replace(/^\./, '');

/** protoc's lowerCamelCase JSON name, unless the field sets `json_name`. */
export function jsonNameOf(field: Field): string {
  const explicit = field.options?.json_name;
  if (typeof explicit === 'string') return explicit;
  return field.name.replace(/_+([^_])?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''));
}

/**
 * Adds the proto3-JSON schema of `type`, and of every message and enum it
 * refers to, to `components`; returns a `$ref` to it. Fields are optional
 * (proto3 JSON omits default values) and unknown fields are rejected, so a
 * misspelled or snake_case field fails validation.
 *
 * @example
 *   const components: SchemaComponents = {};
 *   addMessageSchema(root.lookupType('contactcenter.conversation.v1.MessagePosted'), components);
 *   // { $ref: '#/components/schemas/contactcenter.conversation.v1.MessagePosted' }
 */
export function addMessageSchema(type: Type, components: SchemaComponents): JsonSchema {
  const key = fullNameOf(type);
  if (WELL_KNOWN[key]) return WELL_KNOWN[key];
  if (components[key]) return schemaRef(key);
  const schema: JsonSchema = { type: 'object', title: type.name, additionalProperties: false };
  components[key] = schema; // before the fields: a message may refer to itself
  if (type.comment) schema.description = type.comment;
  schema.properties = Object.fromEntries(type.fieldsArray.map((f) => [jsonNameOf(f), fieldSchema(f, components)]));
  // proto3 `optional` is a synthetic oneof of one field: no constraint to state.
  const oneofs = type.oneofsArray.filter((o) => o.fieldsArray.length > 1);
  if (oneofs.length > 0) {
    schema.allOf = oneofs.map((o) => {
      const names = o.fieldsArray.map(jsonNameOf);
      const pairs = names.flatMap((a, i) => names.slice(i + 1).map((b) => ({ required: [a, b] })));
      return { description: `oneof ${o.name}: at most one of ${names.join(', ')}`, not: { anyOf: pairs } };
    });
  }
  return schemaRef(key);
}

function fieldSchema(field: Field, components: SchemaComponents): JsonSchema {
  const value = valueSchema(field.type, field.resolvedType, components);
  let schema: JsonSchema;
  if (field instanceof MapField) {
    const keys = KEY_NAMES[field.keyType];
    schema = { type: 'object', additionalProperties: value, ...(keys ? { propertyNames: keys } : {}) };
  } else if (field.repeated) {
    schema = { type: 'array', items: value };
  } else {
    schema = value;
  }
  if (!field.comment) return schema;
  // Siblings of $ref are ignored in draft-07: wrap it so that the comment survives.
  return '$ref' in schema ? { description: field.comment, allOf: [schema] } : { ...schema, description: field.comment };
}

function valueSchema(protoType: string, resolved: Type | Enum | null, components: SchemaComponents): JsonSchema {
  if (resolved instanceof Type) return addMessageSchema(resolved, components);
  if (resolved instanceof Enum) return addEnumSchema(resolved, components);
  const scalar = SCALARS[protoType];
  if (!scalar) throw new Error(`no JSON schema for proto type ${protoType}`);
  return scalar;
}

/** Enums are written by name (ts-proto's toJSON, and canonical proto3 JSON). */
function addEnumSchema(e: Enum, components: SchemaComponents): JsonSchema {
  const key = fullNameOf(e);
  if (!components[key]) {
    const notes = Object.entries(e.comments).filter(([, c]) => c).map(([name, c]) => `${name}: ${c}`);
    const description = [e.comment, ...notes].filter(Boolean).join('\n');
    components[key] = { type: 'string', title: e.name, enum: Object.keys(e.values), ...(description ? { description } : {}) };
  }
  return schemaRef(key);
}
