/**
 * Service Quotas: where the account's Fargate vCPU quotas are read at run time.
 *
 * Each constant names its source; see index.ts.
 */

/**
 * The Service Quotas service code of Fargate.
 * Source: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html (Fargate
 * quotas are listed under the service `fargate`); /work/shared/aws-facts.md §8.3.
 */
export const FARGATE_SERVICE_CODE = 'fargate';

/**
 * "Fargate On-Demand vCPU resource count": vCPUs of on-demand Fargate tasks running at once in
 * the account and Region.
 * Source: https://aws.amazon.com/blogs/containers/migrating-fargate-service-quotas-to-vcpu-based-quotas/ ;
 * https://docs.aws.amazon.com/general/latest/gr/ecs-service.html ; /work/shared/aws-facts.md §2.2.
 * ⚠ The code is widely quoted but was not read from a live GetServiceQuota response here: a
 * wrong code fails the read (NoSuchResourceException), which falls back to the synth-time cap.
 */
export const FARGATE_ON_DEMAND_VCPU_QUOTA_CODE = 'L-3032A538';

/**
 * "Fargate Spot vCPU resource count": vCPUs of Fargate Spot tasks running at once.
 * Source and ⚠ as FARGATE_ON_DEMAND_VCPU_QUOTA_CODE.
 */
export const FARGATE_SPOT_VCPU_QUOTA_CODE = 'L-36FBB829';

/**
 * Reads a quota's applied value: `GetServiceQuota { ServiceCode, QuotaCode }` answers
 * `{ Quota: { Value: <number>, QuotaCode, QuotaArn, ... } }`, `Value` being vCPUs for the Fargate
 * quotas. Step Functions calls it through its AWS SDK integration,
 * `arn:aws:states:::aws-sdk:servicequotas:getServiceQuota`.
 * Source: https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html ;
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
export const GET_SERVICE_QUOTA_ACTION = 'servicequotas:GetServiceQuota';

/**
 * The errors GetServiceQuota documents. The AWS SDK integration raises them prefixed with the
 * service's name (`ServiceQuotas.NoSuchResourceException`).
 * Source: https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html (Errors)
 * ⚠ "For some quotas, only the default values are available. If the applied quota value is not
 * available for a quota, the quota is not retrieved" (same page): AWS does not say whether a
 * quota never raised answers its default value or NoSuchResourceException. The workflow catches
 * every error of the read (States.ALL, not these names alone, whose prefix is not documented for
 * this service) and keeps the synth-time cap, so either answer is safe: a value caps the Map, an
 * error leaves it as it was before the quota was read.
 */
export const GET_SERVICE_QUOTA_ERRORS = [
  'AccessDeniedException',
  'NoSuchResourceException',
  'IllegalArgumentException',
  'ServiceException',
  'TooManyRequestsException',
] as const;

/**
 * ⚠ Whether `servicequotas:GetServiceQuota` can be scoped to a quota's ARN
 * (`arn:${Partition}:servicequotas:${Region}:${Account}:fargate/L-...`) could not be confirmed
 * from the Service Authorization Reference here (third-party notes say it cannot). A statement
 * scoped to an ARN the action does not authorize on would deny every read and turn the quota
 * cap off without a sign but the run's output, so the action is granted on `*`: it reads a
 * number, changes nothing, and the acknowledgement says why (access/required-wildcards.ts).
 * Source: https://docs.aws.amazon.com/service-authorization/latest/reference/list_servicequotas.html
 */
export const GET_SERVICE_QUOTA_RESOURCE_LEVEL_CONFIRMED = false;
