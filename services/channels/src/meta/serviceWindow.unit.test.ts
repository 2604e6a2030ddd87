import { HUMAN_AGENT_WINDOW_MS, SERVICE_WINDOW_MS, sendPolicy, serviceWindow } from './serviceWindow';

const last = new Date('2025-03-10T12:00:00.000Z');
const at = (ms: number) => new Date(last.getTime() + ms);

describe('serviceWindow', () => {
  it('is open until exactly 24 hours after the customer wrote, and closed from that instant', () => {
    expect(serviceWindow(last, last)).toEqual({ open: true, closesAt: at(SERVICE_WINDOW_MS) });
    expect(serviceWindow(last, at(SERVICE_WINDOW_MS - 1))).toEqual({ open: true, closesAt: at(SERVICE_WINDOW_MS) });
    expect(serviceWindow(last, at(SERVICE_WINDOW_MS))).toEqual({ open: false, closedAt: at(SERVICE_WINDOW_MS) });
  });

  it('is closed when the customer never wrote', () => {
    expect(serviceWindow(undefined, last)).toEqual({ open: false });
  });
});

describe('sendPolicy', () => {
  it('WhatsApp: free text inside the window, only a template outside it or before any customer message', () => {
    expect(sendPolicy('whatsapp', last, at(SERVICE_WINDOW_MS - 1)).kind).toBe('free_text');
    expect(sendPolicy('whatsapp', last, at(SERVICE_WINDOW_MS))).toEqual({ kind: 'template_only' });
    expect(sendPolicy('whatsapp', last, at(30 * SERVICE_WINDOW_MS))).toEqual({ kind: 'template_only' });
    expect(sendPolicy('whatsapp', undefined, last)).toEqual({ kind: 'template_only' });
  });

  it.each(['messenger', 'instagram'] as const)('%s: free text for 24 hours, HUMAN_AGENT until 7 days, then refused', (channel) => {
    expect(sendPolicy(channel, last, at(SERVICE_WINDOW_MS - 1)).kind).toBe('free_text');
    expect(sendPolicy(channel, last, at(SERVICE_WINDOW_MS))).toEqual({ kind: 'human_agent_tag', closesAt: at(HUMAN_AGENT_WINDOW_MS) });
    expect(sendPolicy(channel, last, at(HUMAN_AGENT_WINDOW_MS - 1)).kind).toBe('human_agent_tag');
    expect(sendPolicy(channel, last, at(HUMAN_AGENT_WINDOW_MS))).toEqual({ kind: 'refused', reason: 'human_agent_window_closed' });
    expect(sendPolicy(channel, undefined, last)).toEqual({ kind: 'refused', reason: 'no_customer_message' });
  });

  it('a customer message "from the future" (clock skew) keeps the window open', () => {
    expect(sendPolicy('messenger', at(60_000), last).kind).toBe('free_text');
  });
});
