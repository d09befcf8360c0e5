// cockatiel rather than a hand-written breaker: a small, dependency-free, typed library (Polly's model, used by
// VS Code and the Azure SDKs) with consecutive-failure breakers, half-open probing and state events. It is
// pinned to 3.2.1 because 4.x requires Node 22 and the project supports Node 20.19+.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SubgraphFetchOptions } from './config.ts';
import { SubgraphFetchFailure } from './failure.ts';

/** A circuit's state as `/readyz` reports it. */
export type CircuitStateName = 'closed' | 'open' | 'half-open';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/** What `run` tells a fetch, shared by every fetch: nothing allocated per fetch for it. */
const PROBE: { readonly probe: boolean } = Object.freeze({ probe: true });
const NOT_PROBE: { readonly probe: boolean } = Object.freeze({ probe: false });

/**
 * One circuit breaker per subgraph. Failures in a row (timeouts, unreachable, 5xx) open the subgraph's circuit:
 * its fetches then fail at once instead of each waiting for the timeout, so a dead subgraph costs the gateway
 * nothing and the other subgraphs' answers are not held up; after the cooldown one request probes it
 * (half-open; every other request still fails fast) and closes the circuit again when it succeeds.
 */
export class SubgraphBreakers {
  private readonly breakers = new Map<string, ReturnType<typeof circuitBreaker>>();
  private readonly failures?: Counter<'subgraph' | 'reason'>;
  /** Per subgraph, the latency of fetches that went out: answered (`ok`) or failed (`error`). */
  private readonly latency = new Map<string, { ok: Observer; error: Observer }>();

  private readonly duration?: Histogram<'subgraph' | 'outcome'>;

  constructor(
    names: string[],
    private readonly options: SubgraphFetchOptions,
    registry?: Registry,
    private readonly logger?: Logger,
  ) {
    if (registry) {
      const breakers = this.breakers;
      new Gauge({
        name: 'lifegraph_gateway_subgraph_circuit_state',
        help: 'Circuit breaker state per subgraph: 0 closed (calling it), 1 open (failing fast), 2 half-open (probing).',
        labelNames: ['subgraph'] as const,
        registers: [registry],
        collect() {
          for (const [subgraph, breaker] of breakers) {
            this.set({ subgraph }, breaker.state === CircuitState.Isolated ? CircuitState.Open : breaker.state);
          }
        },
      });
      this.failures = new Counter({
        name: 'lifegraph_gateway_subgraph_fetch_failures_total',
        help: 'Subgraph fetches that gave no answer, by subgraph and reason (timeout, unavailable, circuit_open, client_closed, refused).',
        labelNames: ['subgraph', 'reason'] as const,
        registers: [registry],
      });
      this.duration = new Histogram({
        name: 'lifegraph_gateway_subgraph_fetch_duration_seconds',
        help: 'Subgraph fetches that went out (its _count is the fetch count), by subgraph and outcome (ok: answered; error: failed, see lifegraph_gateway_subgraph_fetch_failures_total for why).',
        labelNames: ['subgraph', 'outcome'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      });
    }
    this.add(names);
  }

  /**
   * A breaker (and latency series) for each subgraph not yet known: a hot-reloaded supergraph may add subgraphs.
   * One that goes away keeps its breaker, so a supergraph swapped back finds its circuit as it left it.
   */
  add(names: string[]): void {
    for (const name of names) {
      if (this.breakers.has(name)) continue;
      const breaker = circuitBreaker(
        handleWhen((error) => error instanceof SubgraphFetchFailure && error.countsAgainstSubgraph),
        {
          halfOpenAfter: this.options.breakerCooldownMs,
          breaker: new ConsecutiveBreaker(this.options.breakerFailures),
        },
      );
      breaker.onStateChange((state) =>
        this.logger?.warn({ subgraph: name, circuit: STATE_NAMES[state] }, 'subgraph circuit changed'),
      );
      this.breakers.set(name, breaker);
      if (this.duration) {
        this.latency.set(name, {
          ok: this.duration.labels({ subgraph: name, outcome: 'ok' }),
          error: this.duration.labels({ subgraph: name, outcome: 'error' }),
        });
      }
    }
  }

  /**
   * Runs one fetch of `subgraph` through its breaker. An open circuit throws a `circuit_open` failure at once,
   * and so does a half-open one while its probe is out: cockatiel would hold such a request until the probe
   * ends, its timeout running all the while, and count its late fetch as the subgraph's timeout.
   * `fetch` learns whether it is the probe (see `probe` in SignedDataSource.process).
   */
  async run<T>(subgraph: string, fetch: (attempt: { readonly probe: boolean }) => Promise<T>): Promise<T> {
    const breaker = this.breakers.get(subgraph);
    if (!breaker) return fetch(NOT_PROBE);
    const state = breaker.state;
    if (state === CircuitState.HalfOpen) throw this.circuitOpen();
    try {
      // An open circuit only calls `fetch` once its cooldown is over, and then that call is the probe.
      const attempt = state === CircuitState.Open ? PROBE : NOT_PROBE;
      const latency = this.latency.get(subgraph);
      return await breaker.execute(latency ? () => timed(latency, fetch(attempt)) : () => fetch(attempt));
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.circuitOpen();
      throw error;
    }
  }

  /**
   * Counts a failed fetch for the metrics and logs what the client is not told (the status or error behind
   * it) with the request's id, so that an operator can find the line a client quotes; fetches refused by an
   * open circuit and clients that left are only counted.
   */
  recordFailure(subgraph: string, failure: SubgraphFetchFailure, requestId?: string) {
    this.failures?.inc({ subgraph, reason: failure.reason });
    if (failure.reason === 'circuit_open' || failure.reason === 'client_closed') return;
    this.logger?.warn(
      { requestId, subgraph, reason: failure.reason, detail: failure.message },
      'subgraph fetch failed',
    );
  }

  private circuitOpen(): SubgraphFetchFailure {
    return new SubgraphFetchFailure('circuit_open', `circuit open after ${this.options.breakerFailures} failures`);
  }

  /** The state of a subgraph's circuit (`closed` for a subgraph the gateway does not know). */
  state(subgraph: string): CircuitStateName {
    const breaker = this.breakers.get(subgraph);
    return breaker ? STATE_NAMES[breaker.state] : 'closed';
  }
}

type Observer = { observe(seconds: number): void };

/** `fetch`, its time observed as `ok` or `error` once it settles. */
async function timed<T>(latency: { ok: Observer; error: Observer }, fetch: Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  try {
    const result = await fetch;
    latency.ok.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  } catch (error) {
    latency.error.observe(Number(process.hrtime.bigint() - started) / 1e9);
    throw error;
  }
}
