/**
 * Where attachment bytes live. Messages carry only a URL; the bytes go to
 * a folder (single-node and development) or an S3-compatible bucket.
 *
 * @example
 *   const { url } = await store.put('t-1/c-9/ab12/invoice.pdf', bytes, 'application/pdf');
 *   const object = await store.get('t-1/c-9/ab12/invoice.pdf'); // { content, contentType } | undefined
 */
export interface ObjectStore {
  put(key: string, content: Buffer, contentType: string): Promise<{ url: string }>;
  get(key: string): Promise<StoredObject | undefined>;
}

export interface StoredObject {
  content: Buffer;
  contentType: string;
}
