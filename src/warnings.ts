import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity } from './task/capacity';

/** A warning for the user, shown at synth (`Annotations.addWarningV2`). */
export interface FanOutWarning {
  /** The id the user can acknowledge it by. */
  readonly id: string;
  /** What is wrong and what to do. */
  readonly message: string;
}

/** What the warnings depend on. */
export interface WarningsInput {
  /** The image to run, if the construct builds the task definition. */
  readonly image?: ecs.ContainerImage;
  /** The cluster given, if any. */
  readonly cluster?: ecs.ICluster;
  /** True when the construct creates a VPC without internet access. */
  readonly createsVpc: boolean;
  readonly capacity: FanOutCapacity;
}

/**
 * Configurations that synthesize and may work, but probably not as the user expects:
 *
 * - a public-registry image with the VPC the construct creates, which has no internet route;
 * - Spot with an imported cluster, whose capacity providers cannot be checked.
 */
export function decideWarnings(input: WarningsInput): FanOutWarning[] {
  // No warning about the inline Map's cap against the vCPU quota: without maxVcpus (or a pool,
  // which has no inline Map) each run reads the quota and caps the Map to it (vcpu-quota.ts).
  const warnings: FanOutWarning[] = [];
  if (input.createsVpc && input.image instanceof ecs.RepositoryImage) {
    warnings.push({
      id: 'cdk-fargate-fan-out:imageWithoutInternet',
      message: 'The VPC created for the tasks has no internet route: an image from a public registry cannot be pulled. Use an ECR image (ContainerImage.fromAsset or fromEcrRepository), or pass a vpc with NAT.',
    });
  }
  if (input.capacity !== FanOutCapacity.ON_DEMAND && input.cluster && !(input.cluster instanceof ecs.Cluster)) {
    warnings.push({
      id: 'cdk-fargate-fan-out:capacityProviders',
      message: `capacity ${input.capacity} runs tasks with the FARGATE_SPOT${input.capacity === FanOutCapacity.SPOT ? '' : ' and FARGATE'} capacity providers, which must be associated with the cluster given (an imported cluster cannot be checked).`,
    });
  }
  return warnings;
}
