import { gzipSync } from 'node:zlib';

/**
 * The same POST two ways: as the lean `/graphql` path takes it (uncompressed UTF-8 JSON of a declared length),
 * and gzipped, which only the Express path reads. Tests compare the two answers.
 */
export async function postBothWays(url: string, body: string, headers: Record<string, string> = {}) {
  const send = (compressed: boolean) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(compressed ? { 'content-encoding': 'gzip' } : {}),
        ...headers,
      },
      body: compressed ? gzipSync(body) : body,
    });
  return [await send(false), await send(true)] as const;
}
