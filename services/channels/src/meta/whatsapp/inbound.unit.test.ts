import { ValidationError } from '@contactcenter/infra';
import { parseWhatsAppDelivery } from './inbound';

const phoneNumberId = '106540352242922';
const delivery = (value: Record<string, unknown>, field = 'messages') => ({
  object: 'whatsapp_business_account',
  entry: [
    {
      id: '102290129340398',
      changes: [
        { value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value }, field },
      ],
    },
  ],
});
const message = (m: Record<string, unknown>) =>
  delivery({ contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505551234' }], messages: [{ from: '16505551234', id: 'wamid.A', timestamp: '1749416383', ...m }] });

describe('parseWhatsAppDelivery', () => {
  it('maps a text message to an inbound message on the business number', () => {
    const parsed = parseWhatsAppDelivery(message({ type: 'text', text: { body: 'Does it come in another color?' } }));
    expect(parsed.endpointIds).toEqual([phoneNumberId]);
    expect(parsed.events).toEqual([
      {
        kind: 'message',
        endpointId: phoneNumberId,
        message: {
          channel: 'whatsapp',
          endpointId: phoneNumberId,
          externalMessageId: 'wamid.A',
          from: { identity: 'whatsapp:+16505551234', displayName: 'Sheena Nelson' },
          threadKeys: [`whatsapp:${phoneNumberId}:+16505551234`],
          text: 'Does it come in another color?',
          attachments: [],
          receivedAt: new Date(1749416383 * 1000),
        },
      },
    ]);
  });

  it.each([
    [{ type: 'image', image: { id: '1003383421387256', mime_type: 'image/jpeg', sha256: 'x', caption: 'the red one' } }, '[image] the red one'],
    [{ type: 'document', document: { id: '1', filename: 'invoice.pdf', mime_type: 'application/pdf' } }, '[document: invoice.pdf]'],
    [{ type: 'audio', audio: { id: '1', mime_type: 'audio/ogg' } }, '[audio]'],
    [{ type: 'location', location: { latitude: 53.35, longitude: -6.26, name: 'Shop', address: 'Main St 1' } }, '[location: Shop, Main St 1 (53.35, -6.26)]'],
    [{ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'b1', title: 'Yes please' } } }, 'Yes please'],
    [{ type: 'button', button: { payload: 'STOP', text: 'Stop promotions' } }, 'Stop promotions'],
    [{ type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '👍' } }, '[reaction 👍]'],
    [{ type: 'unsupported', errors: [{ code: 131051 }] }, '[unsupported message]'],
  ])('describes a %j message as text, without attachment content', (m, text) => {
    const [event] = parseWhatsAppDelivery(message(m)).events;
    expect(event).toMatchObject({ kind: 'message', message: { text, attachments: [] } });
  });

  it('skips a withdrawn reaction', () => {
    expect(parseWhatsAppDelivery(message({ type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '' } })).events).toEqual([]);
  });

  it('maps statuses to delivery updates, with the error of a failed one', () => {
    const parsed = parseWhatsAppDelivery(
      delivery({
        statuses: [
          { id: 'wamid.S1', status: 'delivered', timestamp: '1750857384', recipient_id: '16505551234' },
          {
            id: 'wamid.S2',
            status: 'failed',
            timestamp: '1750857385',
            recipient_id: '16505551234',
            errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'More than 24 hours have passed.' } }],
          },
          { id: 'wamid.S3', status: 'deleted', timestamp: '1750857386', recipient_id: '16505551234' },
        ],
      }),
    );
    expect(parsed.events.map((e) => (e.kind === 'delivery' ? e.update : e))).toEqual([
      { channel: 'whatsapp', endpointId: phoneNumberId, externalMessageId: 'wamid.S1', status: 'delivered', at: new Date(1750857384000) },
      {
        channel: 'whatsapp',
        endpointId: phoneNumberId,
        externalMessageId: 'wamid.S2',
        status: 'failed',
        at: new Date(1750857385000),
        detail: 'Re-engagement message (131047): More than 24 hours have passed.',
      },
    ]);
  });

  it('ignores changes that are not about messages', () => {
    const parsed = parseWhatsAppDelivery(delivery({ event: 'APPROVED' }, 'message_template_status_update'));
    expect(parsed).toEqual({ channel: 'whatsapp', endpointIds: [], events: [] });
  });

  it.each([
    ['not an object', 'hello'],
    ['another product', { object: 'page', entry: [] }],
    ['entry not an array', { object: 'whatsapp_business_account', entry: {} }],
    ['no phone number id', { object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { metadata: {} } }] }] }],
    ['a message without id', message({ id: undefined, type: 'text', text: { body: 'x' } })],
    ['a bad timestamp', message({ timestamp: 'yesterday', type: 'text', text: { body: 'x' } })],
    ['a text message without body', message({ type: 'text', text: {} })],
  ])('refuses %s', (_name, body) => {
    expect(() => parseWhatsAppDelivery(body)).toThrow(ValidationError);
  });
});
