import type { Request, Response } from 'express';
import { EVENTS_PATH, signEventsRequest } from '../../contract/events-pull.ts';
import { IDENTITY_HEADER, verifyIdentity } from '../../contract/identity.ts';
import type { SyncSqlite } from '../idempotency.ts';
import { latestPosition, onEventRecorded, readEvents } from './outbox.ts';
import type { DeliveredEvent, Publisher } from './types.ts';

// Where pulls go and how they are signed are the contract's, shared with the gateway's live feed.
export { EVENTS_PATH, signEventsRequest };

export const MAX_EVENTS_LIMIT = 1000;
export const MAX_WAIT_MS = 30_000;
/** How often a waiting pull re-reads the outbox, for events written by other processes (workers, the seed, CLIs). */
const POLL_MS = 200;

/** What `GET /events` answers: the events after the cursor, and the publisher's last position (for lag). */
export interface EventsPage {
  events: DeliveredEvent[];
  latest: number;
}

function refuse(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** `name` as a whole number from `min` to `max` (`fallback` when absent), or null after answering 400. */
function intParam(req: Request, res: Response, name: string, fallback: number, max: number): number | null {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isSafeInteger(value) && value <= max) return value;
  refuse(res, 400, 'BAD_USER_INPUT', `${name} must be a whole number from 0 to ${max}; got ${JSON.stringify(raw)}.`);
  return null;
}

/**
 * `GET /events?after=<position>&limit=<n>&wait=<ms>`: the publisher's outbox events after `after`, oldest first, at
 * most `limit` (default 100). With none yet, the answer waits up to `wait` ms (default 0, at most 30 s) for the
 * first one. Only for other subgraphs: a request without a valid signature is 401.
 */
export function eventsHandler(publisher: Publisher, db: SyncSqlite, secret: string) {
  // Pulls waiting for an event; answered at once when the process stops, before its connection closes.
  const waiting = new Set<() => void>();
  let closed = false;
  const handler = (req: Request, res: Response) => {
    if (closed)
      return refuse(res, 503, 'UNAVAILABLE', 'This subgraph is stopping: pull again from another one, or later.');
    const token = req.headers[IDENTITY_HEADER];
    try {
      if (typeof token !== 'string') throw new Error('unsigned');
      verifyIdentity(token, secret, `GET ${req.originalUrl}`);
      // verifyIdentity checks a body binding only when the token has one: a pull's token must have it.
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
      if (typeof claims?.bdy !== 'string') throw new Error('not bound to this request');
    } catch {
      return refuse(
        res,
        401,
        'UNAUTHENTICATED',
        `${EVENTS_PATH} is internal: only lifegraph subgraphs may read it, with ${IDENTITY_HEADER} signed with the subgraph secret for this exact URL.`,
      );
    }
    const after = intParam(req, res, 'after', 0, Number.MAX_SAFE_INTEGER);
    const limit = after === null ? null : intParam(req, res, 'limit', 100, MAX_EVENTS_LIMIT);
    const wait = limit === null ? null : intParam(req, res, 'wait', 0, MAX_WAIT_MS);
    if (after === null || limit === null || wait === null) return;
    if (limit === 0) return refuse(res, 400, 'BAD_USER_INPUT', `limit must be from 1 to ${MAX_EVENTS_LIMIT}.`);
    const answer = () => {
      const events = readEvents(db, publisher, after, limit);
      if (events.length === 0 && !done()) return false;
      finish();
      res.json({ events, latest: Math.max(latestPosition(db), events.at(-1)?.position ?? 0) } satisfies EventsPage);
      return true;
    };
    const deadline = Date.now() + wait;
    const done = () => Date.now() >= deadline || res.destroyed;
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe = () => {};
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      waiting.delete(stop);
    };
    const stop = () => {
      finish();
      refuse(res, 503, 'UNAVAILABLE', 'This subgraph is stopping: pull again from another one, or later.');
    };
    if (answer()) return;
    const retry = () => {
      if (res.destroyed) return finish();
      // Outside the request's handler (a timer, an event listener) a failing read (a damaged database) would be an
      // uncaught exception: answer it as the handler's errors are answered, and stop waiting.
      let answered: boolean;
      try {
        answered = answer();
      } catch (error) {
        finish();
        return refuse(res, 500, 'INTERNAL_SERVER_ERROR', `Could not read the outbox: ${(error as Error).message}`);
      }
      if (!answered) timer = setTimeout(retry, Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    };
    unsubscribe = onEventRecorded(() => {
      clearTimeout(timer);
      retry();
    });
    res.once('close', finish);
    waiting.add(stop);
    timer = setTimeout(retry, Math.min(POLL_MS, wait));
  };
  return {
    handler,
    /** Answers every waiting pull (503) and refuses new ones: the process is stopping. */
    close: () => {
      closed = true;
      for (const stop of [...waiting]) stop();
    },
  };
}
