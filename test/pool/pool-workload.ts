/**
 * A workload that uses a `FanOutConcurrencyPool` the way the fan-out's item runner will: an
 * inline Map whose items take a slot (`buildPoolAcquire`), run one task
 * (`ecs:runTask.sync`, answered by `SimulatedEcs` in the harness) and give the slot back
 * (`buildPoolRelease`) on success and on failure. Shared by the template tests and the
 * executed tests.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FanOutConcurrencyPool, FanOutConcurrencyPoolProps } from '../../src';
import { buildPoolAcquire } from '../../src/concurrency-pool/private/pool-acquire';
import { buildPoolRelease } from '../../src/concurrency-pool/private/pool-release';
import { TEST_ENV } from '../util/synth';

export const RUN_TASK_STATE = 'RunTask';
export const POOL_PREFIX = 'Pool';

export interface WorkloadSpec {
  /** Construct id and state machine name. */
  readonly name: string;
  /** CPU units of one task. */
  readonly cpuUnits: number;
  /** Items run at once in one execution (the inline Map's MaxConcurrency). @default 40 */
  readonly mapConcurrency?: number;
  /** TimeoutSeconds of the whole execution. @default none */
  readonly timeoutSeconds?: number;
}

export interface SynthesizedPool {
  readonly stack: Stack;
  readonly template: Template;
  readonly pool: FanOutConcurrencyPool;
  /** Table name as the definitions see it (the table's logical id, from its Ref). */
  readonly tableName: string;
  /** Workload definitions by name, and the cleanup's. */
  readonly definitions: Record<string, any>;
  readonly cleanupDefinition: any;
  readonly stateMachines: Record<string, sfn.StateMachine>;
}

/** Builds one workload state machine that takes its slots from `pool`. */
export function addWorkload(stack: Stack, pool: FanOutConcurrencyPool, spec: WorkloadSpec): sfn.StateMachine {
  // One scope per workload: state names are construct ids, unique within each definition.
  const scope = new Construct(stack, `${spec.name}States`);
  const binding = pool._binding();
  const fragment = { prefix: POOL_PREFIX, cpuUnits: spec.cpuUnits, slotPath: '$.slot' };
  const itemDone = new sfn.Pass(scope, 'ItemDone');
  const itemFailed = new sfn.Fail(scope, 'ItemFailed', { error: 'Item.Failed', cause: 'The item\'s task failed' });
  const release = buildPoolRelease(scope, binding, fragment, itemDone);
  const releaseOnError = buildPoolRelease(scope, binding, { ...fragment, prefix: `${POOL_PREFIX}OnError` }, itemFailed);
  const runTask = new sfn.CustomState(scope, RUN_TASK_STATE, {
    stateJson: {
      Type: 'Task',
      Resource: 'arn:aws:states:::ecs:runTask.sync',
      Parameters: {
        Overrides: { ContainerOverrides: [{ Name: 'main', Environment: [{ 'Name': 'FANOUT_ITEM', 'Value.$': 'States.JsonToString($.item)' }] }] },
      },
      TimeoutSeconds: 3600,
      ResultPath: null,
    },
  });
  runTask.addCatch(releaseOnError, { errors: ['States.ALL'], resultPath: '$.error' });
  runTask.next(release);
  const acquire = buildPoolAcquire(scope, binding, fragment, runTask);
  const map = new sfn.Map(scope, 'Items', {
    itemsPath: '$.items',
    maxConcurrency: spec.mapConcurrency ?? 40,
    itemSelector: { item: sfn.JsonPath.objectAt('$$.Map.Item.Value'), slot: sfn.JsonPath.numberAt('$$.Map.Item.Index') },
    resultPath: sfn.JsonPath.DISCARD,
  });
  map.itemProcessor(acquire);
  const stateMachine = new sfn.StateMachine(stack, spec.name, {
    stateMachineName: spec.name,
    definitionBody: sfn.DefinitionBody.fromChainable(map),
    timeout: spec.timeoutSeconds !== undefined ? Duration.seconds(spec.timeoutSeconds) : undefined,
  });
  pool.addUser(stateMachine);
  return stateMachine;
}

/** Synthesizes a pool and its workloads, and resolves their definitions for the harness. */
export function synthPool(props: FanOutConcurrencyPoolProps, workloads: WorkloadSpec[]): SynthesizedPool {
  const stack = new Stack(new App(), 'PoolStack', { env: TEST_ENV });
  const pool = new FanOutConcurrencyPool(stack, 'Pool', props);
  const stateMachines: Record<string, sfn.StateMachine> = {};
  for (const spec of workloads) stateMachines[spec.name] = addWorkload(stack, pool, spec);
  const template = Template.fromStack(stack);
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const tableName = stack.getLogicalId(pool.table.node.defaultChild as any);
  const definitions: Record<string, any> = {};
  let cleanupDefinition: any;
  for (const [logicalId, resource] of Object.entries<any>(machines)) {
    const definition = JSON.parse(resolve(resource.Properties.DefinitionString));
    const name = resource.Properties.StateMachineName;
    if (name) definitions[name] = definition;
    else if (logicalId.startsWith('PoolCleanup')) cleanupDefinition = definition;
  }
  return { stack, template, pool, tableName, definitions, cleanupDefinition, stateMachines };
}

function resolve(value: any): string {
  if (typeof value === 'string') return value;
  if (value['Fn::Join']) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map(resolve).join(separator);
  }
  if (value.Ref === 'AWS::Partition') return 'aws';
  if (value.Ref === 'AWS::Region') return TEST_ENV.region;
  if (value.Ref === 'AWS::AccountId') return TEST_ENV.account;
  if (value.Ref) return value.Ref;
  if (value['Fn::GetAtt']) return `${value['Fn::GetAtt'][0]}-${value['Fn::GetAtt'][1]}`;
  return 'UNRESOLVED';
}
