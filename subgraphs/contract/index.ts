/**
 * The contract between the gateway and the subgraphs: everything both sides must agree on, and the only
 * module of `subgraphs/` the gateway imports. Change it and you change the protocol for both.
 *
 * - identity.ts: the identity the gateway verifies and forwards, signed for each subgraph request
 * - scopes.ts: the scope names `@requiresScopes` uses and both sides check
 * - errors.ts: error codes and the errors both sides answer with (401, FORBIDDEN, BAD_USER_INPUT, user errors)
 * - ids.ts: the type prefixes of opaque ids
 * - settings.ts: process names, ports, hosts, the data directory and the shared secrets
 * - environment.ts: the settings every process reads, as one schema checked at start
 * - command-line.ts: how every command reads its flags, answers --help and fails at start (one line, no stack)
 * - http.ts: how every process answers HTTP that is not a GraphQL result (always GraphQL JSON, same limits)
 * - lean-graphql.ts: the `/graphql` POST path on node:http, straight to Apollo Server, that every process serves
 * - request-log.ts, request-line-plugin.ts: request ids (`x-request-id`) and the one log line per request of every
 *   process
 * - scalars.ts: the custom scalars, validated identically at the gateway and in every subgraph
 * - database-files.ts: how every process opens and checks the SQLite files of the data directory they share,
 *   and the shape of a file's state in `/readyz` (the gateway reads the subgraphs')
 * - shutdown.ts: how every serving process stops on a signal, and how a part of `npm start` stops with it
 * - workers.ts: how a serving command runs as several node:cluster workers on one port, and restart backoff
 * - abort.ts: a signal per request linked to a process's stop signal (the event pulls of gateway and subgraphs)
 * - events-pull.ts: how the gateway and the subgraphs long-poll a publisher's signed `GET /events`
 */
export * from './abort.ts';
export * from './command-line.ts';
export * from './database-files.ts';
export * from './environment.ts';
export * from './errors.ts';
export * from './events-pull.ts';
export * from './http.ts';
export * from './identity.ts';
export * from './ids.ts';
export * from './lean-graphql.ts';
export * from './request-line-plugin.ts';
export * from './request-log.ts';
export * from './scalars.ts';
export * from './scopes.ts';
export * from './settings.ts';
export * from './shutdown.ts';
export * from './tracing.ts';
export * from './workers.ts';
