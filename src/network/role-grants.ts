import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/** One action a role of the tasks is allowed, and where it was granted. */
export interface ServiceGrant {
  /** The IAM service prefix, lower case (`states` of `states:SendTaskSuccess`); `*` for `Action: "*"`. */
  readonly service: string;
  /** The action as granted (`states:SendTaskSuccess`, `s3:*`). */
  readonly action: string;
  /** Which role: `task role` or `execution role`. */
  readonly role: string;
  /** The construct path of the policy that grants it. */
  readonly grantedBy: string;
}

/** The grants of the tasks' roles, and what could not be read. */
export interface TaskRoleGrants {
  readonly grants: ServiceGrant[];
  /** Roles or policies whose actions cannot be read at synth (imported roles, managed policies, NotAction). */
  readonly unreadable: string[];
}

/** A role of the tasks, by what it does. */
export interface NamedRole {
  /** `task role` or `execution role`. */
  readonly name: string;
  readonly role?: iam.IRole;
}

/**
 * Reads, from the construct tree as it is now, every action the roles are allowed: the role's
 * inline policies, and the policies in its stack attached to it (its default policy, which
 * `grant*` and `addToPolicy` fill, and any `iam.Policy` or `iam.ManagedPolicy` the app attached).
 * Policy documents are resolved, so statements merged or added lazily are read as rendered.
 */
export function readTaskRoleGrants(roles: NamedRole[]): TaskRoleGrants {
  const read: TaskRoleGrants = { grants: [], unreadable: [] };
  const { unreadable } = read;
  for (const { name, role } of roles) {
    if (!role) {
      continue;
    }
    const cfnRole = role.node.defaultChild;
    if (!(role instanceof iam.Role) || !(cfnRole instanceof iam.CfnRole)) {
      unreadable.push(`the ${name} ${role.node.path} (imported: its policies cannot be read at synth)`);
      continue;
    }
    const stack = Stack.of(role);
    const roleRef = JSON.stringify(stack.resolve(role.roleName));
    const attachedTo = (roleNames: unknown): boolean =>
      Array.isArray(roleNames) && roleNames.some((r) => JSON.stringify(r) === roleRef);
    for (const inline of asArray(stack.resolve(cfnRole.policies))) {
      readDocument(inline.policyDocument, name, `${cfnRole.node.path} (inline ${inline.policyName})`, read);
    }
    for (const managed of asArray(stack.resolve(cfnRole.managedPolicyArns))) {
      unreadable.push(`the managed policy ${JSON.stringify(managed)} of the ${name} (its actions cannot be read at synth)`);
    }
    for (const node of stack.node.findAll()) {
      if (node instanceof iam.CfnPolicy && attachedTo(stack.resolve(node.roles))) {
        readDocument(stack.resolve(node.policyDocument), name, policyPath(node), read);
      } else if (node instanceof iam.CfnManagedPolicy && attachedTo(stack.resolve(node.roles))) {
        readDocument(stack.resolve(node.policyDocument), name, policyPath(node), read);
      }
    }
  }
  return read;
}

/** Adds a policy document's allowed actions to `read.grants`, and what cannot be read to `read.unreadable`. */
function readDocument(document: any, role: string, grantedBy: string, read: TaskRoleGrants): void {
  const { grants, unreadable } = read;
  for (const statement of asArray(document?.Statement)) {
    if (statement.Effect !== 'Allow') {
      continue;
    }
    if (statement.NotAction !== undefined) {
      unreadable.push(`a NotAction statement of ${grantedBy}`);
      continue;
    }
    for (const action of asArray(statement.Action)) {
      if (typeof action !== 'string') {
        unreadable.push(`an action known only at deploy in ${grantedBy}`);
        continue;
      }
      const service = action === '*' ? '*' : action.split(':')[0].toLowerCase();
      grants.push({ service, action, role, grantedBy });
    }
  }
}

/** The policy's L2 path when it has one (`.../DefaultPolicy`), which is what a user recognises. */
function policyPath(node: IConstruct): string {
  const parent = node.node.scope;
  return parent && node.node.id === 'Resource' ? parent.node.path : node.node.path;
}

function asArray(value: any): any[] {
  return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}
