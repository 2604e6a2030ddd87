import { ValidationError } from '@contactcenter/infra';
import { parsePageDelivery } from './inbound';

const pageId = '682498302938465';
const delivery = (object: string, messaging: unknown[]) => ({ object, entry: [{ id: pageId, time: 1518479195594, messaging }] });
const event = (e: Record<string, unknown>) => ({ sender: { id: 'PSID-1' }, recipient: { id: pageId }, timestamp: 1518479195308, ...e });

describe('parsePageDelivery', () => {
  it('maps a Messenger text message on the page', () => {
    const parsed = parsePageDelivery('messenger', delivery('page', [event({ message: { mid: 'm_1', text: 'hello, world!' } })]));
    expect(parsed.endpointIds).toEqual([pageId]);
    expect(parsed.events).toEqual([
      {
        kind: 'message',
        endpointId: pageId,
        message: {
          channel: 'messenger',
          endpointId: pageId,
          externalMessageId: 'm_1',
          from: { identity: 'messenger:PSID-1' },
          threadKeys: [`messenger:${pageId}:PSID-1`],
          text: 'hello, world!',
          attachments: [],
          receivedAt: new Date(1518479195308),
        },
      },
    ]);
  });

  it('maps an Instagram message with an attachment to text naming its kind', () => {
    const parsed = parsePageDelivery(
      'instagram',
      delivery('instagram', [event({ sender: { id: 'IGSID-9' }, message: { mid: 'aWdf1', attachments: [{ type: 'image', payload: { url: 'https://lookaside.example/x' } }] } })]),
    );
    expect(parsed.events[0]).toMatchObject({
      kind: 'message',
      message: { channel: 'instagram', from: { identity: 'instagram:IGSID-9' }, threadKeys: [`instagram:${pageId}:IGSID-9`], text: '[image]', attachments: [] },
    });
  });

  it('skips echoes of our own messages and deleted ones', () => {
    const parsed = parsePageDelivery('messenger', delivery('page', [
      event({ sender: { id: pageId }, recipient: { id: 'PSID-1' }, message: { mid: 'm_echo', is_echo: true, text: 'our reply' } }),
      event({ message: { mid: 'm_del', is_deleted: true } }),
    ]));
    expect(parsed.events).toEqual([]);
  });

  it('maps a postback to a message with the button title', () => {
    const parsed = parsePageDelivery('messenger', delivery('page', [event({ postback: { title: 'Talk to an agent', payload: 'AGENT', mid: 'm_pb' } })]));
    expect(parsed.events[0]).toMatchObject({ kind: 'message', message: { externalMessageId: 'm_pb', text: 'Talk to an agent' } });
  });

  it('maps delivery receipts per mid and Instagram reads; skips Messenger watermark reads', () => {
    const messenger = parsePageDelivery('messenger', delivery('page', [
      event({ delivery: { mids: ['m_a', 'm_b'], watermark: 1458668856253 } }),
      event({ read: { watermark: 1458668856253 } }),
    ]));
    expect(messenger.events.map((e) => e.kind === 'delivery' && [e.update.externalMessageId, e.update.status])).toEqual([
      ['m_a', 'delivered'],
      ['m_b', 'delivered'],
    ]);
    const instagram = parsePageDelivery('instagram', delivery('instagram', [event({ read: { mid: 'aWdf2' } })]));
    expect(instagram.events).toEqual([
      { kind: 'delivery', endpointId: pageId, update: { channel: 'instagram', endpointId: pageId, externalMessageId: 'aWdf2', status: 'read', at: new Date(1518479195308) } },
    ]);
  });

  it('names no endpoint for an entry without messaging events', () => {
    expect(parsePageDelivery('messenger', { object: 'page', entry: [{ id: pageId, time: 1, changes: [] }] }).endpointIds).toEqual([]);
  });

  it.each([
    ['the other object', 'messenger', delivery('instagram', [])],
    ['an entry without id', 'messenger', { object: 'page', entry: [{ messaging: [event({ message: { mid: 'm', text: 'x' } })] }] }],
    ['an event without sender', 'messenger', delivery('page', [{ timestamp: 1, message: { mid: 'm', text: 'x' } }])],
    ['a message without mid', 'instagram', delivery('instagram', [event({ message: { text: 'x' } })])],
    ['a timestamp that is not a number', 'messenger', delivery('page', [event({ timestamp: 'now', message: { mid: 'm', text: 'x' } })])],
  ] as const)('refuses %s', (_name, channel, body) => {
    expect(() => parsePageDelivery(channel, body)).toThrow(ValidationError);
  });
});
