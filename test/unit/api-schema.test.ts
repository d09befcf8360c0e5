import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE } from '../../schema/compose.ts';

describe('the API schema clients see', () => {
  // What Sandbox, frontends and partners code against: a refactoring of the subgraphs must leave it as it is.
  // A change that means to alter the API updates the snapshot on purpose (`npx vitest -u`) and says so.
  it('is the committed API schema', async () => {
    // supportedFeatures: null, as the gateway (not Apollo Router) enforces @authenticated and @requiresScopes itself.
    const apiSchema = Supergraph.build(readFileSync(SUPERGRAPH_FILE, 'utf8'), { supportedFeatures: null }).apiSchema();
    await expect(printSchema(apiSchema.toGraphQLJSSchema())).toMatchFileSnapshot('./__snapshots__/api-schema.graphql');
  });
});
