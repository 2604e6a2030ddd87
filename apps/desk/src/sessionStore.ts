/**
 * What the desk keeps across a reload of the tab (sessionStorage: per tab,
 * gone when it closes): the token, the real-time position to resume after,
 * unread counts, and this tab's presence connection id.
 */
import type { UnreadBook } from './unread';

const TOKEN = 'desk.token';

const read = (key: string): string | null => {
  try {
    return sessionStorage.getItem(key);
  } catch {
    return null;
  }
};
const write = (key: string, value: string | null): void => {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // Storage refused (private mode, quota): the desk works, a reload starts over.
  }
};

export const savedToken = (): string | null => read(TOKEN);
export const saveToken = (token: string | null): void => write(TOKEN, token);

/** Per signed-in staff member, so that two accounts in one tab never share a position. */
export class StaffStore {
  constructor(private readonly prefix: string) {}

  get position(): number | undefined {
    const v = Number(read(`${this.prefix}.position`));
    return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  }
  set position(value: number | undefined) {
    write(`${this.prefix}.position`, value === undefined ? null : String(value));
  }

  get unread(): UnreadBook {
    try {
      return JSON.parse(read(`${this.prefix}.unread`) ?? '{}') as UnreadBook;
    } catch {
      return {};
    }
  }
  set unread(book: UnreadBook) {
    write(`${this.prefix}.unread`, JSON.stringify(book));
  }

  get openConversation(): string | undefined {
    return read(`${this.prefix}.open`) ?? undefined;
  }
  set openConversation(id: string | undefined) {
    write(`${this.prefix}.open`, id ?? null);
  }

  /** This tab's presence connection: the same across reloads, another in another tab. */
  get connectionId(): string {
    let id = read(`${this.prefix}.connection`);
    if (!id) {
      id = `desk-${randomId().slice(0, 24)}`;
      write(`${this.prefix}.connection`, id);
    }
    return id;
  }
}

/** A random id (idempotency keys, connection ids): a UUID where the browser has one. */
export function randomId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID().replace(/-/g, '');
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
