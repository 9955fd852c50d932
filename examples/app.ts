import { App } from 'aws-cdk-lib';
import { ExampleStack } from './example-stack';

/**
 * Synthesizes the example stack into cdk.out and prints what FargateFanOut built and why.
 * Run with `npx projen example`.
 */
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const stack = new ExampleStack(app, 'FargateFanOutExample');
const assembly = app.synth();

const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
const counts = new Map<string, number>();
for (const resource of Object.values(template.Resources)) {
  counts.set(resource.Type, (counts.get(resource.Type) ?? 0) + 1);
}

console.log(`Synthesized ${stack.stackName} into ${assembly.directory}`);
console.log(stack.fanOut.describe());
console.log(`resources (${Object.keys(template.Resources).length}):`);
for (const [type, count] of [...counts.entries()].sort()) {
  console.log(`  ${count} x ${type}`);
}
