/**
 * VPC endpoints: which endpoint a task needs, by the IAM service prefix of what it is granted.
 *
 * Each entry names its source; see index.ts. See aws-facts.md 8.1.
 */

/** A gateway endpoint (free, a route in the subnets' route tables) or an interface endpoint (billed per hour per AZ). */
export type VpcEndpointType = 'Gateway' | 'Interface';

/** One endpoint: its type and the name after `com.amazonaws.<region>.`. */
export interface VpcEndpointName {
  readonly type: VpcEndpointType;
  readonly name: string;
}

/** The endpoints a caller of one service needs in a subnet with no route to the internet. */
export interface ServiceEndpoints {
  readonly endpoints: readonly VpcEndpointName[];
  /** Where AWS says so. */
  readonly source: string;
}

const gateway = (name: string): VpcEndpointName => ({ type: 'Gateway', name });
const iface = (name: string): VpcEndpointName => ({ type: 'Interface', name });

/** The list of services with PrivateLink support, and their endpoint names. */
const PRIVATELINK_SERVICES = 'https://docs.aws.amazon.com/vpc/latest/privatelink/aws-services-privatelink-support.html';

/**
 * The endpoints a caller in a subnet with no route to the internet needs, by the IAM service
 * prefix of the actions it is granted (`states:SendTaskSuccess` -> `states`). A prefix missing
 * here is reported at synth, never ignored.
 *
 * The Fargate agent pulls the image, writes logs and fetches secrets from inside the task's
 * network interface with the execution role, so the execution role's grants count as much as
 * the task role's. Image layers come from S3: ECR needs the S3 gateway endpoint too.
 */
export const VPC_ENDPOINTS_BY_SERVICE_PREFIX: Readonly<Record<string, ServiceEndpoints>> = {
  s3: { endpoints: [gateway('s3')], source: 'https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html' },
  dynamodb: { endpoints: [gateway('dynamodb')], source: 'https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html' },
  ecr: {
    endpoints: [iface('ecr.api'), iface('ecr.dkr'), gateway('s3')],
    source: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html ; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html',
  },
  logs: { endpoints: [iface('logs')], source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch-logs-and-interface-VPC.html' },
  states: { endpoints: [iface('states')], source: 'https://docs.aws.amazon.com/step-functions/latest/dg/vpc-endpoints.html' },
  secretsmanager: { endpoints: [iface('secretsmanager')], source: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/vpc-endpoint-overview.html' },
  ssm: { endpoints: [iface('ssm')], source: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html' },
  kms: { endpoints: [iface('kms')], source: 'https://docs.aws.amazon.com/kms/latest/developerguide/kms-vpc-endpoint.html' },
  sqs: { endpoints: [iface('sqs')], source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-internetwork-traffic-privacy.html' },
  sns: { endpoints: [iface('sns')], source: 'https://docs.aws.amazon.com/sns/latest/dg/sns-internetwork-traffic-privacy.html' },
  events: { endpoints: [iface('events')], source: PRIVATELINK_SERVICES },
  // The IAM prefix of CloudWatch metrics is `cloudwatch`; its endpoint is `monitoring`.
  cloudwatch: { endpoints: [iface('monitoring')], source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-interface-VPC.html' },
  xray: { endpoints: [iface('xray')], source: 'https://docs.aws.amazon.com/xray/latest/devguide/xray-security-vpc-endpoint.html' },
  ecs: { endpoints: [iface('ecs')], source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/vpc-endpoints.html' },
  lambda: { endpoints: [iface('lambda')], source: PRIVATELINK_SERVICES },
  sts: { endpoints: [iface('sts')], source: PRIVATELINK_SERVICES },
  // The IAM prefix of Kinesis Data Streams is `kinesis`, of Firehose `firehose`.
  kinesis: { endpoints: [iface('kinesis-streams')], source: PRIVATELINK_SERVICES },
  firehose: { endpoints: [iface('kinesis-firehose')], source: PRIVATELINK_SERVICES },
  // ECS Exec's channel.
  ssmmessages: { endpoints: [iface('ssmmessages')], source: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html' },
};
