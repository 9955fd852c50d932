import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ClaimRetention } from './decide-triggers';

/** Attributes of a claim record: one item per message (or S3 event) a starter has started. */
export const ClaimKeys = {
  /** The message id, or for an S3 event `bucket/key/sequencer` (the same for every copy of the event). */
  ID: 'id',
  /** The name of the execution that started it (the first one, should a copy have started another). */
  EXECUTION: 'execution',
  /** DynamoDB TTL: epoch seconds after which the record may be deleted. */
  EXPIRES_AT: 'expiresAt',
} as const;

/** The claim table and how long its records live: what a starter needs to drop what it started before. */
export interface TriggerClaims {
  readonly table: dynamodb.ITable;
  readonly retention: ClaimRetention;
}

/**
 * The table of a trigger's claims: encrypted, with point-in-time recovery and a TTL, billed per
 * request (a trigger's load comes in bursts).
 */
export function buildClaimTable(scope: Construct): dynamodb.Table {
  return new dynamodb.Table(scope, 'ClaimTable', {
    partitionKey: { name: ClaimKeys.ID, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: ClaimKeys.EXPIRES_AT,
    // Records of messages of this stack's pipe only: nothing to keep once the stack is gone.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
