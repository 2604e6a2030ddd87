/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** The last event id seen on the stream when this event came (`id:` lines, also those of earlier events without data). */
  lastEventId: string;
  event: string;
  data: string;
}

/**
 * An incremental parser of `text/event-stream`, as the HTML standard
 * specifies it: lines end in LF, CRLF or CR; `data:` lines join with LF; an
 * `id:` line sets the last event id even when no event follows (the gateway
 * sends one first, to say where the stream starts); `retry:` sets the
 * reconnection delay; comments (`:`) are ignored. Chunks may split anywhere.
 *
 * @example
 *   const parser = new SseParser();
 *   for (const m of parser.push('id: 7\nevent: x\ndata: {"a":1}\n\n')) handle(m);
 *   parser.lastEventId; // '7'
 */
export class SseParser {
  /** The last `id:` seen, whatever followed it. */
  lastEventId = '';
  /** The last `retry:` the server asked for, in milliseconds. */
  retryMs: number | undefined;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private sawCr = false;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string): SseMessage[] {
    const out: SseMessage[] = [];
    let text = chunk;
    // A CR at the end of the previous chunk already ended its line: a LF starting this one belongs to it.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = text.endsWith('\r');
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line, out);
    return out;
  }

  private line(line: string, out: SseMessage[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ lastEventId: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') });
      this.data = [];
      this.event = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
  }
}
