import { checkEnvironment, fromReader, sharedEnvironment } from '../subgraphs/contract/index.ts';
import { operationCacheSizeFromEnv } from './auth/cache.ts';
import { maxLifetimeFromEnv, tokenCacheFromEnv } from './auth/user-token.ts';
import { adminFromEnv } from './http/admin.ts';
import { compressionThresholdFromEnv } from './http/compression.ts';
import { corsOriginsFromEnv } from './http/cors.ts';
import { limitsFromEnv } from './plugins/limits/index.ts';
import { trustedDocumentsFromEnv } from './plugins/trusted-documents.ts';
import { rateLimitsFromEnv } from './rate-limit/settings.ts';
import { dedupRequestsFromEnv } from './request-dedup.ts';
import { subgraphFetchFromEnv } from './subgraph-fetch/config.ts';
import { dedupSubgraphFetchesFromEnv } from './subgraph-fetch/dedup.ts';
import { supergraphReloadFromEnv } from './supergraph-reload-sources.ts';

/** An http(s) URL, or unset. */
function httpUrl(key: string) {
  return fromReader(key, (env: NodeJS.ProcessEnv) => {
    const raw = env[key]?.trim();
    if (!raw) return;
    let protocol = '';
    try {
      protocol = new URL(raw).protocol;
    } catch {}
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new Error(
        `${key}="${raw}" is not allowed: use an https:// URL (such as the issuer's /.well-known/jwks.json).`,
      );
    }
  });
}

/**
 * Every setting the gateway reads, checked at once before it starts: the shared ones (mode, log level, host, ports,
 * workers) and the gateway's own. The settings read by a reader of their own (limits, rate limits, subgraph fetch,
 * token lifetimes, caches, switches, CORS, compression) are checked by that reader, so each keeps the message it has
 * always given; the readers read the same environment again where the gateway is built.
 */
export const gatewayEnvironment = sharedEnvironment
  .extend({
    LIFEGRAPH_TRUSTED_DOCUMENTS: fromReader('LIFEGRAPH_TRUSTED_DOCUMENTS', (env) =>
      trustedDocumentsFromEnv(false, env),
    ),
    LIFEGRAPH_JWT_JWKS_URL: httpUrl('LIFEGRAPH_JWT_JWKS_URL'),
  })
  // Every variable kept (not only the ones above), for the readers below.
  .loose()
  .superRefine((env, ctx) => {
    const whole = env as NodeJS.ProcessEnv;
    const readers: ((env: NodeJS.ProcessEnv) => unknown)[] = [
      limitsFromEnv,
      rateLimitsFromEnv,
      // These two read process.env itself: the check runs on it.
      () => subgraphFetchFromEnv(),
      () => maxLifetimeFromEnv(),
      tokenCacheFromEnv,
      operationCacheSizeFromEnv,
      dedupRequestsFromEnv,
      dedupSubgraphFetchesFromEnv,
      (e) => corsOriginsFromEnv(false, e),
      compressionThresholdFromEnv,
      (e) => adminFromEnv(false, e),
      supergraphReloadFromEnv,
    ];
    for (const read of readers) {
      try {
        read(whole);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return;
      }
    }
  });

/** Checks every gateway setting in `env`, throwing the first bad one as one line (see `orExitOnBadSetting`). */
export function checkGatewayEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  checkEnvironment(gatewayEnvironment, env);
}
