import { Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { FanOutIntegrationPattern, FargateFanOut } from '../../src';
import { newStack, withImage } from '../util/synth';

/** The endpoint warnings shown at synth, as `id: message`. */
function endpointWarnings(stack: Stack): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('endpoint'))
    .map((w) => String(w.entry.data));
}

function isolatedVpc(stack: Stack): ec2.Vpc {
  return new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
}

describe('a VPC given: warnings for endpoints the tasks need and the VPC lacks', () => {
  test('isolated subnets without a Step Functions endpoint: the callback warns, naming the service, the grant and the fix', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    vpc.addInterfaceEndpoint('Logs', { service: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    new FargateFanOut(stack, 'FanOut', withImage({ vpc, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    const warnings = endpointWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/no 'states' endpoint: the task role is granted states:SendTask\w+ \(TestStack\/FanOut\/TaskDefinition\/TaskRole\/DefaultPolicy\)/);
    expect(warnings[0]).toContain("vpc.addInterfaceEndpoint('states', { service: new ec2.InterfaceVpcEndpointAwsService('states') })");
    expect(warnings[0]).toContain('[ack: cdk-fargate-fan-out:missingEndpoint:states]');
  });

  test('a secret the execution role fetches: the warning says the task would not start', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    new FargateFanOut(stack, 'FanOut', withImage({
      vpc,
      secrets: { TOKEN: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token')) },
    }));
    const secretWarning = endpointWarnings(stack).find((w) => w.includes("'secretsmanager'"));
    expect(secretWarning).toMatch(/the execution role is granted secretsmanager:GetSecretValue .*ResourceInitializationError/);
  });

  test('no warning when the VPC has every endpoint the roles need', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    for (const name of ['logs', 'states']) {
      vpc.addInterfaceEndpoint(name, { service: new ec2.InterfaceVpcEndpointAwsService(name) });
    }
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    new FargateFanOut(stack, 'FanOut', withImage({ vpc, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    expect(endpointWarnings(stack)).toEqual([]);
  });

  test('a grant added after construction is checked too', () => {
    const stack = newStack();
    const vpc = isolatedVpc(stack);
    vpc.addInterfaceEndpoint('logs', { service: new ec2.InterfaceVpcEndpointAwsService('logs') });
    vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3 });
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage({ vpc }));
    fanOut.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['*'] }));
    expect(endpointWarnings(stack)).toEqual([expect.stringMatching(/no 'sqs' endpoint: the task role is granted sqs:SendMessage/)]);
  });

  test('subnets with a NAT route: no warning', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 1 });
    new FargateFanOut(stack, 'FanOut', withImage({ vpc, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    expect(endpointWarnings(stack)).toEqual([]);
  });

  test('public subnets without a public IP have no route either: warns', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    new FargateFanOut(stack, 'FanOut', withImage({ vpc, vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }));
    expect(endpointWarnings(stack).length).toBeGreaterThan(0);
    const withIp = newStack('WithIp');
    const vpc2 = new ec2.Vpc(withIp, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }] });
    new FargateFanOut(withIp, 'FanOut', withImage({ vpc: vpc2, assignPublicIp: true }));
    expect(endpointWarnings(withIp)).toEqual([]);
  });

  test('an imported VPC with isolated subnets: says once that its endpoints cannot be seen, and lists what the tasks need', () => {
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Imported', {
      vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], isolatedSubnetIds: ['subnet-0123456789abcdef0'],
    });
    new FargateFanOut(stack, 'FanOut', withImage({ vpc, integrationPattern: FanOutIntegrationPattern.CALLBACK }));
    const warnings = endpointWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is imported: the construct cannot see its endpoints/);
    expect(warnings[0]).toMatch(/make sure it has: s3 \(gateway, for the task role's s3:\w+\), logs \(interface, for the execution role's logs:\w+\), states \(interface, for the task role's states:SendTask\w+\)\./);
  });

  test('in the VPC the construct creates, a service with no known endpoint warns, naming the grant', () => {
    const stack = newStack();
    const fanOut = new FargateFanOut(stack, 'FanOut', withImage());
    fanOut.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['textract:AnalyzeDocument'], resources: ['*'] }));
    expect(endpointWarnings(stack)).toEqual([
      expect.stringMatching(/The task role is granted textract:AnalyzeDocument \(TestStack\/FanOut\/TaskDefinition\/TaskRole\/DefaultPolicy\).*knows no VPC endpoint for 'textract'/),
    ]);
  });
});
