import { ValidationError } from '@contactcenter/infra/errors';
import type { RecordedEvent } from '@contactcenter/infra/eventstore';
import { headers } from '@nats-io/transport-node';
import { conversationEventSubject, decodeCloudEvent, encodeCloudEvent, eventTypeOf } from './cloudEvent';

const recorded = (overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
  id: '0b6d4a53-5f5e-4c0e-9c43-0c2f7c1d5f11',
  type: 'MessagePosted',
  data: { messageId: 'm1', text: 'héllo ✓' },
  metadata: { tenant_id: 'acme', conversation_id: 'c-42', actor_id: 'agent-7' },
  streamId: 'conversation-acme:c-42',
  revision: 3,
  position: '1234',
  recordedAt: new Date('2025-05-01T10:11:12.345Z'),
  ...overrides,
});

describe('conversationEventSubject', () => {
  it('puts tenant, event type and conversation in the subject', () => {
    expect(conversationEventSubject('acme', 'ConversationStarted', 'c-42')).toBe('cc.acme.conversation.ConversationStarted.c-42');
    expect(conversationEventSubject('t_1-x', 'MessagePosted', 'c_1')).toBe('cc.t_1-x.conversation.MessagePosted.c_1');
  });

  it.each(['', 'a.b', 'a*', '>', 'a b', 'a\tb', 'tën', 'x'.repeat(129)])('rejects the tenant %j', (tenant) => {
    expect(() => conversationEventSubject(tenant, 'MessagePosted', 'c-42')).toThrow(ValidationError);
  });

  it.each(['', 'Message.Posted', '*', 'Posted>'])('rejects the event type %j', (type) => {
    expect(() => conversationEventSubject('acme', type, 'c-42')).toThrow(/type/);
  });
});

describe('encodeCloudEvent', () => {
  it('maps the event to binary-mode headers, a JSON body and the dedup id', () => {
    const msg = encodeCloudEvent(recorded(), { region: 'eu-1' });
    expect(msg.subject).toBe('cc.acme.conversation.MessagePosted.c-42');
    expect(msg.msgID).toBe('0b6d4a53-5f5e-4c0e-9c43-0c2f7c1d5f11');
    const h = Object.fromEntries(msg.headers.keys().map((k) => [k, msg.headers.get(k)]));
    expect(h).toEqual({
      'ce-specversion': '1.0',
      'ce-id': '0b6d4a53-5f5e-4c0e-9c43-0c2f7c1d5f11',
      'ce-source': '/contactcenter/eu-1/conversation',
      'ce-type': 'contactcenter.conversation.v1.MessagePosted',
      'ce-subject': 'c-42',
      'ce-time': '2025-05-01T10:11:12.345Z',
      'ce-tenantid': 'acme',
      'ce-sequence': '3',
      'ce-position': '1234',
      'content-type': 'application/json',
      'Nats-Msg-Id': '0b6d4a53-5f5e-4c0e-9c43-0c2f7c1d5f11',
    });
    expect(JSON.parse(new TextDecoder().decode(msg.data))).toEqual({ messageId: 'm1', text: 'héllo ✓' });
  });

  it('leaves ce-subject out when the event names no conversation', () => {
    const msg = encodeCloudEvent(recorded({ metadata: { tenant_id: 'acme' } }), { region: 'local' });
    expect(msg.headers.has('ce-subject')).toBe(false);
  });

  it('refuses an event without a usable tenant', () => {
    expect(() => encodeCloudEvent(recorded({ metadata: {} }), { region: 'local' })).toThrow(/tenant_id/);
    expect(() => encodeCloudEvent(recorded({ metadata: { tenant_id: 'a.b' } }), { region: 'local' })).toThrow(ValidationError);
  });

  it('refuses header values that would break the header block', () => {
    expect(() => encodeCloudEvent(recorded({ metadata: { tenant_id: 'acme', conversation_id: 'c\r\nX: y' } }), { region: 'local' })).toThrow(/ce-subject|aggregate_id/);
  });
});

describe('decodeCloudEvent', () => {
  it('round-trips an encoded event', () => {
    const msg = encodeCloudEvent(recorded(), { region: 'eu-1' });
    expect(decodeCloudEvent(msg)).toEqual({
      specversion: '1.0',
      id: '0b6d4a53-5f5e-4c0e-9c43-0c2f7c1d5f11',
      source: '/contactcenter/eu-1/conversation',
      type: 'contactcenter.conversation.v1.MessagePosted',
      subject: 'c-42',
      time: '2025-05-01T10:11:12.345Z',
      datacontenttype: 'application/json',
      tenantid: 'acme',
      sequence: '3',
      position: '1234',
      data: { messageId: 'm1', text: 'héllo ✓' },
    });
  });

  it('round-trips events whose data is null or a scalar', () => {
    expect(decodeCloudEvent(encodeCloudEvent(recorded({ data: null }), { region: 'x' })).data).toBeNull();
    expect(decodeCloudEvent(encodeCloudEvent(recorded({ data: 7 }), { region: 'x' })).data).toBe(7);
  });

  it('rejects messages that are not CloudEvents', () => {
    expect(() => decodeCloudEvent({ data: new Uint8Array() })).toThrow(/ce-specversion/);
    const h = headers();
    h.set('ce-specversion', '1.0');
    h.set('ce-id', 'x');
    h.set('ce-source', '/s');
    expect(() => decodeCloudEvent({ headers: h, data: new Uint8Array() })).toThrow(/ce-type/);
    h.set('ce-type', 't');
    expect(() => decodeCloudEvent({ headers: h, data: new TextEncoder().encode('{not json') })).toThrow(/JSON/);
  });

  it('names the event type of our CloudEvent types', () => {
    expect(eventTypeOf('contactcenter.conversation.v1.ConversationStarted')).toBe('ConversationStarted');
    expect(eventTypeOf('com.example.other')).toBeUndefined();
  });
});
