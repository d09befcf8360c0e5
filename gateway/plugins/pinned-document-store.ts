import type { DocumentStore } from '@apollo/server';
import type { DocumentNode } from 'graphql';

/** What Apollo Server's default document store holds: 30 MiB of documents, measured as their JSON. */
export const DEFAULT_DOCUMENT_STORE_BYTES = 30 * 2 ** 20;

/**
 * Apollo Server's document store (parsed and validated documents, by `<schema hash>:<query hash>`) with some
 * documents pinned: once parsed and validated, a document whose query hash `isPinned` is never evicted, so it is
 * never parsed or validated again and stays the same object (the per-operation caches of limits, costs and
 * authorization are keyed by that object). Every other document goes into a least-recently-used cache bounded
 * as Apollo's default is, so a flood of one-off documents cannot push the pinned ones out.
 */
export class PinnedDocumentStore implements DocumentStore {
  private readonly pinned = new Map<string, DocumentNode>();
  /** In order of use, least recent first (Map iteration is insertion order; a hit re-inserts). */
  private readonly recent = new Map<string, { document: DocumentNode; bytes: number }>();
  private recentBytes = 0;

  constructor(
    private readonly isPinned: (queryHash: string) => boolean,
    private readonly maxBytes = DEFAULT_DOCUMENT_STORE_BYTES,
  ) {}

  /** Pinned documents held (one per listed document that has been requested, per schema). */
  get pinnedCount(): number {
    return this.pinned.size;
  }

  /**
   * Drops every document of another schema than the one whose hash is `schemaHash` (Apollo's key prefix: the
   * sha256 of the printed API schema). After a supergraph swap they can never be asked for again, and pinned
   * ones would otherwise stay for good.
   */
  retainSchema(schemaHash: string): void {
    const prefix = `${schemaHash}:`;
    for (const key of this.pinned.keys()) if (!key.startsWith(prefix)) this.pinned.delete(key);
    for (const [key, entry] of this.recent) {
      if (key.startsWith(prefix)) continue;
      this.recent.delete(key);
      this.recentBytes -= entry.bytes;
    }
  }

  async get(key: string): Promise<DocumentNode | undefined> {
    const pinned = this.pinned.get(key);
    if (pinned) return pinned;
    const entry = this.recent.get(key);
    if (!entry) return undefined;
    this.recent.delete(key);
    this.recent.set(key, entry);
    return entry.document;
  }

  async set(key: string, document: DocumentNode): Promise<void> {
    // Apollo prefixes the query hash with the schema's hash and a colon.
    if (this.isPinned(key.slice(key.lastIndexOf(':') + 1))) {
      this.pinned.set(key, document);
      return;
    }
    await this.delete(key);
    // Apollo's own measure (InMemoryLRUCache.sizeCalculation): paid once per document parsed, as Apollo pays it.
    const bytes = Buffer.byteLength(JSON.stringify(document), 'utf8');
    if (bytes > this.maxBytes) return;
    this.recent.set(key, { document, bytes });
    this.recentBytes += bytes;
    for (const [oldest, entry] of this.recent) {
      if (this.recentBytes <= this.maxBytes) break;
      this.recent.delete(oldest);
      this.recentBytes -= entry.bytes;
    }
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.recent.get(key);
    if (entry) {
      this.recent.delete(key);
      this.recentBytes -= entry.bytes;
    }
    return this.pinned.delete(key) || entry !== undefined;
  }
}
