import { createHash } from 'node:crypto';
import { Supergraph } from '@apollo/federation-internals';
import type { ApolloGateway, SupergraphSdlHook } from '@apollo/gateway';
import { GraphQLError, type GraphQLSchema, parse, printSchema } from 'graphql';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type AccessPolicy, readAccessPolicy, withoutSecurityPurpose } from './auth/policy.ts';
import { type CostModel, costModelFromSupergraph } from './demand-control/index.ts';
import { type CacheHints, cacheHintsFromSupergraph } from './plugins/cache-control.ts';
import { listSubgraphs, SupergraphError, type SupergraphSubgraph, supergraphHash } from './supergraph.ts';
import { displayUrl, type SupergraphSource, watchSupergraph } from './supergraph-reload-sources.ts';

/** Everything the gateway derives from one supergraph, checked and computed before it is served. */
export interface PreparedSupergraph {
  /** The text as read (file or URL); `hash` is of it. */
  sdl: string;
  /** What `@apollo/gateway` is given: the same text with the security purpose removed (see withoutSecurityPurpose). */
  gatewaySdl: string;
  hash: string;
  /** Its subgraphs, each at the URL the gateway calls (overrides applied). */
  subgraphs: SupergraphSubgraph[];
  policy: AccessPolicy;
  costModel: CostModel;
  cacheHints: CacheHints;
}

export interface LoadedSupergraph extends PreparedSupergraph {
  /** When the gateway started serving it. */
  loadedAt: Date;
}

/**
 * Checks a supergraph text and derives what the gateway needs from it, throwing a SupergraphError with a one-line
 * reason. With `compose`, it is also built and validated as `@apollo/gateway` will build it (the API schema
 * included; validated in every mode, where the gateway itself skips validation in production): a reload must
 * never get half way into the gateway. The first load leaves that to the gateway, which does it anyway.
 */
export function prepareSupergraph(
  sdl: string,
  urlOf: (subgraph: SupergraphSubgraph) => string,
  { compose = false } = {},
): PreparedSupergraph {
  if (sdl.trim() === '') throw new SupergraphError('it is empty');
  const step = <T>(what: string, run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw new SupergraphError(`${what}: ${oneLine(error)}`);
    }
  };
  // Parsed once here for a message with a position; the readers below parse it again for themselves.
  step('it is not GraphQL', () => parse(sdl, { noLocation: true }));
  const declared = step('it is not a supergraph', () => listSubgraphs(sdl));
  const gatewaySdl = withoutSecurityPurpose(sdl);
  if (compose) {
    step('composition refused it', () => {
      const supergraph = Supergraph.build(gatewaySdl, { validateSupergraph: true });
      supergraph.apiSchema().toGraphQLJSSchema();
    });
  }
  return {
    sdl,
    gatewaySdl,
    hash: supergraphHash(sdl),
    subgraphs: declared.map((s) => ({ ...s, url: urlOf(s) })),
    policy: step('its @authenticated / @requiresScopes cannot be read', () => readAccessPolicy(sdl)),
    costModel: step('its @cost / @listSize cannot be read', () => costModelFromSupergraph(sdl)),
    cacheHints: step('its @cacheControl hints cannot be read', () => cacheHintsFromSupergraph(sdl)),
  };
}

/** An error as one line, with the position of a GraphQL syntax error; the rest of a long composition error is counted. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const [first = '', ...rest] = message.split('\n').filter((line) => line.trim() !== '');
  const at = error instanceof GraphQLError ? error.locations?.[0] : undefined;
  const where = at ? ` (line ${at.line}, column ${at.column})` : '';
  return `${first.trim()}${where}${rest.length > 0 ? ` (and ${rest.length} more lines)` : ''}`;
}

/**
 * The two metrics of supergraph reloading, in the gateway's registry: `lifegraph_supergraph_info{hash}` follows the
 * swaps of `current` (one series, the served hash), and the counter of refused versions is returned for the reloader.
 */
export function supergraphMetrics(registry: Registry, current: CurrentSupergraph) {
  const info = new Gauge({
    name: 'lifegraph_supergraph_info',
    help: 'The supergraph the gateway serves: 1 for its sha256 (the hash label), the only series.',
    labelNames: ['hash'] as const,
    registers: [registry],
  });
  current.onSwap((loaded) => {
    info.reset();
    info.set({ hash: loaded.hash }, 1);
  });
  return {
    reloadFailures: new Counter({
      name: 'lifegraph_supergraph_reload_failures_total',
      help: 'New supergraphs refused (invalid, partly written, unreadable, or a new subgraph unreachable): the old one kept serving.',
      registers: [registry],
    }),
  };
}

/**
 * The prefix Apollo Server gives the keys of `schema`'s documents in a document store of ours: the sha256 of the
 * printed API schema (ApolloServer.generateSchemaDerivedData). For dropping an old schema's documents on a swap.
 */
export function documentStoreSchemaHash(schema: GraphQLSchema): string {
  return createHash('sha256').update(printSchema(schema)).digest('hex');
}

type SwapListener = (loaded: LoadedSupergraph, apiSchema: GraphQLSchema) => void;

/**
 * The supergraph being served, and for every API schema the gateway has served, the supergraph it came from. A
 * request keeps the schema it started with (Apollo Server and `@apollo/gateway` swap schemas between requests), so
 * what is derived from the supergraph (access policy, cost model) is looked up by that schema, never taken from
 * "the current one": a request in flight during a swap is authorized and costed by the supergraph it is planned on.
 */
export class CurrentSupergraph {
  private served?: LoadedSupergraph;
  /** The next one given to the gateway: its listener call makes it current. */
  private pending: PreparedSupergraph;
  private readonly bySchema = new WeakMap<GraphQLSchema, LoadedSupergraph>();
  private readonly listeners: SwapListener[] = [];
  private markLoaded!: () => void;
  /** Resolves when the gateway has loaded its first supergraph. */
  readonly firstLoad = new Promise<void>((resolve) => {
    this.markLoaded = resolve;
  });

  constructor(initial: PreparedSupergraph) {
    this.pending = initial;
  }

  /** The supergraph served now (before the first load: the one about to be). */
  get current(): PreparedSupergraph & { loadedAt?: Date } {
    return this.served ?? this.pending;
  }

  /** Whether the gateway has loaded a supergraph yet (a start that fails before is the supergraph's fault). */
  get loaded(): boolean {
    return this.served !== undefined;
  }

  /** The supergraph a request on `schema` is served by. */
  of(schema: GraphQLSchema): PreparedSupergraph {
    return this.bySchema.get(schema) ?? this.current;
  }

  /** Calls `listener` with each supergraph the gateway starts serving, the first one included, as it is swapped in. */
  onSwap(listener: SwapListener): void {
    this.listeners.push(listener);
  }

  /**
   * Follows the gateway's schema loads. Registered before Apollo Server's own listener, so a new schema is known
   * here before any request can be served on it (the gateway calls its listeners one after another, synchronously).
   */
  attach(gateway: ApolloGateway): void {
    gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
      // Only this module gives the gateway supergraphs: what it loads is the pending one.
      if (coreSupergraphSdl !== this.pending.gatewaySdl) return;
      const loaded: LoadedSupergraph = { ...this.pending, loadedAt: new Date() };
      this.bySchema.set(apiSchema, loaded);
      this.served = loaded;
      for (const listener of this.listeners) listener(loaded, apiSchema);
      this.markLoaded();
    });
  }

  /** Makes `prepared` the one the gateway's next load is expected to be. */
  expect(prepared: PreparedSupergraph): void {
    this.pending = prepared;
  }
}

export interface ReloadOptions {
  current: CurrentSupergraph;
  /** Where new versions come from; none: the first supergraph is served until the gateway stops. */
  source?: SupergraphSource;
  urlOf: (subgraph: SupergraphSubgraph) => string;
  logger: Logger;
  reloadFailures: { inc(): void };
  /**
   * Whether a subgraph answers at `url` (undefined) or why not: asked of each subgraph a new supergraph adds or
   * moves, before it is swapped in. Subgraphs already served are not asked: their state is in /readyz, and one
   * that is down must not stop a fix of the schema.
   */
  probe: (url: string) => Promise<string | undefined>;
}

/**
 * `@apollo/gateway`'s `supergraphSdl` hook: serves the prepared first supergraph, then watches `source` and hands
 * each new version that passes every check to the gateway's `update`, which swaps the schema between requests
 * (requests in flight finish on the old one, its query plan cache is reset). Anything refused is logged with a
 * one-line reason and counted, and the old supergraph keeps serving.
 */
export function reloadingSupergraph(options: ReloadOptions): SupergraphSdlHook {
  return async ({ update }) => {
    const { current } = options;
    const initialSdl = current.current.gatewaySdl;
    if (!options.source) return { supergraphSdl: initialSdl };
    const reloader = new Reloader(options, update);
    const stop = watchSupergraph(options.source, {
      onText: (text) => reloader.offer(text),
      onUnreadable: (reason) => reloader.unreadable(reason),
      logger: options.logger,
    });
    return { supergraphSdl: initialSdl, cleanup: async () => stop() };
  };
}

/** Applies offered versions one at a time, the latest offered winning over any still queued. */
class Reloader {
  private running = false;
  private queued?: string;
  /** The last version refused for what it is (not for something that may pass): not checked again. */
  private refusedHash?: string;
  /** The last reason logged for a failure that may pass later, so a source down for an hour is not an hour of logs. */
  private lastTransient?: string;
  private readonly from: string;

  constructor(
    private readonly options: ReloadOptions,
    private readonly update: (gatewaySdl: string) => void,
  ) {
    const { source } = options;
    this.from = source && 'url' in source ? displayUrl(source.url) : (source?.file ?? '');
  }

  offer(text: string): void {
    this.queued = text;
    if (!this.running) void this.drain();
  }

  /** The source could not be read (file missing, URL not answering): counted, logged when the reason changes. */
  unreadable(reason: string): void {
    this.refuse(undefined, `cannot read it: ${reason}`, { transient: true });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Offers that arrive before the gateway has loaded its first supergraph wait for it (they would race it).
      await this.options.current.firstLoad;
      while (this.queued !== undefined) {
        const text = this.queued;
        this.queued = undefined;
        await this.apply(text);
      }
    } finally {
      this.running = false;
    }
  }

  private async apply(text: string): Promise<void> {
    const { current, logger } = this.options;
    const hash = supergraphHash(text);
    const previous = current.current;
    if (hash === previous.hash) {
      this.lastTransient = undefined;
      return;
    }
    if (hash === this.refusedHash) return;
    let prepared: PreparedSupergraph;
    try {
      prepared = prepareSupergraph(text, this.options.urlOf, { compose: true });
    } catch (error) {
      return this.refuse(hash, (error as Error).message);
    }
    const known = new Set(previous.subgraphs.map((s) => `${s.name} ${s.url}`));
    const changed = prepared.subgraphs.filter((s) => !known.has(`${s.name} ${s.url}`));
    for (const subgraph of changed) {
      const down = await this.options.probe(subgraph.url);
      if (down) return this.refuse(hash, `subgraph ${subgraph.name} does not answer: ${down}`, { transient: true });
    }
    current.expect(prepared);
    try {
      this.update(prepared.gatewaySdl);
    } catch (error) {
      current.expect(previous);
      return this.refuse(hash, `the gateway refused it: ${oneLine(error)}`);
    }
    if (current.current.hash !== hash) {
      current.expect(previous);
      return this.refuse(hash, 'the gateway did not load it', { transient: true });
    }
    this.lastTransient = undefined;
    const names = (list: SupergraphSubgraph[]) => new Set(list.map((s) => s.name));
    const before = names(previous.subgraphs);
    const after = names(prepared.subgraphs);
    logger.info(
      {
        supergraph: { hash, previous: previous.hash, from: this.from },
        subgraphsAdded: [...after].filter((n) => !before.has(n)),
        subgraphsRemoved: [...before].filter((n) => !after.has(n)),
      },
      `supergraph reloaded from ${this.from}: now serving ${hash.slice(0, 16)}`,
    );
  }

  private refuse(hash: string | undefined, reason: string, { transient = false } = {}): void {
    this.options.reloadFailures.inc();
    if (transient) {
      if (reason === this.lastTransient) return;
      this.lastTransient = reason;
    } else {
      this.refusedHash = hash;
    }
    const serving = this.options.current.current.hash;
    this.options.logger.warn(
      { supergraph: { refused: hash, serving, from: this.from }, reason },
      `supergraph reload refused (${reason}); still serving ${serving.slice(0, 16)}`,
    );
  }
}
