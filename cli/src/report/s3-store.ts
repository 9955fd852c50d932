import { Readable } from 'stream';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ResultStore, joinKey } from './result-store';

/**
 * An S3 prefix, read with the AWS SDK: credentials and region as the AWS CLI finds them (the
 * environment, ~/.aws/config and credentials, SSO, the instance or container role), and
 * `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_S3`) for an S3-compatible endpoint.
 */
export class S3Store implements ResultStore {
  public readonly location: string;

  /**
   * @param pageSize keys per ListObjectsV2 call (at most 1,000, S3's page); smaller in tests, to page
   */
  constructor(
    private readonly bucket: string,
    private readonly root: string,
    private readonly client: S3Client = newS3Client(),
    private readonly pageSize?: number,
  ) {
    this.location = `s3://${bucket}/${root}`;
  }

  public async list(prefix: string): Promise<string[]> {
    const full = joinKey(this.root, prefix);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: full === '' ? undefined : `${full}/`,
        ContinuationToken: token,
        MaxKeys: this.pageSize,
      }));
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(this.relative(object.Key));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  public async read(key: string): Promise<string> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: joinKey(this.root, key) }));
    if (!object.Body) throw new Error(`s3://${this.bucket}/${joinKey(this.root, key)} has no body`);
    return object.Body.transformToString('utf8');
  }

  public async stream(key: string): Promise<Readable> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: joinKey(this.root, key) }));
    // In Node.js the SDK's body is a Readable (an IncomingMessage): read as it arrives.
    if (!(object.Body instanceof Readable)) throw new Error(`s3://${this.bucket}/${joinKey(this.root, key)} has no readable body`);
    return object.Body;
  }

  public describe(key: string): string {
    return `s3://${this.bucket}/${joinKey(this.root, key)}`;
  }

  private relative(key: string): string {
    const root = this.root.replace(/\/+$/, '');
    return root === '' ? key : key.slice(root.length + 1);
  }
}

/**
 * An S3 client with the SDK's default credential and region chain. A custom endpoint
 * (`AWS_ENDPOINT_URL`, which the SDK reads itself) is usually a local server without
 * virtual-hosted buckets: path-style addressing then.
 */
export function newS3Client(region?: string): S3Client {
  const custom = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    region: region ?? defaultRegion(),
    forcePathStyle: custom !== undefined && custom !== '' ? true : undefined,
    // A bucket in another Region than the configured one answers with a redirect: follow it.
    followRegionRedirects: true,
  });
}

/**
 * The Region from the environment as the AWS CLI reads it: AWS_REGION, then AWS_DEFAULT_REGION;
 * undefined leaves it to the SDK (the profile's `region` in ~/.aws/config).
 */
export function defaultRegion(): string | undefined {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined;
}

/** `s3://bucket/prefix` as its parts. */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`not an s3:// URL: '${url}'`);
  return { bucket: match[1], key: match[2].replace(/\/+$/, '') };
}
