import { describe, expect, it } from '@jest/globals';
import { channelLabel, deliveryText, laterDelivery, replyWindowOf } from './channelText';
import { messageOf, withDelivery, withMessage } from './messageLog';

describe('channel names', () => {
  it('names the app the customer wrote through, else the channel', () => {
    expect(channelLabel('social', 'whatsapp')).toBe('WhatsApp');
    expect(channelLabel('social', 'instagram')).toBe('Instagram');
    expect(channelLabel('email', 'email')).toBe('Email');
    expect(channelLabel('chat')).toBe('Chat');
    expect(channelLabel('video')).toBe('Video');
    expect(channelLabel(undefined)).toBe('Conversation');
  });
});

describe('delivery statuses in words', () => {
  it('says how far a message got, from REST or event names', () => {
    expect(deliveryText({ status: 'sent' })).toBe('Sent');
    expect(deliveryText({ status: 'DELIVERY_STATUS_DELIVERED' })).toBe('Delivered');
    expect(deliveryText({ status: 'read' })).toBe('Read');
  });

  it('says a failure will be retried, or what the provider said', () => {
    expect(deliveryText({ status: 'failed', willRetry: true, detail: '451 greylisted' })).toBe('Failed — retrying');
    expect(deliveryText({ status: 'failed', detail: 'number not on WhatsApp' })).toBe('Failed: number not on WhatsApp');
    expect(deliveryText({ status: 'bounced', detail: '552 mailbox full' })).toBe('Bounced: 552 mailbox full');
    expect(deliveryText({ status: 'bounced' })).toBe('Bounced');
  });

  it('shows nothing for chat messages or unknown statuses', () => {
    expect(deliveryText(undefined)).toBeUndefined();
    expect(deliveryText({ status: 'unspecified' })).toBeUndefined();
    expect(deliveryText({ status: 'DELIVERY_STATUS_UNSPECIFIED' })).toBeUndefined();
  });

  it('keeps the later report when two cross', () => {
    const sent = { status: 'sent', updatedAt: '2025-03-01T10:00:00Z' };
    const read = { status: 'read', updatedAt: '2025-03-01T10:05:00Z' };
    expect(laterDelivery(read, sent)).toBe(read);
    expect(laterDelivery(sent, read)).toBe(read);
    expect(laterDelivery(read, undefined)).toBe(read);
    expect(laterDelivery(undefined, sent)).toBe(sent);
  });

  it('never loses a known status to a copy of the message without one', () => {
    const withStatus = messageOf({ messageId: 'm-1', authorKind: 'agent', text: 'Hi', revision: 2, delivery: { status: 'delivered', updatedAt: '2025-03-01T10:00:00Z' } })!;
    const bare = messageOf({ messageId: 'm-1', authorKind: 'AUTHOR_KIND_AGENT', text: 'Hi', revision: 2 })!;
    const log = withMessage(withMessage([], withStatus), bare);
    expect(log[0]!.delivery?.status).toBe('delivered');
    const bounced = withDelivery(log, 'm-1', { status: 'DELIVERY_STATUS_BOUNCED', detail: 'mailbox full', updatedAt: '2025-03-01T10:09:00Z' });
    expect(deliveryText(bounced[0]!.delivery)).toBe('Bounced: mailbox full');
    expect(withDelivery(bounced, 'm-1', { status: 'sent', updatedAt: '2025-03-01T09:59:00Z' })[0]!.delivery?.status).toBe('DELIVERY_STATUS_BOUNCED');
  });
});

describe('the reply window', () => {
  const now = Date.parse('2025-03-02T12:00:00Z');
  it('leaves chat and email free', () => {
    expect(replyWindowOf({}, now)).toEqual({ kind: 'free' });
    expect(replyWindowOf({ channelProvider: 'email', replyWindowClosesAt: 'not a time' }, now)).toEqual({ kind: 'free' });
  });

  it('is open until it closes', () => {
    expect(replyWindowOf({ channelProvider: 'whatsapp', replyWindowClosesAt: '2025-03-02T13:00:00Z' }, now)).toEqual({ kind: 'open', closesAt: '2025-03-02T13:00:00Z' });
  });

  it('takes only templates on WhatsApp once closed, and nothing on Messenger or Instagram', () => {
    expect(replyWindowOf({ channelProvider: 'whatsapp', replyWindowClosesAt: '2025-03-01T12:00:00Z' }, now).kind).toBe('template');
    expect(replyWindowOf({ channelProvider: 'messenger', replyWindowClosesAt: '2025-03-01T12:00:00Z' }, now).kind).toBe('closed');
    expect(replyWindowOf({ channelProvider: 'instagram', replyWindowClosesAt: '2025-03-02T12:00:00Z' }, now).kind).toBe('closed');
  });
});
