import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ObjectStore, StoredObject } from './objectStore';
import { checkedKeySegments } from './objectKey';

/**
 * Objects as files under one folder; the content type sits beside each file.
 * The default store: nothing to set up, fine for one node.
 */
export class LocalFolderStore implements ObjectStore {
  private readonly root: string;

  /** `publicBaseUrl`: where the files are served (`https://files.example/att`); `file://` URLs otherwise. */
  constructor(
    root: string,
    private readonly publicBaseUrl?: string,
  ) {
    this.root = resolve(root);
  }

  async put(key: string, content: Buffer, contentType: string): Promise<{ url: string }> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written aside then renamed, so a reader never sees half a file.
    await writeFile(`${path}.partial`, content);
    await writeFile(`${path}.content-type`, contentType);
    await rename(`${path}.partial`, path);
    const url = this.publicBaseUrl ? `${this.publicBaseUrl.replace(/\/$/, '')}/${checkedKeySegments(key).map(encodeURIComponent).join('/')}` : pathToFileURL(path).href;
    return { url };
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.pathOf(key);
    try {
      const [content, contentType] = await Promise.all([readFile(path), readFile(`${path}.content-type`, 'utf8').catch(() => 'application/octet-stream')]);
      return { content, contentType };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private pathOf(key: string): string {
    const path = join(this.root, ...checkedKeySegments(key));
    // Belt and braces: the checked segments cannot leave the root, and this proves it.
    if (!path.startsWith(this.root + sep)) throw new Error(`object path escapes the store: ${key}`);
    return path;
  }
}
