import { Readable } from 'stream';

/** Where a run's result files are: a local folder or an S3 prefix, read the same way. */
export interface ResultStore {
  /** The store's location for messages: a folder path or `s3://bucket/prefix`. */
  readonly location: string;
  /** Keys under `prefix` (relative to the store's root), every depth. */
  list(prefix: string): Promise<string[]>;
  /** The text of one small file (a manifest, an inline failure), by key. */
  read(key: string): Promise<string>;
  /** One file as a stream of bytes, for result files of any size (up to 5 GB each). */
  stream(key: string): Promise<Readable>;
  /** The location of `key`, for messages and examples. */
  describe(key: string): string;
}

/** Joins key parts with single slashes. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, ''))).filter((p) => p !== '').join('/');
}
