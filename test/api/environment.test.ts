import * as fs from 'fs';
import * as path from 'path';
import { FanOutEnvironment, FanOutIntegrationPattern, FanOutMode } from '../../src';
import { allStates, synthFanOut, withImage } from '../util/synth';

describe('FanOutEnvironment names what the container receives', () => {
  test('one item: ITEM, and with the callback pattern TASK_TOKEN, HEARTBEAT_SECONDS and RESULT_S3_PREFIX (what the worker runtime reads)', () => {
    const { definition } = synthFanOut(withImage({ mode: FanOutMode.INLINE, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    const environment = allStates(definition).RunItemTask.Parameters.Overrides.ContainerOverrides[0].Environment;
    expect(environment.map((variable: any) => variable.Name)).toEqual([
      FanOutEnvironment.ITEM, FanOutEnvironment.TASK_TOKEN, FanOutEnvironment.HEARTBEAT_SECONDS, FanOutEnvironment.RESULT_S3_PREFIX,
    ]);
    expect([FanOutEnvironment.ITEM, FanOutEnvironment.TASK_TOKEN, FanOutEnvironment.HEARTBEAT_SECONDS, FanOutEnvironment.RESULT_S3_PREFIX])
      .toEqual(['FANOUT_ITEM', 'FANOUT_TASK_TOKEN', 'FANOUT_HEARTBEAT_SECONDS', 'FANOUT_RESULT_S3_PREFIX']);
  });

  test('the names are those the worker runtimes read', () => {
    const worker = workerFolder();
    const python = fs.readFileSync(path.join(worker, 'python/src/fargate_fan_out_worker/runtime.py'), 'utf8');
    const node = fs.readFileSync(path.join(worker, 'node/index.js'), 'utf8');
    for (const name of FanOutEnvironment.RESERVED_NAMES) {
      expect(python).toContain(`"${name}"`);
      expect(node).toContain(`'${name}'`);
    }
  });

  test('a batch: ITEMS', () => {
    const { definition } = synthFanOut(withImage({ itemBatching: { maxItems: 5 } }));
    const environment = allStates(definition).RunItemTaskInChild.Parameters.Overrides.ContainerOverrides[0].Environment;
    expect(environment.map((variable: any) => variable.Name)).toEqual([FanOutEnvironment.ITEMS]);
  });

  test('every name it lists is reserved: environment may not set it', () => {
    expect(FanOutEnvironment.RESERVED_NAMES).toEqual(['FANOUT_ITEM', 'FANOUT_ITEMS', 'FANOUT_TASK_TOKEN', 'FANOUT_HEARTBEAT_SECONDS', 'FANOUT_RESULT_S3_PREFIX']);
    for (const name of FanOutEnvironment.RESERVED_NAMES) {
      expect(() => synthFanOut(withImage({ environment: { [name]: 'x' } }))).toThrow(new RegExp(`may not set ${name}`));
    }
  });
});

/**
 * The repository's worker/ folder, found upwards from this file: the tests also run from a copy
 * of test/ in .tmp (scripts/test-min-cdk.sh), inside the same repository.
 */
function workerFolder(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'worker');
    if (fs.existsSync(path.join(candidate, 'node', 'index.js'))) {
      return candidate;
    }
  }
  throw new Error(`no worker/ folder above ${__dirname}`);
}
