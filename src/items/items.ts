import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutItemsFormat } from './items-format';

/** Options for items read from a CSV file. */
export interface S3CsvItemsOptions {
  /**
   * Column names, when the file has no header row.
   *
   * @default - the first row of the file holds the column names
   */
  readonly headers?: string[];

  /**
   * The character between fields.
   *
   * @default sfn.CsvDelimiter.COMMA
   */
  readonly delimiter?: sfn.CsvDelimiter;
}

/**
 * Where the list of items comes from: an array in the execution input, or an object in S3 read
 * by a Distributed Map's ItemReader. Each item reaches the container as the JSON string in the
 * `FANOUT_ITEM` environment variable.
 */
export class FanOutItems {
  /**
   * An array in the execution input, at a JSONPath such as `$.items`.
   */
  public static fromJsonPath(path: string): FanOutItems {
    if (!Token.isUnresolved(path) && !/^\$(\.|\[|$)/.test(path)) {
      throw new Error(`items: the JSONPath must start with '$' (for example '$.items'), got '${path}'`);
    }
    return new FanOutItems(`the array at ${path} in the execution input`, path);
  }

  /** A JSON file in S3 whose top level is an array; each element is one item. */
  public static fromS3Json(bucket: s3.IBucket, key: string): FanOutItems {
    checkKey('fromS3Json', key);
    return new FanOutItems(`the JSON array in s3://${describeBucket(bucket)}/${key}`, undefined, new SingleObjectItemReader(new sfn.S3JsonItemReader({ bucket, key }), key), bucket);
  }

  /** A JSON Lines file in S3; each line is one item. */
  public static fromS3JsonLines(bucket: s3.IBucket, key: string): FanOutItems {
    checkKey('fromS3JsonLines', key);
    return new FanOutItems(`the JSON Lines in s3://${describeBucket(bucket)}/${key}`, undefined, new SingleObjectItemReader(new sfn.S3JsonLItemReader({ bucket, key }), key), bucket);
  }

  /**
   * A CSV file in S3; each row is one item, an object keyed by column name.
   */
  public static fromS3Csv(bucket: s3.IBucket, key: string, options: S3CsvItemsOptions = {}): FanOutItems {
    checkKey('fromS3Csv', key);
    if (options.headers !== undefined && options.headers.length === 0) {
      throw new Error('items: fromS3Csv headers must name at least one column; leave headers out to use the first row');
    }
    const csvHeaders = options.headers !== undefined ? sfn.CsvHeaders.use(options.headers) : sfn.CsvHeaders.useFirstRow();
    const reader = new SingleObjectItemReader(new sfn.S3CsvItemReader({ bucket, key, csvHeaders, csvDelimiter: options.delimiter }), key);
    return new FanOutItems(`the rows of the CSV s3://${describeBucket(bucket)}/${key}`, undefined, reader, bucket);
  }

  /**
   * The objects under a prefix of an S3 bucket; each item is one object's metadata
   * (`Key`, `Size`, `Etag`, `LastModified`, `StorageClass`).
   */
  public static fromS3Objects(bucket: s3.IBucket, prefix?: string): FanOutItems {
    const where = prefix ? `under s3://${describeBucket(bucket)}/${prefix}` : `in s3://${describeBucket(bucket)}`;
    return new FanOutItems(`the objects ${where}`, undefined, new sfn.S3ObjectsItemReader({ bucket, prefix }), bucket);
  }

  /**
   * An S3 Inventory manifest (`manifest.json`) in S3; each item is one object it lists.
   */
  public static fromS3Manifest(bucket: s3.IBucket, key: string): FanOutItems {
    checkKey('fromS3Manifest', key);
    return new FanOutItems(`the objects listed by the manifest s3://${describeBucket(bucket)}/${key}`, undefined, new sfn.S3ManifestItemReader({ bucket, key }), bucket);
  }

  /**
   * A file in S3 named by the execution input, `{ "bucket": "...", "key": "..." }`: one file per
   * execution, read by the Distributed Map's item reader. This is what
   * `FargateFanOut.runForEachItemsFileCreated` starts; each trigger gives the state machine read
   * access to the files it watches (grant others yourself).
   */
  public static fromS3ObjectInInput(format: FanOutItemsFormat): FanOutItems {
    const bucketNamePath = sfn.JsonPath.stringAt(`$.${S3_OBJECT_INPUT_FIELDS.bucket}`);
    const key = sfn.JsonPath.stringAt(`$.${S3_OBJECT_INPUT_FIELDS.key}`);
    let reader: sfn.IItemReader;
    switch (format) {
      case FanOutItemsFormat.CSV:
        reader = new sfn.S3CsvItemReader({ bucketNamePath, key, csvHeaders: sfn.CsvHeaders.useFirstRow() });
        break;
      case FanOutItemsFormat.JSON_LINES:
        reader = new sfn.S3JsonLItemReader({ bucketNamePath, key });
        break;
      case FanOutItemsFormat.JSON:
        reader = new sfn.S3JsonItemReader({ bucketNamePath, key });
        break;
      default:
        throw new Error(`items: fromS3ObjectInInput needs FanOutItemsFormat.CSV, JSON_LINES or JSON, got ${format}`);
    }
    const items = new FanOutItems(`the ${format.name} file named by the execution input ({ "bucket", "key" })`, undefined, reader);
    items._objectInInputFormat = format;
    return items;
  }

  /** Where the items come from, for people. */
  public readonly description: string;

  /**
   * JSONPath of the item array in the execution input.
   *
   * @default - undefined when the items are read from S3
   */
  public readonly itemsPath?: string;

  /** @internal */
  public readonly _itemReader?: sfn.IItemReader;

  /** @internal */
  public readonly _bucket?: s3.IBucket;

  /** The format of the file named by the execution input (`fromS3ObjectInInput`). @internal */
  public _objectInInputFormat?: FanOutItemsFormat;

  private constructor(description: string, itemsPath?: string, itemReader?: sfn.IItemReader, bucket?: s3.IBucket) {
    this.description = description;
    this.itemsPath = itemsPath;
    this._itemReader = itemReader;
    this._bucket = bucket;
  }

  /** True when a Distributed Map reads the items from S3. */
  public get isFromS3(): boolean {
    return this._itemReader !== undefined;
  }
}

/** The fields of the execution input that name the items file of `fromS3ObjectInInput`. */
export const S3_OBJECT_INPUT_FIELDS = { bucket: 'bucket', key: 'key' } as const;

/**
 * An item reader of one S3 object that may read that object only. aws-cdk's file readers grant
 * s3:GetObject on every object of the bucket; the items file is all Step Functions reads.
 */
class SingleObjectItemReader implements sfn.IItemReader {
  public readonly bucket: s3.IBucket;
  public readonly bucketNamePath?: string;
  public readonly resource: string;
  public readonly maxItems?: number;

  constructor(private readonly reader: sfn.IItemReader, private readonly key: string) {
    this.bucket = reader.bucket;
    this.bucketNamePath = reader.bucketNamePath;
    this.resource = reader.resource;
    this.maxItems = reader.maxItems;
  }

  public render(queryLanguage?: sfn.QueryLanguage): any {
    return this.reader.render(queryLanguage);
  }

  public providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(this.key)] })];
  }

  public validateItemReader(): string[] {
    return this.reader.validateItemReader();
  }
}

function checkKey(factory: string, key: string): void {
  if (!Token.isUnresolved(key) && key.length === 0) {
    throw new Error(`items: ${factory} needs a non-empty object key`);
  }
}

function describeBucket(bucket: s3.IBucket): string {
  return Token.isUnresolved(bucket.bucketName) ? bucket.node.path : bucket.bucketName;
}
