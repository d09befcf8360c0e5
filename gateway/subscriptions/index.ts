import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApolloServer } from '@apollo/server';
import {
  type ExecutionArgs,
  type FormattedExecutionResult,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  parse,
  validate,
} from 'graphql';
import { createHandler as createSseHandler, type HandlerOptions as SseHandlerOptions } from 'graphql-sse/lib/use/http';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import { ANONYMOUS, type Identity } from '../../subgraphs/contract/index.ts';
import type { Authenticator } from '../auth/authenticate.ts';
import { reservedAliases } from '../auth/filter-operation.ts';
import type { GatewayContext } from '../context.ts';
import type { TrustedDocuments } from '../plugins/trusted-documents.ts';
import type { CurrentSupergraph } from '../supergraph-reload.ts';
import type { Publisher } from './backbone.ts';
import { type EventFeed, httpEventFeed, natsEventFeed } from './event-feed.ts';
import { type EndReason, type EventPayload, Hub, type LiveSubscription } from './hub.ts';
import { liveRoomPage } from './live-room.ts';
import { redisEventFeed } from './redis-feed.ts';
import { streamTopic, walletTopic } from './routing.ts';
import { ENTITY_FIELDS, subscriptionSchema } from './schema.ts';
import { ENTITY_ID_VARIABLE, entityQueries } from './selection.ts';
import { DEFAULT_SUBSCRIPTION_SETTINGS, type SubscriptionSettings } from './settings.ts';

export { SUBSCRIPTION_SDL } from './schema.ts';
export { type SubscriptionSettings, subscriptionSettingsFromEnv } from './settings.ts';

export interface LiveSubscriptionsOptions {
  server: ApolloServer<GatewayContext>;
  supergraph: CurrentSupergraph;
  authenticate: Authenticator;
  subgraphSecret: string;
  registry: Registry;
  logger: Logger;
  clientAddress: (req: IncomingMessage) => string;
  settings?: SubscriptionSettings;
  /** NATS servers (LIFEGRAPH_NATS_URL): events come from JetStream instead of each publisher's /events. */
  natsServers?: string[];
  natsPrefix?: string;
  /** Without NATS: one gateway process pulls the backbone and fans events out to the others through Redis. */
  redisUrl?: string;
  redisPrefix?: string;
  /** The gateway's trusted documents: in enforce mode callers without an API key subscribe with listed ones only. */
  trusted?: Pick<TrustedDocuments, 'subscriptionText'>;
  /** Serve the live-room page at /live/:id (development). */
  liveRoom?: boolean;
}

export interface LiveSubscriptions {
  /** Starts following the event backbone (once the gateway has loaded its supergraph). */
  start(): void;
  /** Answers WebSocket upgrades at /graphql; false for any other path (the caller refuses it). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Answers `Accept: text/event-stream` at /graphql and the live-room page; false when the request is not one. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Ends every subscription with a reason, closes the connections and stops the feed. */
  stop(): Promise<void>;
}

/** Who holds subscriptions: one WebSocket connection or one SSE request. */
interface Connection {
  identity: Identity;
  clientAddress: string;
  caller: string;
  subscriptions: Set<LiveSubscription>;
  /** Subscriptions being started (checked and charged) right now. */
  starting: number;
  /** Ends every subscription of the connection (credentials expired or revoked). */
  expire(reason: EndReason): void;
}

/** What a subscription's resolvers get. */
type SubscriptionContext = { connection: Connection } & Record<string, unknown>;
type SseOptions = SseHandlerOptions<SubscriptionContext>;

const errorOf = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/**
 * Live subscriptions at the gateway's /graphql: WebSocket (graphql-transport-ws, the graphql-ws library) and
 * Server-Sent Events (graphql-sse, distinct connections). The root fields are served here from the event backbone;
 * everything a client selects under an event's entity field is resolved per event by a generated query through the
 * gateway itself (Apollo Server, authorization, query planner, subgraph fetches), as the subscriber.
 */
export function liveSubscriptions(options: LiveSubscriptionsOptions): LiveSubscriptions {
  const settings = options.settings ?? DEFAULT_SUBSCRIPTION_SETTINGS;
  const { logger } = options;
  const schemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
  let schema: GraphQLSchema | undefined;
  options.supergraph.onSwap((_, apiSchema) => {
    const extended = schemas.get(apiSchema) ?? subscriptionSchema(apiSchema);
    schemas.set(apiSchema, extended);
    schema = extended;
  });

  const active = new Gauge({
    name: 'lifegraph_subscriptions_active',
    help: 'Live subscriptions open on this gateway process, by root field.',
    labelNames: ['field'] as const,
    registers: [options.registry],
  });
  const delivered = new Counter({
    name: 'lifegraph_subscription_events_delivered_total',
    help: 'Events delivered to live subscribers (one per subscriber and event), by root field.',
    labelNames: ['field'] as const,
    registers: [options.registry],
  });
  const ended = new Counter({
    name: 'lifegraph_subscriptions_ended_total',
    help: 'Live subscriptions ended, by root field and reason: an error code (SLOW_CONSUMER, UNAUTHENTICATED, SHUTTING_DOWN, ...) or COMPLETE.',
    labelNames: ['field', 'reason'] as const,
    registers: [options.registry],
  });
  const executions = new Counter({
    name: 'lifegraph_subscription_executions_total',
    help: 'Generated queries run for live subscriptions: one per event, topic and group of subscribers sharing a selection and identity.',
    registers: [options.registry],
  });
  const fieldOfTopic = (topic: string) => (topic.startsWith('wallet:') ? 'myWallet' : 'liveStreamUpdated');

  const run = async (
    source: string,
    variables: Record<string, unknown>,
    identity: Identity,
    mode: 'start' | 'event' = 'event',
    clientAddress = 'subscription',
  ): Promise<FormattedExecutionResult> => {
    if (mode === 'event') executions.inc();
    const contextValue: GatewayContext = {
      identity,
      requestId: `sub_${randomUUID()}`,
      clientAddress,
      subscription: mode,
    };
    const response = await options.server.executeOperation({ query: source, variables }, { contextValue });
    if (response.body.kind !== 'single') throw new Error('a generated subscription query answered incrementally');
    return response.body.singleResult as FormattedExecutionResult;
  };
  const hub = new Hub({
    run,
    logger,
    maxQueued: settings.maxQueued,
    onDelivered: (topic, count) => delivered.inc({ field: fieldOfTopic(topic) }, count),
  });

  const perCaller = new Map<string, number>();
  const startingPerCaller = new Map<string, number>();
  const track = (connection: Connection, subscription: LiveSubscription) => {
    const field = fieldOfTopic(subscription.topic);
    connection.subscriptions.add(subscription);
    perCaller.set(connection.caller, (perCaller.get(connection.caller) ?? 0) + 1);
    active.inc({ field });
    const hubEnd = subscription.onEnd;
    subscription.onEnd = (reason) => {
      hubEnd?.(reason);
      connection.subscriptions.delete(subscription);
      const left = (perCaller.get(connection.caller) ?? 1) - 1;
      if (left > 0) perCaller.set(connection.caller, left);
      else perCaller.delete(connection.caller);
      active.dec({ field });
      ended.inc({ field, reason: reason?.code ?? 'COMPLETE' });
      if (reason?.code === 'SLOW_CONSUMER') slowConsumer(connection);
    };
  };
  /** Transports register how a slow client is disconnected once it has been told. */
  const disconnectors = new WeakMap<Connection, () => void>();
  const slowConsumer = (connection: Connection) => disconnectors.get(connection)?.();

  /** The root fields' subscribe: checks, charges the start, and joins the hub. */
  const subscribeField: GraphQLFieldResolver<unknown, SubscriptionContext> = async (_root, args, context, info) => {
    const { connection } = context;
    const { identity } = connection;
    let topic: string;
    let entityId: string;
    if (info.fieldName === 'liveStreamUpdated') {
      entityId = String(args.id);
      topic = streamTopic(entityId);
    } else if (info.fieldName === 'myWallet') {
      if (identity.kind === 'anonymous') {
        throw errorOf(
          'myWallet needs a signed-in user: send a user token (Authorization: Bearer ...).',
          'UNAUTHENTICATED',
        );
      }
      if (identity.kind !== 'user' || !identity.subject) {
        throw errorOf('myWallet is a user’s own wallet: subscribe with a user token, not an API key.', 'FORBIDDEN');
      }
      entityId = '';
      topic = walletTopic(identity.subject);
    } else throw errorOf(`Unknown subscription field ${info.fieldName}.`, 'GRAPHQL_VALIDATION_FAILED');
    // Starts in progress count too: a burst of subscribes cannot all pass the check before any has started.
    if (connection.subscriptions.size + connection.starting >= settings.perConnection) {
      throw errorOf(
        `At most ${settings.perConnection} subscriptions per connection (LIFEGRAPH_SUBSCRIPTIONS_PER_CONNECTION): complete one first.`,
        'SUBSCRIPTION_LIMIT',
      );
    }
    if (
      (perCaller.get(connection.caller) ?? 0) + (startingPerCaller.get(connection.caller) ?? 0) >=
      settings.perCaller
    ) {
      throw errorOf(
        `At most ${settings.perCaller} open subscriptions per caller (LIFEGRAPH_SUBSCRIPTIONS_PER_CALLER): complete one first.`,
        'SUBSCRIPTION_LIMIT',
      );
    }
    connection.starting += 1;
    startingPerCaller.set(connection.caller, (startingPerCaller.get(connection.caller) ?? 0) + 1);
    try {
      return await start(connection, info, topic, entityId);
    } finally {
      connection.starting -= 1;
      const left = (startingPerCaller.get(connection.caller) ?? 1) - 1;
      if (left > 0) startingPerCaller.set(connection.caller, left);
      else startingPerCaller.delete(connection.caller);
    }
  };

  // A stream's featured offers (which claims and redemptions are its events), read once however many subscribers
  // start at the same moment: 500 concurrent starts make one query, not 500.
  const featuredLookups = new Map<string, Promise<{ featuredOfferIds: string[] } | null | undefined>>();
  const featuredOf = (streamId: string) => {
    let lookup = featuredLookups.get(streamId);
    if (!lookup) {
      lookup = run(
        'query LiveStreamFeatured($id: ID!) { liveStream(id: $id) { featuredOfferIds } }',
        { id: streamId },
        ANONYMOUS,
      )
        .then((featured) => {
          if (featured.errors?.length) return undefined;
          return (
            (featured.data as { liveStream?: { featuredOfferIds: string[] } | null } | undefined)?.liveStream ?? null
          );
        })
        .finally(() => featuredLookups.delete(streamId));
      featuredLookups.set(streamId, lookup);
    }
    return lookup;
  };

  const start = async (connection: Connection, info: GraphQLResolveInfo, topic: string, entityId: string) => {
    const { identity } = connection;
    const eventType = getNamedType(info.returnType).name;
    const queries = entityQueries(eventType, info.fieldNodes, info.fragments, info.operation, info.variableValues);
    // The start runs each generated query once as the caller: it is costed and drawn from the caller's bucket like
    // any query (a throttled caller cannot subscribe), and checks the selection before any event.
    for (const query of queries) {
      const result = await run(
        query.source,
        { ...query.variables, [ENTITY_ID_VARIABLE]: entityId },
        identity,
        'start',
        connection.clientAddress,
      );
      const refusal = result.data ? undefined : result.errors?.[0];
      if (refusal) throw new GraphQLError(refusal.message, { extensions: refusal.extensions });
      if (
        eventType === 'LiveStreamEvent' &&
        !result.errors &&
        Object.values(result.data ?? {}).every((v) => v === null)
      )
        throw errorOf(`No live stream ${entityId}: check the id.`, 'NOT_FOUND');
    }
    if (eventType === 'LiveStreamEvent' && !hub.hasFeatured(entityId)) {
      const stream = await featuredOf(entityId);
      if (stream === undefined)
        throw errorOf(`Could not read live stream ${entityId} just now: subscribe again shortly.`, 'UNAVAILABLE');
      if (!stream) throw errorOf(`No live stream ${entityId}: check the id.`, 'NOT_FOUND');
      hub.setFeatured(entityId, stream.featuredOfferIds);
    }
    const subscription = hub.subscribe(topic, identity, queries);
    track(connection, subscription);
    return subscription;
  };

  /** Every field of an event, read from the event or its query answers (keyed by response key, as queried). */
  const resolveField: GraphQLFieldResolver<unknown, SubscriptionContext> = (source, _args, _context, info) => {
    const payload = info.rootValue as EventPayload;
    if (info.parentType.name === 'Subscription') {
      if (payload.end) throw errorOf(payload.end.message, payload.end.code);
      return payload;
    }
    let value: unknown;
    const entityFields = ENTITY_FIELDS[info.parentType.name];
    if (entityFields && source === payload) {
      if (!entityFields[info.fieldName]) return payload.event[info.fieldName as 'kind' | 'at'];
      value = (payload.results[info.fieldName]?.data as Record<string, unknown> | undefined)?.[info.path.key];
    } else value = (source as Record<string, unknown> | null)?.[info.path.key as string];
    if (value !== null && value !== undefined) return value;
    const error = errorAt(payload, info.path);
    if (error) throw error;
    return null;
  };

  /**
   * Prepares a subscription request (either transport): checks it is a trusted document when that is enforced,
   * parses and validates it against the subscription schema, and returns what graphql-js subscribes with, or the
   * errors to answer.
   */
  const prepare = (
    connection: Connection,
    params: {
      query: string;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
      extensions?: unknown;
    },
  ): ExecutionArgs | readonly GraphQLError[] => {
    if (!schema) return [errorOf('The gateway has not loaded its schema yet: retry shortly.', 'UNAVAILABLE')];
    const text = options.trusted ? options.trusted.subscriptionText(connection.identity, params) : params.query;
    // The same message and code as over HTTP (without its HTTP status, which a stream does not have).
    if (typeof text !== 'string') return [errorOf(text.message, String(text.extensions.code))];
    let document: ReturnType<typeof parse>;
    try {
      document = parse(text, { maxTokens: 5000 });
    } catch (error) {
      return [error as GraphQLError];
    }
    const errors = validate(schema, document, undefined, { maxErrors: 20 });
    const aliasErrors = validate(schema, document, [reservedAliases]);
    if (errors.length + aliasErrors.length > 0) return [...errors, ...aliasErrors];
    const operation = getOperationAST(document, params.operationName ?? undefined);
    if (operation?.operation !== 'subscription') {
      return [errorOf('Only subscriptions are served here: send queries and mutations as HTTP POST.', 'BAD_REQUEST')];
    }
    return {
      schema,
      document,
      variableValues: params.variables ?? undefined,
      operationName: params.operationName ?? undefined,
      contextValue: { connection } satisfies SubscriptionContext,
      fieldResolver: resolveField,
      subscribeFieldResolver: subscribeField,
    };
  };

  /** A connection for verified credentials; their expiry (a JWT's exp) or a failed recheck ends its subscriptions. */
  const connect = async (headers: IncomingHttpHeaders, clientAddress: string): Promise<Connection> => {
    const identity = await options.authenticate(headers);
    const caller =
      identity.kind === 'partner'
        ? `key:${identity.subject}`
        : identity.kind === 'user'
          ? `user:${identity.subject}`
          : `ip:${clientAddress}`;
    const timers: NodeJS.Timeout[] = [];
    const connection: Connection = {
      identity,
      clientAddress,
      caller,
      subscriptions: new Set(),
      starting: 0,
      expire(reason) {
        for (const t of timers) clearTimeout(t);
        for (const subscription of [...connection.subscriptions]) subscription.end(reason);
      },
    };
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(headers.authorization ?? ''))?.[1];
    const exp = bearer && !bearer.startsWith('lg_') ? decodeJwt(bearer).exp : undefined;
    if (exp !== undefined) {
      const at = new Date(exp * 1000);
      const timer = setTimeout(
        () =>
          connection.expire({
            code: 'UNAUTHENTICATED',
            message: `Your token expired at ${at.toISOString()}: get a new one and subscribe again.`,
          }),
        Math.max(0, exp * 1000 - Date.now()),
      );
      timers.push(timer);
    }
    if (identity.kind !== 'anonymous') {
      const recheck = setInterval(() => {
        options
          .authenticate(headers)
          .catch((error: Error) => connection.expire({ code: 'UNAUTHENTICATED', message: error.message }));
      }, settings.recheckMs);
      timers.push(recheck);
    }
    for (const t of timers) t.unref();
    return connection;
  };
  const closeConnection = (connection: Connection | undefined) => {
    connection?.expire({ code: 'CLOSED', message: 'closed' });
  };

  // WebSocket: graphql-ws on a ws server that shares the HTTP server (upgrades at /graphql only).
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const connections = new WeakMap<object, Connection>();
  const ws = useServer<Record<string, unknown> | undefined, { connection?: Connection }>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const fromParams = (name: string) => {
          const value = params[name] ?? params[name.toLowerCase()];
          return typeof value === 'string' ? value : undefined;
        };
        const headers: IncomingHttpHeaders = { ...ctx.extra.request.headers };
        const authorization = fromParams('authorization') ?? fromParams('Authorization');
        const apiKey = fromParams('x-api-key');
        if (authorization !== undefined) headers.authorization = authorization;
        if (apiKey !== undefined) headers['x-api-key'] = apiKey;
        try {
          const connection = await connect(headers, options.clientAddress(ctx.extra.request));
          ctx.extra.connection = connection;
          connections.set(ctx.extra.socket, connection);
          disconnectors.set(connection, () => {
            // The error is the subscription's last message, but a client that does not read may never get to it:
            // the close frame says it too (1008 policy violation), then the connection goes.
            setTimeout(
              () => ctx.extra.socket.close(1008, 'SLOW_CONSUMER: events were not read in time; subscribe again'),
              200,
            ).unref();
            setTimeout(() => ctx.extra.socket.terminate(), 5000).unref();
          });
          return true;
        } catch (error) {
          ctx.extra.socket.close(4401, (error as Error).message.slice(0, 120));
          return false;
        }
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = ctx.extra.connection;
        if (!connection) return [errorOf('Not connected.', 'UNAUTHENTICATED')];
        return prepare(connection, payload);
      },
      onClose: (ctx) => closeConnection(ctx.extra.connection),
    },
    wss,
    settings.keepAliveMs,
  );

  // SSE: graphql-sse in distinct connections mode: each request is one subscription, its response the stream.
  const sseConnections = new WeakMap<IncomingMessage, Connection>();
  type SseAnswer = Awaited<ReturnType<NonNullable<SseOptions['onSubscribe']>>>;
  const sse = createSseHandler<SubscriptionContext>({
    onSubscribe: async (req, params): Promise<SseAnswer> => {
      try {
        const connection = await connect(req.raw.headers, options.clientAddress(req.raw));
        sseConnections.set(req.raw, connection);
        disconnectors.set(connection, () => setTimeout(() => req.context.res.destroy(), 200).unref());
        req.context.res.once('close', () => closeConnection(connection));
        const prepared = prepare(connection, params);
        // graphql-sse takes an answer for an execution result only when it has `data`: without it, the errors
        // would be read as arguments and answered as "Unable to detect operation AST".
        return (Array.isArray(prepared) ? { data: null, errors: prepared } : prepared) as SseAnswer;
      } catch (error) {
        const status = (error as GraphQLError).extensions?.http as { status?: number } | undefined;
        return [
          JSON.stringify({ errors: [{ message: (error as Error).message, extensions: { code: 'UNAUTHENTICATED' } }] }),
          {
            status: status?.status ?? 401,
            statusText: 'Unauthorized',
            headers: { 'content-type': 'application/json' },
          },
        ];
      }
    },
  });

  let feed: EventFeed | undefined;
  const page = options.liveRoom ? liveRoomPage() : undefined;
  return {
    start() {
      if (feed) return;
      const onEvent = (event: Parameters<Hub['publish']>[0]) => hub.publish(event);
      const pull = (deliver: typeof onEvent, resumeAfter?: (publisher: Publisher) => Promise<number | undefined>) =>
        httpEventFeed({
          onEvent: deliver,
          resumeAfter,
          logger,
          secret: options.subgraphSecret,
          originOf: (publisher: Publisher) => {
            const url = options.supergraph.current.subgraphs.find((s) => s.name === publisher)?.url;
            return url ? new URL(url).origin : undefined;
          },
        });
      feed =
        options.natsServers && options.natsServers.length > 0
          ? natsEventFeed({ onEvent, logger, servers: options.natsServers, prefix: options.natsPrefix })
          : options.redisUrl
            ? redisEventFeed({ onEvent, logger, url: options.redisUrl, prefix: options.redisPrefix, pull })
            : pull(onEvent);
    },
    upgrade(req, socket, head) {
      if (new URL(req.url ?? '/', 'http://gateway').pathname !== '/graphql') return false;
      wss.handleUpgrade(req, socket, head, (client) => wss.emit('connection', client, req));
      return true;
    },
    handle(req, res) {
      const url = req.url ?? '/';
      const accept = String(req.headers.accept ?? '');
      // Every other request passes through here first: it is let go without parsing its URL (an absolute-form
      // or otherwise unusual one is parsed as before).
      if (url.startsWith('/') && !url.startsWith('/live/') && !accept.includes('text/event-stream')) return false;
      const path = new URL(url, 'http://gateway').pathname;
      if (page && req.method === 'GET' && /^\/live\/[^/]+$/.test(path)) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
        return true;
      }
      if (path !== '/graphql' || !accept.includes('text/event-stream')) return false;
      sse(req, res).catch((error) => {
        logger.error({ err: error }, 'live subscriptions: SSE request failed');
        if (!res.headersSent) res.writeHead(500).end();
        else res.end();
      });
      return true;
    },
    async stop() {
      hub.endAll({
        code: 'SHUTTING_DOWN',
        message: 'The gateway is shutting down: subscribe again (the next connection reaches a gateway that runs).',
      });
      // The reasons go out as each subscription's last message; then the connections close.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await Promise.resolve(ws.dispose()).catch(() => {});
      await feed?.stop();
    },
  };
}

/** The answer's error at (or under) the field at `path`, where the answer has null. */
function errorAt(payload: EventPayload, path: { prev: unknown; key: string | number }): GraphQLError | undefined {
  const keys: (string | number)[] = [];
  for (let at: { prev: unknown; key: string | number } | undefined = path; at; at = at.prev as typeof at)
    keys.unshift(at.key);
  // The generated query's paths start at the entity field's response key (the root alias is not in them).
  const relative = keys.slice(1);
  for (const result of Object.values(payload.results)) {
    for (const error of result.errors ?? []) {
      const errorPath = error.path ?? [];
      const under = errorPath.length >= relative.length && relative.every((key, i) => errorPath[i] === key);
      const whole = errorPath.length === 0 && relative.length === 1;
      if (under || whole) return new GraphQLError(error.message, { extensions: error.extensions });
    }
  }
  return undefined;
}
