import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { FargateFanOut, FargateFanOutProps } from '../../src';
import { newStack, withImage } from '../util/synth';

function build(props: Partial<FargateFanOutProps> = {}): { template: Template; fanOut: FargateFanOut } {
  const stack = newStack();
  const fanOut = new FargateFanOut(stack, 'FanOut', withImage(props));
  fanOut.runForEachMessage(new sqs.Queue(stack, 'Jobs'));
  return { template: Template.fromStack(stack), fanOut };
}

/** DeletionPolicy and UpdateReplacePolicy of every resource of `type`, by logical id. */
function policiesOf(template: Template, type: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [id, resource] of Object.entries(template.findResources(type))) {
    found[id] = [resource.DeletionPolicy, resource.UpdateReplacePolicy];
  }
  return found;
}

describe('removalPolicy: what cdk destroy does with the result bucket and the log groups', () => {
  test('by default the result bucket and every log group (container, state machine, flow logs, trigger starter) are retained', () => {
    const { template, fanOut } = build();
    const logGroups = policiesOf(template, 'AWS::Logs::LogGroup');
    expect(Object.keys(logGroups).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort())
      .toEqual(['FanOutContainerLogs', 'FanOutMessageTrigger1StarterLogs', 'FanOutNetworkFlowLogs', 'FanOutStateMachineLogs']);
    expect(new Set(Object.values(logGroups).flat())).toEqual(new Set(['Retain']));
    expect(Object.values(policiesOf(template, 'AWS::S3::Bucket'))).toEqual([['Retain', 'Retain']]);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(fanOut.describe()).toContain('on cdk destroy: RETAIN (default): cdk destroy leaves the result bucket');
  });

  test('DESTROY deletes them, emptying the result bucket first', () => {
    const { template, fanOut } = build({ removalPolicy: RemovalPolicy.DESTROY });
    const logGroups = policiesOf(template, 'AWS::Logs::LogGroup');
    expect(Object.keys(logGroups)).toHaveLength(4);
    expect(new Set(Object.values(logGroups).flat())).toEqual(new Set(['Delete']));
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.values(buckets).map((b) => [b.DeletionPolicy, b.UpdateReplacePolicy])).toEqual([['Delete', 'Delete']]);
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: Object.keys(buckets)[0] } });
    expect(fanOut.describe()).toContain('on cdk destroy: DESTROY: cdk destroy deletes the result bucket (emptied first');
  });

  test('a result bucket given is the user\'s: never emptied', () => {
    const stack = newStack();
    new FargateFanOut(stack, 'FanOut', withImage({ removalPolicy: RemovalPolicy.DESTROY, resultBucket: new s3.Bucket(stack, 'Mine') }));
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    expect(Object.values(policiesOf(template, 'AWS::S3::Bucket'))).toEqual([['Retain', 'Retain']]);
  });

  test('fails for any other removal policy, naming the prop and what is allowed, and leaves nothing behind', () => {
    for (const policy of [RemovalPolicy.SNAPSHOT, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE]) {
      const stack = newStack();
      expect(() => new FargateFanOut(stack, 'FanOut', withImage({ removalPolicy: policy })))
        .toThrow(`removalPolicy must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got ${policy}`);
      expect(stack.node.tryFindChild('FanOut')).toBeUndefined();
    }
  });
});
