/**
 * Fetching the files customers send on messaging apps, against a local
 * server that speaks the Cloud API's media endpoints (media id → URL → bytes).
 */
import { FakeGraphApi } from '../../../../test/support/fakeGraphApi';
import type { ChannelEndpoint } from '../channel/adapter';
import { MediaFetcher, MediaFetchError } from './mediaFetcher';

const TOKEN = 'EAAG-media-token';
let graph: FakeGraphApi;
let media: MediaFetcher;
const endpoint: ChannelEndpoint = { tenantId: 't1', channel: 'whatsapp', endpointId: '106540352242922', queueId: '', appSecret: 's', accessToken: TOKEN };

beforeAll(async () => {
  graph = await FakeGraphApi.start({ tokens: [TOKEN] });
  media = new MediaFetcher({ graphApiUrl: graph.url, maxBytes: 1024 });
});
afterAll(async () => {
  await graph?.stop();
});

describe('MediaFetcher', () => {
  it('fetches a WhatsApp file by media id with the endpoint\'s token, with its type', async () => {
    const photo = Buffer.from('\xff\xd8\xff\xe0 a small jpeg');
    const mediaId = graph.addMedia(photo, 'image/jpeg');
    const file = await media.fetch(endpoint, { source: 'graph', mediaId, name: 'image' });
    expect(file).toEqual({ name: 'image', contentType: 'image/jpeg', content: photo });
    expect(graph.requests.filter((r) => r.method === 'GET').map((r) => [r.path, r.authorization])).toEqual([
      [`/v21.0/${mediaId}`, `Bearer ${TOKEN}`],
      [`/media/${mediaId}`, `Bearer ${TOKEN}`],
    ]);
  });

  it('refuses a file over the size limit, an unknown media id, a wrong token, and a URL off Meta\'s media hosts', async () => {
    const big = graph.addMedia(Buffer.alloc(2048, 1), 'video/mp4');
    await expect(media.fetch(endpoint, { source: 'graph', mediaId: big, name: 'video' })).rejects.toThrow(/over 1024/);
    await expect(media.fetch(endpoint, { source: 'graph', mediaId: '42', name: 'image' })).rejects.toThrow(MediaFetchError);
    const known = graph.addMedia(Buffer.from('x'), 'image/png');
    await expect(media.fetch({ ...endpoint, accessToken: 'wrong' }, { source: 'graph', mediaId: known, name: 'image' })).rejects.toThrow(/answered 401/);
    const before = graph.requests.length;
    // Not dialled at all: neither an address of ours nor another host a delivery might name.
    await expect(media.fetch(endpoint, { source: 'url', url: 'http://169.254.169.254/latest/meta-data', name: 'image-1' })).rejects.toThrow(/not one of Meta's media hosts/);
    await expect(media.fetch(endpoint, { source: 'url', url: 'https://files.example.com/a.png', name: 'image-1' })).rejects.toThrow(/not one of Meta's media hosts/);
    expect(graph.requests.length).toBe(before);
  });
});
