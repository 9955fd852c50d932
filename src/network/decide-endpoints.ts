import { ServiceGrant, TaskRoleGrants } from './role-grants';
import { VPC_ENDPOINTS_BY_SERVICE_PREFIX, VpcEndpointName } from '../facts';

/** An endpoint the tasks need, and the grants that need it. */
export interface NeededEndpoint extends VpcEndpointName {
  /** The grants that need it, in the order found (never empty). */
  readonly neededBy: ServiceGrant[];
}

/** The endpoints the tasks' roles need in subnets with no route to the internet, and why. */
export interface EndpointsDecision {
  /** Gateway endpoints (free), by name. */
  readonly gateway: NeededEndpoint[];
  /** Interface endpoints (billed per hour per AZ), by name. */
  readonly interface: NeededEndpoint[];
  /** Grants of services for which no endpoint is known (`*`, or a prefix missing from the facts). */
  readonly unknown: ServiceGrant[];
  /** What could not be read (imported roles, managed policies). */
  readonly unreadable: string[];
  /** One sentence a user can read. */
  readonly reason: string;
}

/**
 * The endpoints every service the roles may call needs, from the facts' list: a gateway endpoint
 * for S3 and DynamoDB, an interface endpoint for the rest. Sorted by name, so that the same
 * grants always give the same endpoints in the same order.
 */
export function decideEndpoints(roleGrants: TaskRoleGrants): EndpointsDecision {
  const needed = new Map<string, { endpoint: VpcEndpointName; neededBy: ServiceGrant[] }>();
  const unknown: ServiceGrant[] = [];
  for (const grant of roleGrants.grants) {
    const known = VPC_ENDPOINTS_BY_SERVICE_PREFIX[grant.service];
    if (!known) {
      unknown.push(grant);
      continue;
    }
    for (const endpoint of known.endpoints) {
      const key = `${endpoint.type}:${endpoint.name}`;
      const entry = needed.get(key) ?? { endpoint, neededBy: [] };
      entry.neededBy.push(grant);
      needed.set(key, entry);
    }
  }
  const ofType = (type: string): NeededEndpoint[] => [...needed.values()]
    .filter((e) => e.endpoint.type === type)
    .map((e) => ({ ...e.endpoint, neededBy: e.neededBy }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const gateway = ofType('Gateway');
  const interfaceEndpoints = ofType('Interface');
  const list = (endpoints: NeededEndpoint[]) => endpoints.map((e) => `${e.name} (${firstNeed(e)})`).join(', ') || 'none';
  return {
    gateway,
    interface: interfaceEndpoints,
    unknown,
    unreadable: roleGrants.unreadable,
    reason: `gateway: ${list(gateway)}; interface: ${list(interfaceEndpoints)}.`,
  };
}

/** The first grant that needs the endpoint, as `the task role's states:SendTaskSuccess`. */
export function firstNeed(endpoint: NeededEndpoint): string {
  const grant = endpoint.neededBy[0];
  return `the ${grant.role}'s ${grant.action}`;
}

/** Every endpoint, interface and gateway. */
export function allEndpoints(decision: EndpointsDecision): NeededEndpoint[] {
  return [...decision.gateway, ...decision.interface];
}

export type { ServiceGrant };
