import { createReadStream, promises as fs } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { ResultStore } from './result-store';

/** A run's results copied to a local folder (for instance with `aws s3 sync`). */
export class FolderStore implements ResultStore {
  public readonly location: string;

  constructor(private readonly root: string) {
    // As the user named it: the report shows it.
    this.location = root;
  }

  public async list(prefix: string): Promise<string[]> {
    const start = path.join(this.root, prefix);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw e;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) keys.push(path.relative(this.root, full).split(path.sep).join('/'));
      }
    };
    await walk(start);
    return keys.sort();
  }

  public async read(key: string): Promise<string> {
    return fs.readFile(path.join(this.root, key), 'utf8');
  }

  public async stream(key: string): Promise<Readable> {
    const file = path.join(this.root, key);
    await fs.access(file);
    return createReadStream(file, { highWaterMark: 1_048_576 });
  }

  public describe(key: string): string {
    return path.join(this.root, key);
  }
}
