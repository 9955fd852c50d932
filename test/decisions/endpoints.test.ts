import { decideEndpoints } from '../../src/network/decide-endpoints';
import { ServiceGrant } from '../../src/network/role-grants';

const grant = (action: string, role = 'task role'): ServiceGrant => ({
  service: action === '*' ? '*' : action.split(':')[0].toLowerCase(), action, role, grantedBy: 'Stack/Role/DefaultPolicy',
});

describe('decideEndpoints', () => {
  test('gateway endpoints for S3 and DynamoDB, interface endpoints for the rest, each once, sorted by name', () => {
    const decision = decideEndpoints({
      grants: [grant('states:SendTaskSuccess'), grant('ecr:BatchGetImage', 'execution role'), grant('s3:GetObject'),
        grant('dynamodb:GetItem'), grant('states:SendTaskHeartbeat'), grant('cloudwatch:PutMetricData')],
      unreadable: [],
    });
    expect(decision.gateway.map((e) => e.name)).toEqual(['dynamodb', 's3']);
    expect(decision.interface.map((e) => e.name)).toEqual(['ecr.api', 'ecr.dkr', 'monitoring', 'states']);
    // S3 is needed by the task role's GetObject and by ECR's image layers.
    expect(decision.gateway[1].neededBy.map((g) => g.action)).toEqual(['ecr:BatchGetImage', 's3:GetObject']);
    expect(decision.interface[3].neededBy.map((g) => g.action)).toEqual(['states:SendTaskSuccess', 'states:SendTaskHeartbeat']);
    expect(decision.unknown).toEqual([]);
    expect(decision.reason).toBe("gateway: dynamodb (the task role's dynamodb:GetItem), s3 (the execution role's ecr:BatchGetImage); "
      + "interface: ecr.api (the execution role's ecr:BatchGetImage), ecr.dkr (the execution role's ecr:BatchGetImage), "
      + "monitoring (the task role's cloudwatch:PutMetricData), states (the task role's states:SendTaskSuccess).");
  });

  test('a service with no known endpoint, and Action "*", are reported, not dropped', () => {
    const decision = decideEndpoints({ grants: [grant('textract:AnalyzeDocument'), grant('*')], unreadable: ['a managed policy'] });
    expect(decision.unknown.map((g) => g.action)).toEqual(['textract:AnalyzeDocument', '*']);
    expect(decision.unreadable).toEqual(['a managed policy']);
    expect(decision.reason).toBe('gateway: none; interface: none.');
  });
});
