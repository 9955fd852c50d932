import { Token } from 'aws-cdk-lib';

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

/** Throws unless `value` is a finite number in [min, max]; unresolved tokens pass. */
export function checkNumber(prop: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) {
    return;
  }
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${prop} must be a number from ${min} to ${max}, got ${value}`);
  }
}
