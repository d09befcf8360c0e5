/** Origins that may call the gateway from a browser in development: Apollo Sandbox and Studio. */
const STUDIO_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];
/** Any port on the loopback names: a frontend in development (`localhost:3000`, Vite's 5173) runs there. */
const LOCAL_ORIGINS = [/^http:\/\/localhost(?::\d{1,5})?$/, /^http:\/\/127\.0\.0\.1(?::\d{1,5})?$/];

/** An allowed browser origin: exactly `scheme://host[:port]`, or a pattern the whole origin must match. */
export type CorsOrigin = string | RegExp;

export const CORS_ORIGINS_ENV = 'LIFEGRAPH_CORS_ORIGINS';

/**
 * Answer headers a browser script may read besides the CORS-safelisted ones (content-type, cache-control, ...):
 * the request id to quote in a bug report, and the rate-limit state to back off by (RateLimit, RateLimit-Policy,
 * Retry-After). Without this list `fetch` in a page sees them as absent.
 */
export const EXPOSED_HEADERS = ['x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after'] as const;

/** The `cors` middleware's options for `origins`: none admitted when the list is empty. */
export function corsOptions(origins: CorsOrigin[]) {
  return origins.length === 0
    ? { origin: false }
    : { origin: origins, credentials: true, exposedHeaders: [...EXPOSED_HEADERS] };
}

/** What the lean /graphql path adds to each answer so it matches `corsOptions` (its own code sets the origin). */
export function exposedHeaders(origins: readonly CorsOrigin[]): Record<string, string> {
  return origins.length === 0 ? {} : { 'access-control-expose-headers': EXPOSED_HEADERS.join(',') };
}

/**
 * The browser origins the gateway admits (with credentials): `LIFEGRAPH_CORS_ORIGINS` (comma-separated, in every
 * mode) and, in development, Apollo Studio and every http://localhost / http://127.0.0.1 port. Production admits
 * only what is listed; none listed, no browser origin at all. A listed value that is not an origin throws, naming
 * the variable: a typo would otherwise lock the frontend out without a word.
 */
export function corsOriginsFromEnv(production: boolean, env: NodeJS.ProcessEnv = process.env): CorsOrigin[] {
  const listed = parseOrigins(env[CORS_ORIGINS_ENV] ?? '');
  return production ? listed : [...STUDIO_ORIGINS, ...LOCAL_ORIGINS, ...listed];
}

/** `https://app.example.com,http://localhost:3000` as a list, each checked to be what a browser sends as Origin. */
export function parseOrigins(text: string): string[] {
  const origins = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!isOrigin(origin)) {
      throw new Error(
        `${CORS_ORIGINS_ENV} has "${origin}", which is not an origin: list origins as scheme://host[:port], ` +
          'comma-separated, without a path or trailing slash (e.g. https://app.example.com,http://localhost:3000).',
      );
    }
  }
  return origins;
}

/** Whether `text` is an origin exactly as a browser sends it (lower-case host, no default port, no path). */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}

/** Whether a request's Origin is admitted, as the cors middleware decides it for the same list. */
export function originAllowed(origins: readonly CorsOrigin[], origin: string): boolean {
  return origins.some((allowed) => (typeof allowed === 'string' ? allowed === origin : allowed.test(origin)));
}
