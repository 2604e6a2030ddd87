import { UnavailableError } from '@contactcenter/infra/errors';
import type { ObjectStore, StoredObject } from './objectStore';
import { checkedKeySegments } from './objectKey';
import { authorizationHeader, sha256Hex, uriEncode } from './sigv4';

export interface S3StoreOptions {
  /** `https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`, ... Path-style addressing: `<endpoint>/<bucket>/<key>`. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Objects in an S3-compatible bucket, signed with SigV4 over plain `fetch` (no SDK). */
export class S3Store implements ObjectStore {
  constructor(
    private readonly options: S3StoreOptions,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async put(key: string, content: Buffer, contentType: string): Promise<{ url: string }> {
    const url = this.urlOf(key);
    const response = await this.request('PUT', url, content, { 'content-type': contentType });
    if (!response.ok) throw await failure('PUT', key, response);
    return { url: url.href };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const response = await this.request('GET', this.urlOf(key), Buffer.alloc(0), {});
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failure('GET', key, response);
    return { content: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }

  private urlOf(key: string): URL {
    const path = [this.options.bucket, ...checkedKeySegments(key)].map(uriEncode).join('/');
    return new URL(`${this.options.endpoint.replace(/\/$/, '')}/${path}`);
  }

  private async request(method: string, url: URL, body: Buffer, extra: Record<string, string>): Promise<Response> {
    const amzDate = this.now().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const payloadSha256 = sha256Hex(body);
    const headers: Record<string, string> = { host: url.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadSha256, ...extra };
    const { accessKeyId, secretAccessKey, region } = this.options;
    headers.authorization = authorizationHeader({ method, url, headers, payloadSha256, region, service: 's3', accessKeyId, secretAccessKey, amzDate });
    const { host: _host, ...sent } = headers;
    try {
      return await fetch(url, { method, headers: sent, body: method === 'GET' ? undefined : body });
    } catch (err) {
      throw new UnavailableError(`object store ${url.host} unreachable`, { cause: err });
    }
  }
}

/** S3 answers errors as XML `<Error><Code>…</Code><Message>…</Message></Error>`. */
async function failure(method: string, key: string, response: Response): Promise<Error> {
  const text = await response.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? String(response.status);
  const message = `object store ${method} ${key}: ${response.status} ${code}`;
  return response.status >= 500 || response.status === 429 ? new UnavailableError(message) : new Error(message);
}
