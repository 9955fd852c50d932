import { Duration, Token } from 'aws-cdk-lib';

/**
 * Throws unless `value` is a whole number in [min, max]. Unresolved tokens pass: they are
 * only known at deploy time, and CloudFormation or Step Functions checks them there.
 */
export function checkInteger(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/**
 * Throws when `value` is an unresolved token: the construct decides the Map mode and the
 * concurrency cap from it at synth time, so it has to be known then.
 */
export function checkConcrete(prop: string, value: number | undefined): void {
  if (value !== undefined && Token.isUnresolved(value)) {
    throw new Error(`${prop} must be a number known at synth time (not a token or parameter): the mode and concurrency cap are decided from it`);
  }
}

/**
 * Throws unless `duration` is a whole number of seconds from 1 to `maxSeconds`. Unresolved
 * durations pass, as in `checkInteger`.
 */
export function checkDuration(prop: string, duration: Duration | undefined, maxSeconds: number): void {
  if (duration === undefined || duration.isUnresolved()) {
    return;
  }
  const seconds = duration.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxSeconds) {
    throw new Error(`${prop} must be a whole number of seconds from 1 to ${maxSeconds}, got ${duration.toHumanString()}`);
  }
}
