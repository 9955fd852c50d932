import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { FanOutIntegrationPattern, FanOutItems, FargateFanOut, FargateFanOutProps } from '../../src';
import { newStack, resolveJoin } from '../util/synth';

const WORKER = path.join(__dirname, '..', '..', 'examples', 'worker');

/**
 * The endpoints a caller of each service needs without a route to the internet, written here
 * from the AWS guides (ECR: https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html;
 * the rest: https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html),
 * apart from the construct's own list, so that a wrong entry there fails here.
 */
const ORACLE: Record<string, string[]> = {
  s3: ['s3'],
  dynamodb: ['dynamodb'],
  ecr: ['ecr.api', 'ecr.dkr', 's3'],
  logs: ['logs'],
  states: ['states'],
  secretsmanager: ['secretsmanager'],
  ssm: ['ssm'],
  kms: ['kms'],
  sqs: ['sqs'],
};

/** What the task and execution roles may call, read from the template: service prefix -> actions. */
function servicesCalledByTasks(template: any): Map<string, string[]> {
  const resources: Record<string, any> = template.Resources;
  const taskDefinitions = Object.values(resources).filter((r) => r.Type === 'AWS::ECS::TaskDefinition');
  expect(taskDefinitions).toHaveLength(1);
  const roleIds = ['TaskRoleArn', 'ExecutionRoleArn']
    .map((p) => taskDefinitions[0].Properties[p]?.['Fn::GetAtt']?.[0])
    .filter((id) => id !== undefined);
  const services = new Map<string, string[]>();
  const statements = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((ref: any) => roleIds.includes(ref.Ref)))
    .flatMap((r) => r.Properties.PolicyDocument.Statement)
    .concat(roleIds.flatMap((id) => (resources[id].Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement)));
  for (const statement of statements) {
    for (const action of [statement.Action].flat()) {
      const service = action.split(':')[0];
      services.set(service, [...(services.get(service) ?? []), action]);
    }
  }
  return services;
}

/** The names of the endpoints (`states`, `s3`) in the VPC the construct created. */
function endpointsInCreatedVpc(template: any): string[] {
  const resources: Record<string, any> = template.Resources;
  const vpcs = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::EC2::VPC');
  expect(vpcs).toHaveLength(1);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcId.Ref === vpcs[0])
    .map(endpointName)
    .sort();
}

/** `states` of `com.amazonaws.us-east-1.states`. */
function endpointName(endpoint: any): string {
  const serviceName = endpoint.Properties.ServiceName;
  const name = typeof serviceName === 'string' ? serviceName : resolveJoin(serviceName);
  return /com\.amazonaws\.[^.]+\.(.+)$/.exec(name)![1];
}

/** Every service a role of the tasks may call whose endpoint the created VPC lacks, as `service -> endpoint`. */
function servicesWithoutEndpoint(template: any): string[] {
  const endpoints = endpointsInCreatedVpc(template);
  const missing: string[] = [];
  for (const service of servicesCalledByTasks(template).keys()) {
    const needed = ORACLE[service];
    if (!needed) {
      missing.push(`${service} -> (not in the test's list: add it)`);
      continue;
    }
    missing.push(...needed.filter((n) => !endpoints.includes(n)).map((n) => `${service} -> ${n}`));
  }
  return missing;
}

function fanOutIn(stack: Stack, props: Partial<FargateFanOutProps> = {}): FargateFanOut {
  return new FargateFanOut(stack, 'FanOut', { image: ecs.ContainerImage.fromAsset(WORKER), ...props });
}

interface Configuration {
  readonly build: (stack: Stack) => void;
  /** The services the roles may call in this configuration, to show the test reads them. */
  readonly services: string[];
  readonly interfaceEndpoints: string[];
}

const CONFIGURATIONS: Record<string, Configuration> = {
  'default': {
    build: (stack) => fanOutIn(stack),
    services: ['ecr', 'logs', 's3'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs'],
  },
  'callback': {
    build: (stack) => fanOutIn(stack, { integrationPattern: FanOutIntegrationPattern.CALLBACK }),
    services: ['ecr', 'logs', 's3', 'states'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs', 'states'],
  },
  'Secrets Manager and SSM secrets': {
    build: (stack) => fanOutIn(stack, {
      secrets: {
        API_KEY: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'ApiKey')),
        DB_URL: ecs.Secret.fromSsmParameter(new ssm.StringParameter(stack, 'DbUrl', { stringValue: 'postgres://db' })),
      },
    }),
    services: ['ecr', 'logs', 's3', 'secretsmanager', 'ssm'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager', 'ssm'],
  },
  'KMS-encrypted items, results and secret': {
    build: (stack) => {
      const key = new kms.Key(stack, 'Key');
      const items = new s3.Bucket(stack, 'Items', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
      const results = new s3.Bucket(stack, 'Results', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
      fanOutIn(stack, {
        items: FanOutItems.fromS3JsonLines(items, 'items.jsonl'),
        resultBucket: results,
        secrets: { API_KEY: ecs.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'ApiKey', { encryptionKey: key })) },
      });
    },
    services: ['ecr', 'kms', 'logs', 's3', 'secretsmanager'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'kms', 'logs', 'secretsmanager'],
  },
  'batching': {
    build: (stack) => fanOutIn(stack, { itemBatching: { maxItems: 10 } }),
    services: ['ecr', 'logs', 's3'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs'],
  },
  'grants added after construction': {
    build: (stack) => {
      const fanOut = fanOutIn(stack);
      new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } })
        .grantReadWriteData(fanOut.taskDefinition.taskRole);
      new sqs.Queue(stack, 'Out').grantSendMessages(fanOut.taskDefinition.taskRole);
    },
    services: ['dynamodb', 'ecr', 'logs', 's3', 'sqs'],
    interfaceEndpoints: ['ecr.api', 'ecr.dkr', 'logs', 'sqs'],
  },
};

describe('every service the tasks may call has an endpoint in the VPC the construct creates', () => {
  for (const [name, configuration] of Object.entries(CONFIGURATIONS)) {
    test(name, () => {
      const stack = newStack();
      configuration.build(stack);
      const template = Template.fromStack(stack).toJSON();
      expect([...servicesCalledByTasks(template).keys()].sort()).toEqual(configuration.services);
      expect(servicesWithoutEndpoint(template)).toEqual([]);
      const interfaceEndpoints = Object.values(template.Resources as Record<string, any>)
        .filter((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface');
      expect(interfaceEndpoints.map(endpointName).sort())
        .toEqual(configuration.interfaceEndpoints);
    });
  }

  test('fails when one endpoint is removed (the check reads the template)', () => {
    const stack = newStack();
    CONFIGURATIONS.callback.build(stack);
    const template = Template.fromStack(stack).toJSON();
    const statesEndpoint = Object.keys(template.Resources).find((id) => {
      const r = template.Resources[id];
      return r.Type === 'AWS::EC2::VPCEndpoint' && endpointName(r) === 'states';
    })!;
    delete template.Resources[statesEndpoint];
    expect(servicesWithoutEndpoint(template)).toEqual(['states -> states']);
  });

  test('an endpoint the app added to fanOut.vpc itself is kept, not doubled', () => {
    const stack = newStack();
    const fanOut = fanOutIn(stack, { integrationPattern: FanOutIntegrationPattern.CALLBACK });
    fanOut.vpc!.addInterfaceEndpoint('States', { service: ec2.InterfaceVpcEndpointAwsService.STEP_FUNCTIONS });
    const template = Template.fromStack(stack).toJSON();
    expect(servicesWithoutEndpoint(template)).toEqual([]);
    expect(endpointsInCreatedVpc(template)).toEqual(['ecr.api', 'ecr.dkr', 'logs', 's3', 'states']);
  });

  test('every interface endpoint lets the task security group in on 443, and only it', () => {
    const stack = newStack();
    CONFIGURATIONS.callback.build(stack);
    const template = Template.fromStack(stack);
    const endpointGroups = Object.values(template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } }))
      .map((r) => r.Properties.SecurityGroupIds[0]['Fn::GetAtt'][0]);
    expect(endpointGroups).toHaveLength(4);
    for (const group of endpointGroups) {
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
        .filter((r) => r.Properties.GroupId['Fn::GetAtt'][0] === group)
        .map((r) => r.Properties);
      expect(ingress).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/^FanOutTaskSecurityGroup/), 'GroupId'] } })]);
    }
  });
});
