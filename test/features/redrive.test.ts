import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FanOutMode, FargateFanOut } from '../../src';
import { newStack, synthFanOut, withImage } from '../util/synth';

describe('grantRedrive', () => {
  test('grants states:RedriveExecution on this state machine\'s executions only', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ mode: FanOutMode.INLINE }));
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    fanOut.grantRedrive(operator);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(operator.node.defaultChild as iam.CfnRole) }],
      PolicyDocument: {
        Statement: [{
          Action: 'states:RedriveExecution',
          Effect: 'Allow',
          Resource: {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:us-east-1:111111111111:execution:', { 'Fn::GetAtt': [Match.anyValue(), 'Name'] }, ':*']],
          },
        }],
      },
    });
  });

  test('the state machine role can redrive its own Map Runs (aws-cdk-lib grants it with a Distributed Map)', () => {
    const { template } = synthFanOut(withImage({ mode: FanOutMode.DISTRIBUTED }));
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
    const actions = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions).toEqual(expect.arrayContaining(['states:RedriveExecution', 'states:StartExecution', 'states:DescribeExecution']));
  });
});
