import { SFNClient } from '@aws-sdk/client-sfn';
import { SFN_MAX_ATTEMPTS, WATCH_MAX_CALLS_PER_SECOND } from './aws-limits';


/**
 * A Step Functions client that paces its calls: one API is called at most
 * WATCH_MAX_CALLS_PER_SECOND times a second (a call waits for its turn), and each call is retried
 * by the SDK's standard retry mode (throttling, 5xx, network) up to SFN_MAX_ATTEMPTS times.
 * Credentials and Region as the AWS CLI finds them; AWS_ENDPOINT_URL for another endpoint.
 */
export class PacedSfn {
  /** When each API may next be called (epoch ms). */
  private readonly nextCall = new Map<string, number>();
  private readonly client: SFNClient;

  constructor(region: string | undefined, private readonly minIntervalMs = 1000 / WATCH_MAX_CALLS_PER_SECOND) {
    this.client = new SFNClient({ region, maxAttempts: SFN_MAX_ATTEMPTS, retryMode: 'standard' });
  }

  /** Sends any Step Functions command (its class name says which API) in its turn. */
  public async send(command: { constructor: { name: string } }): Promise<any> {
    const api = command.constructor.name.replace(/Command$/, '');
    const now = Date.now();
    const at = Math.max(now, this.nextCall.get(api) ?? 0);
    this.nextCall.set(api, at + this.minIntervalMs);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    return this.client.send(command as any);
  }

  public destroy(): void {
    this.client.destroy();
  }
}

/** The Region of an ARN (`arn:aws:states:<region>:...`), else the environment's. */
export function regionOf(arn: string): string | undefined {
  return arn.split(':')[3] || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
}
