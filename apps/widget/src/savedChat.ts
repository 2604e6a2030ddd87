/** What survives a page reload in this tab: the visitor session, the conversation and where the socket got to. */
export interface SavedChat {
  session?: { token: string; customerId: string; expiresAt: number };
  conversationId?: string;
  /** The last event position the widget handled: the socket resumes after it. */
  position?: number;
  language?: string;
  /** Messages typed but not yet accepted by the gateway, in order: sent again, with the same ids, after a reload. */
  outbox?: { clientMessageId: string; text: string; language: string }[];
  /** Whether the panel was open. */
  open?: boolean;
  /** Surveys answered in this tab. */
  answeredSurveys?: string[];
}

/**
 * The widget's state in sessionStorage, one entry per widget key. A page that
 * blocks storage (privacy settings, sandboxed frames) still gets a working
 * chat, only without resume across reloads.
 */
export class SavedChatStore {
  private readonly key: string;
  private memory: SavedChat = {};

  constructor(widgetKey: string, private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = safeSessionStorage()) {
    this.key = `cc-widget:${widgetKey}`;
    try {
      const raw = this.storage?.getItem(this.key);
      if (raw) this.memory = JSON.parse(raw) as SavedChat;
    } catch {
      this.memory = {};
    }
  }

  get(): SavedChat {
    return this.memory;
  }

  update(change: Partial<SavedChat>): void {
    this.memory = { ...this.memory, ...change };
    for (const k of Object.keys(this.memory) as (keyof SavedChat)[]) if (this.memory[k] === undefined) delete this.memory[k];
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.memory));
    } catch {
      // full or blocked: the chat goes on without resume
    }
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}
