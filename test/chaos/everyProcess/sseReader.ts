/**
 * An integrator's SSE reader on `GET /v1/events`: every MessagePosted
 * reported to the ledger; when the stream ends or fails it reconnects
 * (100 ms doubling to 2 s) with `Last-Event-ID` set to the last `id:` it read,
 * as a browser's EventSource does. Non-200 answers are recorded with the
 * other gateway answers.
 */
import http from 'node:http';
import type { ChaosLedger } from './chaosLedger';
import type { GatewayAnswers } from './gatewayAnswers';

const MESSAGE_POSTED = 'contactcenter.conversation.v1.MessagePosted';

export class SseReader {
  lastEventId: string | undefined;
  reconnects = 0;
  readonly problems: string[] = [];
  private request: http.ClientRequest | undefined;
  private closing = false;
  private failures = 0;

  constructor(
    private readonly gatewayUrl: string,
    private readonly apiKey: string,
    private readonly ledger: ChaosLedger,
    private readonly answers: GatewayAnswers,
  ) {}

  /** Connects from `after` (a position); resolves once the stream's headers came. */
  open(after: number): Promise<void> {
    this.lastEventId = String(after);
    return new Promise((resolve) => this.connect(resolve));
  }

  close(): void {
    this.closing = true;
    this.request?.destroy();
  }

  private connect(onOpen?: () => void): void {
    if (this.closing) return;
    const url = new URL(`/v1/events?types=${MESSAGE_POSTED}`, this.gatewayUrl);
    const req = http.get(url, { headers: { 'x-api-key': this.apiKey, accept: 'text/event-stream', ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}) } });
    this.request = req;
    let retried = false;
    const retry = (why: string) => {
      if (retried || this.closing) return;
      retried = true;
      this.reconnects++;
      if (this.problems.length < 100) this.problems.push(`${new Date().toISOString().slice(11, 23)} ${why}; resuming after ${this.lastEventId}`);
      const delay = Math.min(2_000, 100 * 2 ** this.failures++);
      setTimeout(() => this.connect(), delay);
    };
    req.on('error', (err) => retry(`error: ${err.message}`));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.answers.record('GET /v1/events', { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers });
          retry(`HTTP ${res.statusCode}`);
        });
        return;
      }
      this.failures = 0;
      onOpen?.();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.onEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('end', () => retry('stream ended'));
      res.on('error', (err) => retry(`stream error: ${err.message}`));
    });
  }

  private onEvent(block: string): void {
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) this.lastEventId = line.slice(4).trim();
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (data === undefined) return;
    try {
      const payload = JSON.parse(data) as { type?: string; data?: { message?: { clientMessageId?: string } } };
      if (payload.type === MESSAGE_POSTED) this.ledger.onSse(payload.data?.message?.clientMessageId);
    } catch {
      this.problems.push(`unparsable SSE data ${data.slice(0, 80)}`);
    }
  }
}
