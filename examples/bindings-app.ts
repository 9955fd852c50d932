import { App, Duration } from 'aws-cdk-lib';
import { FanOutPlanner } from '../src';
import { ExampleStack } from './example-stack';
import { FeaturesStack } from './features-stack';

/**
 * The app that every language writes the same way (examples/python/app.py, examples/java,
 * examples/go/main.go): the example stack, the features stack, and a planner report.
 * scripts/test-bindings.sh runs this one from the repository's source, and again from the packed
 * npm package in a fresh app, as the reference for the other languages.
 */
const app = new App({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const example = new ExampleStack(app, 'FargateFanOutExample');
const features = new FeaturesStack(app, 'FargateFanOutFeatures');
const assembly = app.synth();

console.log(`Synthesized ${example.stackName} and ${features.stackName} into ${assembly.directory}`);
// [planner]
// 1,000 one-minute items, ten per task: how long, what it costs, which limit binds.
const report = FanOutPlanner.report({ items: 1000, taskDuration: Duration.minutes(1), itemsPerTask: 10 });
// [/planner]
console.log('--- FanOutPlanner.report');
console.log(report);
