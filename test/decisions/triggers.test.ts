import { Duration } from 'aws-cdk-lib';
import { EVENTBRIDGE_MAX_EVENT_AGE_SECONDS, SQS_MAX_RETENTION_SECONDS } from '../../src/facts';
import {
  checkResultLoop, decideClaimRetention, decideTriggerBatching, inputFieldsOfItemsPath, MAX_TRIGGER_BATCH_SIZE, objectCreatedEventPattern,
} from '../../src/triggers/private/decide-triggers';

describe('decideTriggerBatching', () => {
  test('defaults: 100 records over 10 s, hidden for the window plus six starts', () => {
    const batching = decideTriggerBatching();
    expect(batching).toMatchObject({ batchSize: 100, windowSeconds: 10, visibilityTimeoutSeconds: 370 });
    expect(batching.reason).toMatch(/up to 100 records, collected for up to 10 s/);
  });

  test('the most records a batch may have is what a SHA-256 of their ids can take', () => {
    // 256 ids of 36 characters, quoted and comma-separated, in brackets: 9,985 characters.
    expect(MAX_TRIGGER_BATCH_SIZE).toBe(256);
    expect(JSON.stringify(Array.from({ length: 256 }, () => 'x'.repeat(36))).length).toBeLessThanOrEqual(10_000);
    expect(JSON.stringify(Array.from({ length: 257 }, () => 'x'.repeat(36))).length).toBeGreaterThan(10_000);
    expect(decideTriggerBatching(256, Duration.seconds(300)).batchSize).toBe(256);
  });

  test('fails for a batch size out of range', () => {
    for (const size of [0, -1, 1.5, 257]) {
      expect(() => decideTriggerBatching(size)).toThrow(/^maxBatchSize must be a whole number from 1 to 256/);
    }
  });

  test('fails for a window out of range or fractional', () => {
    expect(() => decideTriggerBatching(5, Duration.seconds(301))).toThrow(/^batchWindow .* from 0 to 300/);
    expect(() => decideTriggerBatching(5, Duration.millis(1500))).toThrow(/^batchWindow/);
  });

  test('fails for more than 10 records without a window', () => {
    expect(() => decideTriggerBatching(11, Duration.seconds(0))).toThrow(/^batchWindow must be at least 1 second when maxBatchSize is above 10/);
    expect(decideTriggerBatching(10, Duration.seconds(0)).windowSeconds).toBe(0);
  });
});

describe('objectCreatedEventPattern', () => {
  test('"Object Created" of the bucket: puts, multipart uploads and copies alike', () => {
    expect(objectCreatedEventPattern('b', {})).toEqual({ source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: ['b'] } } });
  });

  test('prefix, suffix, or both as one wildcard (EventBridge ORs the matchers of a field)', () => {
    expect(objectCreatedEventPattern('b', { prefix: 'in/' }).detail).toEqual({ bucket: { name: ['b'] }, object: { key: [{ prefix: 'in/' }] } });
    expect(objectCreatedEventPattern('b', { suffix: '.csv' }).detail).toEqual({ bucket: { name: ['b'] }, object: { key: [{ suffix: '.csv' }] } });
    expect(objectCreatedEventPattern('b', { prefix: 'in/', suffix: '.csv' }).detail).toEqual({ bucket: { name: ['b'] }, object: { key: [{ wildcard: 'in/*.csv' }] } });
    // A literal * in the prefix is escaped.
    expect(objectCreatedEventPattern('b', { prefix: 'a*b/', suffix: '.csv' }).detail).toEqual({ bucket: { name: ['b'] }, object: { key: [{ wildcard: 'a\\*b/*.csv' }] } });
  });
});

describe('checkResultLoop', () => {
  const results = { sameBucket: true, resultPrefix: 'fan-out-results' };

  test('fails for the whole result bucket, a prefix of the results, or a prefix inside them', () => {
    for (const prefix of [undefined, '', 'fan', 'fan-out-results/', 'fan-out-results/run-1/']) {
      expect(() => checkResultLoop({ ...results, prefix })).toThrow(/^prefix: the fan-out writes its results under 'fan-out-results\/'/);
    }
  });

  test('fails for a suffix a result file can have', () => {
    for (const suffix of ['.json', 'json', 'manifest.json']) {
      expect(() => checkResultLoop({ ...results, suffix })).toThrow(/^prefix:/);
    }
  });

  test('another bucket, another prefix, or a suffix no result file has, cannot loop', () => {
    expect(() => checkResultLoop({ ...results, sameBucket: false })).not.toThrow();
    expect(() => checkResultLoop({ ...results, prefix: 'uploads/' })).not.toThrow();
    expect(() => checkResultLoop({ ...results, prefix: 'fan-out-results-old/' })).not.toThrow();
    expect(() => checkResultLoop({ ...results, suffix: '.csv' })).not.toThrow();
    expect(() => checkResultLoop({ ...results, suffix: '.jsonl' })).not.toThrow();
  });
});

describe('inputFieldsOfItemsPath', () => {
  test('a plain dotted path', () => {
    expect(inputFieldsOfItemsPath('$.items')).toEqual(['items']);
    expect(inputFieldsOfItemsPath('$.batch.items')).toEqual(['batch', 'items']);
  });

  test('fails for items from S3 or a path a trigger cannot build', () => {
    expect(() => inputFieldsOfItemsPath(undefined)).toThrow(/^items: this trigger passes the items in the execution input/);
    for (const path of ['$', '$[0]', '$.items[*]', '$..items']) {
      expect(() => inputFieldsOfItemsPath(path)).toThrow(/^items: a trigger can only fill a plain dotted items path/);
    }
  });
});

describe('decideClaimRetention', () => {
  test('a message\'s claim outlives the longest SQS retention, by a day', () => {
    const retention = decideClaimRetention(false);
    expect(retention.ttlSeconds).toBe(15 * 86_400);
    expect(retention.ttlSeconds).toBeGreaterThan(SQS_MAX_RETENTION_SECONDS);
    expect(retention.reason).toBe('A started message is recorded for 15 days: SQS keeps a message at most 14 days, plus a margin of 1 day.');
  });

  test('an S3 event\'s claim also outlives EventBridge\'s day of retries', () => {
    const retention = decideClaimRetention(true);
    expect(retention.ttlSeconds).toBe(16 * 86_400);
    expect(retention.ttlSeconds).toBeGreaterThan(SQS_MAX_RETENTION_SECONDS + EVENTBRIDGE_MAX_EVENT_AGE_SECONDS);
    expect(retention.reason).toMatch(/^A started event is recorded for 16 days: .*EventBridge may deliver an event again for up to 1 day/);
  });
});
