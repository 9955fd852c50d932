#!/usr/bin/env node
import { PLAN_USAGE, runPlanCommand } from './plan';
import { REPORT_USAGE, runReportCommand } from './report/cli';
import { START_USAGE, runStartCommand } from './start/start';
import { WATCH_USAGE, runWatchCommand } from './watch/watch';

/** The commands, each with its usage and what runs it (returns the exit code). */
const COMMANDS: Record<string, { usage: string; run: (args: string[]) => number | Promise<number> }> = {
  plan: { usage: PLAN_USAGE, run: (args) => runPlanCommand(args) },
  report: { usage: REPORT_USAGE, run: (args) => runReportCommand(args) },
  start: { usage: START_USAGE, run: (args) => runStartCommand(args) },
  watch: { usage: WATCH_USAGE, run: (args) => runWatchCommand(args) },
};

export const USAGE = `usage: cdk-fargate-fan-out <command> [options]

commands:
  plan      simulate a run before deploying: makespan, binding limit, retries, cost
  report    what a run did and cost, from its results (execution ARN, s3:// prefix or folder)
  start     start an execution with items from a JSON, JSON Lines or CSV file; --watch to watch it
  watch     a running execution's progress until it ends; the exit code says how it ended

'cdk-fargate-fan-out <command> --help' prints a command's options.`;

/** True when the arguments ask for help rather than for the command. */
function asksForHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

/** Runs the command line; returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    console.error(USAGE);
    return 2;
  }
  if (command === 'help' || asksForHelp([command])) {
    const topic = command === 'help' ? COMMANDS[rest[0]] : undefined;
    console.log(topic ? topic.usage : USAGE);
    return 0;
  }
  const chosen = COMMANDS[command];
  if (!chosen) {
    console.error(`unknown command '${command}'\n${USAGE}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    console.log(chosen.usage);
    return 0;
  }
  return chosen.run(rest);
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
