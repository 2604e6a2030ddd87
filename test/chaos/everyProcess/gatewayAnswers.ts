/**
 * Every answer the suite's clients got from the gateway, by status, and the
 * ones the issue forbids: a 5xx other than 503 with `Retry-After` (a
 * temporary fault must say when to come back).
 */
import type { Reply } from '../../bench/e2e/gatewayHttp';

export interface ForbiddenAnswer {
  at: number;
  what: string;
  status: number;
  retryAfter?: string;
  body: string;
}

export class GatewayAnswers {
  /** `<what> <status>` (or `<what> error: <message>`) → count. */
  readonly counts = new Map<string, number>();
  readonly forbidden: ForbiddenAnswer[] = [];
  forbiddenTotal = 0;

  record(what: string, reply: Reply): void {
    this.count(`${what} ${reply.status}`);
    const retryAfter = reply.headers['retry-after'];
    if (reply.status >= 500 && !(reply.status === 503 && retryAfter)) {
      this.forbiddenTotal++;
      if (this.forbidden.length < 50) this.forbidden.push({ at: Date.now(), what, status: reply.status, retryAfter: retryAfter as string | undefined, body: reply.body.slice(0, 300) });
    }
  }

  /** No answer at all (refused connection, reset, timeout): a client retries, nothing forbidden. */
  recordError(what: string, err: Error): void {
    this.count(`${what} error: ${err.message.replace(/\d+/g, 'N').slice(0, 60)}`);
  }

  private count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}
