/**
 * Prices, for the planner's cost estimates.
 *
 * Each constant names its source; see index.ts.
 */

// ---------------------------------------------------------------------------------------------
// Prices (us-east-1), for the planner's cost estimates. Read 2026-11; check the pricing pages.
// ---------------------------------------------------------------------------------------------

/**
 * Step Functions Standard: $0.025 per 1,000 state transitions (us-east-1).
 * Source: https://aws.amazon.com/step-functions/pricing/ (read 2026-11)
 */
export const PRICE_SFN_STANDARD_PER_TRANSITION_USD = 0.000025;

/**
 * Fargate On-Demand Linux/x86: $0.04048 per vCPU-hour (us-east-1).
 * Source: https://aws.amazon.com/fargate/pricing/ as quoted by several third parties (the page
 * fills its numbers in by script); see aws-facts.md 6 (read 2026-11).
 */
export const PRICE_FARGATE_VCPU_HOUR_USD = 0.04048;

/**
 * Fargate On-Demand Linux/x86: $0.004445 per GB-hour (us-east-1).
 * Source: as PRICE_FARGATE_VCPU_HOUR_USD.
 */
export const PRICE_FARGATE_GB_HOUR_USD = 0.004445;

/**
 * Fargate Spot runs "at up to a 70% discount off the Fargate price"; the actual rate moves with
 * supply and demand and is shown live on the pricing page. The run report assumes the full
 * discount unless told the rate (it says so), so its Spot cost is a low estimate.
 * Source: https://aws.amazon.com/fargate/pricing/ ; see aws-facts.md 6 (no fixed us-east-1 Spot rate confirmed).
 */
export const FARGATE_SPOT_MAX_DISCOUNT = 0.7;

/**
 * Fargate bills per second with a one-minute minimum per task.
 * Source: https://aws.amazon.com/fargate/pricing/ ; see aws-facts.md 6.
 */
export const FARGATE_MINIMUM_BILLED_SECONDS = 60;

/**
 * An interface VPC endpoint: $0.01 per hour per Availability Zone (us-east-1), billed whether or
 * not traffic flows, plus $0.01 per GB processed.
 * Source: https://aws.amazon.com/privatelink/pricing/ ; see aws-facts.md 8.1 (read 2026-12).
 */
export const PRICE_INTERFACE_ENDPOINT_AZ_HOUR_USD = 0.01;

/**
 * A NAT gateway: $0.045 per hour (us-east-1), plus $0.045 per GB processed.
 * Source: https://aws.amazon.com/vpc/pricing/ ; see aws-facts.md 8.1 (read 2026-12).
 */
export const PRICE_NAT_GATEWAY_HOUR_USD = 0.045;

/** A NAT gateway's data processing: $0.045 per GB (us-east-1). Source: as PRICE_NAT_GATEWAY_HOUR_USD. */
export const PRICE_NAT_GATEWAY_GB_USD = 0.045;

/**
 * A public IPv4 address: $0.005 per hour (us-east-1), for each task that runs with a public IP.
 * Source: https://aws.amazon.com/vpc/pricing/ (public IPv4 address) ; ⚠ aws-facts.md 6 quotes it from a
 * secondary source only.
 */
export const PRICE_PUBLIC_IPV4_HOUR_USD = 0.005;

/**
 * Hours in a month as AWS's pricing pages and calculator count them (365 x 24 / 12).
 * Source: https://calculator.aws/ (monthly estimates use 730 hours).
 */
export const HOURS_PER_MONTH = 730;

/**
 * Fargate On-Demand Linux/ARM64: about $0.03238 per vCPU-hour (us-east-1), about 20% below x86.
 * Source: https://aws.amazon.com/fargate/pricing/ ; aws-facts.md 8.2 (⚠ verify before relying on it).
 */
export const PRICE_FARGATE_ARM64_VCPU_HOUR_USD = 0.03238;

/** Fargate On-Demand Linux/ARM64: about $0.00356 per GB-hour (us-east-1). Source: as PRICE_FARGATE_ARM64_VCPU_HOUR_USD. */
export const PRICE_FARGATE_ARM64_GB_HOUR_USD = 0.00356;

/**
 * Fargate ephemeral storage above the included 20 GiB: about $0.000111 per GB-hour (us-east-1).
 * Source: https://aws.amazon.com/fargate/pricing/ ; aws-facts.md 8.2.
 */
export const PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD = 0.000111;
