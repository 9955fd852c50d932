/** A handler gets one item (the parsed JSON) and returns its result (JSON-serializable), or a promise of it. */
export type Handler<Item = any, Result = unknown> = (item: Item) => Result | Promise<Result>;

/**
 * Calls `handler(item)` for the task's item, or for each item of its batch, reports the outcome
 * (exit code with run-job, SendTaskSuccess/SendTaskFailure with the callback pattern) and exits
 * the process. The handler runs in a child process that re-runs the entry script: make `run`
 * the entry script's last statement.
 */
export declare function run<Item = any, Result = unknown>(handler: Handler<Item, Result>): void;

/** `text` cut to at most `max` UTF-8 bytes, with a " [truncated]" marker. */
export declare function cut(text: string, max: number): string;

export declare const ENV_ITEM: 'FANOUT_ITEM';
export declare const ENV_ITEMS: 'FANOUT_ITEMS';
export declare const ENV_TASK_TOKEN: 'FANOUT_TASK_TOKEN';
export declare const ENV_HEARTBEAT_SECONDS: 'FANOUT_HEARTBEAT_SECONDS';
export declare const ENV_RESULT_S3_PREFIX: 'FANOUT_RESULT_S3_PREFIX';
export declare const S3_REF_KEY: 'fanOutS3Ref';
export declare const DEFAULT_HEARTBEAT_SECONDS: number;
export declare const ERROR_INTERRUPTED: 'FanOut.Interrupted';
export declare const ERROR_RESULT_TOO_LARGE: 'FanOut.ResultTooLarge';
export declare const ERROR_INVALID_INPUT: 'FanOut.InvalidInput';
export declare const ERROR_HANDLER_EXITED: 'FanOut.HandlerExited';
export declare const EXIT_OK: 0;
export declare const EXIT_FAILED: 1;
export declare const EXIT_TOKEN_GONE: 124;
export declare const EXIT_INTERRUPTED: 143;
