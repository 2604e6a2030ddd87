import type { ChannelEndpoint, InboundAttachment } from '../channel/adapter';
import type { PendingMedia } from './metaEvents';

export interface MediaFetcherOptions {
  /** Default https://graph.facebook.com. */
  graphApiUrl?: string;
  /** Default v21.0. */
  graphApiVersion?: string;
  /** Larger files are not fetched (the message keeps its label). Default 25 MiB, as for email. */
  maxBytes?: number;
  timeoutMs?: number;
}

/** Hosts Meta serves media from; any other URL in a delivery is not fetched. */
const META_MEDIA_HOSTS = ['.fbcdn.net', '.fbsbx.com', '.facebook.com', '.cdninstagram.com', '.whatsapp.net'];

export class MediaFetchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaFetchError';
  }
}

/**
 * Fetches the files customers send on messaging apps, with the endpoint's
 * access token: WhatsApp by media id (`GET /{version}/{media-id}` answers a
 * short-lived URL, fetched with the same token), Messenger and Instagram by
 * the attachment URL in the delivery. Only Meta's media hosts (or the Graph
 * API's own origin) are fetched, over https unless the Graph API URL itself
 * is http (a local test server), never following redirects elsewhere.
 *
 * @example
 *   const file = await media.fetch(endpoint, { source: 'graph', mediaId: '1013859600285441', name: 'image' });
 */
export class MediaFetcher {
  private readonly graph: URL;
  private readonly version: string;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;

  constructor(options: MediaFetcherOptions = {}) {
    this.graph = new URL(options.graphApiUrl ?? 'https://graph.facebook.com');
    this.version = options.graphApiVersion ?? 'v21.0';
    this.maxBytes = options.maxBytes ?? 25 * 1024 * 1024;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  async fetch(endpoint: ChannelEndpoint, media: PendingMedia): Promise<InboundAttachment> {
    if (!endpoint.accessToken) throw new MediaFetchError(`endpoint ${endpoint.endpointId} has no access token`);
    if (media.source === 'url') return this.download(endpoint.accessToken, media.url, media.name, undefined);
    const info = await this.get(endpoint.accessToken, new URL(`${this.graph.origin}/${this.version}/${encodeURIComponent(media.mediaId)}`));
    let body: { url?: unknown; mime_type?: unknown; file_size?: unknown };
    try {
      body = JSON.parse(info.toString('utf8')) as typeof body;
    } catch (err) {
      throw new MediaFetchError(`media ${media.mediaId}: the Graph API answered no JSON`, { cause: err });
    }
    if (typeof body.url !== 'string') throw new MediaFetchError(`media ${media.mediaId}: the Graph API answered no url`);
    if (typeof body.file_size === 'number' && body.file_size > this.maxBytes) throw new MediaFetchError(`media ${media.mediaId} is ${body.file_size} bytes, over ${this.maxBytes}`);
    const contentType = typeof body.mime_type === 'string' ? body.mime_type : media.contentType;
    return this.download(endpoint.accessToken, body.url, media.name, contentType);
  }

  private async download(token: string, raw: string, name: string, contentType: string | undefined): Promise<InboundAttachment> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (err) {
      throw new MediaFetchError(`not a URL: ${raw.slice(0, 100)}`, { cause: err });
    }
    if (!this.allowed(url)) throw new MediaFetchError(`${url.host} is not one of Meta's media hosts`);
    const content = await this.get(token, url);
    return { name, contentType: contentType ?? 'application/octet-stream', content };
  }

  private allowed(url: URL): boolean {
    if (url.origin === this.graph.origin) return true;
    return url.protocol === 'https:' && META_MEDIA_HOSTS.some((suffix) => url.hostname.endsWith(suffix));
  }

  private async get(token: string, url: URL): Promise<Buffer> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      throw new MediaFetchError(`${url.host}: ${(err as Error).message}`, { cause: err });
    }
    if (!res.ok) throw new MediaFetchError(`${url.host} answered ${res.status}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > this.maxBytes) throw new MediaFetchError(`${url.host}: ${declared} bytes, over ${this.maxBytes}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > this.maxBytes) throw new MediaFetchError(`${url.host}: over ${this.maxBytes} bytes`);
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return Buffer.concat(chunks);
  }
}
