import {
  type CompositeType,
  ERRORS,
  type Field as FieldElement,
  type FieldSelection,
  type FragmentElement,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  isValidLeafValue,
  type NamedType,
  type Operation,
  type Schema,
  type SelectionSet,
  type Type,
  typenameFieldName,
  Variable,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { responseObject } from './response-object.ts';

/**
 * The client's response from the merged subgraph data, exactly as `@apollo/gateway`'s `computeResponse` makes
 * it (same fields in the same order, same null bubbling, same errors), from a shape compiled once per operation:
 * `computeResponse` walks the operation's selection objects on every request, looking up each selection's
 * @skip/@include directives and response name once per object of the response.
 */
export interface CompiledShape {
  schema: Schema;
  rootType: CompositeType;
  steps: Step[];
  /** The operation's variables with default values, under the request's own. */
  defaults: Record<string, unknown>;
}

/** An `if:` argument: a constant, or the name of the variable that gives it. */
type If = boolean | { variable: string } | undefined;

interface Conditions {
  skip: If;
  include: If;
}

type Step = Conditions &
  (
    | { kind: 'introspection'; responseName: string; selection: FieldSelection }
    | { kind: 'typename'; responseName: string }
    | { kind: 'field'; responseName: string; type: Type; steps: Step[] | undefined }
    | { kind: 'fragment'; typeCondition: CompositeType | undefined; steps: Step[]; applies: Map<string, boolean> }
  );

export function compileShape(operation: Operation): CompiledShape {
  const schema = operation.schema();
  const rootType = schema.schemaDefinition.rootType(operation.rootKind);
  if (!rootType) throw new Error(`The schema has no ${operation.rootKind} type`);
  return {
    schema,
    rootType,
    steps: compileSet(schema, operation.selectionSet),
    defaults: operation.collectDefaultedVariableValues(),
  };
}

function compileSet(schema: Schema, set: SelectionSet): Step[] {
  return set.selections().map((selection): Step => {
    const conditions = conditionsOf(schema, selection.element);
    if (selection.kind === 'FragmentSelection') {
      const fragment = selection.element as FragmentElement;
      return {
        ...conditions,
        kind: 'fragment',
        typeCondition: fragment.typeCondition,
        steps: compileSet(schema, selection.selectionSet),
        applies: new Map(),
      };
    }
    const field = selection.element as FieldElement;
    const responseName = field.responseName();
    if (field.definition.isSchemaIntrospectionField())
      return { ...conditions, kind: 'introspection', responseName, selection: selection as FieldSelection };
    if (field.name === typenameFieldName) return { ...conditions, kind: 'typename', responseName };
    const steps = selection.selectionSet ? compileSet(schema, selection.selectionSet) : undefined;
    return { ...conditions, kind: 'field', responseName, type: field.definition.type as Type, steps };
  });
}

function conditionsOf(schema: Schema, element: FieldElement | FragmentElement): Conditions {
  const ifOf = (directive: { arguments(): { if?: unknown } } | undefined): If => {
    if (!directive) return undefined;
    const value = directive.arguments().if;
    return value instanceof Variable ? { variable: value.name } : Boolean(value);
  };
  return {
    skip: ifOf(element.appliedDirectivesOf(schema.skipDirective())[0]),
    include: ifOf(element.appliedDirectivesOf(schema.includeDirective())[0]),
  };
}

/** What one shaping shares: variables, errors, and the flags the last `updateValue` call left. */
interface Shaping {
  schema: Schema;
  variables: Record<string, unknown>;
  errors: GraphQLError[];
  introspect: (selection: FieldSelection) => unknown;
  /** Set by each updateValue: the value is null where it may not be, so its parent becomes null too. */
  invalid: boolean;
  /** Set by each updateValue: an error was already reported for this value. */
  hasErrors: boolean;
}

export function shapeData(
  shape: CompiledShape,
  input: Record<string, unknown>,
  variables: Record<string, unknown> | undefined,
  introspect: (selection: FieldSelection) => unknown,
): { data: Record<string, unknown> | null; errors: GraphQLError[] } {
  const shaping: Shaping = {
    schema: shape.schema,
    variables: { __proto__: null, ...shape.defaults, ...variables },
    errors: [],
    introspect,
    invalid: false,
    hasErrors: false,
  };
  const data = responseObject();
  const bubbled = applySteps(shaping, input, shape.steps, data, [], shape.rootType);
  return { data: bubbled ? null : data, errors: shaping.errors };
}

function ifValue(value: If, variables: Record<string, unknown>): boolean {
  if (typeof value !== 'object') return value === true;
  const given = variables[value.variable];
  if (typeof given !== 'boolean') throw new Error(`Unexpected value ${given} for variable $${value.variable}`);
  return given;
}

function skipped(step: Conditions, variables: Record<string, unknown>): boolean {
  return (
    (step.skip !== undefined && ifValue(step.skip, variables)) ||
    (step.include !== undefined && !ifValue(step.include, variables))
  );
}

/** Writes `steps` of `input` into `output`; true when a non-null field was null (the parent becomes null). */
function applySteps(
  shaping: Shaping,
  input: Record<string, unknown>,
  steps: Step[],
  output: Record<string, unknown>,
  path: (string | number)[],
  parentType: CompositeType,
): boolean {
  for (const step of steps) {
    if ((step.skip !== undefined || step.include !== undefined) && skipped(step, shaping.variables)) continue;
    switch (step.kind) {
      case 'introspection':
        if (output[step.responseName] === undefined) output[step.responseName] = shaping.introspect(step.selection);
        break;
      case 'typename': {
        if (output[step.responseName] !== undefined) break;
        let value = own(input, step.responseName) ?? null;
        if (value === null && step.responseName !== typenameFieldName) value = input[typenameFieldName] ?? null;
        const type = typeof value === 'string' ? (shaping.schema.type(value) ?? parentType) : parentType;
        if (!isObjectType(type)) return true;
        output[step.responseName] = type.name;
        break;
      }
      case 'field': {
        path.push(step.responseName);
        output[step.responseName] = updateValue(
          shaping,
          output[step.responseName],
          step.type,
          own(input, step.responseName) ?? null,
          step.steps,
          path,
          parentType,
        );
        path.pop();
        if (shaping.invalid) return true;
        break;
      }
      case 'fragment': {
        const typename = input[typenameFieldName];
        if (typename && typeof typename !== 'string')
          throw new Error(`Got unexpected value for __typename: ${typename}`);
        if (applies(shaping.schema, step, (typename as string) || undefined, parentType)) {
          if (applySteps(shaping, input, step.steps, output, path, step.typeCondition ?? parentType)) return true;
        }
        break;
      }
    }
  }
  return false;
}

function applies(
  schema: Schema,
  step: { typeCondition: CompositeType | undefined; applies: Map<string, boolean> },
  typename: string | undefined,
  parentType: CompositeType,
): boolean {
  const { typeCondition } = step;
  if (!typeCondition) return true;
  // Memoised by runtime type: the same few types meet the same fragment on every object of a list.
  const key = typename === undefined ? `parent ${parentType.name}` : typename;
  let result = step.applies.get(key);
  if (result === undefined) {
    if (typename !== undefined) {
      const type = schema.type(typename);
      result = !!type && isSubtype(typeCondition, type);
    } else {
      result = isSubtype(typeCondition, parentType);
    }
    step.applies.set(key, result);
  }
  return result;
}

/** The merged value of one field (or list element); leaves `shaping.invalid` and `shaping.hasErrors` set. */
function updateValue(
  shaping: Shaping,
  outputValue: unknown,
  type: Type,
  inputValue: unknown,
  steps: Step[] | undefined,
  path: (string | number)[],
  parentType: CompositeType,
): unknown {
  if (outputValue === null || (outputValue !== undefined && !steps)) return done(shaping, outputValue, false, false);
  if (isNonNullType(type)) {
    const updated = updateValue(shaping, outputValue, type.ofType, inputValue, steps, path, parentType);
    if (updated !== null) return done(shaping, updated, false, false);
    if (!shaping.hasErrors)
      shaping.errors.push(
        ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(path, type.ofType, parentType)}.`, {
          path: Array.from(path),
        }),
      );
    return done(shaping, null, true, true);
  }
  if (inputValue === null) return done(shaping, null, false, false);
  if (isListType(type)) {
    if (!Array.isArray(inputValue))
      throw new Error(`Invalid non-list value ${inputValue} returned by subgraph for list type ${type}`);
    if (outputValue !== undefined && !Array.isArray(outputValue))
      throw new Error(`Invalid non-list value ${outputValue} returned by subgraph for list type ${type}`);
    // No output yet (the usual case): each element starts from undefined, without an array of undefineds.
    const outputs = outputValue as unknown[] | undefined;
    if (outputs && inputValue.length !== outputs.length)
      throw new Error(`[${inputValue}].length (${inputValue.length}) !== [${outputs}].length (${outputs.length})`);
    let nullify = false;
    let hasErrors = false;
    const updated = new Array(inputValue.length);
    for (let i = 0; i < inputValue.length; i++) {
      path.push(i);
      updated[i] = updateValue(shaping, outputs?.[i], type.ofType, inputValue[i], steps, path, parentType);
      path.pop();
      nullify ||= shaping.invalid;
      hasErrors ||= shaping.hasErrors;
    }
    return done(shaping, nullify ? null : updated, false, hasErrors);
  }
  if (isCompositeType(type)) {
    if (!steps) throw new Error(`Invalid empty selection set for composite type ${type}`);
    if (typeof inputValue !== 'object')
      throw new Error(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`);
    if (outputValue !== undefined && typeof outputValue !== 'object')
      throw new Error(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${type}`);
    const input = inputValue as Record<string, unknown>;
    const typename = input[typenameFieldName];
    if (typename !== undefined && typeof typename !== 'string')
      throw new Error(`Invalid non-string value ${typename} for __typename at ${path}`);
    let objectType: CompositeType = type;
    if (typename) {
      const named = shaping.schema.type(typename) as NamedType | undefined;
      if (!named || !isCompositeType(named)) {
        shaping.errors.push(
          ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(path, type, parentType)}.`, {
            path: Array.from(path),
          }),
        );
        return done(shaping, null, false, true);
      }
      objectType = named;
    }
    const output = (outputValue as Record<string, unknown> | undefined) ?? responseObject<Record<string, unknown>>();
    const bubbled = applySteps(shaping, input, steps, output, path, objectType);
    return done(shaping, bubbled ? null : output, false, bubbled);
  }
  if (outputValue !== undefined) throw new Error(`Excepted output to be undefined but got ${type} for type ${type}`);
  // An output field's type that is neither wrapper nor composite is a leaf (scalar or enum).
  const valid = isValidLeafValue(shaping.schema, inputValue, type as Parameters<typeof isValidLeafValue>[2]);
  if (!valid)
    shaping.errors.push(
      ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(path, type, parentType)}.`, {
        path: Array.from(path),
      }),
    );
  return done(shaping, valid ? inputValue : null, false, !valid);
}

function done(shaping: Shaping, value: unknown, invalid: boolean, hasErrors: boolean): unknown {
  shaping.invalid = invalid;
  shaping.hasErrors = hasErrors;
  return value;
}

function describe(path: (string | number)[], type: Type, parentType: CompositeType): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? `field ${parentType}.${last}` : `array element of type ${type} at index ${last}`;
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}
