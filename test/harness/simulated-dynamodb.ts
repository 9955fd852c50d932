/**
 * A DynamoDB table emulation for the offline harness: GetItem, PutItem, UpdateItem, DeleteItem,
 * Query and TransactWriteItems, as the concurrency pool uses them, with the expression syntax
 * they need (comparisons, AND/OR/NOT, parentheses, attribute_exists, attribute_not_exists,
 * begins_with; SET with `+`/`-` and if_not_exists, ADD, REMOVE) and DynamoDB's errors.
 *
 * Values are kept in DynamoDB's JSON (`{ S }`, `{ N }`, ...). Every operation is atomic (one
 * JavaScript turn), after an optional latency in virtual time, so concurrent executions
 * interleave between operations, never inside one, as DynamoDB's conditional writes and
 * transactions guarantee. It does not model throttling, transaction conflicts or eventual
 * consistency (every read is strongly consistent).
 */
import { SimulatedStatesError } from './simulated-ecs';

export type AttributeValue = { S?: string; N?: string; BOOL?: boolean; NULL?: boolean; M?: Record<string, AttributeValue>; L?: AttributeValue[] };
export type Item = Record<string, AttributeValue>;

export interface TableSchema {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Global secondary indexes by name (all attributes projected). */
  readonly indexes?: Record<string, { partitionKey: string; sortKey?: string }>;
}

export interface SimulatedDynamoDbOptions {
  /** Virtual milliseconds before each operation takes effect. @default 0 */
  readonly latencyMs?: number;
}

/** The optimized integration names its errors `DynamoDB.*`; the AWS SDK integration `DynamoDb.*`. */
const OPTIMIZED_PREFIX = 'DynamoDB';
const SDK_PREFIX = 'DynamoDb';

/** What a change did, passed to `onChange` listeners after every write that changed something. */
export interface TableChange {
  readonly table: string;
  readonly operation: string;
  readonly key: Item;
  readonly before?: Item;
  readonly after?: Item;
}

export class SimulatedDynamoDb {
  /** Calls by operation name (including failed ones). */
  readonly calls: Record<string, number> = {};
  /** Conditional checks that failed (single writes) and cancelled transactions. */
  conditionalFailures = 0;
  transactionsCancelled = 0;

  private readonly tables = new Map<string, { schema: TableSchema; items: Map<string, Item> }>();
  private readonly listeners: Array<(change: TableChange) => void> = [];
  private readonly latencyMs: number;

  constructor(options: SimulatedDynamoDbOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  createTable(name: string, schema: TableSchema): void {
    this.tables.set(name, { schema, items: new Map() });
  }

  /** Called after every write that changed an item. */
  onChange(listener: (change: TableChange) => void): void {
    this.listeners.push(listener);
  }

  /** Every item of a table (copies). */
  items(table: string): Item[] {
    return [...this.table(table).items.values()].map(clone);
  }

  /** An item by its key, or undefined. */
  get(table: string, key: Item): Item | undefined {
    const found = this.table(table).items.get(this.keyString(table, key));
    return found ? clone(found) : undefined;
  }

  /**
   * Local handlers for every Task state of `definition` (at any depth) whose resource is a
   * DynamoDB integration: `arn:aws:states:::dynamodb:<action>` or
   * `arn:aws:states:::aws-sdk:dynamodb:<action>`, by state name. A JSONata state's `Arguments`
   * are evaluated by the harness before its handler is called (see jsonata-states.ts).
   */
  handlersFor(...definitions: any[]): Record<string, (params: any) => Promise<any>> {
    const handlers: Record<string, (params: any) => Promise<any>> = {};
    const walk = (machine: any) => {
      for (const [name, state] of Object.entries<any>(machine?.States ?? {})) {
        if (state.Type === 'Parallel') (state.Branches ?? []).forEach(walk);
        if (state.Type === 'Map') walk(state.ItemProcessor ?? state.Iterator);
        if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
        const optimized = /^arn:aws:states:::dynamodb:(\w+)$/.exec(state.Resource);
        const sdk = /^arn:aws:states:::aws-sdk:dynamodb:(\w+)$/.exec(state.Resource);
        const match = optimized ?? sdk;
        if (!match) continue;
        const prefix = optimized ? OPTIMIZED_PREFIX : SDK_PREFIX;
        const action = match[1];
        handlers[name] = (params: any) => this.call(action, params, prefix);
      }
    };
    definitions.forEach(walk);
    return handlers;
  }

  /** Runs one operation after the latency, as Step Functions' integration would. */
  async call(action: string, params: any, errorPrefix = SDK_PREFIX): Promise<any> {
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    this.calls[action] = (this.calls[action] ?? 0) + 1;
    switch (action) {
      case 'getItem': return this.getItem(params);
      case 'putItem': return this.putItem(params, errorPrefix);
      case 'updateItem': return this.updateItem(params, errorPrefix);
      case 'deleteItem': return this.deleteItem(params, errorPrefix);
      case 'query': return this.query(params);
      case 'transactWriteItems': return this.transactWriteItems(params, errorPrefix);
      default: throw new Error(`SimulatedDynamoDb: ${action} is not modelled`);
    }
  }

  getItem(params: any): any {
    const item = this.table(params.TableName).items.get(this.keyString(params.TableName, params.Key));
    return item ? { Item: project(clone(item), params.ProjectionExpression, params.ExpressionAttributeNames) } : {};
  }

  putItem(params: any, errorPrefix = SDK_PREFIX): any {
    const plan = this.planPut(params);
    if (!plan.ok) throw this.conditionFailed(errorPrefix);
    this.apply([plan]);
    return {};
  }

  updateItem(params: any, errorPrefix = SDK_PREFIX): any {
    const plan = this.planUpdate(params);
    if (!plan.ok) throw this.conditionFailed(errorPrefix);
    this.apply([plan]);
    const values = params.ReturnValues ?? 'NONE';
    if (values === 'ALL_NEW') return { Attributes: clone(plan.after!) };
    if (values === 'UPDATED_NEW') {
      const attributes: Item = {};
      for (const name of plan.updated!) if (plan.after![name] !== undefined) attributes[name] = clone(plan.after![name]);
      return { Attributes: attributes };
    }
    if (values === 'ALL_OLD') return plan.before ? { Attributes: clone(plan.before) } : {};
    return {};
  }

  deleteItem(params: any, errorPrefix = SDK_PREFIX): any {
    const plan = this.planDelete(params);
    if (!plan.ok) throw this.conditionFailed(errorPrefix);
    this.apply([plan]);
    return {};
  }

  query(params: any): any {
    this.checkUnused(params);
    const { schema, items } = this.table(params.TableName);
    const keys = params.IndexName ? schema.indexes?.[params.IndexName] : schema;
    if (!keys) throw new SimulatedStatesError(`${SDK_PREFIX}.ValidationException`, `The table does not have the specified index: ${params.IndexName}`);
    const names = params.ExpressionAttributeNames ?? {};
    const values = params.ExpressionAttributeValues ?? {};
    const condition = parseCondition(params.KeyConditionExpression);
    let matches = [...items.values()].filter((item) => item[keys.partitionKey] !== undefined
      && (!keys.sortKey || item[keys.sortKey] !== undefined)
      && evaluate(condition, item, names, values));
    const sortValue = (item: Item) => (keys.sortKey ? item[keys.sortKey] : undefined);
    const keyOf = (item: Item) => this.keyString(params.TableName, item);
    matches.sort((a, b) => compareValues(sortValue(a), sortValue(b)) || keyOf(a).localeCompare(keyOf(b)));
    if (params.ScanIndexForward === false) matches.reverse();
    if (params.ExclusiveStartKey) {
      const start = this.keyString(params.TableName, params.ExclusiveStartKey);
      const at = matches.findIndex((item) => this.keyString(params.TableName, item) === start);
      matches = at >= 0 ? matches.slice(at + 1) : matches;
    }
    let lastEvaluatedKey: Item | undefined;
    if (params.Limit !== undefined && matches.length > params.Limit) {
      matches = matches.slice(0, params.Limit);
      const last = matches[matches.length - 1];
      lastEvaluatedKey = this.keyOf(params.TableName, last);
      if (params.IndexName && keys.partitionKey) {
        lastEvaluatedKey[keys.partitionKey] = last[keys.partitionKey];
        if (keys.sortKey) lastEvaluatedKey[keys.sortKey] = last[keys.sortKey];
      }
    }
    const result: any = { Items: matches.map(clone), Count: matches.length, ScannedCount: matches.length };
    if (lastEvaluatedKey) result.LastEvaluatedKey = lastEvaluatedKey;
    return result;
  }

  transactWriteItems(params: any, errorPrefix = SDK_PREFIX): any {
    const actions: any[] = params.TransactItems ?? [];
    const seen = new Set<string>();
    const plans: Plan[] = actions.map((action) => {
      const [kind, body] = Object.entries<any>(action)[0];
      const id = `${body.TableName}/${this.keyString(body.TableName, kind === 'Put' ? body.Item : body.Key)}`;
      if (seen.has(id)) throw new SimulatedStatesError(`${errorPrefix}.ValidationException`, 'Transaction request cannot include multiple operations on one item');
      seen.add(id);
      switch (kind) {
        case 'Put': return this.planPut(body);
        case 'Update': return this.planUpdate(body);
        case 'Delete': return this.planDelete(body);
        case 'ConditionCheck': return this.planCheck(body);
        default: throw new Error(`SimulatedDynamoDb: transaction action ${kind} is not modelled`);
      }
    });
    if (plans.some((plan) => !plan.ok)) {
      this.transactionsCancelled++;
      const reasons = plans.map((plan) => (plan.ok ? 'None' : 'ConditionalCheckFailed')).join(', ');
      throw new SimulatedStatesError(`${errorPrefix}.TransactionCanceledException`,
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons}] (Service: DynamoDb, Status Code: 400, Request ID: simulated)`);
    }
    this.apply(plans);
    return {};
  }

  /** DynamoDB rejects a request whose ExpressionAttributeNames or Values hold an entry no expression uses. */
  private checkUnused(params: any): void {
    const used = new Set<string>();
    for (const field of ['ConditionExpression', 'UpdateExpression', 'KeyConditionExpression', 'ProjectionExpression', 'FilterExpression']) {
      if (typeof params[field] === 'string') for (const token of tokenize(params[field])) used.add(token);
    }
    for (const [field, kind] of [['ExpressionAttributeNames', 'names'], ['ExpressionAttributeValues', 'values']]) {
      for (const key of Object.keys(params[field] ?? {})) {
        if (!used.has(key)) {
          throw new SimulatedStatesError(`${SDK_PREFIX}.ValidationException`, `Value provided in ExpressionAttribute${kind === 'names' ? 'Names' : 'Values'} unused in expressions: keys: {${key}}`);
        }
      }
    }
  }

  private planPut(params: any): Plan {
    this.checkUnused(params);
    const key = this.keyOf(params.TableName, params.Item);
    const before = this.current(params.TableName, key);
    const ok = this.check(params, before);
    return { ok, table: params.TableName, key, before, after: clone(params.Item), operation: 'put' };
  }

  private planUpdate(params: any): Plan {
    this.checkUnused(params);
    const key = this.keyOf(params.TableName, params.Key);
    const before = this.current(params.TableName, key);
    const ok = this.check(params, before);
    if (!ok) return { ok, table: params.TableName, key, before, operation: 'update' };
    const { after, updated } = applyUpdate(before ?? clone(params.Key), params.UpdateExpression ?? '', params.ExpressionAttributeNames ?? {}, params.ExpressionAttributeValues ?? {});
    return { ok, table: params.TableName, key, before, after, updated, operation: 'update' };
  }

  private planDelete(params: any): Plan {
    this.checkUnused(params);
    const key = this.keyOf(params.TableName, params.Key);
    const before = this.current(params.TableName, key);
    return { ok: this.check(params, before), table: params.TableName, key, before, after: undefined, operation: 'delete' };
  }

  private planCheck(params: any): Plan {
    this.checkUnused(params);
    const key = this.keyOf(params.TableName, params.Key);
    const before = this.current(params.TableName, key);
    return { ok: this.check(params, before), table: params.TableName, key, before, after: before, operation: 'check' };
  }

  private check(params: any, item: Item | undefined): boolean {
    if (!params.ConditionExpression) return true;
    const names = params.ExpressionAttributeNames ?? {};
    return evaluate(parseCondition(params.ConditionExpression), item ?? {}, names, params.ExpressionAttributeValues ?? {});
  }

  private apply(plans: Plan[]): void {
    for (const plan of plans) {
      if (plan.operation === 'check') continue;
      const items = this.table(plan.table).items;
      const id = this.keyString(plan.table, plan.key);
      if (plan.after === undefined) items.delete(id);
      else items.set(id, clone(plan.after));
    }
    for (const plan of plans) {
      if (plan.operation === 'check') continue;
      const change = { table: plan.table, operation: plan.operation, key: plan.key, before: plan.before, after: plan.after };
      for (const listener of this.listeners) listener(change);
    }
  }

  private conditionFailed(prefix: string): Error {
    this.conditionalFailures++;
    return new SimulatedStatesError(`${prefix}.ConditionalCheckFailedException`, 'The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: simulated)');
  }

  private current(table: string, key: Item): Item | undefined {
    const found = this.table(table).items.get(this.keyString(table, key));
    return found ? clone(found) : undefined;
  }

  private table(name: string) {
    const table = this.tables.get(name);
    if (!table) throw new SimulatedStatesError(`${SDK_PREFIX}.ResourceNotFoundException`, `Requested resource not found: Table: ${name} not found`);
    return table;
  }

  private keyOf(table: string, item: Item): Item {
    const { schema } = this.table(table);
    const key: Item = { [schema.partitionKey]: item[schema.partitionKey] };
    if (schema.sortKey) key[schema.sortKey] = item[schema.sortKey];
    return clone(key);
  }

  private keyString(table: string, item: Item): string {
    const { schema } = this.table(table);
    const part = item[schema.partitionKey];
    if (part === undefined) throw new SimulatedStatesError(`${SDK_PREFIX}.ValidationException`, 'The provided key element does not match the schema');
    return JSON.stringify([part, schema.sortKey ? item[schema.sortKey] : null]);
  }
}

interface Plan {
  readonly ok: boolean;
  readonly table: string;
  readonly key: Item;
  readonly before?: Item;
  readonly after?: Item;
  readonly updated?: string[];
  readonly operation: 'put' | 'update' | 'delete' | 'check';
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'function'; name: string; args: Operand[] };
type Operand = { kind: 'path'; name: string } | { kind: 'value'; name: string };

const TOKEN = /\s*(<>|<=|>=|[()=<>,+-]|[#:]?[A-Za-z_][A-Za-z0-9_]*)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new SimulatedStatesError('DynamoDb.ValidationException', `Invalid expression near: ${text.slice(at)}`);
    tokens.push(match[1]);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

const parsedConditions = new Map<string, Node>();

export function parseCondition(text: string): Node {
  const cached = parsedConditions.get(text);
  if (cached) return cached;
  const tokens = tokenize(text);
  let i = 0;
  const peek = () => tokens[i];
  const take = (expected?: string) => {
    const token = tokens[i++];
    if (expected !== undefined && token?.toUpperCase() !== expected.toUpperCase()) {
      throw new SimulatedStatesError('DynamoDb.ValidationException', `Invalid expression: expected ${expected}, got ${token} in ${text}`);
    }
    return token;
  };
  const operand = (): Operand => {
    const token = take();
    return token.startsWith(':') ? { kind: 'value', name: token } : { kind: 'path', name: token };
  };
  const primary = (): Node => {
    if (peek() === '(') {
      take('(');
      const node = or();
      take(')');
      return node;
    }
    if (peek()?.toUpperCase() === 'NOT') {
      take();
      return { kind: 'not', operand: primary() };
    }
    if (/^(attribute_exists|attribute_not_exists|begins_with)$/.test(peek() ?? '') && tokens[i + 1] === '(') {
      const name = take();
      take('(');
      const args = [operand()];
      while (peek() === ',') {
        take(',');
        args.push(operand());
      }
      take(')');
      return { kind: 'function', name, args };
    }
    const left = operand();
    const op = take();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw new SimulatedStatesError('DynamoDb.ValidationException', `Invalid comparator ${op} in ${text}`);
    return { kind: 'compare', op, left, right: operand() };
  };
  const and = (): Node => {
    let node = primary();
    while (peek()?.toUpperCase() === 'AND') {
      take();
      node = { kind: 'and', left: node, right: primary() };
    }
    return node;
  };
  const or = (): Node => {
    let node = and();
    while (peek()?.toUpperCase() === 'OR') {
      take();
      node = { kind: 'or', left: node, right: and() };
    }
    return node;
  };
  const node = or();
  if (i !== tokens.length) throw new SimulatedStatesError('DynamoDb.ValidationException', `Invalid expression: unexpected ${tokens[i]} in ${text}`);
  parsedConditions.set(text, node);
  return node;
}

function resolveName(name: string, names: Record<string, string>): string {
  if (!name.startsWith('#')) return name;
  const resolved = names[name];
  if (resolved === undefined) throw new SimulatedStatesError('DynamoDb.ValidationException', `An expression attribute name used in the document path is not defined; attribute name: ${name}`);
  return resolved;
}

type Names = Record<string, string>;
type Values = Record<string, AttributeValue>;

function resolveOperand(operand: Operand, item: Item, names: Names, values: Values): AttributeValue | undefined {
  if (operand.kind === 'value') {
    const value = values[operand.name];
    if (value === undefined) throw new SimulatedStatesError('DynamoDb.ValidationException', `An expression attribute value used in expression is not defined; attribute value: ${operand.name}`);
    return value;
  }
  return item[resolveName(operand.name, names)];
}

function evaluate(node: Node, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>): boolean {
  switch (node.kind) {
    case 'and': return evaluate(node.left, item, names, values) && evaluate(node.right, item, names, values);
    case 'or': return evaluate(node.left, item, names, values) || evaluate(node.right, item, names, values);
    case 'not': return !evaluate(node.operand, item, names, values);
    case 'function': {
      const [first, second] = node.args;
      const value = resolveOperand(first, item, names, values);
      if (node.name === 'attribute_exists') return value !== undefined;
      if (node.name === 'attribute_not_exists') return value === undefined;
      const prefix = resolveOperand(second, item, names, values);
      return value?.S !== undefined && prefix?.S !== undefined && value.S.startsWith(prefix.S);
    }
    case 'compare': {
      const left = resolveOperand(node.left, item, names, values);
      const right = resolveOperand(node.right, item, names, values);
      // A missing attribute, or values of different types, make every comparison false.
      if (left === undefined || right === undefined || typeOf(left) !== typeOf(right)) return false;
      const order = compareValues(left, right);
      switch (node.op) {
        case '=': return order === 0;
        case '<>': return order !== 0;
        case '<': return order < 0;
        case '<=': return order <= 0;
        case '>': return order > 0;
        default: return order >= 0;
      }
    }
  }
}

function typeOf(value: AttributeValue): string {
  return Object.keys(value)[0];
}

function compareValues(a: AttributeValue | undefined, b: AttributeValue | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return a.S < b.S ? -1 : a.S > b.S ? 1 : 0;
  return 0;
}

/** Applies an UpdateExpression (SET, ADD, REMOVE clauses) to a copy of `item`. */
function applyUpdate(item: Item, expression: string, names: Names, values: Values): { after: Item; updated: string[] } {
  const after = clone(item);
  const updated: string[] = [];
  const tokens = tokenize(expression);
  let i = 0;
  const value = (): AttributeValue | undefined => {
    const token = tokens[i++];
    if (token === 'if_not_exists') {
      i++; // (
      const path = resolveName(tokens[i++], names);
      i++; // ,
      const fallback = value();
      i++; // )
      return item[path] ?? fallback;
    }
    if (token.startsWith(':')) {
      const v = values[token];
      if (v === undefined) throw new SimulatedStatesError('DynamoDb.ValidationException', `An expression attribute value used in expression is not defined; attribute value: ${token}`);
      return v;
    }
    return item[resolveName(token, names)];
  };
  const sum = (): AttributeValue => {
    let left = value();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++];
      const right = value();
      if (left?.N === undefined || right?.N === undefined) {
        throw new SimulatedStatesError('DynamoDb.ValidationException', 'The provided expression refers to an attribute that does not exist in the item, or an operand type is not a number');
      }
      left = { N: String(op === '+' ? Number(left.N) + Number(right.N) : Number(left.N) - Number(right.N)) };
    }
    if (left === undefined) throw new SimulatedStatesError('DynamoDb.ValidationException', 'The provided expression refers to an attribute that does not exist in the item');
    return left;
  };
  let clause = '';
  while (i < tokens.length) {
    const upper = tokens[i].toUpperCase();
    if (['SET', 'ADD', 'REMOVE'].includes(upper)) {
      clause = upper;
      i++;
      continue;
    }
    if (tokens[i] === ',') {
      i++;
      continue;
    }
    const path = resolveName(tokens[i++], names);
    updated.push(path);
    if (clause === 'SET') {
      i++; // =
      after[path] = sum();
    } else if (clause === 'ADD') {
      const add = value()!;
      const current = after[path];
      after[path] = { N: String(Number(current?.N ?? 0) + Number(add.N)) };
    } else if (clause === 'REMOVE') {
      delete after[path];
    } else {
      throw new SimulatedStatesError('DynamoDb.ValidationException', `Invalid UpdateExpression: ${expression}`);
    }
  }
  return { after, updated };
}

function project(item: Item, projection: string | undefined, names: Record<string, string> = {}): Item {
  if (!projection) return item;
  const result: Item = {};
  for (const part of projection.split(',').map((p) => p.trim())) {
    const name = resolveName(part, names);
    if (item[name] !== undefined) result[name] = item[name];
  }
  return result;
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}
