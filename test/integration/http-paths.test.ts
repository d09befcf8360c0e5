import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestGraph } from '../support/graph.ts';
import { postBothWays } from '../support/lean-path.ts';

// The usual GraphQL POST (uncompressed UTF-8 JSON of a declared length) is served on node:http straight through
// Apollo Server; every other request goes through Express. Both must answer alike.

const graph = useTestGraph();
const STUDIO = 'https://studio.apollographql.com';

/** The answers of the same POST sent both ways (see postBothWays), as the tests compare them. */
async function bothWays(body: string, headers: Record<string, string> = {}) {
  const answers = [];
  for (const response of await postBothWays(graph.gateway.url, body, headers)) {
    answers.push({
      status: response.status,
      body: (await response.text()).replace(/[0-9a-f-]{36}/g, '<id>'),
      type: response.headers.get('content-type'),
      cors: [
        response.headers.get('access-control-allow-origin'),
        response.headers.get('access-control-allow-credentials'),
        response.headers.get('vary'),
      ],
      requestId: response.headers.get('x-request-id') !== null,
      poweredBy: response.headers.get('x-powered-by'),
    });
  }
  return answers;
}

describe('the lean /graphql path and the Express path', () => {
  it.each([
    ['a query', JSON.stringify({ query: '{ merchant(id: "mer_kfc") { id name } }' })],
    ['a query with an error', JSON.stringify({ query: '{ me { id } }' })],
    ['a document that does not parse', JSON.stringify({ query: '{ merchant(' })],
    ['malformed JSON', '{"query": '],
    ['a JSON string', '"x"'],
    ['an empty body', ''],
    ['an empty object', '{}'],
    ['a body with a byte-order mark', `\uFEFF${JSON.stringify({ query: '{ __typename }' })}`],
  ])('answer %s alike, CORS headers included', async (_name, body) => {
    const [lean, express] = await bothWays(body, { origin: STUDIO });
    expect(lean).toEqual(express);
    // A cacheable answer (the query) also varies on Accept and the credentials (see cache-control.test.ts).
    expect(lean?.cors).toEqual([STUDIO, 'true', expect.stringMatching(/^Origin, (.+, )?Accept-Encoding$/)]);
    expect(lean?.poweredBy).toBeNull();
  });

  it('a client that leaves before its body is complete gets nothing, and the gateway goes on serving', async () => {
    const { port } = new URL(graph.gateway.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    const { status, body } = await graph.query('{ merchant(id: "mer_kfc") { id } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { merchant: { id: 'mer_kfc' } } });
  });
});
