/**
 * Which processors run the tasks (Linux).
 */
export enum FanOutCpuArchitecture {
  /** x86-64 (Fargate's default). */
  X86_64 = 'X86_64',

  /**
   * 64-bit ARM (AWS Graviton): about 20% cheaper per vCPU-hour and GB-hour. The image must be
   * built for linux/arm64. On-demand capacity only: see `capacity`.
   */
  ARM64 = 'ARM64',
}
