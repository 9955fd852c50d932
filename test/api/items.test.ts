import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { FanOutItems, FanOutMode } from '../../src';
import { actionsOf, allStates, expectValidAsl, newStack, stateMachineStatements, synthFanOut, withImage } from '../util/synth';

function synthWithItems(makeItems: (bucket: s3.IBucket) => FanOutItems, bucketProps: s3.BucketProps = {}) {
  const stack = newStack();
  const bucket = new s3.Bucket(stack, 'Items', bucketProps);
  return synthFanOut(withImage({ items: makeItems(bucket) }), stack);
}

function distributedMap(definition: any): any {
  return definition.States.RunItemsDistributed;
}

describe('items from S3 are read by the Distributed Map ItemReader', () => {
  test('fromS3Json reads a JSON array with s3:GetObject', () => {
    const { fanOut, definition, template } = synthWithItems((b) => FanOutItems.fromS3Json(b, 'in/items.json'));
    expect(fanOut.mode).toBe(FanOutMode.DISTRIBUTED);
    const reader = distributedMap(definition).ItemReader;
    expect(reader.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(reader.ReaderConfig).toEqual({ InputType: 'JSON' });
    expect(reader.Parameters.Key).toBe('in/items.json');
    expect(distributedMap(definition).ItemsPath).toBeUndefined();
    // Only the items file, not every object of the bucket.
    const getObject = stateMachineStatements(template).filter((s) => s.Action === 's3:GetObject');
    expect(getObject).toHaveLength(1);
    expect(JSON.stringify(getObject[0].Resource)).toMatch(/"\/in\/items\.json"\]\]\}$/);
    expectValidAsl(definition);
  });

  test('fromS3JsonLines reads JSONL', () => {
    const { definition } = synthWithItems((b) => FanOutItems.fromS3JsonLines(b, 'items.jsonl'));
    expect(distributedMap(definition).ItemReader.ReaderConfig).toEqual({ InputType: 'JSONL' });
    expectValidAsl(definition);
  });

  test('fromS3Csv uses the first row as headers by default', () => {
    const { definition } = synthWithItems((b) => FanOutItems.fromS3Csv(b, 'items.csv'));
    expect(distributedMap(definition).ItemReader.ReaderConfig).toEqual({ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' });
    expectValidAsl(definition);
  });

  test('fromS3Csv takes given headers and a delimiter', () => {
    const { definition } = synthWithItems((b) => FanOutItems.fromS3Csv(b, 'items.csv', { headers: ['id', 'url'], delimiter: sfn.CsvDelimiter.SEMICOLON }));
    expect(distributedMap(definition).ItemReader.ReaderConfig).toEqual({
      InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['id', 'url'], CSVDelimiter: 'SEMICOLON',
    });
    expectValidAsl(definition);
  });

  test('fromS3Objects lists a prefix with s3:ListBucket', () => {
    const { definition, template } = synthWithItems((b) => FanOutItems.fromS3Objects(b, 'photos/'));
    const reader = distributedMap(definition).ItemReader;
    expect(reader.Resource).toBe('arn:aws:states:::s3:listObjectsV2');
    expect(reader.Parameters.Prefix).toBe('photos/');
    expect(actionsOf(stateMachineStatements(template))).toContain('s3:ListBucket');
    expectValidAsl(definition);
  });

  test('fromS3Manifest reads an S3 Inventory manifest', () => {
    const { definition } = synthWithItems((b) => FanOutItems.fromS3Manifest(b, 'inventory/manifest.json'));
    expect(distributedMap(definition).ItemReader.ReaderConfig).toEqual({ InputType: 'MANIFEST' });
    expectValidAsl(definition);
  });

  test('an SSE-KMS bucket lets the state machine decrypt with its key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Items', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    const { template } = synthFanOut(withImage({ items: FanOutItems.fromS3Json(bucket, 'items.json') }), stack);
    expect(actionsOf(stateMachineStatements(template))).toContain('kms:Decrypt');
  });
});

describe('items from the execution input', () => {
  test('default to $.items', () => {
    const { definition, fanOut } = synthFanOut(withImage({ mode: FanOutMode.INLINE }));
    expect(fanOut.items.itemsPath).toBe('$.items');
    expect(definition.States.RunItemsInline.ItemsPath).toBe('$.items');
  });

  test('fromJsonPath takes another path, used by both Maps at run time', () => {
    const { definition } = synthFanOut(withImage({ items: FanOutItems.fromJsonPath('$.batch.jobs') }));
    expect(definition.States.CountItems.Parameters['itemCount.$']).toBe('States.ArrayLength($.batch.jobs)');
    expect(definition.States.RunItemsInline.ItemsPath).toBe('$.batch.jobs');
    expect(definition.States.RunItemsDistributed.ItemsPath).toBe('$.batch.jobs');
    expect(allStates(definition).RunItemTask).toBeDefined();
  });

  test('fails: fromJsonPath without a leading $', () => {
    expect(() => FanOutItems.fromJsonPath('items')).toThrow(/items: the JSONPath must start with '\$'/);
  });

  test('fails: fromS3Csv with an empty header list', () => {
    const bucket = new s3.Bucket(newStack(), 'B');
    expect(() => FanOutItems.fromS3Csv(bucket, 'a.csv', { headers: [] })).toThrow(/items: fromS3Csv headers must name at least one column/);
  });

  test('fails: an empty S3 key', () => {
    const bucket = new s3.Bucket(newStack(), 'B');
    expect(() => FanOutItems.fromS3Json(bucket, '')).toThrow(/items: fromS3Json needs a non-empty object key/);
  });
});
