import type { HubListener } from './hubListener';
import type { InterestKey } from './interest';

/** Told when a key gains its first listener and loses its last (another region's conversations are subscribed to by these). */
export interface KeyWatch {
  opened(key: InterestKey): void;
  closed(key: InterestKey): void;
}

/** One tenant's listeners, indexed by what they follow. */
export class Room {
  readonly index = new Map<InterestKey, Set<HubListener>>();
  /** Listeners reading what they missed: they take every event of the tenant until they are indexed. */
  readonly catchingUp = new Set<HubListener>();
  size = 0;

  constructor(private readonly watch?: KeyWatch) {}

  add(listener: HubListener, keys: Iterable<InterestKey>): void {
    for (const key of keys) {
      let set = this.index.get(key);
      if (!set) {
        this.index.set(key, (set = new Set()));
        this.watch?.opened(key);
      }
      set.add(listener);
    }
  }

  remove(listener: HubListener, keys: Iterable<InterestKey>): void {
    for (const key of keys) {
      const set = this.index.get(key);
      if (!set) continue;
      set.delete(listener);
      if (set.size === 0) {
        this.index.delete(key);
        this.watch?.closed(key);
      }
    }
  }
}
