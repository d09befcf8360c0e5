import { type ArgumentNode, type DirectiveNode, Kind, OperationTypeNode, parse, type ValueNode } from 'graphql';

/** `@listSize` of one field, as the IBM cost specification defines it. */
export interface ListSizeRule {
  /** Size of an unpaged list (or of a paged one called without any slicing argument). */
  readonly assumedSize: number | undefined;
  /** Arguments whose value is the page size (`first`): the largest one given (or defaulted) is the size. */
  readonly slicingArguments: readonly string[];
  /** Child fields that are the list the size counts (a connection's `edges`); the field itself then costs once. */
  readonly sizedFields: readonly string[];
  /** Whether exactly one slicing argument must be given. Informational: subgraphs validate their arguments. */
  readonly requireOneSlicingArgument: boolean;
}

/**
 * What demand control knows about the schema, by schema coordinate: `@cost` weights of types (`Store`, `SafeInt`),
 * fields and input fields (`Query.storesNear`, `CreateGroupPaymentInput.participantIds`) and arguments
 * (`Query.lifeChannelFeed(near:)`), and the `@listSize` rules of fields. What is not here gets the defaults.
 */
export interface CostModel {
  readonly weights: ReadonlyMap<string, number>;
  readonly listSizes: ReadonlyMap<string, ListSizeRule>;
  /** Size of a list field without `@listSize` (Apollo Router's `list_size` setting). */
  readonly defaultListSize: number;
  /** Cost of the operation itself, before its fields (Apollo Router: mutation 10, query and subscription 0). */
  readonly operationBaseCost: Readonly<Record<OperationTypeNode, number>>;
}

/** Size of a list field that has no `@listSize`. A test keeps every list of our own supergraph annotated. */
export const DEFAULT_LIST_SIZE = 10;

/** Apollo Router's base cost of each operation type. */
export const OPERATION_BASE_COST: Readonly<Record<OperationTypeNode, number>> = {
  [OperationTypeNode.QUERY]: 0,
  [OperationTypeNode.MUTATION]: 10,
  [OperationTypeNode.SUBSCRIPTION]: 0,
};

/** Where the cost directives are defined (composition links v0.1 for Federation 2.9). */
const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;

/**
 * Reads @cost / @listSize applications from the composed supergraph SDL (as composition writes them).
 * Directive names follow the supergraph's `@link` to the cost spec (its `as:` and `import:` renames); a schema
 * without that link is read with the plain names `@cost` and `@listSize`. Negative weights count as 0, so no
 * selection can lower the cost of the rest. Throws on an SDL that does not parse.
 */
export function costModelFromSupergraph(supergraphSdl: string): CostModel {
  const document = parse(supergraphSdl, { noLocation: true });
  const names = costDirectiveNames(document.definitions);
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSizeRule>();
  const read = (coordinate: string, directives: readonly DirectiveNode[] | undefined) => {
    for (const directive of directives ?? []) {
      if (directive.name.value === names.cost) {
        const weight = intArgument(directive.arguments, 'weight');
        if (weight !== undefined) weights.set(coordinate, Math.max(0, weight));
      } else if (directive.name.value === names.listSize) {
        listSizes.set(coordinate, listSizeRule(directive.arguments));
      }
    }
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const type = definition.name.value;
    read(type, definition.directives);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      const coordinate = `${type}.${field.name.value}`;
      read(coordinate, field.directives);
      if (!('arguments' in field)) continue;
      for (const argument of field.arguments ?? []) {
        read(`${coordinate}(${argument.name.value}:)`, argument.directives);
      }
    }
  }
  return { weights, listSizes, defaultListSize: DEFAULT_LIST_SIZE, operationBaseCost: OPERATION_BASE_COST };
}

/** The names `@cost` and `@listSize` have in this schema, from its `@link` to the cost spec. */
function costDirectiveNames(definitions: ReturnType<typeof parse>['definitions']): { cost: string; listSize: string } {
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArgument(link.arguments, 'url');
      if (!url || !COST_SPEC.test(url)) continue;
      // Per the core spec, a directive named like the spec is `@<prefix>`, any other `@<prefix>__<name>`,
      // unless imported (optionally renamed).
      const prefix = stringArgument(link.arguments, 'as') ?? 'cost';
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        const [name, as] = importedName(item);
        if (name === '@cost') names.cost = as.slice(1);
        if (name === '@listSize') names.listSize = as.slice(1);
      }
      return names;
    }
  }
  return { cost: 'cost', listSize: 'listSize' };
}

/** An `import:` entry, `"@listSize"` or `{ name: "@listSize", as: "@size" }`, as [name, local name]. */
function importedName(item: ValueNode): [string, string] {
  if (item.kind === Kind.STRING) return [item.value, item.value];
  if (item.kind !== Kind.OBJECT) return ['', ''];
  const field = (n: string) => {
    const value = item.fields.find((f) => f.name.value === n)?.value;
    return value?.kind === Kind.STRING ? value.value : undefined;
  };
  const name = field('name') ?? '';
  return [name, field('as') ?? name];
}

function listSizeRule(args: readonly ArgumentNode[] | undefined): ListSizeRule {
  const strings = (name: string) => {
    const value = args?.find((a) => a.name.value === name)?.value;
    if (value?.kind === Kind.STRING) return [value.value];
    return value?.kind === Kind.LIST ? value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [];
  };
  const requireOne = args?.find((a) => a.name.value === 'requireOneSlicingArgument')?.value;
  const assumedSize = intArgument(args, 'assumedSize');
  return {
    assumedSize: assumedSize === undefined ? undefined : Math.max(0, assumedSize),
    slicingArguments: strings('slicingArguments'),
    sizedFields: strings('sizedFields'),
    requireOneSlicingArgument: requireOne?.kind === Kind.BOOLEAN ? requireOne.value : true,
  };
}

function intArgument(args: readonly ArgumentNode[] | undefined, name: string): number | undefined {
  const value = args?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.INT ? Number(value.value) : undefined;
}

function stringArgument(args: readonly ArgumentNode[] | undefined, name: string): string | undefined {
  const value = args?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}

/** `a + b`, saturating at Number.MAX_SAFE_INTEGER: a cost is never Infinity, NaN or an inexact integer. */
export function add(a: number, b: number): number {
  const sum = a + b;
  return sum > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : sum;
}

/** `a × b`, saturating at Number.MAX_SAFE_INTEGER (both are ≥ 0). */
export function times(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  const product = a * b;
  return product > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : product;
}
