import { HOURS_PER_MONTH, PRICE_INTERFACE_ENDPOINT_AZ_HOUR_USD, PRICE_NAT_GATEWAY_GB_USD, PRICE_NAT_GATEWAY_HOUR_USD, PRICE_PUBLIC_IPV4_HOUR_USD } from '../facts';

/** Where the prices come from, for the user. */
export const NETWORK_PRICE_SOURCE = 'us-east-1 prices, https://aws.amazon.com/privatelink/pricing/';

/** What the network the construct builds costs while no fan-out runs. */
export interface NetworkIdleCost {
  readonly interfaceEndpoints: number;
  readonly availabilityZones: number;
  /** Interface endpoints x AZs x the hourly price x 730 hours. */
  readonly monthlyUsd: number;
  /** One sentence with the arithmetic and the price's source. */
  readonly reason: string;
  /** What lowers it, each with what it gives up. */
  readonly cheaperChoices: string[];
}

/**
 * The fixed monthly cost of the interface endpoints of the VPC the construct creates: each is
 * billed per hour in each AZ, running or not (gateway endpoints are free, and data processed is
 * left out: it is paid only when tasks run).
 */
export function networkIdleCost(interfaceEndpoints: number, availabilityZones: number): NetworkIdleCost {
  const monthlyUsd = interfaceEndpoints * availabilityZones * PRICE_INTERFACE_ENDPOINT_AZ_HOUR_USD * HOURS_PER_MONTH;
  const natMonthlyUsd = PRICE_NAT_GATEWAY_HOUR_USD * HOURS_PER_MONTH;
  return {
    interfaceEndpoints,
    availabilityZones,
    monthlyUsd,
    reason: `${interfaceEndpoints} interface endpoints x ${availabilityZones} AZs x $${PRICE_INTERFACE_ENDPOINT_AZ_HOUR_USD} an hour x ${HOURS_PER_MONTH} hours = $${monthlyUsd.toFixed(2)} a month, whether or not a fan-out runs, plus $${PRICE_INTERFACE_ENDPOINT_AZ_HOUR_USD} per GB processed (${NETWORK_PRICE_SOURCE}); gateway endpoints are free`,
    cheaperChoices: [
      `a vpc given with a NAT gateway: $${natMonthlyUsd.toFixed(2)} a month per NAT gateway plus $${PRICE_NAT_GATEWAY_GB_USD} per GB (image pulls included), shared with the rest of the VPC; gives up: traffic to AWS leaves through the NAT (add the free S3 gateway endpoint), and one NAT gateway is one AZ's single point of failure`,
      `public subnets of a vpc given, with assignPublicIp: no fixed cost, $${PRICE_PUBLIC_IPV4_HOUR_USD} per public IPv4 address an hour while each task runs; gives up: tasks have public addresses (the security group still lets nothing in) and reach AWS over the internet`,
      'fewer AZs (a vpc given with endpoints in one AZ): halves the fixed cost; gives up: tasks stop running when that AZ fails, and Fargate capacity comes from one AZ only (more capacity errors at scale)',
    ],
  };
}
