import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { Kind, type OperationDefinitionNode, parse, validate } from 'graphql';
import {
  documentId,
  MANIFEST_FORMAT,
  TRUSTED_DOCUMENTS_FILE,
  type TrustedDocument,
  type TrustedDocumentsManifest,
} from '../gateway/plugins/trusted-documents-manifest.ts';
import { subscriptionSchema } from '../gateway/subscriptions/schema.ts';
import { parseCommandLine } from '../subgraphs/contract/command-line.ts';
import { CLIENT_OPERATIONS } from '../test/support/operations.ts';
import { SUPERGRAPH_FILE } from './compose.ts';

/**
 * The trusted documents manifest of `operations` (the frontends' operations by default), in Apollo's persisted
 * query manifest format, sorted by name. Each body is the operation's text exactly as the frontend sends it, so
 * the text itself and its sha256 (the APQ `sha256Hash` a client computes from it) both name the listed document.
 */
export function trustedDocumentsManifest(operations: readonly string[] = CLIENT_OPERATIONS): TrustedDocumentsManifest {
  const listed = operations.map((body): TrustedDocument => {
    const definitions = parse(body).definitions.filter(
      (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const [operation] = definitions;
    const name = operation?.name?.value;
    // The name is how the manifest, logs and metrics tell operations apart; a client sends exactly one per document.
    if (definitions.length !== 1 || !operation || !name) {
      throw new Error(`A trusted document must hold exactly one named operation; this one does not:\n${body}`);
    }
    return { id: documentId(body), name, type: operation.operation, body };
  });
  const names = listed.map((operation) => operation.name);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length > 0) throw new Error(`Two trusted documents are named ${repeated.join(', ')}: rename one.`);
  listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { format: MANIFEST_FORMAT, version: 1, operations: listed };
}

/** The manifest file's text, as committed. */
export function trustedDocumentsFileText(manifest: TrustedDocumentsManifest = trustedDocumentsManifest()): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Every validation error of the manifest's documents against the API schema of `supergraphSdl`, by operation name. */
export function invalidTrustedDocuments(
  manifest: TrustedDocumentsManifest,
  supergraphSdl: string = readFileSync(SUPERGRAPH_FILE, 'utf8'),
): string[] {
  // The schema clients see (what the gateway validates against), not the supergraph with its join__ machinery,
  // with the subscriptions the gateway serves itself (gateway/subscriptions).
  const apiSchema = subscriptionSchema(
    Supergraph.build(supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema(),
  );
  return manifest.operations.flatMap(({ name, body }) =>
    validate(apiSchema, parse(body)).map((error) => `${name}: ${error.message}`),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  parseCommandLine({
    command: 'npm run trusted-documents',
    usage: `Usage: npm run trusted-documents
Writes schema/trusted-documents.json, the manifest of the frontends' operations the gateway trusts.`,
    options: {},
  });
  try {
    const manifest = trustedDocumentsManifest();
    const invalid = invalidTrustedDocuments(manifest);
    if (invalid.length > 0) {
      throw new Error(`Documents that the API schema refuses:\n${invalid.map((line) => `  - ${line}`).join('\n')}`);
    }
    writeFileSync(TRUSTED_DOCUMENTS_FILE, trustedDocumentsFileText(manifest));
    console.log(`Wrote ${TRUSTED_DOCUMENTS_FILE} (${manifest.operations.length} operations)`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
