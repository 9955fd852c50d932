/*
 * Draws the workflow that FargateFanOut builds: synthesizes the example stack
 * (examples/example-stack.ts), reads the state machine definition from its template, turns the
 * states into a Graphviz graph (each Map a box holding its item processor) and lays it out with
 * Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz) into docs/workflow.svg.
 *
 *   npx projen docs:workflow          write docs/workflow.svg
 *   npx projen docs:workflow --check  exit 1 if docs/workflow.svg is not what the source draws now
 *
 * The picture is derived from the definition only: a state added, removed or renamed, or a
 * transition changed, changes it, and the check in CI fails until it is regenerated and committed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { ExampleStack } from '../examples/example-stack';

const OUTPUT = path.join(__dirname, '..', 'docs', 'workflow.svg');

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

/** The example's state machine definition, with each CloudFormation intrinsic as "<ref>". */
function exampleDefinition(): Asl {
  const app = new App({ outdir: fs.mkdtempSync(path.join(require('os').tmpdir(), 'workflow-svg-')) });
  const stack = new ExampleStack(app, 'FargateFanOutExample', { env: { account: '111111111111', region: 'us-east-1' } });
  const template = app.synth().getStackByName(stack.stackName).template;
  const machines = Object.values(template.Resources as Record<string, any>)
    .filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (machines.length !== 1) throw new Error(`expected one state machine in the example, found ${machines.length}`);
  const definition = machines[0].Properties.DefinitionString;
  const text = typeof definition === 'string'
    ? definition
    : (definition['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return JSON.parse(text);
}

const COMPARISONS: Record<string, string> = {
  NumericLessThanEquals: '<=', NumericLessThan: '<', NumericGreaterThan: '>', NumericGreaterThanEquals: '>=',
  NumericEquals: '==', BooleanEquals: '==', StringEquals: '==', IsPresent: 'is present',
  NumericLessThanEqualsPath: '<=', NumericGreaterThanPath: '>', NumericGreaterThanEqualsPath: '>=',
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

/** The Graphviz source: one node per state, one cluster per Map, one edge per transition. */
export function toDot(asl: Asl): string {
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
    '         label="The state machine FargateFanOut builds for the example (examples/example-stack.ts): the Map is chosen at run time\\n(drawn by scripts/workflow-svg.ts from the synthesized definition)", labelloc=t];',
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
  const svg = graphviz.dot(toDot(exampleDefinition()), 'svg');
  const relative = path.relative(process.cwd(), OUTPUT);
  if (argv.includes('--check')) {
    const committed = fs.existsSync(OUTPUT) ? fs.readFileSync(OUTPUT, 'utf8') : '';
    if (committed !== svg) {
      console.error(`${relative} is not what the state machine definition draws now: run 'npx projen docs:workflow' and commit it`);
      process.exit(1);
    }
    console.log(`${relative} is up to date (Graphviz ${graphviz.version()})`);
    return;
  }
  fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
  fs.writeFileSync(OUTPUT, svg);
  console.log(`wrote ${relative} (${svg.length} bytes, Graphviz ${graphviz.version()})`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error);
  process.exit(1);
});
