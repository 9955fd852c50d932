import { FanOutMode } from '../../src';
import { allStates, synthFanOut, withImage } from '../util/synth';

describe('itemBatching', () => {
  const { definition, fanOut, template } = synthFanOut(withImage({ itemBatching: { maxItems: 25 } }));
  const map = definition.States.RunItemsDistributed;
  const task = allStates(definition).RunItemTaskInChild;

  test('a batch RunTask refuses for good (an item too large on its own) is written to S3 as one array, and the container may read it there only', () => {
    const states = allStates(definition);
    expect(JSON.stringify(states.IsRateLimitedInChild.Choices)).toContain('$.Items.fanOutS3Ref');
    expect(states.SpillItemInChild.Parameters).toMatchObject({
      'Body.$': 'States.JsonToString($.Items)',
      'Key.$': "States.Format('fan-out-results/items/{}/batch.json', $$.Execution.Name)",
    });
    expect(states.UseItemReferenceInChild).toMatchObject({ ResultPath: '$.Items', Next: 'RunItemTaskInChild' });
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[]).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual({
      Action: 's3:GetObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FanOutResults/), 'Arn'] }, '/fan-out-results/items/*']] },
    });
  });

  test('AUTO builds a Distributed Map and says why', () => {
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    expect(fanOut.modeReason).toMatch(/itemBatching only works with a Distributed Map/);
  });

  // Every field an item's record reads, left out (`[]`) until a task stops (issue 27).
  const EMPTY_STOP = { task: { StopCode: [], StoppedReason: [], StartedAt: [], StoppedAt: [] }, ExitCode: [], capacity: [], cpu: [], memory: [] };

  test('the ItemBatcher holds up to maxItems and, by default, the most bytes that fit the container overrides', () => {
    // The overrides hold 8,192 characters; with FANOUT_ITEMS empty on container 'Task' they are
    // {"containerOverrides":[{"name":"Task","environment":[{"name":"FANOUT_ITEMS","value":""}]}]},
    // 91 characters. A batch's JSON is a string value there, where escaping can double each
    // character: floor((8,192 - 91) / 2) = 4,050 bytes.
    const limit = 4050;
    // Each batch starts with its attempt counters (see the stop rules), as BatchInput.
    expect(map.ItemBatcher).toEqual({
      MaxItemsPerBatch: 25, MaxInputBytesPerBatch: limit, BatchInput: { retry: { attempts: 0, delay: 0, earlier: {}, Start: 0 }, stop: EMPTY_STOP },
    });
    expect(fanOut.maxItemsPerBatch).toBe(25);
    expect(fanOut.maxInputBytesPerBatch).toBe(limit);
  });

  test('a batch reaches the container as a JSON array in FANOUT_ITEMS; items are batched as they are', () => {
    expect(map.ItemSelector).toBeUndefined();
    expect(task.Parameters.Overrides.ContainerOverrides).toEqual([
      { Name: 'Task', Environment: [{ 'Name': 'FANOUT_ITEMS', 'Value.$': 'States.JsonToString($.Items)' }] },
    ]);
    expect(fanOut.describe()).toMatch(/up to 25 items \(4050 bytes\) as a JSON array in FANOUT_ITEMS/);
  });
});
