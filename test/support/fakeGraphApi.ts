/**
 * Meta's Graph API send endpoints in a test process, speaking their wire
 * format: WhatsApp Cloud API `POST /{version}/{phone-number-id}/messages`
 * (answer `{ messaging_product, contacts, messages: [{ id }] }`), the Messenger
 * / Instagram Send API `POST /{version}/me/messages` (answer `{ recipient_id, message_id }`),
 * and errors as `{ error: { message, type, code, error_subcode, fbtrace_id } }`.
 * Every request is recorded; `failNext` makes the next answer an error.
 *
 * Told when a customer last wrote (`setLastInbound`), it applies the
 * customer-service window as Meta does: WhatsApp free text after 24 hours is
 * accepted and then fails with error 131047 in a `failed` status webhook
 * (queued in `statuses`; `windowRefusal: 'response'` answers the error at
 * once instead), and a Messenger reply after 24 hours without the
 * `HUMAN_AGENT` tag, or after 7 days with it, is refused with code 10 / subcode 2018278.
 *
 * Also builds webhook deliveries in Meta's payload format and signs them
 * (`X-Hub-Signature-256`) as Meta does.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RecordedGraphRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface GraphErrorAnswer {
  status: number;
  error: { message: string; type: string; code: number; error_subcode?: number; error_data?: { details: string } };
  retryAfter?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Errors as Meta words them. */
export const graphErrors = {
  rateLimited: (): GraphErrorAnswer => ({
    status: 400,
    error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, error_data: { details: 'Cloud API message throughput has been reached.' } },
  }),
  reEngagement: (): GraphErrorAnswer => ({
    status: 400,
    error: {
      message: 'Re-engagement message',
      type: 'OAuthException',
      code: 131047,
      error_data: { details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
    },
  }),
  invalidToken: (): GraphErrorAnswer => ({
    status: 401,
    error: { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 },
  }),
  serverError: (): GraphErrorAnswer => ({ status: 500, error: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', code: 2 } }),
  outsideMessengerWindow: (): GraphErrorAnswer => ({
    status: 400,
    error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 },
  }),
  invalidParameter: (details: string): GraphErrorAnswer => ({
    status: 400,
    error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, error_data: { details } },
  }),
};

export interface FakeGraphApiOptions {
  /** Tokens accepted; empty or absent accepts any. */
  tokens?: string[];
  now?: () => Date;
  windowRefusal?: 'status' | 'response';
}

export class FakeGraphApi {
  readonly requests: RecordedGraphRequest[] = [];
  /** The message ids answered, in order (`wamid.…` for WhatsApp, `m_…` for Messenger and Instagram). */
  readonly sentIds: string[] = [];
  /** WhatsApp `statuses[]` entries Meta would post to the webhook (failed sends after the window closed). */
  readonly statuses: Record<string, unknown>[] = [];
  private readonly failures: GraphErrorAnswer[] = [];
  /** Media customers sent, by media id: `GET /{version}/{id}` answers where to fetch it, `GET /media/{id}` the bytes. */
  private readonly media = new Map<string, { content: Buffer; mimeType: string }>();
  private readonly lastInbound = new Map<string, Date>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeGraphApiOptions,
  ) {}

  static async start(options: FakeGraphApiOptions = {}): Promise<FakeGraphApi> {
    let fake: FakeGraphApi | undefined;
    const server = createServer((req, res) => void fake?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    fake = new FakeGraphApi(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** A file a customer sent, as WhatsApp keeps it: answers its media id. */
  addMedia(content: Buffer, mimeType: string): string {
    const id = String(1_000_000_000_000_000 + this.media.size);
    this.media.set(id, { content, mimeType });
    return id;
  }

  /** The next request (any endpoint) is answered with this error. */
  failNext(answer: GraphErrorAnswer): void {
    this.failures.push(answer);
  }

  /** When the customer (`to` / PSID / IGSID as Graph sees it) last wrote: turns on the window rules for them. */
  setLastInbound(customerId: string, at: Date): void {
    this.lastInbound.set(customerId, at);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ method: req.method ?? '', path, authorization: req.headers.authorization, body });
    const failure = this.failures.shift();
    if (failure) return sendError(res, failure);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? new URL(req.url ?? '/', this.url).searchParams.get('access_token');
    if (!token || (this.options.tokens?.length && !this.options.tokens.includes(token))) return sendError(res, graphErrors.invalidToken());
    if (req.method === 'GET') return this.mediaRequest(res, path);
    const match = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/.exec(path);
    if (req.method !== 'POST' || !match) {
      return sendError(res, { status: 400, error: { message: `Unknown path components: ${path}`, type: 'OAuthException', code: 2500 } });
    }
    const message = typeof body === 'object' && body !== null ? (body as Record<string, any>) : {};
    if (message.messaging_product === 'whatsapp') return this.whatsApp(res, message);
    return this.page(res, message);
  }

  /** `GET /{version}/{media-id}` (the media's URL, as the Cloud API answers it) and `GET /media/{id}` (its bytes). */
  private mediaRequest(res: ServerResponse, path: string): void {
    const info = /^\/v\d+\.\d+\/(\d+)$/.exec(path);
    const bytes = /^\/media\/(\d+)$/.exec(path);
    const found = this.media.get((info ?? bytes)?.[1] ?? '');
    if (!found) return sendError(res, { status: 400, error: { message: 'Unsupported get request. Object with ID does not exist', type: 'GraphMethodException', code: 100, error_subcode: 33 } });
    if (bytes) {
      res.writeHead(200, { 'content-type': found.mimeType, 'content-length': String(found.content.length) }).end(found.content);
      return;
    }
    const id = info![1]!;
    sendJson(res, 200, { messaging_product: 'whatsapp', url: `${this.url}/media/${id}`, mime_type: found.mimeType, sha256: createHash('sha256').update(found.content).digest('hex'), file_size: found.content.length, id });
  }

  private whatsApp(res: ServerResponse, body: Record<string, any>): void {
    const to = body.to;
    if (typeof to !== 'string' || to === '') return sendError(res, graphErrors.invalidParameter('to is required'));
    if (body.type === 'text' && typeof body.text?.body !== 'string') return sendError(res, graphErrors.invalidParameter('text.body is required'));
    if (body.type === 'template' && (typeof body.template?.name !== 'string' || typeof body.template?.language?.code !== 'string')) {
      return sendError(res, graphErrors.invalidParameter('template.name and template.language.code are required'));
    }
    if (body.type !== 'text' && body.type !== 'template') return sendError(res, graphErrors.invalidParameter(`unsupported type ${String(body.type)}`));
    const id = `wamid.${randomBytes(24).toString('base64')}`;
    if (body.type === 'text' && this.outside(to, DAY_MS)) {
      if (this.options.windowRefusal === 'response') return sendError(res, graphErrors.reEngagement());
      const error = graphErrors.reEngagement().error;
      this.statuses.push({
        id,
        status: 'failed',
        timestamp: String(Math.floor(this.now().getTime() / 1000)),
        recipient_id: to,
        errors: [{ code: error.code, title: error.message, message: error.message, error_data: error.error_data, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }],
      });
    }
    this.sentIds.push(id);
    sendJson(res, 200, { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to.replace(/^\+/, '') }], messages: [{ id }] });
  }

  private page(res: ServerResponse, body: Record<string, any>): void {
    const recipient = body.recipient?.id;
    if (typeof recipient !== 'string' || recipient === '') return sendError(res, graphErrors.invalidParameter('recipient.id is required'));
    if (typeof body.message?.text !== 'string') return sendError(res, graphErrors.invalidParameter('message.text is required'));
    if (body.messaging_type === 'MESSAGE_TAG') {
      if (body.tag !== 'HUMAN_AGENT') return sendError(res, graphErrors.invalidParameter(`unsupported tag ${String(body.tag)}`));
      if (this.outside(recipient, 7 * DAY_MS)) return sendError(res, graphErrors.outsideMessengerWindow());
    } else if (body.messaging_type === 'RESPONSE' || body.messaging_type === 'UPDATE') {
      if (this.outside(recipient, DAY_MS)) return sendError(res, graphErrors.outsideMessengerWindow());
    } else {
      return sendError(res, graphErrors.invalidParameter('messaging_type is required'));
    }
    const id = `m_${randomBytes(24).toString('base64url')}`;
    this.sentIds.push(id);
    sendJson(res, 200, { recipient_id: recipient, message_id: id });
  }

  private outside(customerId: string, windowMs: number): boolean {
    const last = this.lastInbound.get(customerId);
    return last !== undefined && this.now().getTime() >= last.getTime() + windowMs;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));
}

function sendError(res: ServerResponse, answer: GraphErrorAnswer): void {
  const headers: Record<string, string> = answer.retryAfter ? { 'retry-after': answer.retryAfter } : {};
  // Graph says in a header too whether a token is at fault.
  if (answer.error.code === 190) headers['www-authenticate'] = `OAuth "Facebook Platform" "invalid_token" "${answer.error.message}"`;
  sendJson(res, answer.status, { error: { ...answer.error, fbtrace_id: randomBytes(8).toString('base64url') } }, headers);
}

// ---- Webhook deliveries as Meta sends them -------------------------------------------------

/** A delivery body and the headers Meta sends with it, signed with the app secret (or a wrong one, for refusals). */
export function signedWebhook(appSecret: string, payload: unknown): { payload: string; headers: Record<string, string> } {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
  return { payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } };
}

/** POSTs a signed delivery to a webhook URL on loopback, as Meta's servers would. */
export async function postSignedWebhook(url: string, appSecret: string, payload: unknown): Promise<Response> {
  const { payload: body, headers } = signedWebhook(appSecret, payload);
  return fetch(url, { method: 'POST', headers, body });
}

const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));

/** `object: whatsapp_business_account` with one `messages` change for the business number. */
export function whatsAppDelivery(phoneNumberId: string, value: { contacts?: unknown[]; messages?: unknown[]; statuses?: unknown[] }): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          { value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value }, field: 'messages' },
        ],
      },
    ],
  };
}

export function whatsAppText(o: { phoneNumberId: string; from: string; name?: string; id: string; text: string; at?: Date }): unknown {
  return whatsAppDelivery(o.phoneNumberId, {
    contacts: [{ profile: { name: o.name ?? 'Sheena Nelson' }, wa_id: o.from }],
    messages: [{ from: o.from, id: o.id, timestamp: unix(o.at ?? new Date()), type: 'text', text: { body: o.text } }],
  });
}

/** A customer's photo (or document) by media id, with an optional caption, as the Cloud API delivers it. */
export function whatsAppMedia(o: { phoneNumberId: string; from: string; id: string; mediaId: string; mimeType: string; type?: 'image' | 'document'; caption?: string; filename?: string; at?: Date }): unknown {
  const type = o.type ?? 'image';
  return whatsAppDelivery(o.phoneNumberId, {
    contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: o.from }],
    messages: [
      { from: o.from, id: o.id, timestamp: unix(o.at ?? new Date()), type, [type]: { id: o.mediaId, mime_type: o.mimeType, ...(o.caption ? { caption: o.caption } : {}), ...(o.filename ? { filename: o.filename } : {}) } },
    ],
  });
}

export function whatsAppStatus(o: { phoneNumberId: string; id: string; status: string; recipient: string; at?: Date; errors?: unknown[] }): Record<string, unknown> {
  return { id: o.id, status: o.status, timestamp: unix(o.at ?? new Date()), recipient_id: o.recipient, ...(o.errors ? { errors: o.errors } : {}) };
}

/** `object: page` (Messenger) or `object: instagram` with one entry of `messaging[]` events for the page / account. */
export function pageDelivery(channel: 'messenger' | 'instagram', endpointId: string, messaging: unknown[]): unknown {
  return { object: channel === 'messenger' ? 'page' : 'instagram', entry: [{ id: endpointId, time: Date.now(), messaging }] };
}

export function pageText(o: { channel: 'messenger' | 'instagram'; endpointId: string; sender: string; mid: string; text: string; at?: Date }): unknown {
  return pageDelivery(o.channel, o.endpointId, [
    { sender: { id: o.sender }, recipient: { id: o.endpointId }, timestamp: (o.at ?? new Date()).getTime(), message: { mid: o.mid, text: o.text } },
  ]);
}
