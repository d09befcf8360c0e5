import { linkedToStop } from './abort.ts';
import { ANONYMOUS, IDENTITY_HEADER, signIdentity } from './identity.ts';

/** The internal path a publisher serves its outbox on (subgraphs/shared/events/endpoint.ts). */
export const EVENTS_PATH = '/events';

/**
 * The signature of a pull: the gateway→subgraph identity token (identity.ts), with the shared subgraph secret,
 * bound to the exact request target (`/events?after=...`), so a captured header reads nothing else.
 */
export function signEventsRequest(target: string, secret: string): string {
  return signIdentity(ANONYMOUS, secret, `GET ${target}`);
}

export interface EventsPull {
  publisher: string;
  /** The publisher's base URL (`http://host:port`). */
  origin: string;
  after: number;
  limit: number;
  /** How long the publisher may hold the pull while it has nothing new (0: answer at once). */
  waitMs: number;
  secret: string;
  /** Aborts the pull in flight (the puller is stopping). */
  stop: AbortSignal;
}

/**
 * One long poll of a publisher's `GET /events`, as the subgraphs' consumers and the gateway's live feed make it.
 * `early` says the answer came back empty before half its wait was up: something between did not hold the poll,
 * and a puller that went again at once would spin (thousands of pulls a second), so it pauses first.
 */
export async function pullEvents<Page extends { events: unknown[] }>(
  pull: EventsPull,
): Promise<{ page: Page; early: boolean }> {
  const target = `${EVENTS_PATH}?after=${pull.after}&limit=${pull.limit}&wait=${pull.waitMs}`;
  const startedAt = Date.now();
  const page = await linkedToStop(pull.stop, async (signal) => {
    const response = await fetch(new URL(target, pull.origin), {
      headers: { [IDENTITY_HEADER]: signEventsRequest(target, pull.secret) },
      signal,
    });
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new Error(`${pull.publisher} answered ${response.status} to ${target}: ${text.slice(0, 300)}`);
    }
    return (await response.json()) as Page;
  });
  return { page, early: page.events.length === 0 && Date.now() - startedAt < pull.waitMs / 2 };
}
