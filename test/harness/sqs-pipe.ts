/**
 * A small model of what sits between an event source and the starter workflow: an SQS standard
 * queue (visibility timeout, receive count, redrive to a dead-letter queue) and an EventBridge
 * Pipe that reads it in batches, applies its input template to each record, invokes the starter
 * synchronously (REQUEST_RESPONSE) and deletes the batch only when the starter succeeded.
 *
 * What it models, and what it does not, is listed in README.md ("Triggers").
 */
import { executeWorkflow, TaskHandler } from './execute-workflow';

export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  receiveCount: number;
  /** Virtual seconds until which the message is hidden (received, not deleted). */
  invisibleUntil: number;
}

export interface SimulatedPipeOptions {
  readonly batchSize: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number;
  /** The pipe's input template (applied to each record), if any. */
  readonly inputTemplate?: string;
  /** The starter's definition, executed by the interpreter for each batch. */
  readonly starterDefinition: object;
  /** Handlers of the starter's Task states (its StartExecution). */
  readonly starterHandlers: Record<string, TaskHandler>;
  /**
   * Probability that the pipe does not see the starter's answer (an internal error after the
   * starter ran) and invokes it again with the same batch, as Pipes retries internal errors.
   */
  readonly lostResponseRate?: number;
  /**
   * Probability that the delete of one message of a started batch is lost (DeleteMessageBatch
   * fails per entry; or the visibility timeout ran out before the delete): the message stays in
   * the queue and is received again after its visibility timeout, most likely in another batch,
   * with the same message id.
   */
  readonly lostDeleteRate?: number;
  /** Seed of the fault draws. */
  readonly seed?: number;
}

/** Renders a Pipes input template for one SQS record: `<$.a.b>` is replaced by the value at that path (body parsed as JSON). */
export function renderInputTemplate(template: string, record: any): any {
  const parsed = { ...record, body: tryParse(record.body) };
  const text = template.replace(/<\$((?:\.[A-Za-z0-9_-]+)+)>/g, (_m, path: string) => {
    let value: any = parsed;
    for (const field of path.slice(1).split('.')) value = value?.[field];
    if (value === undefined) throw new Error(`template path $${path} matches nothing in the record`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  return JSON.parse(text);
}

function tryParse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** SQS + Pipe, in virtual seconds. */
export class SimulatedQueueAndPipe {
  readonly messages: QueueMessage[] = [];
  readonly deadLetters: QueueMessage[] = [];
  /** Starter invocations, batches retried after a lost response included. */
  starterInvocations = 0;
  starterFailures = 0;
  lostResponses = 0;
  /** Messages of started batches that stayed in the queue (their delete was lost). */
  lostDeletes = 0;
  batches = 0;
  private readonly deletesToLose = new Set<string>();
  private now = 0;
  private nextId = 0;
  private random: () => number;

  constructor(private readonly options: SimulatedPipeOptions) {
    let state = options.seed ?? 1;
    this.random = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
  }

  /**
   * SendMessage; a message id is a UUID-shaped string (36 characters, as SQS's). With
   * `delaySeconds` the message is hidden for that long first (SQS's DelaySeconds).
   */
  send(body: string, options: { delaySeconds?: number } = {}): string {
    const n = (this.nextId++).toString(16).padStart(12, '0');
    const messageId = `00000000-0000-4000-8000-${n}`;
    this.messages.push({ messageId, body, receiveCount: 0, invisibleUntil: this.now + (options.delaySeconds ?? 0) });
    return messageId;
  }

  /** The next delete of this message is lost: it stays in the queue, to be received again. */
  loseNextDeleteOf(messageId: string): void {
    this.deletesToLose.add(messageId);
  }

  /** Virtual seconds since the queue was created. */
  get clock(): number {
    return this.now;
  }

  /**
   * Reads and starts batches until the queue is empty (advancing virtual time past visibility
   * timeouts when all are hidden), or until `batches` batches were handed to the starter.
   */
  async drain(options: { batches?: number; maxSteps?: number } = {}): Promise<void> {
    const stopAt = this.batches + (options.batches ?? Infinity);
    for (let step = 0; step < (options.maxSteps ?? 100_000) && this.messages.length > 0 && this.batches < stopAt; step++) {
      const visible = this.messages.filter((m) => m.invisibleUntil <= this.now);
      if (visible.length === 0) {
        this.now = Math.min(...this.messages.map((m) => m.invisibleUntil));
        continue;
      }
      const batch: QueueMessage[] = [];
      for (const message of visible) {
        if (batch.length === this.options.batchSize) break;
        message.receiveCount += 1;
        message.invisibleUntil = this.now + this.options.visibilityTimeoutSeconds;
        // SQS moves a message to the dead-letter queue when its receive count passes maxReceiveCount.
        if (message.receiveCount > this.options.maxReceiveCount) {
          this.remove([message]);
          this.deadLetters.push(message);
          continue;
        }
        batch.push(message);
      }
      if (batch.length > 0) await this.invoke(batch);
      this.now += 1;
    }
  }

  private async invoke(batch: QueueMessage[]): Promise<void> {
    this.batches += 1;
    const records = batch.map((m) => {
      const record = {
        messageId: m.messageId,
        receiptHandle: `rh-${m.messageId}-${m.receiveCount}`,
        body: m.body,
        attributes: { ApproximateReceiveCount: String(m.receiveCount) },
      };
      return this.options.inputTemplate ? renderInputTemplate(this.options.inputTemplate, record) : record;
    });
    for (;;) {
      this.starterInvocations += 1;
      const result = await executeWorkflow(this.options.starterDefinition, records, {
        taskHandlers: this.options.starterHandlers,
        seed: this.starterInvocations,
      });
      if (result.status !== 'SUCCEEDED') {
        // A customer error: the batch stays in the queue and is received again after the visibility timeout.
        this.starterFailures += 1;
        return;
      }
      if (this.random() < (this.options.lostResponseRate ?? 0)) {
        // Pipes retries internal errors with the same batch.
        this.lostResponses += 1;
        continue;
      }
      this.remove(batch.filter((m) => !this.deleteLost(m)));
      return;
    }
  }

  private deleteLost(message: QueueMessage): boolean {
    const rate = this.options.lostDeleteRate ?? 0;
    // No draw without a rate, so that runs without lost deletes keep their fault sequence.
    const lost = this.deletesToLose.delete(message.messageId) || (rate > 0 && this.random() < rate);
    if (lost) this.lostDeletes += 1;
    return lost;
  }

  private remove(batch: QueueMessage[]): void {
    for (const message of batch) {
      const at = this.messages.indexOf(message);
      if (at >= 0) this.messages.splice(at, 1);
    }
  }
}

/**
 * StartExecution as Step Functions documents it for names: a new name starts an execution; the
 * name of an open execution with the same input returns it without starting another; the name of
 * a closed execution, or of an open one with another input, fails with ExecutionAlreadyExists.
 */
export class SimulatedStartExecution {
  readonly executions = new Map<string, { input: string; open: boolean }>();
  startCalls = 0;
  private failuresLeft: number;

  /**
   * @param closeAfterStart executions are closed right after they start (true), or stay open (false)
   * @param throttledCalls how many calls fail with a throttling error first (each one a retry, then a failed start)
   */
  constructor(private readonly closeAfterStart: (name: string) => boolean, throttledCalls = 0) {
    this.failuresLeft = throttledCalls;
  }

  readonly handler: TaskHandler = async (params: any) => {
    this.startCalls += 1;
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      const error = new Error('Rate exceeded');
      error.name = 'StepFunctions.StepFunctionsException';
      throw error;
    }
    const input = JSON.stringify(params.Input);
    const existing = this.executions.get(params.Name);
    if (existing) {
      if (existing.open && existing.input === input) {
        return { ExecutionArn: `arn:aws:states:us-east-1:111111111111:execution:fan-out:${params.Name}`, StartDate: 0 };
      }
      const error = new Error(`Execution Already Exists: '${params.Name}'`);
      error.name = 'StepFunctions.ExecutionAlreadyExistsException';
      throw error;
    }
    this.executions.set(params.Name, { input, open: !this.closeAfterStart(params.Name) });
    return { ExecutionArn: `arn:aws:states:us-east-1:111111111111:execution:fan-out:${params.Name}`, StartDate: 0 };
  };
}
