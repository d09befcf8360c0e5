import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApolloGateway, type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { jwtVerify } from 'jose';
import {
  ANONYMOUS,
  IDENTITY_HEADER,
  type Identity,
  loadSecrets,
  resolveDataDir,
  signIdentity,
  stopOnSignals,
} from '../../subgraphs/contract/index.ts';

/**
 * The benchmark's baseline: plain `@apollo/gateway` + `@apollo/server` (standalone) on the committed supergraph,
 * doing only what the subgraphs require to answer. For each subgraph fetch it signs the caller's identity (the
 * bearer token verified with jose and the graph's secret; anonymous without one). No authorization, limits, logs,
 * metrics, circuit breakers or timeouts, no deduplication, no caching beyond Apollo's defaults.
 *
 * `node --import tsx test/bench/plain-gateway.ts --port N --data-dir D`, told where each subgraph listens by
 * `LIFEGRAPH_<NAME>_PORT`, as our gateway is; prints `plain-gateway http://localhost:PORT/graphql` when ready.
 */
const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, 'data-dir': { type: 'string' } } });
const secrets = loadSecrets(resolveDataDir(values['data-dir']));
const jwtKey = new TextEncoder().encode(secrets.jwtSecret);
const supergraph = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');

interface Context {
  identity: Identity;
}

/** The caller's identity from `Authorization: Bearer <user JWT>`, with the claims our user tokens carry. */
async function identityOf(authorization: string | undefined): Promise<Identity> {
  if (!authorization?.startsWith('Bearer ')) return ANONYMOUS;
  const { payload } = await jwtVerify(authorization.slice('Bearer '.length), jwtKey, { algorithms: ['HS256'] });
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  const merchantIds = Array.isArray(payload.merchant_ids) ? (payload.merchant_ids as string[]) : [];
  return { kind: 'user', subject: payload.sub ?? null, scopes: scope, merchantIds };
}

/** Where a subgraph listens: its `LIFEGRAPH_<NAME>_PORT`, whatever the supergraph file says. */
function subgraphUrl(name: string, url: string | undefined): string {
  const port = process.env[`LIFEGRAPH_${name.toUpperCase()}_PORT`];
  const parsed = new URL(url ?? `http://localhost/graphql`);
  if (port) parsed.port = port;
  return parsed.toString();
}

class SigningDataSource extends RemoteGraphQLDataSource<Context> {
  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<Context>) {
    // Schema loading and health checks have no request context: they go out as anonymous.
    const identity = (context as Partial<Context>).identity ?? ANONYMOUS;
    request.http?.headers.set(IDENTITY_HEADER, await signIdentity(identity, secrets.subgraphSecret));
  }
}

const server = new ApolloServer<Context>({
  gateway: new ApolloGateway({
    // Plain Apollo Gateway refuses supergraphs whose SECURITY features (@authenticated, @requiresScopes) it does
    // not enforce; the baseline does no authorization, so the links lose that purpose.
    supergraphSdl: supergraph.replace(/,\s*for:\s*SECURITY/g, ''),
    buildService: ({ name, url }) => new SigningDataSource({ url: subgraphUrl(name, url) }),
  }),
  // The benchmark stops it like a part of npm start (see stopOnSignals).
  stopOnTerminationSignals: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(values.port) },
  context: async ({ req }) => ({ identity: await identityOf(req.headers.authorization) }),
});
console.log(`plain-gateway ${url.replace(/\/$/, '')}/graphql`);
stopOnSignals(() => server.stop());
