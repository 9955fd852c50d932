import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { FargateFanOut } from '../../src';
import { newStack, synthFanOut, withImage } from '../util/synth';

/** The ARN CDK renders for an SSM parameter of this test stack (us-east-1, 111111111111). */
function parameterArn(name: string): any {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:111111111111:parameter${name}`]] };
}

const PARAMETER_KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('secrets', () => {
  // Four kinds a user has: a secret with the default key, a secret with its own key read by one
  // JSON field, a plain SSM parameter and a SecureString parameter with its own key.
  const stack = newStack();
  const secretKey = new kms.Key(stack, 'SecretKey');
  const dbPassword = new secretsmanager.Secret(stack, 'DbPassword');
  const apiToken = new secretsmanager.Secret(stack, 'ApiToken', { encryptionKey: secretKey });
  const endpoint = ssm.StringParameter.fromStringParameterName(stack, 'Endpoint', '/app/endpoint');
  const signingKey = ssm.StringParameter.fromSecureStringParameterAttributes(stack, 'SigningKey', {
    parameterName: '/app/signing-key', encryptionKey: kms.Key.fromKeyArn(stack, 'ParameterKey', PARAMETER_KEY_ARN),
  });
  const { template, fanOut } = synthFanOut(withImage({
    secrets: {
      DB_PASSWORD: ecs.Secret.fromSecretsManager(dbPassword),
      API_TOKEN: ecs.Secret.fromSecretsManager(apiToken, 'token'),
      ENDPOINT: ecs.Secret.fromSsmParameter(endpoint),
      SIGNING_KEY: ecs.Secret.fromSsmParameter(signingKey),
    },
  }), stack);
  const executionRole = stack.getLogicalId(fanOut.taskDefinition.executionRole!.node.defaultChild as iam.CfnRole);
  const taskRole = stack.getLogicalId(fanOut.taskDefinition.taskRole.node.defaultChild as iam.CfnRole);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  const statementsOf = (role: string) => policies
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);

  test('each secret reaches the container definition by name, with its ARN (and JSON field) for ECS to read at launch', () => {
    const [container] = Object.values(template.findResources('AWS::ECS::TaskDefinition')).map((t: any) => t.Properties.ContainerDefinitions[0]);
    expect(container.Secrets).toEqual([
      { Name: 'DB_PASSWORD', ValueFrom: { Ref: stack.getLogicalId(dbPassword.node.defaultChild as secretsmanager.CfnSecret) } },
      // A JSON field of a secret: SECRET_ARN:field:: (no version stage, no version id).
      { Name: 'API_TOKEN', ValueFrom: { 'Fn::Join': ['', [{ Ref: stack.getLogicalId(apiToken.node.defaultChild as secretsmanager.CfnSecret) }, ':token::']] } },
      { Name: 'ENDPOINT', ValueFrom: parameterArn('/app/endpoint') },
      { Name: 'SIGNING_KEY', ValueFrom: parameterArn('/app/signing-key') },
    ]);
    // Not in plain text: the secrets are not environment variables of the definition.
    expect(JSON.stringify(container.Environment ?? [])).not.toMatch(/DB_PASSWORD|API_TOKEN|ENDPOINT|SIGNING_KEY/);
  });

  test('the execution role (which ECS uses to start the task) may read exactly these secrets and parameters, and decrypt only with the parameter\'s own key', () => {
    const dbPasswordRef = { Ref: stack.getLogicalId(dbPassword.node.defaultChild as secretsmanager.CfnSecret) };
    const apiTokenRef = { Ref: stack.getLogicalId(apiToken.node.defaultChild as secretsmanager.CfnSecret) };
    // What ECS uses to start the task: secretsmanager:GetSecretValue, ssm:GetParameters, and
    // kms:Decrypt for a key of one's own; not the describe and history actions ecs.Secret's
    // grantRead adds (DescribeSecret; DescribeParameters, GetParameter, GetParameterHistory).
    const secretRead = 'secretsmanager:GetSecretValue';
    const parameterRead = 'ssm:GetParameters';
    expect(statementsOf(executionRole)).toEqual([
      // The container's logs, as without secrets.
      { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FanOutContainerLogs/), 'Arn'] } },
      // The whole secret, also where the container reads one JSON field of it.
      { Action: secretRead, Effect: 'Allow', Resource: dbPasswordRef },
      { Action: secretRead, Effect: 'Allow', Resource: apiTokenRef },
      { Action: parameterRead, Effect: 'Allow', Resource: parameterArn('/app/endpoint') },
      // The SecureString's key: decrypt only, that key only.
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: PARAMETER_KEY_ARN },
      { Action: parameterRead, Effect: 'Allow', Resource: parameterArn('/app/signing-key') },
    ]);
    const actions = new Set(statementsOf(executionRole).flatMap((s: any) => [s.Action].flat()));
    expect([...actions].sort()).toEqual(['kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue', 'ssm:GetParameters']);
  });

  test('a secret with a key of its own: the key policy lets the execution role decrypt it through Secrets Manager only; the default key needs no grant', () => {
    const [keyResource] = Object.values(template.findResources('AWS::KMS::Key')) as any[];
    const toExecutionRole = keyResource.Properties.KeyPolicy.Statement.filter((s: any) => JSON.stringify(s.Principal).includes(executionRole));
    expect(toExecutionRole).toEqual([{
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::GetAtt': [executionRole, 'Arn'] } },
      Resource: '*',
    }]);
    // One customer key in the stack (the secret's); the parameter's key is imported.
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toHaveLength(1);
  });

  test('the task role (the container\'s own) gets no secret, parameter or key', () => {
    expect(JSON.stringify(statementsOf(taskRole))).not.toMatch(/secretsmanager:|ssm:|kms:/);
  });

  test('without secrets, the execution role reads none', () => {
    const bare = synthFanOut(withImage());
    const role = bare.stack.getLogicalId(bare.fanOut.taskDefinition.executionRole!.node.defaultChild as iam.CfnRole);
    const statements = (Object.values(bare.template.findResources('AWS::IAM::Policy')) as any[])
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager:|ssm:|kms:/);
    expect(statements.length).toBeGreaterThan(0);
  });

  test('fails: a secret named as a variable the construct sets for each item', () => {
    const other = newStack();
    const secret = new secretsmanager.Secret(other, 'S');
    expect(() => new FargateFanOut(other, 'FanOut', withImage({ secrets: { FANOUT_ITEM: ecs.Secret.fromSecretsManager(secret) } })))
      .toThrow(/environment and secrets may not set FANOUT_ITEM/);
  });

  test('fails: secrets beside a given task definition, naming the prop', () => {
    const other = newStack();
    const taskDefinition = new ecs.FargateTaskDefinition(other, 'Given');
    taskDefinition.addContainer('Worker', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3.20') });
    const secret = new secretsmanager.Secret(other, 'S');
    expect(() => new FargateFanOut(other, 'FanOut', { taskDefinition, secrets: { S: ecs.Secret.fromSecretsManager(secret) } }))
      .toThrow(/secrets/);
  });
});
