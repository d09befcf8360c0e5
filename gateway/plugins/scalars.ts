import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import {
  BREAK,
  type DocumentNode,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLScalarType,
  type GraphQLSchema,
  type GraphQLType,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInputType,
  isListType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  type OperationDefinitionNode,
  print,
  TypeInfo,
  typeFromAST,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { CUSTOM_SCALARS, SCALAR_HINTS } from '../../subgraphs/contract/index.ts';
import type { GatewayContext } from '../context.ts';

/**
 * The gateway's API schema (built by @apollo/gateway from the supergraph) knows `SafeInt` and `DateTime` only
 * by name: as plain scalars they accept anything, and a bad value used to reach a subgraph, which refused it
 * with an internal error. This plugin checks every custom-scalar value, in literals and in variables, with
 * the subgraphs' own scalar objects before the operation is planned. It only checks: the variables the
 * gateway forwards are the client's, unchanged.
 */

type Scalars = Readonly<Record<string, GraphQLScalarType>>;

/** A value a scalar refused: where it is (argument or variable, then fields and list indexes) and what. */
interface BadValue {
  path: (string | number)[];
  value: string;
  scalar: string;
}

/** Longest excerpt of a refused value quoted back in a message. */
const MAX_QUOTED = 60;

function quote(value: string): string {
  return value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
}

function refusal(subject: string, bad: BadValue, extensions: Record<string, unknown>, node?: ValueNode) {
  const hint = SCALAR_HINTS[bad.scalar] ?? `send a valid ${bad.scalar}`;
  // Printed as graphql-js prints a value's path: input.lines[1].amountFen.
  const printed = bad.path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
  const at = bad.path.length > 1 ? ` at "${printed}"` : '';
  return new GraphQLError(
    `${subject} got invalid value ${quote(bad.value)}${at}: it is not a valid ${bad.scalar}; ${hint}.`,
    { nodes: node, extensions: { code: 'BAD_USER_INPUT', ...extensions, http: { status: 400 } } },
  );
}

/** Refuses to serve a schema with a custom scalar the gateway cannot check (add it to subgraphs/contract/scalars.ts). */
export function assertScalarsCheckable(schema: GraphQLSchema, scalars: Scalars = CUSTOM_SCALARS): void {
  const unchecked = Object.values(schema.getTypeMap())
    .filter((t) => isScalarType(t) && !isSpecifiedScalarType(t) && !scalars[t.name])
    .map((t) => t.name);
  if (unchecked.length > 0) {
    throw new Error(
      `The supergraph has custom scalars the gateway cannot check: ${unchecked.join(', ')}. ` +
        'Add each to CUSTOM_SCALARS in subgraphs/contract/scalars.ts.',
    );
  }
}

/** The scalar at a position, seeing through lists where a single value stands for a one-item list. */
function scalarAt(type: GraphQLInputType | undefined | null, isList: boolean, scalars: Scalars) {
  let nullable = type ? getNullableType(type) : undefined;
  while (!isList && isListType(nullable)) nullable = getNullableType(nullable.ofType);
  return isScalarType(nullable) ? scalars[nullable.name] : undefined;
}

/**
 * The first literal in the document (argument, input field, list item or variable default) that its custom
 * scalar refuses. One visit of each definition: fragments are walked where they are defined, not inlined.
 */
export function findBadLiteral(schema: GraphQLSchema, document: DocumentNode, scalars: Scalars = CUSTOM_SCALARS) {
  const typeInfo = new TypeInfo(schema);
  const path: (string | number)[] = [];
  let owner = '';
  let found: GraphQLError | null = null;
  const checkValue = (node: ValueNode) => {
    if (node.kind === Kind.VARIABLE || node.kind === Kind.NULL) return;
    // Entering a list, TypeInfo already holds its item type; the list's own type is the parent's.
    const isList = node.kind === Kind.LIST;
    const type = isList ? typeInfo.getParentInputType() : typeInfo.getInputType();
    const scalar = scalarAt(type ?? undefined, isList, scalars);
    if (!scalar) return;
    try {
      scalar.parseLiteral(node, undefined);
    } catch {
      const bad = { path: [...path], value: print(node), scalar: scalar.name };
      const first = String(path[0]);
      found = first.startsWith('$')
        ? refusal(`The default value of variable "${first}"`, bad, { variableName: first.slice(1) }, node)
        : refusal(`Argument "${first}" of ${owner}`, bad, { argumentName: first }, node);
      return BREAK;
    }
    // A scalar's literal is one value: whatever it contains is not checked field by field.
    return false;
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      VariableDefinition: {
        enter: (node) => void path.push(`$${node.variable.name.value}`),
        leave: () => void path.pop(),
      },
      Argument: {
        enter: (node) => {
          const directive = typeInfo.getDirective();
          owner = directive ? `@${directive.name}` : `field "${typeInfo.getFieldDef()?.name ?? '?'}"`;
          path.push(node.name.value);
        },
        leave: () => void path.pop(),
      },
      ObjectField: { enter: (node) => void path.push(node.name.value), leave: () => void path.pop() },
      IntValue: checkValue,
      FloatValue: checkValue,
      StringValue: checkValue,
      BooleanValue: checkValue,
      EnumValue: checkValue,
      ListValue: { enter: checkValue },
      ObjectValue: { enter: checkValue },
    }),
  );
  return found as GraphQLError | null;
}

/** The first custom-scalar value in `value` (of input type `type`) that its scalar refuses. */
function findBadInput(type: GraphQLInputType, value: unknown, scalars: Scalars): BadValue | null {
  // Nulls, missing fields and wrong shapes are the gateway's own variable checks; only scalars are ours.
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return findBadInput(nullable.ofType, value, scalars);
    for (const [index, item] of value.entries()) {
      const bad = findBadInput(nullable.ofType, item, scalars);
      if (bad) return { ...bad, path: [index, ...bad.path] };
    }
    return null;
  }
  if (isInputObjectType(nullable)) {
    if (typeof value !== 'object' || Array.isArray(value)) return null;
    const fields = nullable.getFields();
    for (const [key, fieldValue] of Object.entries(value)) {
      const field = fields[key];
      const bad = field ? findBadInput(field.type, fieldValue, scalars) : null;
      if (bad) return { ...bad, path: [key, ...bad.path] };
    }
    return null;
  }
  const scalar = isScalarType(nullable) ? scalars[nullable.name] : undefined;
  if (!scalar) return null;
  try {
    scalar.parseValue(value);
    return null;
  } catch {
    return { path: [], value: JSON.stringify(value) ?? String(value), scalar: scalar.name };
  }
}

/** The first variable value of `operation` that a custom scalar refuses, as a BAD_USER_INPUT error. */
export function findBadVariable(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  scalars: Scalars = CUSTOM_SCALARS,
): GraphQLError | null {
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type) || !Object.hasOwn(variables, name)) continue;
    const bad = findBadInput(type, variables[name], scalars);
    if (bad) return refusal(`Variable "$${name}"`, { ...bad, path: [name, ...bad.path] }, { variableName: name });
  }
  return null;
}

/**
 * Refuses an operation with a bad custom-scalar value (HTTP 400 `BAD_USER_INPUT`, naming the variable or
 * argument) before it is planned, so no subgraph is called.
 */
export function checkedScalars(scalars: Scalars = CUSTOM_SCALARS): ApolloServerPlugin<GatewayContext> {
  // Validated documents are cached by Apollo Server, so each distinct document's literals are checked once.
  const literalChecks = new WeakMap<DocumentNode, GraphQLError | null>();
  // Whether an operation has a variable whose type holds a custom scalar: most have none, and are not walked.
  const checksVariables = new WeakMap<OperationDefinitionNode, boolean>();
  // One listener for every request: it keeps nothing per request.
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ schema, document, operation, request }) {
      let literal = literalChecks.get(document);
      if (literal === undefined) {
        literal = findBadLiteral(schema, document, scalars);
        literalChecks.set(document, literal);
      }
      // A fresh error each time: Apollo Server adds to the one it is given.
      if (literal) throw new GraphQLError(literal.message, { nodes: literal.nodes, extensions: literal.extensions });
      if (!operation?.variableDefinitions?.length) return;
      let checks = checksVariables.get(operation);
      if (checks === undefined) {
        checks = operation.variableDefinitions.some((definition) =>
          holdsCustomScalar(typeFromAST(schema, definition.type), scalars, new Set()),
        );
        checksVariables.set(operation, checks);
      }
      const variable = checks ? findBadVariable(schema, operation, request.variables ?? {}, scalars) : null;
      if (variable) throw variable;
    },
  };
  return {
    async serverWillStart() {
      return {
        schemaDidLoadOrUpdate: ({ apiSchema }) => assertScalarsCheckable(apiSchema, scalars),
      };
    },
    requestDidStart: async () => listener,
  };
}

/** Whether a value of `type` can contain a custom scalar, in itself, its list items or its input fields. */
function holdsCustomScalar(type: GraphQLType | undefined, scalars: Scalars, seen: Set<string>): boolean {
  if (!type) return false;
  const named = getNamedType(type);
  if (isScalarType(named)) return scalars[named.name] !== undefined;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => holdsCustomScalar(field.type, scalars, seen));
}
