import type { Logger } from '@contactcenter/infra';
import type { InboundSink } from '../channel/adapter';
import { MalformedMailError, parseMail, type MailContext } from './parseMail';

/**
 * The one path every inbound email takes, whether it came over SMTP or from
 * a polled mailbox: classify it, hand it to the sink, and say whether the
 * sender may consider it delivered. `accepted` is only answered once the sink
 * has recorded the message (or knew it already), so nothing is lost when the
 * pipeline is down: the sender retries, or the mail stays unseen in the mailbox.
 */
export type MailIntake =
  | { kind: 'accepted'; handled: 'recorded' | 'duplicate' | 'auto_reply' | 'bounce'; detail: string }
  | { kind: 'refused'; reason: 'malformed' | 'unknown_endpoint' | 'invalid' | 'unavailable'; detail: string };

/** A sender may try a refused mail again later only when the reason is `unavailable`. */
export const isTemporary = (intake: MailIntake) => intake.kind === 'refused' && intake.reason === 'unavailable';

/**
 * @example
 *   const intake = await receiveMail(raw, { endpoints: ['support@shop.example'], receivedAt: new Date() }, sink, logger);
 *   if (intake.kind === 'refused' && intake.reason === 'unavailable') answer451();
 */
export async function receiveMail(raw: Buffer, context: MailContext, sink: InboundSink, logger: Logger): Promise<MailIntake> {
  let mail;
  try {
    mail = await parseMail(raw, context);
  } catch (err) {
    if (err instanceof MalformedMailError) return { kind: 'refused', reason: 'malformed', detail: err.message };
    throw err;
  }
  try {
    switch (mail.kind) {
      case 'auto_reply':
        logger.info({ reason: mail.reason, endpoints: context.endpoints }, 'automatic email dropped');
        return { kind: 'accepted', handled: 'auto_reply', detail: mail.reason };
      case 'bounce':
        await sink.delivery(mail.update);
        return { kind: 'accepted', handled: 'bounce', detail: mail.update.externalMessageId };
      case 'message':
        return await receiveForEach(mail.message, context.endpoints, sink);
    }
  } catch (err) {
    logger.warn({ err, endpoints: context.endpoints }, 'inbound email could not be handed over');
    return { kind: 'refused', reason: 'unavailable', detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * One mail may be addressed to several support addresses; each endpoint
 * receives it. The worst outcome decides the answer to the sender, so a
 * temporary failure makes the sender retry and the sink's duplicate check
 * absorbs the copies already recorded.
 */
async function receiveForEach(
  message: Parameters<InboundSink['receive']>[0],
  endpoints: readonly string[],
  sink: InboundSink,
): Promise<MailIntake> {
  const ordered = [message.endpointId, ...endpoints.filter((e) => e !== message.endpointId)];
  const intakes: MailIntake[] = [];
  for (const endpointId of ordered) {
    const outcome = await sink.receive({ ...message, endpointId });
    intakes.push(
      outcome.kind === 'refused'
        ? { kind: 'refused', reason: outcome.reason, detail: outcome.detail }
        : { kind: 'accepted', handled: outcome.kind, detail: outcome.conversationId },
    );
  }
  // An endpoint removed since RCPT TO does not fail the copies others recorded.
  const rank = (i: MailIntake) => (i.kind === 'accepted' ? 1 : i.reason === 'unavailable' ? 3 : i.reason === 'invalid' ? 2 : 0);
  return intakes.reduce((worst, i) => (rank(i) > rank(worst) ? i : worst));
}
