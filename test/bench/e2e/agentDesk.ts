/**
 * An agent's desk as the bench drives it: online through the gateway with a
 * heartbeat, and a WebSocket on `/v1/realtime` that reports each frame
 * (MessagePosted to the delivery ledger, AgentAssigned to the assignment
 * watch) and resumes after its last position when the socket drops.
 */
import WebSocket from 'ws';
import type { AssignmentWatch } from './assignmentWatch';
import type { DeliveryLedger } from './deliveryLedger';
import type { GatewayHttp } from './gatewayHttp';
import { log } from './progressLog';

const HEARTBEAT_MS = 10_000;
/** Reconnects wait 100 ms, doubling up to 2 s while the gateway is away (a restart takes seconds; no tight loop meanwhile). */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2_000;
const MESSAGE_POSTED = 'contactcenter.conversation.v1.MessagePosted';
const AGENT_ASSIGNED = 'contactcenter.conversation.v1.AgentAssigned';

/** What went wrong on the agents' sockets over the run. */
export class SocketHealth {
  reconnects = 0;
  readonly problems: string[] = [];
}

/** Where a desk reports what its socket sees. */
export interface DeskSinks {
  ledger: Pick<DeliveryLedger, 'onFrame'>;
  assignments: AssignmentWatch;
  health: SocketHealth;
}

type Frame = { type?: string; subject?: string; time?: string; position?: number; data?: { agentId?: string; message?: { clientMessageId?: string } } };

export class AgentDesk {
  private ws: WebSocket | undefined;
  private lastPosition: number | undefined;
  private closing = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private failedReconnects = 0;

  constructor(
    readonly agentId: string,
    readonly token: string,
    private readonly http: GatewayHttp,
    private readonly sinks: DeskSinks,
  ) {}

  /** Online through the gateway as the desk does it: status, then a heartbeat per open connection, every HEARTBEAT_MS. */
  async goOnline(): Promise<void> {
    await this.http.api('PUT', '/v1/agents/me/status', this.token, { status: 'online' });
    const beat = () => this.http.api('POST', '/v1/agents/me/heartbeat', this.token, { connectionId: 'desk' });
    const state = await beat();
    if (state.acceptsWork !== true) throw new Error(`agent ${this.agentId} does not accept work after a heartbeat: ${JSON.stringify(state)}`);
    this.heartbeat = setInterval(() => void beat().catch((err: Error) => log(`heartbeat of ${this.agentId} failed: ${err.message}`)), HEARTBEAT_MS);
    await this.open();
  }

  /** Connects (again after `lastPosition`, as a client that lost its socket resumes) and waits for `ready`. */
  private open(): Promise<void> {
    const { ledger, assignments, health } = this.sinks;
    const url = `${this.http.origin.replace(/^http/, 'ws')}/v1/realtime${this.lastPosition !== undefined ? `?after=${this.lastPosition}` : ''}`;
    const ws = new WebSocket(url, ['cc.realtime.v1', `bearer.${this.token}`]);
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.on('message', (raw) => {
        const at = performance.now();
        const text = String(raw);
        let frame: Frame;
        try {
          frame = JSON.parse(text);
        } catch {
          return health.problems.push(`${this.agentId}: unparsable frame ${text.slice(0, 80)}`);
        }
        if (typeof frame.position === 'number') this.lastPosition = frame.position;
        if (frame.type === 'ready') {
          this.failedReconnects = 0;
          return resolve();
        }
        if (frame.type === MESSAGE_POSTED) return ledger.onFrame(this.agentId, frame.data?.message?.clientMessageId, frame.time, at);
        if (frame.type === AGENT_ASSIGNED && frame.subject && frame.data?.agentId) assignments.onAssigned(frame.subject, frame.data.agentId);
        if (frame.type === 'error') health.problems.push(`${this.agentId}: error frame ${text.slice(0, 200)}`);
      });
      ws.once('error', (err) => reject(err));
      ws.once('unexpected-response', (_req, res) => {
        reject(new Error(`realtime upgrade refused: HTTP ${res.statusCode}`));
        // Handled, ws leaves the attempt pending: end it, so that 'close' schedules the next one.
        ws.terminate();
      });
      ws.on('close', (code, reason) => {
        if (this.closing) return;
        health.reconnects++;
        health.problems.push(`${this.agentId}: socket closed ${code} ${String(reason)}; resumed after ${this.lastPosition}`);
        const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** this.failedReconnects++);
        log(`socket of ${this.agentId} closed (${code} ${String(reason)}): reconnecting after position ${this.lastPosition} in ${delay} ms`);
        // A failed attempt closes too, which schedules the next one.
        setTimeout(() => {
          if (!this.closing) void this.open().catch((err: Error) => health.problems.push(`${this.agentId}: reconnect failed: ${err.message}`));
        }, delay);
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close();
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2_000).unref();
    });
  }
}
