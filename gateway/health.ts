import { ANONYMOUS, IDENTITY_HEADER, signIdentity } from '../subgraphs/shared/identity.ts';
import type { SupergraphSubgraph } from './supergraph.ts';

export interface Readiness {
  ready: boolean;
  subgraphs: { name: string; url: string; reachable: boolean; error?: string }[];
}

/**
 * Ready = every subgraph answers a signed `{ __typename }` with HTTP 200 within the timeout. Works for any
 * supergraph: a foreign subgraph simply ignores the identity header.
 */
export async function checkSubgraphs(
  subgraphs: SupergraphSubgraph[],
  subgraphSecret: string,
  timeoutMs = 2000,
): Promise<Readiness> {
  const results = await Promise.all(
    subgraphs.map(async ({ name, url }) => {
      try {
        const probe = { query: '{ __typename }' };
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [IDENTITY_HEADER]: await signIdentity(ANONYMOUS, subgraphSecret, probe),
          },
          body: JSON.stringify(probe),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return response.ok
          ? { name, url, reachable: true }
          : { name, url, reachable: false, error: `HTTP ${response.status}` };
      } catch (error) {
        return { name, url, reachable: false, error: (error as Error).message };
      }
    }),
  );
  return { ready: results.every((r) => r.reachable), subgraphs: results };
}
