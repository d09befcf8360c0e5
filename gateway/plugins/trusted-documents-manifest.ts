import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The committed manifest, next to the supergraph (`npm run trusted-documents` writes it): what the gateway trusts. */
export const TRUSTED_DOCUMENTS_FILE = fileURLToPath(new URL('../../schema/trusted-documents.json', import.meta.url));

/** Apollo's persisted query manifest format (@apollo/generate-persisted-query-manifest, GraphOS persisted queries). */
export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

/** One listed operation: `id` is the sha256 (hex) of `body`, the exact text a client may send instead of the id. */
export interface TrustedDocument {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

export interface TrustedDocumentsManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  operations: TrustedDocument[];
}

/** A document's id, as APQ computes `sha256Hash`: the sha256 of its text, in lowercase hex. */
export function documentId(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);

/**
 * The operations of a manifest file, checked: its format and version, and each operation's fields, with every id
 * the sha256 of its body (a hand-edited body with a stale id would otherwise be trusted under the wrong id).
 * Throws naming the file and what to do.
 */
export function readTrustedDocuments(file: string = TRUSTED_DOCUMENTS_FILE): TrustedDocument[] {
  const refuse = (problem: string) =>
    new Error(`The trusted documents manifest ${file} ${problem}: regenerate it with \`npm run trusted-documents\`.`);
  let manifest: Partial<TrustedDocumentsManifest>;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw refuse(`cannot be read (${(error as Error).message})`);
  }
  if (manifest?.format !== MANIFEST_FORMAT || manifest.version !== 1 || !Array.isArray(manifest.operations)) {
    throw refuse(`is not an ${MANIFEST_FORMAT} of version 1 with a list of operations`);
  }
  return manifest.operations.map((operation: Partial<TrustedDocument>, index) => {
    const { id, name, type, body } = operation ?? {};
    if (
      typeof body !== 'string' ||
      typeof name !== 'string' ||
      typeof type !== 'string' ||
      !OPERATION_TYPES.has(type)
    ) {
      throw refuse(
        `has an operation (number ${index + 1}) without a name, a body or a type of query, mutation or subscription`,
      );
    }
    if (id !== documentId(body)) throw refuse(`lists ${name} under an id that is not the sha256 of its body`);
    return { id, name, type, body };
  });
}
