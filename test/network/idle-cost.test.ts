import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FanOutIntegrationPattern, FanOutPlanner, FargateFanOut } from '../../src';
import { networkIdleCost } from '../../src/network/idle-cost';
import { newStack } from '../util/synth';

const WORKER = path.join(__dirname, '..', '..', 'examples', 'worker');

describe('the idle cost of the network the construct builds', () => {
  test('interface endpoints x AZs x $0.01 an hour x 730 hours', () => {
    expect(networkIdleCost(3, 2).monthlyUsd).toBeCloseTo(43.8, 6);
    expect(networkIdleCost(4, 2).monthlyUsd).toBeCloseTo(58.4, 6);
    expect(networkIdleCost(3, 1).monthlyUsd).toBeCloseTo(21.9, 6);
    expect(networkIdleCost(3, 2).reason).toContain('https://aws.amazon.com/privatelink/pricing/');
  });

  test('each cheaper choice says what it gives up', () => {
    const choices = networkIdleCost(3, 2).cheaperChoices;
    expect(choices.map((c) => c.split(':')[0])).toEqual(['a vpc given with a NAT gateway', 'public subnets of a vpc given, with assignPublicIp', 'fewer AZs (a vpc given with endpoints in one AZ)']);
    for (const choice of choices) {
      expect(choice).toMatch(/gives up: /);
    }
    expect(choices[0]).toContain('$32.85 a month per NAT gateway');
  });

  test('describe() gives the endpoints, the monthly cost and the choices; the default costs $43.80, the callback $58.40', () => {
    const stack = newStack();
    const image = ecs.ContainerImage.fromAsset(WORKER);
    const byDefault = new FargateFanOut(stack, 'Default', { image });
    const callback = new FargateFanOut(stack, 'Callback', { image, integrationPattern: FanOutIntegrationPattern.CALLBACK });
    expect(byDefault.describe()).toContain("network endpoints (from the roles' grants so far): gateway: s3 (the task role's s3:GetObject); interface: ecr.api");
    expect(byDefault.describe()).toContain('interface: ecr.api (the execution role\'s ecr:');
    expect(byDefault.describe()).toContain('network idle cost: 3 interface endpoints x 2 AZs x $0.01 an hour x 730 hours = $43.80 a month');
    expect(byDefault.describe()).toMatch(/lower it with:\n {2}- a vpc given with a NAT gateway/);
    expect(callback.describe()).toContain('network idle cost: 4 interface endpoints x 2 AZs x $0.01 an hour x 730 hours = $58.40 a month');
    expect(callback.describe()).toContain("states (the task role's states:SendTaskSuccess)");
  });

  test('describe() follows grants added after construction', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', { image: ecs.ContainerImage.fromAsset(WORKER) });
    new secretsmanager.Secret(stack, 'Token').grantRead(fanOut.taskDefinition.taskRole);
    expect(fanOut.describe()).toContain('network idle cost: 4 interface endpoints x 2 AZs');
  });

  test('a VPC given: describe() says the construct builds no network', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', { image: ecs.ContainerImage.fromAsset(WORKER), vpc: new ec2.Vpc(stack, 'Vpc') });
    expect(fanOut.describe()).toContain('network idle cost: none built');
    expect(fanOut.describe()).not.toContain('network endpoints');
  });

  test('the planner reports the network idle cost, for the callback pattern\'s 4 endpoints too', () => {
    const options = { items: 100, taskDuration: Duration.minutes(1) };
    expect(FanOutPlanner.plan(options).networkIdleMonthlyUsd).toBeCloseTo(43.8, 6);
    const report = FanOutPlanner.report({ ...options, interfaceEndpoints: 4 });
    expect(report).toContain('network, idle:       $58.40 a month whether or not a run happens (4 interface endpoints x 2 AZs');
    expect(report).toContain('  - fewer AZs');
    expect(FanOutPlanner.report({ ...options, interfaceEndpoints: 0 })).not.toContain('lower it with');
    expect(() => FanOutPlanner.plan({ ...options, availabilityZones: 0 })).toThrow(/availabilityZones must be a whole number from 1 to 6/);
  });
});
