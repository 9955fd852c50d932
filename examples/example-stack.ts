import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { FargateFanOut } from '../src';

/**
 * The example: a worker image run once per item of `$.items` in the execution input, one vCPU
 * per task, within a 16-vCPU budget.
 */
export class ExampleStack extends Stack {
  public readonly fanOut: FargateFanOut;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.fanOut = new FargateFanOut(this, 'FanOut', {
      image: ecs.ContainerImage.fromAsset(path.join(__dirname, 'worker')),
      cpu: 1024,
      memoryLimitMiB: 2048,
      maxVcpus: 16,
    });
  }
}
