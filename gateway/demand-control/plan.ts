import {
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isObjectType,
  Kind,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';
import { hasVariables, valueNodeCost } from './arguments.ts';
import { add, type CostModel, type ListSizeRule } from './cost-model.ts';

/**
 * One field of the response as execution resolves it: the field nodes of one response key under one runtime type,
 * merged as GraphQL's CollectFields merges them (a field selected twice under the same key is resolved, and costed,
 * once; each alias is its own field), with what its cost needs resolved once.
 */
export interface FieldPlan {
  /** The response key: the alias, else the field name. */
  readonly key: string;
  /** The first of the merged nodes: validation makes their arguments equal. */
  readonly node: FieldNode;
  readonly definition: GraphQLField<unknown, unknown>;
  /** Cost of each instance: the field's `@cost`, else its type's, else 1 for objects, interfaces, unions, 0 for leaves. */
  readonly weight: number;
  readonly isList: boolean;
  /** The field's own `@listSize`. */
  readonly listSize: ListSizeRule | undefined;
  /** Whether the parent field's `@listSize` names this field in `sizedFields` (a connection's `edges`). */
  readonly sizedByParent: boolean;
  /** Cost of the arguments given as literals without variables. */
  readonly fixedArgumentsCost: number;
  /** Arguments whose cost depends on the variables. */
  readonly variableArguments: readonly ArgumentPlan[];
  /** Whether the arguments can cost anything: when false, `argumentsCost` is 0 without looking. */
  readonly hasArguments: boolean;
  /** The composite type of the selection below, if any. */
  readonly childType: GraphQLCompositeType | undefined;
  readonly childSets: readonly SelectionSetNode[];
  /** The fields below, by runtime type: compiled on first use, then kept with the plan. */
  children: ChildPlans | undefined;
  readonly context: PlanContext;
}

interface ArgumentPlan {
  readonly value: ValueNode;
  readonly type: GraphQLInputType;
  readonly weight: number | undefined;
}

/** The fields below a composite field, for each object type its value can have at runtime. */
export interface ChildPlans {
  /** The fields when the child type is an object type (one possible runtime type). */
  readonly single: readonly FieldPlan[] | undefined;
  readonly byType: ReadonlyMap<string, readonly FieldPlan[]>;
  /** The same lists, for taking the most expensive one. */
  readonly types: readonly (readonly FieldPlan[])[];
  /** Response keys of `__typename` selections, which tell a value's runtime type. */
  readonly typenameKeys: readonly string[];
}

/** A compiled operation: its base cost and its root fields. */
export interface OperationPlan {
  readonly base: number;
  readonly fields: readonly FieldPlan[];
}

interface PlanContext {
  readonly model: CostModel;
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** The values of the variables that @skip / @include read (only those: the plan is shared by every request). */
  readonly conditions: ReadonlyMap<string, boolean>;
}

interface CompiledOperation {
  readonly model: CostModel;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly conditionVariables: readonly string[];
  /** Plans by the values of `conditionVariables` (usually none, so one plan). */
  readonly plans: Map<string, OperationPlan>;
}

/** Plans kept per operation, one per combination of @skip / @include variable values seen. */
const MAX_PLANS_PER_OPERATION = 16;

const compiled = new WeakMap<OperationDefinitionNode, CompiledOperation>();

/**
 * The plan of an operation, compiled once per parsed operation (Apollo Server reuses parsed documents) and per
 * combination of the values of its @skip / @include variables, so that the actual cost of each response only walks
 * the data. Compiling is linear in the operation expanded (each fragment is collected once per selection, as
 * execution does), which the gateway's structural limits bound before any cost is computed.
 */
export function operationPlan(
  model: CostModel,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): OperationPlan {
  let entry = compiled.get(operation);
  if (!entry || entry.model !== model || entry.schema !== schema || entry.document !== document) {
    entry = { model, schema, document, conditionVariables: conditionVariablesOf(document), plans: new Map() };
    compiled.set(operation, entry);
  }
  const signature = entry.conditionVariables.map((name) => (variables[name] === true ? '1' : '0')).join('');
  let plan = entry.plans.get(signature);
  if (!plan) {
    const conditions = new Map(entry.conditionVariables.map((name) => [name, variables[name] === true]));
    plan = compileOperation(model, schema, document, operation, conditions);
    if (entry.plans.size >= MAX_PLANS_PER_OPERATION) entry.plans.clear();
    entry.plans.set(signature, plan);
  }
  return plan;
}

function compileOperation(
  model: CostModel,
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  conditions: ReadonlyMap<string, boolean>,
): OperationPlan {
  const base = model.operationBaseCost[operation.operation];
  const root = schema.getRootType(operation.operation);
  if (!root) return { base, fields: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const context: PlanContext = { model, schema, fragments, conditions };
  return { base, fields: fieldPlans(context, root, [operation.selectionSet], undefined).fields };
}

/** The children of a composite field, compiled on first use. */
export function childPlans(field: FieldPlan): ChildPlans {
  if (field.children) return field.children;
  const { context, childType } = field;
  const types = !childType ? [] : isObjectType(childType) ? [childType] : context.schema.getPossibleTypes(childType);
  const byType = new Map<string, readonly FieldPlan[]>();
  const typenameKeys = new Set<string>();
  for (const type of types) {
    const collected = fieldPlans(context, type, field.childSets, field.listSize);
    byType.set(type.name, collected.fields);
    for (const key of collected.typenameKeys) typenameKeys.add(key);
  }
  field.children = {
    single: childType && isObjectType(childType) ? (byType.get(childType.name) ?? []) : undefined,
    byType,
    types: [...byType.values()],
    typenameKeys: [...typenameKeys],
  };
  return field.children;
}

/** Cost of a field's arguments with these variables. */
export function argumentsCost(field: FieldPlan, variables: Record<string, unknown>): number {
  let cost = field.fixedArgumentsCost;
  for (const arg of field.variableArguments) {
    cost = add(cost, valueNodeCost(field.context.model, arg.value, arg.type, arg.weight, variables));
  }
  return cost;
}

/** Collects the fields of `sets` for runtime type `type` and plans those that can cost (not `__` meta-fields). */
function fieldPlans(
  context: PlanContext,
  type: GraphQLObjectType,
  sets: readonly SelectionSetNode[],
  parentListSize: ListSizeRule | undefined,
): { fields: FieldPlan[]; typenameKeys: string[] } {
  const groups = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  for (const set of sets) collectFields(context, type, set, groups, visited);
  const fields: FieldPlan[] = [];
  const typenameKeys: string[] = [];
  for (const [key, nodes] of groups) {
    const name = (nodes[0] as FieldNode).name.value;
    if (name === '__typename') typenameKeys.push(key);
    if (name.startsWith('__')) continue;
    const plan = fieldPlan(context, type, key, nodes, parentListSize);
    // Leaves that weigh nothing and take no costly argument (most scalars) can never cost: walks skip them.
    if (plan && (plan.childType || plan.weight > 0 || plan.hasArguments)) fields.push(plan);
  }
  return { fields, typenameKeys };
}

/** GraphQL's CollectFields: fields by response key, through included fragments that apply to `type`. */
function collectFields(
  context: PlanContext,
  type: GraphQLObjectType,
  set: SelectionSetNode,
  groups: Map<string, FieldNode[]>,
  visited: Set<string>,
): void {
  for (const selection of set.selections) {
    if (!isIncluded(context, selection.directives)) continue;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const group = groups.get(key);
      if (group) group.push(selection);
      else groups.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (appliesTo(context, selection.typeCondition, type)) {
        collectFields(context, type, selection.selectionSet, groups, visited);
      }
    } else {
      const name = selection.name.value;
      if (visited.has(name)) continue;
      visited.add(name);
      const fragment = context.fragments.get(name);
      if (fragment && appliesTo(context, fragment.typeCondition, type)) {
        collectFields(context, type, fragment.selectionSet, groups, visited);
      }
    }
  }
}

function fieldPlan(
  context: PlanContext,
  parent: GraphQLObjectType,
  key: string,
  nodes: FieldNode[],
  parentListSize: ListSizeRule | undefined,
): FieldPlan | undefined {
  const node = nodes[0] as FieldNode;
  const name = node.name.value;
  const definition = parent.getFields()[name];
  if (!definition) return undefined;
  const { model } = context;
  // A field declared on an interface may carry its directives there only.
  const owners = [parent.name, ...parent.getInterfaces().map((i) => i.name)];
  const lookup = <T>(map: ReadonlyMap<string, T>, suffix: string) => {
    for (const owner of owners) {
      const found = map.get(`${owner}.${name}${suffix}`);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const named = getNamedType(definition.type);
  const composite = isCompositeType(named) ? named : undefined;
  let fixedArgumentsCost = 0;
  const variableArguments: ArgumentPlan[] = [];
  for (const arg of node.arguments ?? []) {
    const argDefinition = definition.args.find((a) => a.name === arg.name.value);
    if (!argDefinition) continue;
    const weight = lookup(model.weights, `(${arg.name.value}:)`);
    // Scalar and enum arguments cost nothing unless they have a @cost.
    if (weight === undefined && !isInputObjectType(getNamedType(argDefinition.type))) continue;
    const plan = { value: arg.value, type: argDefinition.type, weight };
    if (hasVariables(arg.value)) variableArguments.push(plan);
    else fixedArgumentsCost = add(fixedArgumentsCost, valueNodeCost(model, arg.value, plan.type, weight, {}));
  }
  return {
    key,
    node,
    definition,
    weight: lookup(model.weights, '') ?? model.weights.get(named.name) ?? (composite ? 1 : 0),
    isList: isListType(getNullableType(definition.type)),
    listSize: lookup(model.listSizes, ''),
    sizedByParent: parentListSize?.sizedFields.includes(name) ?? false,
    fixedArgumentsCost,
    variableArguments,
    hasArguments: fixedArgumentsCost > 0 || variableArguments.length > 0,
    childType: composite,
    childSets: nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : [])),
    children: undefined,
    context,
  };
}

/** Whether a fragment with this type condition applies to a value of runtime type `type`. */
function appliesTo(context: PlanContext, condition: NamedTypeNode | undefined, type: GraphQLObjectType): boolean {
  if (!condition || condition.name.value === type.name) return true;
  const conditionType = context.schema.getType(condition.name.value);
  return isAbstractType(conditionType) && context.schema.isSubType(conditionType, type);
}

/** @skip / @include, with literal conditions or the plan's variable values. */
function isIncluded(context: PlanContext, directives: readonly DirectiveNode[] | undefined): boolean {
  if (!directives) return true;
  for (const directive of directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const value = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    const condition =
      value?.kind === Kind.BOOLEAN
        ? value.value
        : value?.kind === Kind.VARIABLE
          ? context.conditions.get(value.name.value) === true
          : undefined;
    if (condition === undefined) continue;
    if (name === 'skip' ? condition : !condition) return false;
  }
  return true;
}

/** Names of the variables that @skip / @include read anywhere in the document. */
function conditionVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      const value = node.arguments?.find((a) => a.name.value === 'if')?.value;
      if (value?.kind === Kind.VARIABLE) names.add(value.name.value);
    },
  });
  return [...names].sort();
}
