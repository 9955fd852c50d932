/**
 * For scripts run with ts-node that load the CLI's sources (cli/src): the CLI imports the library
 * by its package name (`cdk-fargate-fan-out/lib/...`, the compiled library); resolve that to src/
 * and aws-cdk-lib to the library's own copy, as jest's moduleNameMapper does for the tests, so the
 * scripts run the sources without a build. Import it before anything from cli/src.
 */
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module');

const ROOT = path.resolve(__dirname, '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveFromSource(this: unknown, request: string, ...rest: unknown[]) {
  const deep = /^cdk-fargate-fan-out\/lib\/(.*)$/.exec(request);
  const mapped = deep ? path.join(ROOT, 'src', deep[1]) : request === 'aws-cdk-lib' ? path.join(ROOT, 'node_modules', 'aws-cdk-lib') : request;
  return resolve.call(this, mapped, ...rest);
};
