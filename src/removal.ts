import { RemovalPolicy } from 'aws-cdk-lib';

/** What is kept when the stack is deleted, when `removalPolicy` is not set. */
export const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** The removal policies a fan-out takes for what it creates that holds data. */
const ALLOWED: readonly RemovalPolicy[] = [RemovalPolicy.RETAIN, RemovalPolicy.DESTROY];

/** What happens to the result bucket and the log groups the construct creates on `cdk destroy`. */
export interface RemovalDecision {
  readonly removalPolicy: RemovalPolicy;
  /** True when the result bucket is emptied before it is deleted (a bucket must be empty to be deleted). */
  readonly autoDeleteObjects: boolean;
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * RETAIN (the default) keeps the result bucket (the record of past runs) and every log group
 * when the stack is deleted; DESTROY, for development stacks, deletes them, emptying the bucket
 * first (CloudFormation cannot delete a bucket that holds objects). A given `resultBucket` is
 * the user's and is never touched.
 */
export function decideRemoval(removalPolicy: RemovalPolicy | undefined): RemovalDecision {
  const policy = removalPolicy ?? DEFAULT_REMOVAL_POLICY;
  if (!ALLOWED.includes(policy)) {
    throw new Error(`removalPolicy must be RemovalPolicy.RETAIN or RemovalPolicy.DESTROY, got ${policy}`);
  }
  const destroy = policy === RemovalPolicy.DESTROY;
  return {
    removalPolicy: policy,
    autoDeleteObjects: destroy,
    reason: destroy
      ? 'DESTROY: cdk destroy deletes the result bucket (emptied first by a custom resource) and the log groups the construct created'
      : `RETAIN${removalPolicy === undefined ? ' (default)' : ''}: cdk destroy leaves the result bucket the construct created and its log groups (container, state machine, VPC flow logs, trigger starters); delete them by hand, or set removalPolicy DESTROY for a development stack`,
  };
}
