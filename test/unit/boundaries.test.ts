import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SUPERGRAPH_FILE as SERVED } from '../../gateway/supergraph.ts';
import { SUPERGRAPH_FILE as COMPOSED } from '../../schema/compose.ts';

/**
 * The boundary between the gateway and the subgraphs, read from the static imports of every .ts file:
 * - the gateway imports nothing of `subgraphs/` but the contract's index, and everything it reaches (transitively)
 *   stays inside `gateway/` and `subgraphs/contract/` (or npm packages);
 * - nothing under `subgraphs/` imports `gateway/`, `seeds/` or `test/`;
 * - `subgraphs/shared/` imports only itself and the contract (no subgraph's folder, no `subgraphs/index.ts`);
 * - the contract imports only itself.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOP_LEVEL = ['gateway', 'subgraphs', 'schema', 'seeds', 'test'];

/** Every .ts file of the repository's code folders, by repository path (`gateway/server.ts`), with its source. */
function sourceTree(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(file);
      else if (entry.isFile() && file.endsWith('.ts')) files.set(file, readFileSync(path.join(ROOT, file), 'utf8'));
    }
  };
  for (const dir of TOP_LEVEL) walk(dir);
  return files;
}

// `import ... from '...'`, `export ... from '...'`, `import('...')` and `import '...'`.
const IMPORT = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The relative imports of a file, each with its target as a repository path; packages are not ours to check. */
function localImports(file: string, source: string): { specifier: string; target: string }[] {
  return [...source.matchAll(IMPORT)]
    .map((match) => match[1] ?? match[2] ?? match[3] ?? '')
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, target: path.posix.join(path.posix.dirname(file), specifier) }));
}

const under = (file: string, dir: string) => file.startsWith(`${dir}/`);
const GATEWAY_REACH = 'everything the gateway reaches stays inside gateway/ and subgraphs/contract/';

/** The rule an import from `file` to `target` breaks, if any. */
function brokenRule(file: string, target: string): string | undefined {
  if (under(file, 'gateway') && !under(target, 'gateway') && target !== 'subgraphs/contract/index.ts')
    return 'the gateway imports only gateway/ and subgraphs/contract/index.ts';
  if (under(file, 'subgraphs') && ['gateway', 'seeds', 'test'].some((dir) => under(target, dir)))
    return 'nothing under subgraphs/ imports gateway/, seeds/ or test/';
  if (under(file, 'subgraphs/contract') && !under(target, 'subgraphs/contract'))
    return 'the contract imports only itself';
  if (under(file, 'subgraphs/shared') && !under(target, 'subgraphs/shared') && !under(target, 'subgraphs/contract'))
    return 'subgraphs/shared/ imports only itself and the contract (no subgraph folder, no subgraphs/index.ts)';
  return undefined;
}

/** Every broken rule in `files`, as "<file> imports '<specifier>' (<target>): <rule>", then the gateway's reach. */
function boundaryViolations(files: Map<string, string>): string[] {
  const violations: string[] = [];
  const imports = new Map([...files].map(([file, source]) => [file, localImports(file, source)]));
  for (const [file, list] of imports) {
    for (const { specifier, target } of list) {
      const rule = brokenRule(file, target);
      if (rule) violations.push(`${file} imports '${specifier}' (${target}): ${rule}`);
    }
  }
  // Breadth first from every gateway file, remembering how each file was reached, to name the whole chain.
  const reachedFrom = new Map<string, string | null>();
  const queue = [...files.keys()].filter((file) => under(file, 'gateway'));
  for (const file of queue) reachedFrom.set(file, null);
  for (const file of queue) {
    for (const { target } of imports.get(file) ?? []) {
      if (reachedFrom.has(target)) continue;
      reachedFrom.set(target, file);
      if (!under(target, 'gateway') && !under(target, 'subgraphs/contract')) {
        const chain = [target];
        for (let at: string | null | undefined = file; at; at = reachedFrom.get(at)) chain.unshift(at);
        violations.push(`${chain.join(' -> ')}: ${GATEWAY_REACH}`);
      } else queue.push(target);
    }
  }
  return violations;
}

describe('the gateway–subgraph boundary', () => {
  const tree = sourceTree();

  it('holds in the repository: no import crosses it', () => {
    expect(boundaryViolations(tree)).toEqual([]);
  });

  it('is checked over the real imports (the check is not vacuous)', () => {
    const gatewayFiles = [...tree.keys()].filter((file) => under(file, 'gateway'));
    expect(gatewayFiles.length).toBeGreaterThan(20);
    const targets = gatewayFiles.flatMap((file) => localImports(file, tree.get(file) ?? '').map((i) => i.target));
    expect(targets).toContain('subgraphs/contract/index.ts');
    expect(targets).toContain('gateway/server.ts');
    // Multi-line and re-exporting imports are read too.
    expect(localImports('subgraphs/contract/index.ts', tree.get('subgraphs/contract/index.ts') ?? '')).toContainEqual({
      specifier: './identity.ts',
      target: 'subgraphs/contract/identity.ts',
    });
  });

  it('finds every kind of crossing in a synthetic tree, naming the file and the import', () => {
    const synthetic = new Map([
      ['gateway/a.ts', "import { x } from '../subgraphs/contract/index.ts';\nimport type { B } from './b.ts';"],
      ['gateway/b.ts', "export const seed = await import('../seeds/seed.ts');"],
      ['gateway/c.ts', "import {\n  type Clock,\n} from '../subgraphs/shared/context.ts';"],
      ['subgraphs/contract/index.ts', "export * from './leak.ts';"],
      ['subgraphs/contract/leak.ts', "import '../shared/db.ts';"],
      ['subgraphs/shared/db.ts', "import { SUBGRAPHS } from '../index.ts';"],
      ['subgraphs/offers/x.ts', "import { startGateway } from '../../gateway/server.ts';\nimport 'graphql';"],
    ]);
    expect(boundaryViolations(synthetic)).toEqual([
      "gateway/b.ts imports '../seeds/seed.ts' (seeds/seed.ts): the gateway imports only gateway/ and subgraphs/contract/index.ts",
      "gateway/c.ts imports '../subgraphs/shared/context.ts' (subgraphs/shared/context.ts): the gateway imports only gateway/ and subgraphs/contract/index.ts",
      "subgraphs/contract/leak.ts imports '../shared/db.ts' (subgraphs/shared/db.ts): the contract imports only itself",
      "subgraphs/shared/db.ts imports '../index.ts' (subgraphs/index.ts): subgraphs/shared/ imports only itself and the contract (no subgraph folder, no subgraphs/index.ts)",
      "subgraphs/offers/x.ts imports '../../gateway/server.ts' (gateway/server.ts): nothing under subgraphs/ imports gateway/, seeds/ or test/",
      `gateway/b.ts -> seeds/seed.ts: ${GATEWAY_REACH}`,
      `gateway/c.ts -> subgraphs/shared/context.ts: ${GATEWAY_REACH}`,
      `gateway/a.ts -> subgraphs/contract/index.ts -> subgraphs/contract/leak.ts -> subgraphs/shared/db.ts: ${GATEWAY_REACH}`,
    ]);
    // The same tree without its crossings passes.
    const clean = new Map(
      [...synthetic].filter(([file]) => file === 'gateway/a.ts' || file === 'subgraphs/offers/x.ts'),
    );
    clean.set('subgraphs/offers/x.ts', "import { forbidden } from '../contract/index.ts';");
    clean.set('subgraphs/contract/index.ts', "export * from './errors.ts';");
    expect(boundaryViolations(clean)).toEqual([]);
  });

  it('the gateway serves the supergraph file that npm run compose writes, by its own path', () => {
    expect(SERVED).toBe(COMPOSED);
  });
});
