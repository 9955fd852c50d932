import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/**
 * Where the tasks run: the cluster, VPC, subnets and security groups given, or new ones. Part of
 * `FargateFanOutProps`.
 */
export interface FanOutNetworkOptions {
  /**
   * An existing ECS cluster to run the tasks in.
   *
   * @default - a new cluster in `vpc`
   */
  readonly cluster?: ecs.ICluster;

  /**
   * The VPC for the tasks (ignored when `cluster` is given: its VPC is used).
   *
   * @default - a new VPC with isolated subnets in two AZs, no NAT gateway, and a VPC endpoint for
   * every AWS service the task and execution roles may call (read at synth; see docs/networking.md)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets for the tasks.
   *
   * @default - public subnets if `assignPublicIp` is set, otherwise the VPC's private subnets
   * (with egress if it has them, else isolated)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups for the tasks (at most 5).
   *
   * @default - a new security group that allows no inbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Whether tasks get a public IP address (needed in a public subnet without NAT to pull images).
   *
   * @default false
   */
  readonly assignPublicIp?: boolean;
}
