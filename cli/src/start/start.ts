import { promises as fs } from 'fs';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseItems } from './items-file';
import { SFN_MAX_INPUT_BYTES, consoleLinkOf } from '../aws-limits';
import { parseCommandLine } from '../command-line';
import { PacedSfn, regionOf } from '../paced-sfn';
import { Output, parseIntervalSeconds, runWatch } from '../watch/watch';

export const START_USAGE = `usage: cdk-fargate-fan-out start <state machine ARN> [--items FILE|-] [--input JSON] [--name NAME] [--watch]

  Starts an execution of a fan-out's state machine and prints its ARN and console link.

  --items FILE|-   the items: a JSON array, JSON Lines or CSV file (header row), or - for stdin;
                   they go into the input as "items", where FanOutItems.fromJsonPath('$.items')
                   (the default) reads them
  --input JSON     the execution input (an object); --items adds "items" to it
  --name NAME      the execution's name (default: one Step Functions makes up)
  --watch          then watch it as 'watch' does, and exit as 'watch' does
  --interval S     with --watch: seconds between polls (default 5)

  The input must fit Step Functions' 256 KiB (262,144 bytes); more items go in S3, read with
  FanOutItems.fromS3Json, fromS3JsonLines or fromS3Csv (a Distributed Map).`;

export interface StartArguments {
  readonly stateMachineArn: string;
  readonly items?: string;
  readonly input?: string;
  readonly name?: string;
  readonly watch: boolean;
  readonly intervalSeconds?: number;
}

/** Parses `start` arguments; throws with the usage on bad input. */
export function parseStartArguments(args: string[]): StartArguments {
  const { values, flags, positionals } = parseCommandLine(args, {
    valued: ['items', 'input', 'name', 'interval'],
    flags: ['watch'],
    maxPositionals: 1,
    usage: START_USAGE,
  });
  const stateMachineArn = positionals[0];
  if (stateMachineArn === undefined) throw new Error(`name the state machine to start\n${START_USAGE}`);
  if (!/^arn:aws[a-z-]*:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(stateMachineArn)) {
    throw new Error(`'${stateMachineArn}' is not a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)`);
  }
  const intervalSeconds = parseIntervalSeconds(values.get('interval'));
  return { stateMachineArn, items: values.get('items'), input: values.get('input'), name: values.get('name'), watch: flags.has('watch'), intervalSeconds };
}

/**
 * The execution input: --input's object with the items at "items". Throws when it is not an
 * object, and when it passes Step Functions' input limit, with the way around it.
 */
export function buildInput(input: string | undefined, items: unknown[] | undefined, itemsFrom?: string): string {
  let base: Record<string, unknown> = {};
  if (input !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new Error(`--input is not JSON: ${input.length > 80 ? `${input.slice(0, 80)}...` : input}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('--input must be a JSON object');
    base = parsed as Record<string, unknown>;
  }
  const text = JSON.stringify(items === undefined ? base : { ...base, items });
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SFN_MAX_INPUT_BYTES) {
    const count = items ? `${items.length.toLocaleString('en-US')} items from ${itemsFrom}` : 'the input';
    throw new Error([
      `the execution input would be ${bytes.toLocaleString('en-US')} bytes (${count}): Step Functions takes at most ${SFN_MAX_INPUT_BYTES.toLocaleString('en-US')} bytes (256 KiB), so the call would fail.`,
      'Put the items in S3 instead (aws s3 cp items.json s3://<bucket>/items.json) and give the fan-out an S3 item source,',
      'FanOutItems.fromS3Json(bucket, \'items.json\') (or fromS3JsonLines, fromS3Csv): its Distributed Map reads any number of items.',
    ].join('\n'));
  }
  return text;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs `start`: starts the execution, prints its ARN and console link, and watches it with --watch. */
export async function runStartCommand(argv: string[], out: Output = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args: StartArguments;
  let input: string;
  try {
    args = parseStartArguments(argv);
    let items: unknown[] | undefined;
    if (args.items !== undefined) {
      const text = args.items === '-' ? await readStdin() : await fs.readFile(args.items, 'utf8');
      items = parseItems(args.items === '-' ? 'stdin' : args.items, text);
    }
    input = buildInput(args.input, items, args.items === '-' ? 'stdin' : args.items);
  } catch (e) {
    out.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const sfn = new PacedSfn(regionOf(args.stateMachineArn));
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: args.stateMachineArn, input, name: args.name }));
    out.stdout.write(`execution: ${started.executionArn}\nconsole:   ${consoleLinkOf(started.executionArn)}\n`);
    if (!args.watch) return 0;
    return await runWatch(started.executionArn, { intervalSeconds: args.intervalSeconds, sfn }, out);
  } catch (e) {
    const error = e as Error;
    out.stderr.write(`start: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    return 1;
  } finally {
    sfn.destroy();
  }
}
