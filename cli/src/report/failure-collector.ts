import { FailedItem, FailureGroup } from './run-report';
import { ItemResult } from './run-results';

const EXAMPLES_PER_GROUP = 3;
/** Kinds of failure (error, stop code, exit code) counted apart; more go into one group. */
export const MAX_FAILURE_GROUPS = 50;
/** Failed items the report lists (the lowest indices); the counts cover every one. */
export const FAILED_ITEMS_LISTED = 1000;

/**
 * A run's failed results, one at a time: grouped by error, stop code and exit code (at most
 * MAX_FAILURE_GROUPS kinds, the rest in one), and the FAILED_ITEMS_LISTED lowest item indices
 * listed, so that memory stays bounded however many items failed.
 */
export class FailureCollector {
  private readonly groups = new Map<string, FailureGroup & { items: number }>();
  /** The listed failed items: a max-heap by index, so the lowest indices stay. */
  private readonly listed: FailedItem[] = [];

  /** Adds a failed result. */
  public add(result: ItemResult): void {
    const last = result.record?.tasks[0];
    const error = result.error ?? 'unknown';
    this.list({
      index: result.index,
      items: result.items,
      error,
      stopCode: last?.stopCode,
      exitCode: last?.exitCode,
      attempts: result.record?.attempts ?? result.record?.tasks.length,
      source: result.source,
    });
    let key = JSON.stringify([error, last?.stopCode ?? null, last?.exitCode ?? null]);
    let group = this.groups.get(key);
    if (!group && this.groups.size >= MAX_FAILURE_GROUPS) {
      key = 'other';
      group = this.groups.get(key);
      if (!group) {
        group = { error: '(other errors)', items: 0, examples: [] };
        this.groups.set(key, group);
      }
    }
    if (!group) {
      group = { error, stopCode: last?.stopCode, exitCode: last?.exitCode, items: 0, examples: [] };
      this.groups.set(key, group);
    }
    group.items += result.items;
    if (group.examples.length < EXAMPLES_PER_GROUP) {
      group.examples.push({ index: result.index, source: result.source, stoppedReason: last?.stoppedReason });
    }
  }

  /** The failure groups, the largest first. */
  public failureGroups(): FailureGroup[] {
    return [...this.groups.values()].sort((a, b) => b.items - a.items || a.error.localeCompare(b.error));
  }

  /** True when more than MAX_FAILURE_GROUPS kinds were seen (the rarer ones counted together). */
  public get overflowed(): boolean {
    return this.groups.has('other');
  }

  /** The listed failed items, the lowest indices first. */
  public failedItems(): FailedItem[] {
    return [...this.listed].sort((a, b) => (a.index ?? Infinity) - (b.index ?? Infinity));
  }

  /** Keeps the FAILED_ITEMS_LISTED lowest indices (items without one rank last), in a max-heap. */
  private list(item: FailedItem): void {
    const heap = this.listed;
    const rank = (f: FailedItem) => f.index ?? Infinity;
    const up = (i: number) => {
      while (i > 0) {
        const p = Math.floor((i - 1) / 2);
        if (rank(heap[p]) >= rank(heap[i])) break;
        [heap[p], heap[i]] = [heap[i], heap[p]];
        i = p;
      }
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        let m = i;
        if (l < heap.length && rank(heap[l]) > rank(heap[m])) m = l;
        if (l + 1 < heap.length && rank(heap[l + 1]) > rank(heap[m])) m = l + 1;
        if (m === i) return;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    };
    if (heap.length < FAILED_ITEMS_LISTED) {
      heap.push(item);
      up(heap.length - 1);
    } else if (rank(item) < rank(heap[0])) {
      heap[0] = item;
      down(0);
    }
  }
}
