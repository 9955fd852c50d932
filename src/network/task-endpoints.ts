import { Annotations, IAspect, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { allEndpoints, decideEndpoints, EndpointsDecision, firstNeed, NeededEndpoint } from './decide-endpoints';
import type { PrivateTaskNetwork } from './network';
import { readTaskRoleGrants } from './role-grants';
import { flattenReference } from '../access/required-wildcards';

/** What the endpoints are decided from, and where they go. */
export interface TaskEndpointsProps {
  /** The construct the warnings are shown on. */
  readonly scope: IConstruct;
  readonly taskDefinition: ecs.TaskDefinition;
  /** The network the construct created; undefined when a VPC was given. */
  readonly privateNetwork?: PrivateTaskNetwork;
  /** The VPC the tasks run in. */
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
}

/** The endpoints the tasks' roles need, from their grants as they are now. */
export function decideTaskEndpoints(taskDefinition: ecs.TaskDefinition): EndpointsDecision {
  return decideEndpoints(readTaskRoleGrants([
    { name: 'task role', role: taskDefinition.taskRole },
    { name: 'execution role', role: taskDefinition.executionRole },
  ]));
}

/**
 * At synth, once the app has added its grants (a user may grant the task role more after
 * construction), reads what the task and execution roles may call and:
 *
 * - in the VPC the construct created, adds an endpoint for each of those services;
 * - in a VPC given, when the tasks' subnets have no route to the internet, warns for each
 *   endpoint the VPC lacks (or, for an imported VPC, whose endpoints cannot be seen, says so once).
 *
 * An Aspect, because it runs before the templates are rendered and after the app's code;
 * it adds endpoints and warnings only, never a grant, so it needs no second pass.
 */
export class TaskEndpoints implements IAspect {
  private done = false;

  constructor(private readonly props: TaskEndpointsProps) {}

  public visit(node: IConstruct): void {
    if (node !== this.props.scope || this.done) {
      return;
    }
    this.done = true;
    const decision = decideTaskEndpoints(this.props.taskDefinition);
    const warn = (id: string, message: string) => Annotations.of(this.props.scope).addWarningV2(`cdk-fargate-fan-out:${id}`, message);
    if (this.props.privateNetwork) {
      // An endpoint the app added itself (to fanOut.vpc) is kept, not doubled: two endpoints with
      // private DNS for one service in one VPC cannot be deployed.
      const present = endpointNamesOf(this.props.privateNetwork.vpc);
      this.props.privateNetwork.addEndpoints({
        ...decision,
        gateway: decision.gateway.filter((e) => !present.has(e.name)),
        interface: decision.interface.filter((e) => !present.has(e.name)),
      });
    } else if (!this.withoutInternetRoute()) {
      return;
    } else if (this.props.vpc instanceof ec2.Vpc) {
      const present = endpointNamesOf(this.props.vpc);
      for (const endpoint of allEndpoints(decision).filter((e) => !present.has(e.name))) {
        warn(`missingEndpoint:${endpoint.name}`, missingEndpointMessage(this.props.vpc, endpoint));
      }
    } else {
      warn('importedVpcEndpoints',
        `The VPC given (${this.props.vpc.node.path}) is imported: the construct cannot see its endpoints. The tasks run in subnets with no route to the internet, `
        + `where they reach AWS only through VPC endpoints; make sure it has: ${allEndpoints(decision).map((e) => `${e.name} (${e.type.toLowerCase()}, for ${firstNeed(e)})`).join(', ')}.`);
    }
    for (const grant of decision.unknown) {
      warn(`unknownEndpoint:${grant.service}`,
        `The ${grant.role} is granted ${grant.action} (${grant.grantedBy}), and the tasks run without a route to the internet, but the construct knows no VPC endpoint for '${grant.service}': `
        + 'add the endpoint to the VPC yourself (vpc.addInterfaceEndpoint), or run the tasks in subnets with a NAT route.');
    }
    if (decision.unreadable.length > 0) {
      warn('unreadableGrants',
        `The endpoints of the tasks' network follow their roles' grants, but these cannot be read at synth: ${decision.unreadable.join('; ')}. `
        + 'Add an endpoint for each service they allow (vpc.addInterfaceEndpoint), or run the tasks in subnets with a NAT route.');
    }
  }

  /** True when some of the tasks' subnets have no route to the internet: isolated, or public without a public IP. */
  private withoutInternetRoute(): boolean {
    const { vpc, subnets, assignPublicIp } = this.props;
    const ids = (list: ec2.ISubnet[]) => new Set(list.map((s) => s.subnetId));
    const isolated = ids(vpc.isolatedSubnets);
    const publicSubnets = ids(vpc.publicSubnets);
    return vpc.selectSubnets(subnets).subnets.some((s) => isolated.has(s.subnetId) || (publicSubnets.has(s.subnetId) && !assignPublicIp));
  }
}

/** The names (`states`, `s3`) of the endpoints of `vpc` defined in its stack. */
export function endpointNamesOf(vpc: ec2.IVpc): Set<string> {
  const stack = Stack.of(vpc);
  const vpcRef = JSON.stringify(stack.resolve(vpc.vpcId));
  const names = new Set<string>();
  for (const node of stack.node.findAll()) {
    if (node instanceof ec2.CfnVPCEndpoint && JSON.stringify(stack.resolve(node.vpcId)) === vpcRef) {
      const serviceName = flattenReference(stack.resolve(node.serviceName));
      const match = /com\.amazonaws\.[^.]+\.(.+)$/.exec(serviceName);
      if (match) {
        names.add(match[1]);
      }
    }
  }
  return names;
}

function missingEndpointMessage(vpc: ec2.IVpc, endpoint: NeededEndpoint): string {
  const fix = endpoint.type === 'Gateway'
    ? `vpc.addGatewayEndpoint('${endpoint.name}', { service: new ec2.GatewayVpcEndpointAwsService('${endpoint.name}') })`
    : `vpc.addInterfaceEndpoint('${endpoint.name}', { service: new ec2.InterfaceVpcEndpointAwsService('${endpoint.name}') })`;
  const grant = endpoint.neededBy[0];
  return `The tasks run in subnets of ${vpc.node.path} with no route to the internet, and the VPC has no '${endpoint.name}' endpoint: `
    + `the ${grant.role} is granted ${grant.action} (${grant.grantedBy}), and that call would fail at run time`
    + `${grant.role === 'execution role' ? ' (the task would not start: ResourceInitializationError)' : ''}. `
    + `Add it with ${fix} (let the tasks' security groups in on 443), or run the tasks in subnets with a NAT route.`;
}
