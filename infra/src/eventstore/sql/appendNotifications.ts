import pg from 'pg';

/** The channel the event store's trigger notifies after every statement that appended events (statements.ts). */
export const APPENDED_CHANNEL = 'es_events_appended';

/** Where notifications of appends come from; `SqlEventStore` wakes its live subscriptions on each. */
export interface AppendNotifications {
  /**
   * Calls `onAppend` after every append committed by anyone, for as long as it is running, with the
   * appending transaction's id when the notification names it (undefined: look, whoever appended).
   */
  start(onAppend: (transactionId?: string) => void): void;
  stop(): Promise<void>;
  /** Whether notifications arrive now (false while reconnecting): subscriptions poll faster when not. */
  readonly listening: boolean;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * PostgreSQL `LISTEN` on one dedicated connection: appends made by other
 * processes (other conversation replicas, a relay of its own) reach the
 * subscriptions of this one at once instead of at the next poll. Polling
 * stays as the fallback: a notification lost while this connection was
 * down delays delivery by one poll interval, never loses an event (the
 * subscription reads the log, the notification only says "look now").
 *
 * @example
 *   const notifications = new PostgresAppendNotifications('postgres://…');
 *   notifications.start(() => console.log('something was appended'));
 */
export class PostgresAppendNotifications implements AppendNotifications {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  listening = false;

  constructor(private readonly url: string) {}

  start(onAppend: (transactionId?: string) => void): void {
    this.stopped = false;
    void this.connect(onAppend);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listening = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(onAppend: (transactionId?: string) => void): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'eventstore-listen', connectionTimeoutMillis: 5_000 });
    this.client = client;
    const retry = () => {
      if (this.client !== client) return; // already handled, or stopped
      this.client = undefined;
      this.listening = false;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** this.failures++);
      this.timer = setTimeout(() => void this.connect(onAppend), delay);
      this.timer.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (n) => {
      // A database migrated by an earlier version notifies without a payload.
      if (n.channel === APPENDED_CHANNEL) onAppend(n.payload || undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${APPENDED_CHANNEL}`);
      if (this.client !== client) return;
      this.listening = true;
      this.failures = 0;
      // Whatever was appended while not listening: look once now.
      onAppend();
    } catch {
      retry();
    }
  }
}
