/** A binary min-heap of events by time (ties in insertion order). */
export class EventQueue {
  private readonly times: number[] = [];
  private readonly items: number[] = [];
  private readonly kinds: number[] = [];
  private readonly order: number[] = [];
  private counter = 0;

  public get size(): number {
    return this.times.length;
  }

  public push(time: number, item: number, kind: number): void {
    this.times.push(time);
    this.items.push(item);
    this.kinds.push(kind);
    this.order.push(this.counter++);
    let i = this.times.length - 1;
    while (i > 0) {
      const parent = Math.floor((i - 1) / 2);
      if (!this.less(i, parent)) {
        break;
      }
      this.swap(i, parent);
      i = parent;
    }
  }

  public pop(): { time: number; item: number; kind: number } {
    const top = { time: this.times[0], item: this.items[0], kind: this.kinds[0] };
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.items.pop();
    this.kinds.pop();
    this.order.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.times.length && this.less(left, smallest)) {
        smallest = left;
      }
      if (right < this.times.length && this.less(right, smallest)) {
        smallest = right;
      }
      if (smallest === i) {
        break;
      }
      this.swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && this.order[a] < this.order[b]);
  }

  private swap(a: number, b: number): void {
    for (const array of [this.times, this.items, this.kinds, this.order]) {
      const t = array[a];
      array[a] = array[b];
      array[b] = t;
    }
  }
}
