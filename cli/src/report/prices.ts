import {
  FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FARGATE_MINIMUM_BILLED_SECONDS, FARGATE_SPOT_MAX_DISCOUNT, FanOutCpuArchitecture,
  PRICE_FARGATE_ARM64_GB_HOUR_USD, PRICE_FARGATE_ARM64_VCPU_HOUR_USD, PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD,
  PRICE_FARGATE_GB_HOUR_USD, PRICE_FARGATE_VCPU_HOUR_USD, PRICE_SFN_STANDARD_PER_TRANSITION_USD,
} from '../library';

/** The prices a report's costs use, in USD, and where each came from. */
export interface Prices {
  /** Which processors the On-Demand prices are for; ARM64 has no Spot (Fargate Spot runs Linux X86_64 only). */
  readonly cpuArchitecture: FanOutCpuArchitecture;
  readonly vcpuHour: number;
  readonly gbHour: number;
  /** 0 for ARM64, which has no Spot. */
  readonly spotVcpuHour: number;
  readonly spotGbHour: number;
  /** Ephemeral storage above the included 20 GiB, per GB-hour, On-Demand and Spot tasks alike. */
  readonly storageGbHour: number;
  /** Step Functions Standard, per state transition. */
  readonly transition: number;
  /** Billed seconds at least, per task. */
  readonly minimumBilledSeconds: number;
  /** Where the numbers came from, in a few words each, for the report. */
  readonly sources: { readonly onDemand: string; readonly spot: string; readonly storage: string; readonly transition: string };
}

const SPOT_ASSUMED = `assumed ${Math.round(FARGATE_SPOT_MAX_DISCOUNT * 100)}% below On-Demand, Fargate Spot's largest discount; the real rate varies (pass --spot-vcpu-hour and --spot-gb-hour)`;
const NO_SPOT_ON_ARM64 = 'none: ARM64 runs On-Demand only (Fargate Spot runs Linux X86_64)';

/** The list prices of each architecture (the library's src/facts/prices.ts). */
const ON_DEMAND: Record<FanOutCpuArchitecture, { vcpuHour: number; gbHour: number; source: string }> = {
  [FanOutCpuArchitecture.X86_64]: {
    vcpuHour: PRICE_FARGATE_VCPU_HOUR_USD,
    gbHour: PRICE_FARGATE_GB_HOUR_USD,
    source: 'us-east-1 Linux/x86 On-Demand list price (aws.amazon.com/fargate/pricing)',
  },
  [FanOutCpuArchitecture.ARM64]: {
    vcpuHour: PRICE_FARGATE_ARM64_VCPU_HOUR_USD,
    gbHour: PRICE_FARGATE_ARM64_GB_HOUR_USD,
    source: 'us-east-1 Linux/ARM64 On-Demand list price (aws.amazon.com/fargate/pricing)',
  },
};

/** us-east-1 Linux/x86 On-Demand, Spot at its largest discount, Standard transitions (the library's src/facts/prices.ts). */
export const DEFAULT_PRICES: Prices = {
  cpuArchitecture: FanOutCpuArchitecture.X86_64,
  vcpuHour: PRICE_FARGATE_VCPU_HOUR_USD,
  gbHour: PRICE_FARGATE_GB_HOUR_USD,
  spotVcpuHour: PRICE_FARGATE_VCPU_HOUR_USD * (1 - FARGATE_SPOT_MAX_DISCOUNT),
  spotGbHour: PRICE_FARGATE_GB_HOUR_USD * (1 - FARGATE_SPOT_MAX_DISCOUNT),
  storageGbHour: PRICE_FARGATE_EPHEMERAL_STORAGE_GB_HOUR_USD,
  transition: PRICE_SFN_STANDARD_PER_TRANSITION_USD,
  minimumBilledSeconds: FARGATE_MINIMUM_BILLED_SECONDS,
  sources: {
    onDemand: ON_DEMAND[FanOutCpuArchitecture.X86_64].source,
    spot: SPOT_ASSUMED,
    // AWS lists no separate Spot rate for storage that the facts hold: the On-Demand rate errs high for Spot tasks.
    storage: `us-east-1 list price above the included ${FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB} GiB (aws.amazon.com/fargate/pricing), Spot tasks' too`,
    transition: 'us-east-1 Standard workflows, free tier not deducted (aws.amazon.com/step-functions/pricing)',
  },
};

/** Price options by name, as the command line and a prices file give them. */
export const PRICE_OPTIONS = {
  'vcpu-hour': 'vcpuHour',
  'gb-hour': 'gbHour',
  'spot-vcpu-hour': 'spotVcpuHour',
  'spot-gb-hour': 'spotGbHour',
  'storage-gb-hour': 'storageGbHour',
  'transition': 'transition',
} as const;

type PriceKey = typeof PRICE_OPTIONS[keyof typeof PRICE_OPTIONS];

/**
 * Prices with overrides: a prices file (JSON, keys as the options or their camelCase:
 * `{ "spot-vcpu-hour": 0.0129, "region": "eu-west-1" }`), then single options on top. On-Demand
 * prices not given are the list prices of `cpuArchitecture`; Spot prices not given follow the
 * On-Demand ones at the assumed discount. ARM64 has no Spot: a Spot price with it is refused.
 */
export function resolvePrices(
  file: Record<string, unknown> | undefined,
  options: Partial<Record<PriceKey, number>>,
  cpuArchitecture: FanOutCpuArchitecture = FanOutCpuArchitecture.X86_64,
): Prices {
  const given: Partial<Record<PriceKey, number>> = {};
  const givenAs: Partial<Record<PriceKey, string>> = {};
  const fromFile = file ?? {};
  for (const [option, key] of Object.entries(PRICE_OPTIONS)) {
    const value = fromFile[option] ?? fromFile[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new Error(`prices file: '${option}' must be a number of USD, at least 0, got ${JSON.stringify(value)}`);
    }
    given[key] = value;
    givenAs[key] = `the prices file's '${option}'`;
  }
  for (const [key, value] of Object.entries(options) as Array<[PriceKey, number | undefined]>) {
    if (value === undefined) continue;
    if (!(value >= 0)) throw new Error(`--${optionOf(key)} must be a number of USD, at least 0, got ${value}`);
    given[key] = value;
    givenAs[key] = `--${optionOf(key)}`;
  }
  for (const key of Object.keys(fromFile)) {
    if (!(key in PRICE_OPTIONS) && !Object.values(PRICE_OPTIONS).includes(key as PriceKey) && key !== 'region' && key !== 'source') {
      throw new Error(`prices file: unknown key '${key}'; known: ${Object.keys(PRICE_OPTIONS).join(', ')}, region, source`);
    }
  }
  const arm64 = cpuArchitecture === FanOutCpuArchitecture.ARM64;
  const spotGivenAs = givenAs.spotVcpuHour ?? givenAs.spotGbHour;
  if (arm64 && spotGivenAs) {
    throw new Error(`--arm64 with ${spotGivenAs}: ARM64 tasks run On-Demand only (Fargate Spot runs Linux X86_64), so there is no Spot price to give`);
  }
  const label = typeof fromFile.source === 'string' ? fromFile.source : typeof fromFile.region === 'string' ? `${fromFile.region}, as given` : 'as given';
  const listed = ON_DEMAND[cpuArchitecture];
  const vcpuHour = given.vcpuHour ?? listed.vcpuHour;
  const gbHour = given.gbHour ?? listed.gbHour;
  const onDemandGiven = given.vcpuHour !== undefined || given.gbHour !== undefined;
  const discount = 1 - FARGATE_SPOT_MAX_DISCOUNT;
  return {
    cpuArchitecture,
    vcpuHour,
    gbHour,
    spotVcpuHour: arm64 ? 0 : given.spotVcpuHour ?? vcpuHour * discount,
    spotGbHour: arm64 ? 0 : given.spotGbHour ?? gbHour * discount,
    storageGbHour: given.storageGbHour ?? DEFAULT_PRICES.storageGbHour,
    transition: given.transition ?? DEFAULT_PRICES.transition,
    minimumBilledSeconds: DEFAULT_PRICES.minimumBilledSeconds,
    sources: {
      onDemand: onDemandGiven ? label : listed.source,
      spot: arm64 ? NO_SPOT_ON_ARM64 : spotGivenAs ? label : SPOT_ASSUMED,
      storage: given.storageGbHour !== undefined ? label : DEFAULT_PRICES.sources.storage,
      transition: given.transition !== undefined ? label : DEFAULT_PRICES.sources.transition,
    },
  };
}

function optionOf(key: PriceKey): string {
  return Object.entries(PRICE_OPTIONS).find(([, k]) => k === key)![0];
}
