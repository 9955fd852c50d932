/**
 * The few Step Functions and S3 calls the LocalStack tests make, over plain HTTP (the AWS JSON
 * protocol; LocalStack does not check signatures, only reads the Region and account from the
 * credential scope). No SDK needed.
 */

const AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/states/aws4_request, SignedHeaders=host, Signature=0';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/fan-out-state-machine';

export class StepFunctionsApi {
  constructor(private readonly endpoint: string) {}

  async call<T = any>(action: string, body: object): Promise<T> {
    const response = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': `AWSStepFunctions.${action}`, 'Authorization': AUTHORIZATION },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${action} failed: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** Creates a STANDARD state machine from the definition's text and returns its ARN. */
  async createStateMachine(name: string, definitionText: string): Promise<string> {
    const { stateMachineArn } = await this.call('CreateStateMachine', { name, definition: definitionText, roleArn: ROLE_ARN });
    return stateMachineArn;
  }

  /**
   * Runs an execution to its end (bounded) and returns what DescribeExecution says of it, with its
   * history. `testCase` picks the mock configuration's test case (`<ARN>#<test case>`).
   */
  async runExecution(stateMachineArn: string, input: object, testCase?: string, timeoutMs = 60_000): Promise<Execution> {
    const { executionArn } = await this.call('StartExecution', {
      stateMachineArn: testCase ? `${stateMachineArn}#${testCase}` : stateMachineArn,
      input: JSON.stringify(input),
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await this.call('DescribeExecution', { executionArn });
      if (described.status !== 'RUNNING') {
        const history = await this.history(executionArn);
        return {
          status: described.status,
          error: described.error,
          cause: described.cause,
          output: described.output !== undefined ? JSON.parse(described.output) : undefined,
          history,
        };
      }
      if (Date.now() > deadline) {
        await this.call('StopExecution', { executionArn, error: 'Test.Timeout' });
        throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs / 1000} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.call('GetExecutionHistory', { executionArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
      events.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }
}

export interface HistoryEvent {
  readonly id: number;
  readonly type: string;
  readonly [details: string]: any;
}

export interface Execution {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly error?: string;
  readonly cause?: string;
  readonly output?: any;
  readonly history: HistoryEvent[];
}

/** The output of the last time `stateName` exited (parsed), if it did. */
export function outputOf(execution: Execution, stateName: string): any {
  const exited = execution.history.filter((e) => e.type.endsWith('StateExited') && e.stateExitedEventDetails?.name === stateName);
  const last = exited[exited.length - 1];
  return last ? JSON.parse(last.stateExitedEventDetails.output) : undefined;
}

/** How many times `stateName` was entered, in the execution and its inline Map iterations. */
export function timesEntered(execution: Execution, stateName: string): number {
  return execution.history.filter((e) => e.type.endsWith('StateEntered') && e.stateEnteredEventDetails?.name === stateName).length;
}

/** Creates an S3 bucket in LocalStack (for a Distributed Map's ResultWriter). */
export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const response = await fetch(`${endpoint}/${bucket}`, {
    method: 'PUT',
    headers: { Authorization: AUTHORIZATION.replace('/states/', '/s3/') },
  });
  if (!response.ok) throw new Error(`CreateBucket ${bucket} failed: ${response.status} ${await response.text()}`);
}

