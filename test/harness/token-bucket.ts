/**
 * A token bucket in virtual time: it reads `Date.now()`, which the fake clock
 * installed by `executeWorkflow` controls, so refills follow simulated time.
 *
 * AWS describes its API and launch-rate throttles this way: a bucket of
 * `capacity` tokens (the burst) refilled at `refillPerSecond` (the sustained rate).
 */
export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number | undefined;

  /**
   * @param capacity burst size; `Infinity` disables the bucket
   * @param refillPerSecond sustained rate in tokens per second
   */
  constructor(readonly capacity: number, readonly refillPerSecond: number) {
    if (!(capacity >= 0) || !(refillPerSecond >= 0)) {
      throw new Error(`TokenBucket needs capacity >= 0 and refillPerSecond >= 0, got ${capacity} and ${refillPerSecond}`);
    }
    this.tokens = capacity;
  }

  /** Takes `n` tokens if they are all there; takes nothing otherwise. */
  tryTake(n = 1): boolean {
    if (this.capacity === Infinity) return true;
    this.refill();
    if (this.tokens + 1e-9 >= n) {
      this.tokens -= n;
      return true;
    }
    return false;
  }

  /** Tokens available now (fractional while refilling). */
  available(): number {
    if (this.capacity === Infinity) return Infinity;
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = Date.now();
    // The first use anchors the bucket, so a bucket built before the fake clock
    // was installed (or with the clock moved backwards) does not see a jump.
    if (this.lastRefillMs === undefined || now < this.lastRefillMs) {
      this.lastRefillMs = now;
      return;
    }
    const elapsedMs = now - this.lastRefillMs;
    if (elapsedMs === 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs / 1000) * this.refillPerSecond);
    this.lastRefillMs = now;
  }
}
