import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedTypesFile, generateResolverTypes } from '../../schema/codegen.ts';
import { SUBGRAPH_NAMES } from '../../subgraphs/contract/settings.ts';

describe('generated resolver types', () => {
  // Resolvers are typed by these files; stale ones would let a resolver drift from its schema unnoticed.
  it.each(SUBGRAPH_NAMES)('%s: the committed types are what `npm run codegen` generates now', async (name) => {
    const committed = readFileSync(generatedTypesFile(name), 'utf8');
    expect(committed === (await generateResolverTypes(name)), `run \`npm run codegen\` and commit the result`).toBe(
      true,
    );
  });
});
