import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';
import { subgraphSdl } from '../../subgraphs/shared/schema-file.ts';

interface Described {
  name?: { value: string };
  description?: unknown;
  fields?: Described[];
  arguments?: Described[];
  values?: Described[];
}

/** Sandbox shows descriptions to every client developer: each type, field, argument and enum value has one. */
describe.each(SUBGRAPH_NAMES)('%s schema', (name) => {
  it('describes every type, field, argument, input field and enum value', () => {
    const file = fileURLToPath(new URL(`../../subgraphs/${name}/schema.graphql`, import.meta.url));
    const missing: string[] = [];
    for (const definition of parse(subgraphSdl(file)).definitions as unknown as Described[]) {
      const type = definition.name?.value;
      if (!type) continue;
      if (!definition.description) missing.push(type);
      for (const field of definition.fields ?? []) {
        if (!field.description) missing.push(`${type}.${field.name?.value}`);
        for (const arg of field.arguments ?? [])
          if (!arg.description) missing.push(`${type}.${field.name?.value}(${arg.name?.value})`);
      }
      for (const value of definition.values ?? []) if (!value.description) missing.push(`${type}.${value.name?.value}`);
    }
    expect(missing).toEqual([]);
  });
});
