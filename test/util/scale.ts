/**
 * How large the largest executed-workflow runs are (test/executed: launch pacing, throttling,
 * faults; test/harness and test/pool take seconds and are not scaled).
 *
 * By default they run at a smaller scale, so that the README's test command (`npx projen build`)
 * stays within 10 minutes on 2 cores. `FANOUT_TEST_SCALE=full`, which .ci/run sets, runs them at
 * the sizes their targets name (10,000 items, a vCPU quota starving 2,000 items, 6,500 failed
 * items), so that CI checks each target as stated. A scaled test says its size and the scale in
 * its name, and makes the same assertions at either scale.
 */
const SCALE = process.env.FANOUT_TEST_SCALE ?? 'reduced';
if (SCALE !== 'full' && SCALE !== 'reduced') {
  throw new Error(`FANOUT_TEST_SCALE must be 'full' or 'reduced' (the default), got '${SCALE}'`);
}

/** True under FANOUT_TEST_SCALE=full (.ci/run). */
export const FULL_SCALE = SCALE === 'full';

/** `full` under FANOUT_TEST_SCALE=full, else `reduced`. */
export function atScale<T>(full: T, reduced: T): T {
  return FULL_SCALE ? full : reduced;
}

/** For test names: which scale ran, and how to get the other. */
export const SCALE_NOTE = FULL_SCALE ? '[full scale]' : '[reduced scale; FANOUT_TEST_SCALE=full runs the full one]';

/** A count as test names write it: 10,000. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}
