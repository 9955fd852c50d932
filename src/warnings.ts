import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FARGATE_DEFAULT_VCPU_QUOTA } from './facts';
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
  /** The `maxVcpus` budget, if set. */
  readonly maxVcpus?: number;
  /** The cap of the inline Map, when one is built. */
  readonly inlineMaxConcurrency?: number;
  /** vCPUs of one task. */
  readonly taskVcpus: number;
  /** True when the construct creates a VPC without internet access. */
  readonly createsVpc: boolean;
  readonly capacity: FanOutCapacity;
}

/**
 * Configurations that synthesize and may work, but probably not as the user expects:
 *
 * - the inline Map's cap asks for more vCPUs than AWS's default quota: tasks refused for the
 *   quota wait in the inline retries, which are short (they share the parent's history), so some
 *   items can run out of attempts (Distributed Map children wait far longer);
 * - a public-registry image with the VPC the construct creates, which has no internet route;
 * - Spot with an imported cluster, whose capacity providers cannot be checked.
 */
export function decideWarnings(input: WarningsInput): FanOutWarning[] {
  const warnings: FanOutWarning[] = [];
  if (input.inlineMaxConcurrency !== undefined && input.maxVcpus === undefined) {
    const vcpusAtCap = input.inlineMaxConcurrency * input.taskVcpus;
    if (vcpusAtCap > FARGATE_DEFAULT_VCPU_QUOTA) {
      warnings.push({
        id: 'cdk-fargate-fan-out:vcpuQuota',
        message: `The inline Map runs ${input.inlineMaxConcurrency} tasks of ${input.taskVcpus} vCPU, ${vcpusAtCap} vCPUs at once, more than AWS's default Fargate quota of ${FARGATE_DEFAULT_VCPU_QUOTA}. `
          + 'Set maxVcpus to your account\'s quota so that tasks wait in the Map instead of retrying against the quota, where items can run out of attempts.',
      });
    }
  }
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
