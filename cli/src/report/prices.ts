import {
  FARGATE_MINIMUM_BILLED_SECONDS, FARGATE_SPOT_MAX_DISCOUNT, PRICE_FARGATE_GB_HOUR_USD, PRICE_FARGATE_VCPU_HOUR_USD,
  PRICE_SFN_STANDARD_PER_TRANSITION_USD,
} from '../library';

/** The prices a report's costs use, in USD, and where each came from. */
export interface Prices {
  readonly vcpuHour: number;
  readonly gbHour: number;
  readonly spotVcpuHour: number;
  readonly spotGbHour: number;
  /** Step Functions Standard, per state transition. */
  readonly transition: number;
  /** Billed seconds at least, per task. */
  readonly minimumBilledSeconds: number;
  /** Where the numbers came from, in a few words each, for the report. */
  readonly sources: { readonly onDemand: string; readonly spot: string; readonly transition: string };
}

/** us-east-1 Linux/x86 On-Demand, Spot at its largest discount, Standard transitions (the library's src/facts/prices.ts). */
export const DEFAULT_PRICES: Prices = {
  vcpuHour: PRICE_FARGATE_VCPU_HOUR_USD,
  gbHour: PRICE_FARGATE_GB_HOUR_USD,
  spotVcpuHour: PRICE_FARGATE_VCPU_HOUR_USD * (1 - FARGATE_SPOT_MAX_DISCOUNT),
  spotGbHour: PRICE_FARGATE_GB_HOUR_USD * (1 - FARGATE_SPOT_MAX_DISCOUNT),
  transition: PRICE_SFN_STANDARD_PER_TRANSITION_USD,
  minimumBilledSeconds: FARGATE_MINIMUM_BILLED_SECONDS,
  sources: {
    onDemand: 'us-east-1 Linux/x86 On-Demand list price (aws.amazon.com/fargate/pricing)',
    spot: `assumed ${Math.round(FARGATE_SPOT_MAX_DISCOUNT * 100)}% below On-Demand, Fargate Spot's largest discount; the real rate varies (pass --spot-vcpu-hour and --spot-gb-hour)`,
    transition: 'us-east-1 Standard workflows, free tier not deducted (aws.amazon.com/step-functions/pricing)',
  },
};

/** Price options by name, as the command line and a prices file give them. */
export const PRICE_OPTIONS = {
  'vcpu-hour': 'vcpuHour',
  'gb-hour': 'gbHour',
  'spot-vcpu-hour': 'spotVcpuHour',
  'spot-gb-hour': 'spotGbHour',
  'transition': 'transition',
} as const;

type PriceKey = typeof PRICE_OPTIONS[keyof typeof PRICE_OPTIONS];

/**
 * Prices with overrides: a prices file (JSON, keys as the options or their camelCase:
 * `{ "spot-vcpu-hour": 0.0129, "region": "eu-west-1" }`), then single options on top. Spot prices
 * not given follow given On-Demand prices at the assumed discount.
 */
export function resolvePrices(file: Record<string, unknown> | undefined, options: Partial<Record<PriceKey, number>>): Prices {
  const given: Partial<Record<PriceKey, number>> = {};
  const fromFile = file ?? {};
  for (const [option, key] of Object.entries(PRICE_OPTIONS)) {
    const value = fromFile[option] ?? fromFile[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new Error(`prices file: '${option}' must be a number of USD, at least 0, got ${JSON.stringify(value)}`);
    }
    given[key] = value;
  }
  for (const [key, value] of Object.entries(options) as Array<[PriceKey, number | undefined]>) {
    if (value === undefined) continue;
    if (!(value >= 0)) throw new Error(`--${optionOf(key)} must be a number of USD, at least 0, got ${value}`);
    given[key] = value;
  }
  for (const key of Object.keys(fromFile)) {
    if (!(key in PRICE_OPTIONS) && !Object.values(PRICE_OPTIONS).includes(key as PriceKey) && key !== 'region' && key !== 'source') {
      throw new Error(`prices file: unknown key '${key}'; known: ${Object.keys(PRICE_OPTIONS).join(', ')}, region, source`);
    }
  }
  const label = typeof fromFile.source === 'string' ? fromFile.source : typeof fromFile.region === 'string' ? `${fromFile.region}, as given` : 'as given';
  const vcpuHour = given.vcpuHour ?? DEFAULT_PRICES.vcpuHour;
  const gbHour = given.gbHour ?? DEFAULT_PRICES.gbHour;
  const onDemandGiven = given.vcpuHour !== undefined || given.gbHour !== undefined;
  const spotGiven = given.spotVcpuHour !== undefined || given.spotGbHour !== undefined;
  const discount = 1 - FARGATE_SPOT_MAX_DISCOUNT;
  return {
    vcpuHour,
    gbHour,
    spotVcpuHour: given.spotVcpuHour ?? vcpuHour * discount,
    spotGbHour: given.spotGbHour ?? gbHour * discount,
    transition: given.transition ?? DEFAULT_PRICES.transition,
    minimumBilledSeconds: DEFAULT_PRICES.minimumBilledSeconds,
    sources: {
      onDemand: onDemandGiven ? label : DEFAULT_PRICES.sources.onDemand,
      spot: spotGiven ? label : DEFAULT_PRICES.sources.spot,
      transition: given.transition !== undefined ? label : DEFAULT_PRICES.sources.transition,
    },
  };
}

function optionOf(key: PriceKey): string {
  return Object.entries(PRICE_OPTIONS).find(([, k]) => k === key)![0];
}
