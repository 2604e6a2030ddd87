/**
 * Proto → proto3-JSON schema mapping, on a proto tree written for the test:
 * a new events.proto is picked up with no change to the generator, and each
 * proto construct accepts its proto3 JSON and rejects what is not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAsyncApiDocument, type AsyncApiDocument } from './asyncapiDocument';
import { documentValidator } from './documentValidator';

const TYPES = `syntax = "proto3";
package contactcenter.demo.v1;
import "google/protobuf/timestamp.proto";
// A colour.
enum Colour {
  COLOUR_UNSPECIFIED = 0;
  COLOUR_RED = 1;
}
message Part {
  string part_id = 1;
  Part spare = 2;
}
`;
const EVENTS = `syntax = "proto3";
package contactcenter.demo.v1;
import "contactcenter/demo/v1/types.proto";
import "google/protobuf/timestamp.proto";
// A widget was pinged.
message WidgetPinged {
  string widget_id = 1;
  int64 count = 2;
  repeated Part parts = 3;
  map<string, int32> load = 4;
  Colour colour = 5;
  google.protobuf.Timestamp occurred_at = 6;
  oneof target {
    string to_agent_id = 7;
    string to_team_id = 8;
  }
  optional bool urgent = 9;
  bytes blob = 10;
  string x2_name = 11 [json_name = "otherName"];
}
message WidgetDropped {
  string widget_id = 1;
}
`;

let dir: string;
let doc: AsyncApiDocument;
let check: ReturnType<typeof documentValidator>;
const pinged = (value: unknown) => check('/components/messages/contactcenter.demo.v1.WidgetPinged/payload', value);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'asyncapi-protos-'));
  mkdirSync(join(dir, 'contactcenter/demo/v1'), { recursive: true });
  writeFileSync(join(dir, 'contactcenter/demo/v1/types.proto'), TYPES);
  writeFileSync(join(dir, 'contactcenter/demo/v1/events.proto'), EVENTS);
  doc = buildAsyncApiDocument({ protoRoot: dir });
  check = documentValidator(doc);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('events from a new events.proto', () => {
  it('become messages and channels; messages of other files do not', () => {
    const channels = doc.channels as Record<string, { address: string }>;
    expect(channels['demo.WidgetPinged']?.address).toBe('cc.{tenantId}.demo.WidgetPinged.{aggregateId}');
    expect(channels['demo.WidgetDropped']?.address).toBe('cc.{tenantId}.demo.WidgetDropped.{aggregateId}');
    expect(doc.components.messages['contactcenter.demo.v1.Part']).toBeUndefined();
    expect(doc.components.schemas['contactcenter.demo.v1.Part']).toBeDefined();
    expect(doc.components.messages['contactcenter.demo.v1.WidgetPinged']).toMatchObject({ summary: 'A widget was pinged.' });
  });

  it('accept proto3 JSON: camelCase names, int64 as number or string, maps, enums by name, nested and recursive messages', () => {
    const full = {
      widgetId: 'w-1',
      count: '9007199254740993',
      parts: [{ partId: 'p-1', spare: { partId: 'p-2' } }],
      load: { chat: 2 },
      colour: 'COLOUR_RED',
      occurredAt: '2025-01-02T03:04:05Z',
      toAgentId: 'a-1',
      urgent: true,
      blob: 'AAE=',
      otherName: 'x',
    };
    expect(pinged(full)).toEqual({ valid: true, errors: [] });
    expect(pinged({ ...full, count: 12 }).valid).toBe(true);
    expect(pinged({}).valid).toBe(true); // every field at its default is omitted
  });

  it.each([
    ['both fields of a oneof', { toAgentId: 'a', toTeamId: 't' }],
    ['an enum number instead of its name', { colour: 1 }],
    ['a map value of the wrong type', { load: { chat: 'two' } }],
    ['an int64 with a fraction', { count: 1.5 }],
    ['a field under its proto name', { widget_id: 'w' }],
    ['an unknown field in a nested message', { parts: [{ partId: 'p', colour: 'x' }] }],
  ])('reject %s', (_what, wrong) => {
    expect(pinged(wrong).valid).toBe(false);
  });
});
