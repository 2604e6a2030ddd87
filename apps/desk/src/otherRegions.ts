/**
 * The agent's work in other regions (multi-region deployments). With
 * follow-the-sun, a conversation that lives in another region may be
 * assigned to this region's agent. It is read and answered through this
 * region's gateway (which forwards the requests), and the agent's list
 * includes it. The socket carries the assignment live (an AgentAssigned
 * frame with `region`: the desk reads its list again at once, as for this
 * region's), and then that conversation's events while the socket is open,
 * but with no catch-up (`?after=` covers this region's stream only): what
 * happened while the socket was away is read again on a timer.
 */

/** How often the agent's list is read again: catch-up for assignments from other regions and their messages (as unread counts) missed while the socket was away. */
export const OTHER_REGION_LIST_POLL_MS = 10_000;
/** How often the open conversation of another region is read again while in view: its live events come over the socket; this catches up what a reconnect missed. */
export const OTHER_REGION_THREAD_POLL_MS = 15_000;

/** The region the desk connects to, and every region of the deployment. */
export interface FeedRegions {
  region: string;
  regions: readonly string[];
}

/**
 * Whether the live feed misses `conversationId`'s events: it lives in another
 * region (its `homeRegion` as the list says, else its id's prefix when that
 * names a region). Always false with one region (`feed` undefined), and for an
 * id without a region prefix (served where it is asked).
 *
 * @example
 *   missesLiveFeed({ region: 'us', regions: ['us', 'eu'] }, 'eu_3f0c…'); // true
 */
export function missesLiveFeed(feed: FeedRegions | undefined, conversationId: string, homeRegion?: string): boolean {
  if (!feed) return false;
  const end = conversationId.indexOf('_');
  const prefix = end > 0 ? conversationId.slice(0, end) : '';
  const home = homeRegion || (feed.regions.includes(prefix) ? prefix : feed.region);
  return home !== feed.region;
}

/** The agent's list as the gateway answers it in multi-region mode (`region` absent with one region). */
export interface RegionsOfList {
  region?: string;
  regions?: { region?: string; status?: string }[];
}

export interface OtherRegionsDeps {
  /** Reads the agent's list again (which calls `listed`). */
  reloadList(): Promise<void>;
  /** The open conversation, with its home region when the list gives it. */
  openConversation(): { conversationId: string; homeRegion?: string } | undefined;
  refreshOpenConversation(): Promise<void>;
}

/** Polls what the live feed misses, once the agent's list says the deployment has several regions. */
export class OtherRegions {
  feed: FeedRegions | undefined;
  /** The regions whose conversations the last list is missing (they did not answer). */
  missing: string[] = [];
  private timers: ReturnType<typeof setInterval>[] = [];
  private refreshing = false;

  constructor(private readonly deps: OtherRegionsDeps) {}

  /** What the agent's list said about regions; starts polling the first time it names them. */
  listed(list: RegionsOfList): void {
    this.missing = (list.regions ?? []).filter((r) => r.status === 'unavailable').map((r) => r.region ?? '?');
    if (!list.region) return;
    this.feed = { region: list.region, regions: (list.regions ?? []).map((r) => r.region ?? '').filter(Boolean) };
    if (this.timers.length > 0) return;
    this.timers.push(setInterval(() => void this.deps.reloadList(), OTHER_REGION_LIST_POLL_MS));
    this.timers.push(setInterval(() => this.refreshOpen(), OTHER_REGION_THREAD_POLL_MS));
  }

  misses(conversationId: string, homeRegion?: string): boolean {
    return missesLiveFeed(this.feed, conversationId, homeRegion);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private refreshOpen(): void {
    const open = this.deps.openConversation();
    // Only in view: reading it again marks its messages read.
    if (!open || this.refreshing || document.visibilityState !== 'visible' || !this.misses(open.conversationId, open.homeRegion)) return;
    this.refreshing = true;
    void this.deps.refreshOpenConversation().finally(() => (this.refreshing = false));
  }
}
