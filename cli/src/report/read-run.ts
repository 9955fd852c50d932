import { promises as fs } from 'fs';
import * as path from 'path';
import { contextOfExecution, parseExecutionSummary, scanRunFromExecution } from './execution-source';
import { FolderStore } from './folder-store';
import { parseJson } from './item-record';
import { RunContext, scanRunFromStore } from './result-files';
import { ItemResult, RunInfo, RunResults } from './run-results';
import { S3Store, parseS3Url } from './s3-store';

/**
 * In a local folder, the execution as `aws stepfunctions describe-execution` prints it, so an
 * inline run's successes can be counted and the run's start and stop are known.
 */
export const EXECUTION_FILE = 'execution.json';

/** Reads a run from an execution ARN, an `s3://bucket/prefix` or a local folder, every result kept (tests, small runs). */
export async function readRun(source: string): Promise<RunResults> {
  const results: ItemResult[] = [];
  const info = await scanRun(source, (result) => results.push(result));
  return { ...info, results };
}

/**
 * Reads a run from an execution ARN, an `s3://bucket/prefix` or a local folder, handing each item
 * result to `onResult` as its file streams in: nothing is kept, so a run of any size fits.
 */
export async function scanRun(source: string, onResult: (result: ItemResult) => void): Promise<RunInfo> {
  if (/^arn:aws[a-z-]*:states:/.test(source)) {
    if (!/:execution:/.test(source)) {
      throw new Error(`'${source}' is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
    }
    return scanRunFromExecution(source, onResult);
  }
  if (source.startsWith('s3://')) {
    const { bucket, key } = parseS3Url(source);
    // A manifest named directly: its folder.
    const root = key.endsWith('/manifest.json') || key === 'manifest.json' ? key.slice(0, Math.max(0, key.lastIndexOf('/'))) : key;
    return scanRunFromStore(new S3Store(bucket, root), {}, onResult);
  }
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) {
    throw new Error(`'${source}' is neither an execution ARN, an s3:// URL nor an existing folder`);
  }
  const folder = stat.isDirectory() ? source : path.dirname(source);
  return scanRunFromStore(new FolderStore(folder), await folderContext(folder), onResult);
}

async function folderContext(folder: string): Promise<RunContext> {
  const text = await fs.readFile(path.join(folder, EXECUTION_FILE), 'utf8').catch(() => undefined);
  const described = parseJson(text) as any;
  if (!described || typeof described !== 'object') return {};
  return contextOfExecution(described, parseExecutionSummary(described.output));
}
