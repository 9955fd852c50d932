import { Duration, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RemovalDecision } from '../removal';

/** How long results are kept in a bucket the construct creates. */
export const RESULT_EXPIRATION = Duration.days(90);

/**
 * The bucket for results and failure records when none is given: encrypted, private, SSL only,
 * results expire; kept when the stack is deleted (it holds the record of past runs) unless
 * `removalPolicy` is DESTROY, which empties it first.
 */
export function buildResultBucket(scope: Construct, removal: RemovalDecision): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'Results', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    lifecycleRules: [{ expiration: RESULT_EXPIRATION, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    removalPolicy: removal.removalPolicy,
    autoDeleteObjects: removal.autoDeleteObjects,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'Only this state machine writes here (Map Run results); access is recorded by CloudTrail, and an access-log bucket would add a second bucket per fan-out.',
  });
  return bucket;
}
