import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity } from '../task/capacity';

/** What the network depends on. */
export interface NetworkInput {
  readonly cluster?: ecs.ICluster;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  readonly assignPublicIp?: boolean;
  readonly capacity: FanOutCapacity;
}

/** Where the tasks run, and what the construct creates for them. */
export interface NetworkDecision {
  /** True when the construct creates a private VPC (no cluster or VPC given). */
  readonly createVpc: boolean;
  /** The cluster given; undefined: the construct creates one. */
  readonly cluster?: ecs.ICluster;
  /** The VPC given, or the given cluster's; undefined: the construct creates one. */
  readonly vpc?: ec2.IVpc;
  /** The tasks' security groups, as given; undefined: the construct creates one that lets nothing in. */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** The tasks' subnets. */
  readonly subnets: ec2.SubnetSelection;
  /** Whether tasks get a public IP, as given (left out of RunTask when not set). */
  readonly assignPublicIp?: boolean;
  /**
   * True when the construct associates the Fargate capacity providers with the cluster (Spot with
   * a cluster it creates or one given as `ecs.Cluster`).
   */
  readonly enableCapacityProviders: boolean;
  /** One sentence a user can read. */
  readonly reason: string;
}

/** Chooses where the tasks run: given resources are used as they are, the rest is created private. */
export function decideNetwork(input: NetworkInput): NetworkDecision {
  const vpc = input.cluster?.vpc ?? input.vpc;
  const assignPublicIp = input.assignPublicIp ?? false;
  const createCluster = input.cluster === undefined;
  const spot = input.capacity !== FanOutCapacity.ON_DEMAND;
  const where = input.cluster ? 'the cluster given' : input.vpc ? 'a new cluster in the VPC given' : 'a new cluster in a new VPC with isolated subnets and VPC endpoints, no NAT';
  return {
    createVpc: vpc === undefined,
    cluster: input.cluster,
    vpc,
    securityGroups: input.securityGroups,
    subnets: input.vpcSubnets ?? defaultTaskSubnets(vpc, assignPublicIp),
    assignPublicIp: input.assignPublicIp,
    enableCapacityProviders: spot && (createCluster || input.cluster instanceof ecs.Cluster),
    reason: `${where}; ${input.vpcSubnets ? 'the subnets given' : assignPublicIp ? 'public subnets with a public IP' : 'private subnets'}${input.securityGroups ? ', the security groups given' : ', a security group that lets nothing in'}.`,
  };
}

/**
 * Subnets for the tasks when none are given: public ones only if the tasks get a public IP
 * (a public IP is useless elsewhere), else private subnets with egress if the VPC has them,
 * else isolated ones (which reach AWS through VPC endpoints). `vpc` undefined is the one the
 * construct creates.
 */
export function defaultTaskSubnets(vpc: ec2.IVpc | undefined, assignPublicIp: boolean): ec2.SubnetSelection {
  if (assignPublicIp) {
    return { subnetType: ec2.SubnetType.PUBLIC };
  }
  // The VPC the construct creates (undefined here) has isolated subnets only.
  const withEgress = vpc !== undefined && vpc.privateSubnets.length > 0;
  return { subnetType: withEgress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED };
}
