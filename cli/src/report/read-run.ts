import { promises as fs } from 'fs';
import * as path from 'path';
import { contextOfExecution, parseExecutionSummary, readRunFromExecution } from './execution-source';
import { FolderStore } from './folder-store';
import { parseJson } from './item-record';
import { RunContext, readRunFromStore } from './result-files';
import { RunResults } from './run-results';
import { S3Store, parseS3Url } from './s3-store';

/**
 * In a local folder, the execution as `aws stepfunctions describe-execution` prints it, so an
 * inline run's successes can be counted and the run's start and stop are known.
 */
export const EXECUTION_FILE = 'execution.json';

/** Reads a run from an execution ARN, an `s3://bucket/prefix` or a local folder. */
export async function readRun(source: string): Promise<RunResults> {
  if (/^arn:aws[a-z-]*:states:/.test(source)) {
    if (!/:execution:/.test(source)) {
      throw new Error(`'${source}' is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
    }
    return readRunFromExecution(source);
  }
  if (source.startsWith('s3://')) {
    const { bucket, key } = parseS3Url(source);
    // A manifest named directly: its folder.
    const root = key.endsWith('/manifest.json') || key === 'manifest.json' ? key.slice(0, Math.max(0, key.lastIndexOf('/'))) : key;
    return readRunFromStore(new S3Store(bucket, root));
  }
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) {
    throw new Error(`'${source}' is neither an execution ARN, an s3:// URL nor an existing folder`);
  }
  const folder = stat.isDirectory() ? source : path.dirname(source);
  return readRunFromStore(new FolderStore(folder), await folderContext(folder));
}

async function folderContext(folder: string): Promise<RunContext> {
  const text = await fs.readFile(path.join(folder, EXECUTION_FILE), 'utf8').catch(() => undefined);
  const described = parseJson(text) as any;
  if (!described || typeof described !== 'object') return {};
  return contextOfExecution(described, parseExecutionSummary(described.output));
}
