/**
 * The body of the Send API, `POST /{version}/me/messages`, for Messenger and
 * Instagram alike: a reply inside the 24-hour window is `RESPONSE`; a human
 * agent's reply later (up to 7 days) is `MESSAGE_TAG` with `HUMAN_AGENT`.
 */
export function pageMessageBody(recipientId: string, text: string, humanAgentTag: boolean): Record<string, unknown> {
  return {
    recipient: { id: recipientId },
    ...(humanAgentTag ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : { messaging_type: 'RESPONSE' }),
    message: { text },
  };
}

/** The mid of the message Meta accepted: `{ recipient_id, message_id }`. */
export function pageMessageId(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const id = (body as { message_id?: unknown }).message_id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
