import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FanOutCapacity } from './capacity';
import { FanOutCpuArchitecture } from './cpu-architecture';
import { FanOutIntegrationPattern } from './integration-pattern';

/**
 * What runs once per item, and how the state machine runs it: the image or task definition, its
 * size, environment and secrets, the capacity, the integration pattern and the timeouts. Part of
 * `FargateFanOutProps`.
 */
export interface FanOutTaskOptions {
  /**
   * The container image to run once per item. Give this or `taskDefinition`, not both.
   *
   * @default - none; `taskDefinition` must be given
   */
  readonly image?: ecs.ContainerImage;

  /**
   * A Fargate task definition to run once per item, instead of one built from `image`. Its
   * default container receives the item. `cpu`, `memoryLimitMiB`, `command`, `environment` and
   * `secrets` may not be combined with it.
   *
   * @default - built from `image`
   */
  readonly taskDefinition?: ecs.FargateTaskDefinition;

  /**
   * CPU units of each task (256 = 0.25 vCPU); one of the Fargate task sizes.
   *
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Memory of each task in MiB; valid for the chosen `cpu`.
   *
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * Which processors run the tasks. ARM64 (Graviton) is about 20% cheaper; the image must be
   * built for linux/arm64, and it runs on on-demand capacity only (not with a Spot `capacity`).
   *
   * @default FanOutCpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: FanOutCpuArchitecture;

  /**
   * Ephemeral storage of each task in GiB, 21 to 200; what is above the 20 GiB Fargate includes
   * is billed.
   *
   * @default - 20 GiB, included in the Fargate price
   */
  readonly ephemeralStorageGiB?: number;

  /**
   * The command the container runs.
   *
   * @default - the image's CMD
   */
  readonly command?: string[];

  /**
   * Environment variables for the container (`FANOUT_ITEM` is reserved).
   *
   * @default - none besides FANOUT_ITEM
   */
  readonly environment?: { [key: string]: string };

  /**
   * Secrets exposed to the container as environment variables.
   *
   * @default - none
   */
  readonly secrets?: { [key: string]: ecs.Secret };

  /**
   * Longest one task may run before its item is failed with States.Timeout.
   *
   * @default Duration.hours(24)
   */
  readonly taskTimeout?: Duration;

  /**
   * Which Fargate capacity runs the tasks: on-demand, Spot, or Spot with a single on-demand
   * rerun for items whose Spot task was interrupted or could not get capacity. With Spot, a
   * created cluster gets the FARGATE and FARGATE_SPOT capacity providers.
   *
   * @default FanOutCapacity.ON_DEMAND
   */
  readonly capacity?: FanOutCapacity;

  /**
   * How the state machine learns that an item's task is done: when the task stops (exit code 0
   * is success), or when the container calls back with the task token it gets in
   * `FANOUT_TASK_TOKEN` (its `SendTaskSuccess` output becomes the item's result). The task role
   * may then send success, failure and heartbeats to this state machine only.
   *
   * @default FanOutIntegrationPattern.RUN_JOB
   */
  readonly integrationPattern?: FanOutIntegrationPattern;

  /**
   * With the callback pattern, the longest a task may go without a heartbeat
   * (`SendTaskHeartbeat`) or callback; the item then fails with `States.HeartbeatTimeout` and its
   * task is stopped. Shorter than `taskTimeout`.
   *
   * @default Duration.minutes(10) with the callback pattern
   */
  readonly heartbeatTimeout?: Duration;
}
