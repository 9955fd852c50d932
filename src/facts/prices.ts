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
