/*
 * Draws the workflow that FargateFanOut builds: synthesizes the example stack
 * (examples/example-stack.ts), reads the state machine definition from its template, turns the
 * states into a Graphviz graph (each Map a box holding its item processor) and lays it out with
 * Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz) into docs/workflow.svg. It draws the
 * concurrency pool's states the same way: the states an item passes to take and give back a slot
 * (docs/concurrency-pool.svg) and the pool's cleanup (docs/concurrency-pool-cleanup.svg), from a
 * synthesized pool.
 *
 *   npx projen docs:workflow          write the pictures
 *   npx projen docs:workflow --check  exit 1 if a picture is not what the source draws now
 *
 * The pictures are derived from the definitions only: a state added, removed or renamed, or a
 * transition changed, changes them, and the check in CI fails until they are regenerated and committed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { ExampleStack } from '../examples/example-stack';
import { FanOutConcurrencyPool } from '../src';
import { buildPoolAcquire } from '../src/concurrency-pool/private/pool-acquire';
import { buildPoolRelease } from '../src/concurrency-pool/private/pool-release';

const DOCS = path.join(__dirname, '..', 'docs');

interface Asl {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: Array<Record<string, unknown> & { Next: string }>;
  readonly Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  readonly Resource?: string;
  readonly ItemProcessor?: Asl & { ProcessorConfig?: { Mode?: string } };
  readonly Iterator?: Asl;
  readonly MaxConcurrency?: number;
  readonly ItemBatcher?: unknown;
}

/** A template's state machine definitions by logical id, with each CloudFormation intrinsic as "<ref>". */
function definitionsOf(template: any): Record<string, Asl> {
  const found: Record<string, Asl> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources as Record<string, any>)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const definition = resource.Properties.DefinitionString;
    const text = typeof definition === 'string'
      ? definition
      : (definition['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
    found[logicalId] = JSON.parse(text);
  }
  return found;
}

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(require('os').tmpdir(), 'workflow-svg-')) });
}

const ENV = { account: '111111111111', region: 'us-east-1' };

/** The example's state machine definition. */
function exampleDefinition(): Asl {
  const app = newApp();
  const stack = new ExampleStack(app, 'FargateFanOutExample', { env: ENV });
  const machines = Object.values(definitionsOf(app.synth().getStackByName(stack.stackName).template));
  if (machines.length !== 1) throw new Error(`expected one state machine in the example, found ${machines.length}`);
  return machines[0];
}

/**
 * The concurrency pool's states, synthesized: an item that takes a slot, runs its task (drawn as
 * one state standing for the item runner's task and its reruns) and gives the slot back on success
 * and on failure, as FargateFanOut builds them in a Distributed Map child; and the pool's cleanup.
 */
function poolDefinitions(): { item: Asl; cleanup: Asl } {
  const app = newApp();
  const stack = new Stack(app, 'ConcurrencyPool', { env: ENV });
  const pool = new FanOutConcurrencyPool(stack, 'Pool', { maxVcpus: 400, maxTasks: 1000 });
  const options = { prefix: '', cpuUnits: 1024, slotPath: '$.index', ownerPath: '$.poolOwner' };
  const runTask = new sfn.CustomState(stack, 'RunTask', {
    stateJson: { Type: 'Task', Resource: 'arn:aws:states:::ecs:runTask.sync', Comment: 'The item runner: its task, reruns and fallback' },
  });
  const released = buildPoolRelease(stack, pool._binding(), options, new sfn.Succeed(stack, 'ItemSucceeded'));
  const releasedOnError = buildPoolRelease(stack, pool._binding(), { ...options, prefix: 'OnError' }, new sfn.Fail(stack, 'ItemFailed'));
  runTask.addCatch(releasedOnError, { errors: ['States.ALL'], resultPath: '$.failure' });
  runTask.next(released);
  const item = new sfn.StateMachine(stack, 'Item', { definitionBody: sfn.DefinitionBody.fromChainable(buildPoolAcquire(stack, pool._binding(), options, runTask)) });
  pool.addUser(item);
  const definitions = definitionsOf(app.synth().getStackByName(stack.stackName).template);
  const idOf = (construct: sfn.StateMachine) => stack.getLogicalId(construct.node.defaultChild as any);
  return { item: definitions[idOf(item)], cleanup: definitions[idOf(pool.cleanupStateMachine)] };
}

const COMPARISONS: Record<string, string> = {
  NumericLessThanEquals: '<=',
  NumericLessThan: '<',
  NumericGreaterThan: '>',
  NumericGreaterThanEquals: '>=',
  NumericEquals: '==',
  BooleanEquals: '==',
  StringEquals: '==',
  IsPresent: 'is present',
  NumericLessThanEqualsPath: '<=',
  NumericGreaterThanPath: '>',
  NumericGreaterThanEqualsPath: '>=',
};

/** A short label for a Choice rule: "$.count <= 215", "not (...)", "a and b". */
function describeRule(rule: Record<string, any>): string {
  if (rule.And) return (rule.And as any[]).map(describeRule).join(' and ');
  if (rule.Or) return (rule.Or as any[]).map(describeRule).join(' or ');
  if (rule.Not) return `not (${describeRule(rule.Not)})`;
  if (rule.Condition) return String(rule.Condition);
  const key = Object.keys(rule).find((k) => k !== 'Variable' && k !== 'Next');
  if (!key) return '?';
  return `${rule.Variable} ${COMPARISONS[key] ?? key} ${JSON.stringify(rule[key])}`;
}

/** The second line of a state's box: what it does. */
function describeState(state: State): string {
  switch (state.Type) {
    case 'Task': {
      const resource = state.Resource ?? '';
      const service = resource.replace(/^arn:<ref>:states:::/, '').replace(/^aws-sdk:/, 'SDK ');
      return service || 'Task';
    }
    case 'Map': {
      const distributed = state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
      const cap = state.MaxConcurrency !== undefined ? `, ${state.MaxConcurrency} at once` : '';
      return `${distributed ? 'Distributed Map: one child execution per item' : 'inline Map'}${cap}`;
    }
    default:
      return state.Type;
  }
}

const STYLE: Record<string, string> = {
  Task: 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  Pass: 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#6b7280"',
  Choice: 'shape=diamond, style=filled, fillcolor="#fef3c7", color="#b45309"',
  Succeed: 'shape=oval, style=filled, fillcolor="#dcfce7", color="#15803d"',
  Fail: 'shape=oval, style=filled, fillcolor="#fee2e2", color="#b91c1c"',
  Wait: 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#6b7280"',
  Parallel: 'shape=box, style="rounded,filled", fillcolor="#f3f4f6", color="#6b7280"',
};

const quote = (s: string) => JSON.stringify(s);

const EXAMPLE_TITLE = 'The state machine FargateFanOut builds for the example (examples/example-stack.ts): the Map is chosen at run time\\n(drawn by scripts/workflow-svg.ts from the synthesized definition)';

/** The Graphviz source: one node per state, one cluster per Map, one edge per transition. */
export function toDot(asl: Asl, title: string = EXAMPLE_TITLE): string {
  const lines: string[] = [];
  const edges: string[] = [];
  let clusters = 0;
  // A Map is drawn as a cluster: edges to it end at the cluster's border (lhead), edges from it
  // start at its border (ltail); both attach to the first state inside.
  const entryOf = new Map<string, { node: string; cluster: string }>();

  const id = (scope: string, name: string) => quote(scope ? `${scope}/${name}` : name);

  const target = (scope: string, name: string) => {
    const map = entryOf.get(id(scope, name));
    return map ? `${map.node} [lhead=${map.cluster}` : `${id(scope, name)} [`;
  };

  const addEdge = (scope: string, from: string, to: string, attributes: string[]) => {
    const source = entryOf.get(id(scope, from));
    const head = target(scope, to);
    const all = [...attributes, ...(source ? [`ltail=${source.cluster}`] : [])];
    const sourceNode = source ? source.node : id(scope, from);
    const sep = head.endsWith('[') ? '' : ', ';
    edges.push(`  ${sourceNode} -> ${head}${all.length ? sep + all.join(', ') : ''}];`);
  };

  const emit = (graph: Asl, scope: string, indent: string) => {
    // Clusters first, so that every Map's entry node is known before edges are drawn.
    for (const [name, state] of Object.entries(graph.States)) {
      const inner = state.ItemProcessor ?? state.Iterator;
      if (state.Type === 'Map' && inner) {
        const cluster = `cluster_${clusters++}`;
        const innerScope = scope ? `${scope}/${name}` : name;
        entryOf.set(id(scope, name), { node: id(innerScope, inner.StartAt), cluster });
      }
    }
    for (const [name, state] of Object.entries(graph.States)) {
      const inner = state.ItemProcessor ?? state.Iterator;
      if (state.Type === 'Map' && inner) {
        const cluster = entryOf.get(id(scope, name))!.cluster;
        const innerScope = scope ? `${scope}/${name}` : name;
        lines.push(`${indent}subgraph ${cluster} {`);
        lines.push(`${indent}  label=${quote(`${name}\n${describeState(state)}`)}; labeljust=l; style="rounded,dashed"; color="#1d4ed8"; fontcolor="#1e3a8a";`);
        emit(inner, innerScope, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        const label = state.Type === 'Choice' || state.Type === 'Succeed' || state.Type === 'Fail'
          ? name
          : `${name}\n${describeState(state)}`;
        lines.push(`${indent}${id(scope, name)} [label=${quote(label)}, ${STYLE[state.Type] ?? STYLE.Pass}];`);
      }
    }
    for (const [name, state] of Object.entries(graph.States)) {
      if (state.Next) addEdge(scope, name, state.Next, []);
      for (const rule of state.Choices ?? []) addEdge(scope, name, rule.Next, [`label=${quote(describeRule(rule))}`]);
      if (state.Default) addEdge(scope, name, state.Default, ['label="otherwise"']);
      for (const c of state.Catch ?? []) {
        addEdge(scope, name, c.Next, [`label=${quote(`catch ${c.ErrorEquals.join(', ')}`)}`, 'style=dashed', 'color="#b91c1c"', 'fontcolor="#b91c1c"']);
      }
    }
  };

  emit(asl, '', '  ');
  return [
    'digraph workflow {',
    '  graph [compound=true, rankdir=TB, nodesep=0.35, ranksep=0.45, fontname="Helvetica", fontsize=12,',
    `         label="${title}", labelloc=t];`,
    '  node [fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
    '  edge [fontname="Helvetica", fontsize=10, color="#374151"];',
    '  start [shape=circle, label="", width=0.22, style=filled, fillcolor="#111827"];',
    ...lines,
    `  start -> ${target('', asl.StartAt)}];`,
    ...edges,
    '}',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  // An ES module: loaded with import() from this CommonJS script.
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  const pool = poolDefinitions();
  const pictures: Array<{ file: string; dot: string }> = [
    { file: 'workflow.svg', dot: toDot(exampleDefinition()) },
    {
      file: 'concurrency-pool.svg',
      dot: toDot(pool.item, 'The concurrency pool\'s states around one item\'s task: take a slot (at once, or after waiting in line), run, give it back\\n'
        + '(drawn by scripts/workflow-svg.ts from a synthesized FanOutConcurrencyPool; RunTask stands for the item runner)'),
    },
    {
      file: 'concurrency-pool-cleanup.svg',
      dot: toDot(pool.cleanup, 'The concurrency pool\'s cleanup: started for an execution that ended badly, or by the sweep\\n'
        + '(drawn by scripts/workflow-svg.ts from the synthesized definition)'),
    },
  ];
  let stale = false;
  for (const picture of pictures) {
    const output = path.join(DOCS, picture.file);
    const svg = graphviz.dot(picture.dot, 'svg');
    const relative = path.relative(process.cwd(), output);
    if (argv.includes('--check')) {
      const committed = fs.existsSync(output) ? fs.readFileSync(output, 'utf8') : '';
      if (committed !== svg) {
        console.error(`${relative} is not what the state machine definition draws now: run 'npx projen docs:workflow' and commit it`);
        stale = true;
      } else {
        console.log(`${relative} is up to date (Graphviz ${graphviz.version()})`);
      }
      continue;
    }
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(output, svg);
    console.log(`wrote ${relative} (${svg.length} bytes, Graphviz ${graphviz.version()})`);
  }
  if (stale) process.exit(1);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
