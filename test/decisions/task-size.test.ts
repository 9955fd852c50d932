import { checkFargateTaskSize, vcpusOf } from '../../src/task/private/task-size';

describe('checkFargateTaskSize', () => {
  test.each([
    [256, 512], [256, 2048], [512, 1024], [512, 4096], [1024, 8192], [2048, 16384], [4096, 30720], [8192, 61440], [16384, 122880], [16384, 32768],
  ])('accepts cpu %d with %d MiB', (cpu, memory) => {
    expect(() => checkFargateTaskSize(cpu, memory)).not.toThrow();
  });

  test('fails: a cpu that is no Fargate size', () => {
    expect(() => checkFargateTaskSize(300, 512)).toThrow(/cpu must be one of the Fargate task sizes 256, 512, 1024, 2048, 4096, 8192, 16384 \(CPU units\), got 300/);
  });

  test.each([
    [256, 4096, /Fargate allows 512, 1024, 2048 MiB/],
    [1024, 1024, /Fargate allows 2048 to 8192 in steps of 1024 MiB/],
    [8192, 18432, /Fargate allows 16384 to 61440 in steps of 4096 MiB/],
  ])('fails: cpu %d with %d MiB', (cpu, memory, message) => {
    expect(() => checkFargateTaskSize(cpu, memory)).toThrow(message);
  });
});

test('vcpusOf converts CPU units', () => {
  expect(vcpusOf(256)).toBe(0.25);
  expect(vcpusOf(4096)).toBe(4);
});
