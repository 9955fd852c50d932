/** The value at quantile `q` (0 to 1) of sorted values: the smallest with at least that share at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** A growable array of numbers: 8 bytes each, no object per value. */
export class Numbers {
  private values = new Float64Array(1024);
  public length = 0;
  public push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  /** The values, sorted (the buffer is sorted in place and shared). */
  public sorted(): Float64Array {
    return this.values.subarray(0, this.length).sort();
  }
}
