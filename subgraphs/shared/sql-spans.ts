import { ATTR_DB_NAMESPACE, ATTR_DB_OPERATION_NAME, ATTR_DB_QUERY_TEXT } from '@opentelemetry/semantic-conventions';
import { ATTR_DB_SYSTEM_NAME, DB_SYSTEM_NAME_VALUE_SQLITE } from '@opentelemetry/semantic-conventions/incubating';
import type Database from 'better-sqlite3';
import { inSpan } from '../contract/tracing.ts';

/** The statement methods that run it (drizzle calls these, on the statement or on its `raw()` self). */
const RUNS = ['run', 'get', 'all'] as const;

/**
 * Makes each run of `statement` a span (`SELECT offers`, a child of the request's active span, only inside a traced
 * request) with the SQL text as drizzle built it: placeholders, never the bound values.
 */
export function traceStatement(statement: Database.Statement, database: string): void {
  const source = statement.source;
  const operation = /^\s*(\w+)/.exec(source)?.[1]?.toUpperCase() ?? 'SQL';
  // Named as the semantic conventions ask: `{db.operation.name} {target}`, the database being the target.
  const name = `${operation} ${database}`;
  const attributes = {
    [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_SQLITE,
    [ATTR_DB_NAMESPACE]: database,
    [ATTR_DB_OPERATION_NAME]: operation,
    [ATTR_DB_QUERY_TEXT]: source,
  };
  const target = statement as unknown as Record<string, (...params: unknown[]) => unknown>;
  for (const method of RUNS) {
    const run = target[method] as (...params: unknown[]) => unknown;
    target[method] = function (this: Database.Statement, ...params: unknown[]) {
      return inSpan(name, attributes, () => run.apply(this, params));
    };
  }
}
