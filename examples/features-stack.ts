import * as path from 'path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  FanOutCapacity,
  FanOutIntegrationPattern,
  FanOutItems,
  FargateFanOut,
} from '../src';

/**
 * The main features in one stack, written the same way in every language (examples/python,
 * examples/java, examples/go): scripts/test-bindings.sh compares the templates.
 */
export class FeaturesStack extends Stack {
  public readonly batched: FargateFanOut;
  public readonly callback: FargateFanOut;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    // [features]
    const image = ecs.ContainerImage.fromAsset(path.join(__dirname, 'worker'));
    const bucket = new s3.Bucket(this, 'Items', { enforceSSL: true });

    // One row of items.csv per item, ten rows per Fargate Spot task; a task that Spot cannot
    // place reruns once on on-demand; the run succeeds with up to 5% of the items failed.
    this.batched = new FargateFanOut(this, 'Batched', {
      image,
      items: FanOutItems.fromS3Csv(bucket, 'items.csv'),
      itemBatching: { maxItems: 10 },
      capacity: FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK,
      toleratedFailurePercentage: 5,
    });

    // Each container reports its result with the task token in FANOUT_TASK_TOKEN; the run
    // succeeds with up to 3 items failed.
    this.callback = new FargateFanOut(this, 'Callback', {
      image,
      integrationPattern: FanOutIntegrationPattern.CALLBACK,
      toleratedFailureCount: 3,
    });
    // [/features]
  }
}
