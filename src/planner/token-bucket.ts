/** A token bucket that refills continuously with simulated time. */
export class TokenBucket {
  private tokens: number;
  private updatedAt = 0;

  constructor(private readonly capacity: number, private readonly refillPerSecond: number) {
    this.tokens = capacity;
  }

  public tryTake(time: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + (time - this.updatedAt) * this.refillPerSecond);
    this.updatedAt = time;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
