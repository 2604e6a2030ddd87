import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { S3Store } from './s3Store';

/**
 * A bucket that answers like S3: it recomputes the SigV4 signature from the
 * request as it arrived (its own implementation, not the store's), checks the
 * payload hash and the clock skew, and answers S3's XML errors.
 */
const credentials = { accessKeyId: 'AKIDTESTCHANNELS', secretAccessKey: 'test/secret+key' };
const objects = new Map<string, { body: Buffer; type: string }>();
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const error = verify(req, body);
    if (error) {
      res.writeHead(403, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${error}</Code><Message>denied</Message></Error>`);
      return;
    }
    const path = req.url!.split('?')[0]!;
    if (req.method === 'PUT') {
      objects.set(path, { body, type: req.headers['content-type'] ?? 'binary/octet-stream' });
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` }).end();
    } else if (req.method === 'GET') {
      const object = objects.get(path);
      if (!object) res.writeHead(404, { 'content-type': 'application/xml' }).end('<Error><Code>NoSuchKey</Code></Error>');
      else res.writeHead(200, { 'content-type': object.type }).end(object.body);
    } else res.writeHead(405).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function verify(req: IncomingMessage, body: Buffer): string | undefined {
  const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (!auth) return 'AuthorizationHeaderMalformed';
  const [, keyId, date, region, signedHeaders, signature] = auth as unknown as string[];
  if (keyId !== credentials.accessKeyId) return 'InvalidAccessKeyId';
  const amzDate = String(req.headers['x-amz-date']);
  if (Math.abs(Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z')) - Date.now()) > 15 * 60_000) return 'RequestTimeTooSkewed';
  const payloadHash = createHash('sha256').update(body).digest('hex');
  if (req.headers['x-amz-content-sha256'] !== payloadHash) return 'XAmzContentSHA256Mismatch';
  const names = signedHeaders!.split(';');
  if (!['host', 'x-amz-date', 'x-amz-content-sha256'].every((n) => names.includes(n))) return 'AccessDenied';
  const [path, query = ''] = req.url!.split('?');
  const canonical = [req.method, path, query, names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join(''), signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  let key: Buffer = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(date!).digest();
  for (const part of [region!, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return createHmac('sha256', key).update(toSign).digest('hex') === signature ? undefined : 'SignatureDoesNotMatch';
}

const store = (secretAccessKey = credentials.secretAccessKey) => new S3Store({ endpoint, bucket: 'attachments', region: 'eu-west-1', accessKeyId: credentials.accessKeyId, secretAccessKey });

describe('S3Store', () => {
  it('puts and gets an object with a signed request, keys encoded once', async () => {
    const { url } = await store().put('t-1/c-9/ab12/invoice 1042 (final).pdf', Buffer.from('%PDF-1.4 bytes'), 'application/pdf');
    expect(url).toBe(`${endpoint}/attachments/t-1/c-9/ab12/invoice%201042%20%28final%29.pdf`);
    expect(objects.has('/attachments/t-1/c-9/ab12/invoice%201042%20%28final%29.pdf')).toBe(true);
    expect(await store().get('t-1/c-9/ab12/invoice 1042 (final).pdf')).toEqual({ content: Buffer.from('%PDF-1.4 bytes'), contentType: 'application/pdf' });
  });

  it('answers undefined for a missing object', async () => {
    expect(await store().get('t-1/none.png')).toBeUndefined();
  });

  it('fails with S3\'s error code when the signature is wrong, storing nothing', async () => {
    await expect(store('wrong-secret').put('t-1/x.txt', Buffer.from('x'), 'text/plain')).rejects.toThrow(/403 SignatureDoesNotMatch/);
    expect(objects.has('/attachments/t-1/x.txt')).toBe(false);
  });

  it('refuses keys that try to leave the bucket before sending anything', async () => {
    await expect(store().put('../other-bucket/x', Buffer.from('x'), 'text/plain')).rejects.toThrow(/key/);
  });
});
