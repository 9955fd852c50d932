import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FargateFanOut, FargateFanOutProps } from '../../src';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator');

export const TEST_ENV = { account: '111111111111', region: 'us-east-1' };

/** A fresh stack in a fresh app, with a concrete account and Region. */
export function newStack(id = 'TestStack'): Stack {
  return new Stack(new App(), id, { env: TEST_ENV });
}

/** Props with only the image set; spread more over it. */
export function withImage(props: Partial<FargateFanOutProps> = {}): FargateFanOutProps {
  return { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/alpine:3.20'), ...props };
}

export interface SynthesizedFanOut {
  readonly stack: Stack;
  readonly fanOut: FargateFanOut;
  readonly template: Template;
  /** The state machine definition, parsed, with CloudFormation references replaced by placeholders. */
  readonly definition: any;
}

/**
 * Builds a FargateFanOut in a new stack and returns its template and parsed definition. Every
 * definition a test synthesizes this way is checked with asl-validator.
 */
export function synthFanOut(props: FargateFanOutProps, stack: Stack = newStack()): SynthesizedFanOut {
  const fanOut = new FargateFanOut(stack, 'FanOut', props);
  const template = Template.fromStack(stack);
  const definition = definitionOf(template);
  expectValidAsl(definition);
  return { stack, fanOut, template, definition };
}

/** The one state machine's definition in `template`, parsed. */
export function definitionOf(template: Template): any {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  if (machines.length !== 1) {
    throw new Error(`expected one state machine, found ${machines.length}`);
  }
  const definitionString = machines[0].Properties.DefinitionString;
  const text = typeof definitionString === 'string' ? definitionString : resolveJoin(definitionString);
  return JSON.parse(text);
}

/** Validates `definition` with asl-validator and throws the validator's errors if it is invalid. */
export function expectValidAsl(definition: any): void {
  const result = aslValidator(JSON.parse(JSON.stringify(definition)));
  if (!result.isValid) {
    throw new Error(`asl-validator rejected the definition:\n${result.errorsText('\n')}`);
  }
}

/** Every state, at any depth (inside Map item processors too), by name. */
export function allStates(definition: any): Record<string, any> {
  const found: Record<string, any> = {};
  const visit = (states: Record<string, any>) => {
    for (const [name, state] of Object.entries(states)) {
      found[name] = state;
      if (state.ItemProcessor) {
        visit(state.ItemProcessor.States);
      }
    }
  };
  visit(definition.States);
  return found;
}

/** The IAM statements of every policy attached to the state machine's role. */
export function stateMachineStatements(template: Template): any[] {
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'states.amazonaws.com' } }] } },
  });
  const roleIds = Object.keys(roles);
  const statements: any[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const attached = (policy.Properties.Roles ?? []).some((r: any) => roleIds.includes(r.Ref));
    if (attached) {
      statements.push(...policy.Properties.PolicyDocument.Statement);
    }
  }
  return statements;
}

/** The actions of `statements`, flattened and sorted. */
export function actionsOf(statements: any[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

export function resolveJoin(join: any): string {
  const [separator, parts] = join['Fn::Join'];
  return parts.map((part: any) => (typeof part === 'string' ? part : placeholder(part))).join(separator);
}

function placeholder(intrinsic: any): string {
  if (intrinsic.Ref === 'AWS::Partition') {
    return 'aws';
  }
  if (intrinsic.Ref === 'AWS::Region') {
    return TEST_ENV.region;
  }
  if (intrinsic.Ref === 'AWS::AccountId') {
    return TEST_ENV.account;
  }
  if (intrinsic.Ref) {
    return intrinsic.Ref;
  }
  if (intrinsic['Fn::GetAtt']) {
    const [logicalId, attribute] = intrinsic['Fn::GetAtt'];
    return attribute === 'Arn' ? `arn:aws:ecs:${TEST_ENV.region}:${TEST_ENV.account}:cluster/${logicalId}` : `${logicalId}-${attribute}`;
  }
  return 'UNRESOLVED';
}
