import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Namespace, Root, Type, type ReflectionObject } from 'protobufjs';
import { addMessageSchema, type JsonSchema, type SchemaComponents } from './protoJsonSchema';

/** One kind of event an integrator can receive. */
export interface EventContract {
  /** CloudEvent `type`, e.g. `contactcenter.conversation.v1.MessagePosted`. */
  type: string;
  /** The bounded context, the third token of the NATS subject. */
  context: string;
  /** The event name, the last token of the NATS subject. */
  name: string;
  description?: string;
  /** Schema of the CloudEvent `data` (usually a `$ref` into components/schemas). */
  data: JsonSchema;
  /** Where the schema comes from: a proto contract, or the publisher's code (not yet in proto). */
  contract: 'proto' | 'publisher';
}

/** The CloudEvent type of an event is its proto message's full name: `contactcenter.<context>.v<N>.<Event>`. */
const EVENT_PACKAGE = /^contactcenter\.([a-z][a-z0-9_]*)\.v[0-9]+$/;
/** The file name that makes a proto file's messages events (see events.proto: "Each is the data of a CloudEvent"). */
export const EVENTS_FILE = 'events.proto';

/** The proto workspace (`proto/`), found through the package rather than this file's place in the tree. */
export function defaultProtoRoot(): string {
  return resolve(dirname(require.resolve('@contactcenter/proto')), '..');
}

/** Every `events.proto` under `<protoRoot>/contactcenter`. */
export function eventProtoFiles(protoRoot: string): string[] {
  const base = join(protoRoot, 'contactcenter');
  return readdirSync(base, { recursive: true, encoding: 'utf8' })
    .filter((p) => p.split(/[\\/]/).pop() === EVENTS_FILE)
    .map((p) => join(base, p))
    .sort();
}

/**
 * The events declared in the protos: every top-level message of every
 * `events.proto`, with the proto3-JSON schemas of their data added to
 * `components`. Only event files and what they import are parsed, so a
 * service proto being edited elsewhere cannot break this.
 *
 * @example
 *   const components = {};
 *   const events = loadProtoEvents(defaultProtoRoot(), components);
 *   // [{ type: 'contactcenter.conversation.v1.AgentAssigned', context: 'conversation', name: 'AgentAssigned', ... }, ...]
 * @throws Error when a proto does not parse or an events.proto is outside a `contactcenter.<context>.v<N>` package.
 */
export function loadProtoEvents(protoRoot: string, components: SchemaComponents): EventContract[] {
  const files = eventProtoFiles(protoRoot);
  const root = new Root();
  // Imports are relative to the proto root; google/protobuf/* come bundled with protobufjs.
  root.resolvePath = (_origin, target) => resolve(protoRoot, target);
  root.loadSync(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  const eventFiles = new Set(files);
  const events: EventContract[] = [];
  for (const type of topLevelTypes(root)) {
    if (!type.filename || !eventFiles.has(type.filename)) continue;
    const pkg = type.parent!.fullName.replace(/^\./, '');
    const context = EVENT_PACKAGE.exec(pkg)?.[1];
    if (!context) throw new Error(`${type.filename}: events must live in a package contactcenter.<context>.v<N>, not ${pkg}`);
    events.push({
      type: `${pkg}.${type.name}`,
      context,
      name: type.name,
      ...(type.comment ? { description: type.comment } : {}),
      data: addMessageSchema(type, components),
      contract: 'proto',
    });
  }
  return events.sort((a, b) => a.type.localeCompare(b.type));
}

/** Messages declared directly in a package (not nested in another message). */
function topLevelTypes(ns: Namespace): Type[] {
  return ns.nestedArray.flatMap((o: ReflectionObject) => {
    if (o instanceof Type) return [o];
    if (o instanceof Namespace) return topLevelTypes(o);
    return [];
  });
}
