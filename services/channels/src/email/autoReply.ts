/**
 * Mail sent by a machine rather than a customer: out-of-office answers,
 * vacation responders, mailing lists. Such mail never starts a conversation,
 * and answering it would start a loop between two robots (RFC 3834).
 */

/** Why `headers` (lower-cased name → unfolded value) mark an automatic message, or undefined for a person's mail. */
export function autoReplyReason(headers: ReadonlyMap<string, string>): string | undefined {
  const autoSubmitted = headers.get('auto-submitted')?.split(';')[0]?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = headers.get('precedence')?.trim().toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'list-id', 'list-unsubscribe']) {
    if (headers.has(name)) return `${name} present`;
  }
  return undefined;
}
