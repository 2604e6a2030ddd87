import type { ContactCenterClient } from '@contactcenter/client';
import { h } from './dom';
import type { ProblemBanner } from './problems';
import type { Presence } from './types';

const HEARTBEAT_MS = 10_000;
const STATUSES = ['online', 'away', 'offline'] as const;
type Status = (typeof STATUSES)[number];

/**
 * The agent's status (online, away, offline) and this tab's presence: a
 * heartbeat every 10 s while the page is open, so that presence knows the
 * desk is still there (a closed tab stops beating and times out; a tab that
 * closes cleanly says so).
 */
export class PresenceControl {
  readonly element: HTMLElement;
  private readonly select = h('select', { id: 'desk-status', testid: 'desk-status' }, ...STATUSES.map((s) => h('option', { value: s }, s[0]!.toUpperCase() + s.slice(1))));
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The heartbeat failed last time: the banner said so once, not every 10 s. */
  private failing = false;

  constructor(private readonly deps: { client: ContactCenterClient; banner: ProblemBanner; connectionId: string; onPresence?(p: Presence): void }) {
    this.select.addEventListener('change', () => void this.setStatus(this.select.value as Status));
    this.element = h('div', { className: 'field inline' }, h('label', { for: 'desk-status' }, 'My status'), this.select);
  }

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    window.addEventListener('pagehide', () => this.leave());
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async beat(): Promise<void> {
    try {
      this.show(await this.deps.client.POST('/v1/agents/me/heartbeat', { body: { connectionId: this.deps.connectionId } }));
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.deps.banner.show(err, 'Presence heartbeat');
      this.failing = true;
    }
  }

  private async setStatus(status: Status): Promise<void> {
    try {
      this.show(await this.deps.client.PUT('/v1/agents/me/status', { body: { status } }));
    } catch (err) {
      this.deps.banner.show(err, 'Changing your status');
      void this.beat(); // back to what presence says
    }
  }

  private show(presence: Presence): void {
    const status = presence.status;
    if (status && (STATUSES as readonly string[]).includes(status) && document.activeElement !== this.select) this.select.value = status;
    this.deps.onPresence?.(presence);
  }

  /** The tab is going away: this connection ends now rather than at the heartbeat timeout. */
  private leave(): void {
    this.stop();
    void this.deps.client.DELETE('/v1/agents/me/connections/{connectionId}', { params: { path: { connectionId: this.deps.connectionId } } }).catch(() => undefined);
  }
}
