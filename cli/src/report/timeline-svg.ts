import { escapeHtml } from './escape';
import { formatSeconds } from './format';
import { TaskRun } from './task-runs';
import { Timeline } from './timeline';
import { CapacityProviderNames } from '../library';

/** Colours of the picture, by what a task was. */
export const TIMELINE_COLOURS = {
  onDemand: '#3b6fb6',
  spot: '#2e9e6a',
  unknown: '#8a8a8a',
  retried: '#e8a33d',
  failed: '#d0312d',
  all: '#1d232b',
} as const;

/** Rows the task panel draws at most; more lanes share rows. */
const MAX_ROWS = 300;
/** Above this many tasks, bars carry no hover title (the page stays small). */
const MAX_TITLED_TASKS = 3000;

const WIDTH = 1000;
const LEFT = 56;
const RIGHT = 16;
const LANES_TOP = 24;
const LANES_HEIGHT = 300;
const CURVE_TOP = LANES_TOP + LANES_HEIGHT + 36;
const CURVE_HEIGHT = 160;
const HEIGHT = CURVE_TOP + CURVE_HEIGHT + 40;

/** A binary min-heap of numbers with a payload, for lane packing. */
class MinHeap<T> {
  private readonly items: Array<[number, T]> = [];
  public get size(): number { return this.items.length; }
  public peek(): [number, T] | undefined { return this.items[0]; }
  public push(key: number, value: T): void {
    const a = this.items;
    a.push([key, value]);
    let i = a.length - 1;
    while (i > 0) {
      const p = Math.floor((i - 1) / 2);
      if (a[p][0] <= a[i][0]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  public pop(): [number, T] | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l][0] < a[m][0]) m = l;
        if (r < a.length && a[r][0] < a[m][0]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/** Lanes for tasks, so no two tasks in a lane overlap: as many lanes as the peak concurrency. */
export function packLanes(tasks: ReadonlyArray<{ startedAt: number; stoppedAt: number }>): { lanes: number[]; count: number } {
  const order = tasks.map((_, i) => i).sort((a, b) => tasks[a].startedAt - tasks[b].startedAt || tasks[a].stoppedAt - tasks[b].stoppedAt);
  const busy = new MinHeap<number>();
  const free = new MinHeap<number>();
  const lanes = new Array<number>(tasks.length);
  let count = 0;
  for (const i of order) {
    while (busy.size > 0 && busy.peek()![0] <= tasks[i].startedAt) {
      const lane = busy.pop()![1];
      free.push(lane, lane);
    }
    const lane = free.size > 0 ? free.pop()![1] : count++;
    lanes[i] = lane;
    busy.push(tasks[i].stoppedAt, lane);
  }
  return { lanes, count };
}

function colourOf(task: TaskRun): string {
  if (task.failed) return TIMELINE_COLOURS.failed;
  if (!task.last) return TIMELINE_COLOURS.retried;
  if (task.capacity === CapacityProviderNames.SPOT) return TIMELINE_COLOURS.spot;
  if (task.capacity === CapacityProviderNames.ON_DEMAND) return TIMELINE_COLOURS.onDemand;
  return TIMELINE_COLOURS.unknown;
}

function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];
  return (steps.find((s) => s * 1000 >= raw) ?? 86400) * 1000;
}

/**
 * The run as a picture: each task as a bar in its lane over time (On-Demand, Spot, retried,
 * failed; a sample of them in a large run), and below it the tasks running at once, Spot apart,
 * with a mark where an item failed. Its size is bounded whatever the run's (see Timeline).
 */
export function timelineSvg(timeline: Timeline): string {
  type Timed = TaskRun & { startedAt: number; stoppedAt: number };
  const timed = timeline.tasks.filter((t): t is Timed => t.startedAt !== undefined && t.stoppedAt !== undefined);
  if (timed.length === 0 || timeline.start === undefined || timeline.end === undefined) {
    return '<p class="empty">No task has start and stop times: nothing to draw.</p>';
  }
  const sampled = timed.length < timeline.timedTasks;
  const t0 = timeline.start;
  const t1 = timeline.end;
  const span = Math.max(1, t1 - t0);
  const x = (t: number) => LEFT + ((t - t0) / span) * (WIDTH - LEFT - RIGHT);
  const { lanes, count } = packLanes(timed);
  const rows = Math.min(count, MAX_ROWS);
  const rowHeight = LANES_HEIGHT / Math.max(rows, 1);
  const rowOf = (lane: number) => (count <= MAX_ROWS ? lane : Math.floor((lane * MAX_ROWS) / count));
  const titled = timed.length <= MAX_TITLED_TASKS;
  const parts: string[] = [];
  parts.push(`<svg id="timeline" role="img" aria-label="Tasks over time and tasks running at once" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">`);
  const what = sampled ? `a sample of ${timed.length} of the run's ${timeline.timedTasks} tasks, its failed items' among them` : 'one lane per task slot';
  parts.push(`<text x="${LEFT}" y="16" class="panel-title">Tasks over time, ${escapeHtml(what)} (${count} lanes${count > MAX_ROWS ? `, drawn in ${MAX_ROWS} rows` : ''})</text>`);
  parts.push(`<rect x="${LEFT}" y="${LANES_TOP}" width="${WIDTH - LEFT - RIGHT}" height="${LANES_HEIGHT}" class="panel"/>`);

  // Time axis ticks, shared by both panels.
  const step = niceStep(span, 10);
  for (let t = 0; t <= span; t += step) {
    const px = x(t0 + t).toFixed(1);
    parts.push(`<line x1="${px}" y1="${LANES_TOP}" x2="${px}" y2="${CURVE_TOP + CURVE_HEIGHT}" class="grid"/>`);
    parts.push(`<text x="${px}" y="${CURVE_TOP + CURVE_HEIGHT + 16}" class="tick" text-anchor="middle">${t === 0 ? '0' : escapeHtml(formatSeconds(t / 1000))}</text>`);
  }
  parts.push(`<text x="${WIDTH - RIGHT}" y="${CURVE_TOP + CURVE_HEIGHT + 34}" class="tick" text-anchor="end">time since the first task started</text>`);

  timed.forEach((task, i) => {
    const y = LANES_TOP + rowOf(lanes[i]) * rowHeight;
    const w = Math.max(0.5, x(task.stoppedAt) - x(task.startedAt));
    const h = Math.max(0.5, rowHeight * 0.8);
    const kind = task.failed ? 'failed' : !task.last ? 'retried' : task.capacity ?? 'unknown';
    const title = titled
      ? `<title>${escapeHtml(`${task.item !== undefined ? `item ${task.item}` : `result ${task.result}`}, task ${task.attempt}: ${task.capacity ?? 'capacity unknown'}, ${formatSeconds((task.stoppedAt - task.startedAt) / 1000)}${task.stopCode ? `, ${task.stopCode}` : ''}${task.exitCode !== undefined ? `, exit ${task.exitCode}` : ''}`)}</title>`
      : '';
    parts.push(`<rect class="task" data-kind="${escapeHtml(kind)}" x="${x(task.startedAt).toFixed(1)}" y="${y.toFixed(2)}" width="${w.toFixed(1)}" height="${h.toFixed(2)}" fill="${colourOf(task)}">${title}</rect>`);
  });

  // Concurrency: all tasks, and Spot tasks, as step curves (every task's, not the sample's).
  const curve = timeline.curve;
  const peak = Math.max(1, timeline.peak);
  const y = (n: number) => CURVE_TOP + CURVE_HEIGHT - (n / peak) * CURVE_HEIGHT;
  const stepPath = (pick: (c: readonly [number, number, number]) => number) => {
    let d = `M${x(t0).toFixed(1)},${y(0).toFixed(1)}`;
    let previous = 0;
    for (const point of curve) {
      const px = x(point[0]).toFixed(1);
      d += `L${px},${y(previous).toFixed(1)}L${px},${y(pick(point)).toFixed(1)}`;
      previous = pick(point);
    }
    return d;
  };
  parts.push(`<text x="${LEFT}" y="${CURVE_TOP - 8}" class="panel-title">Tasks running at once (peak ${peak})</text>`);
  parts.push(`<rect x="${LEFT}" y="${CURVE_TOP}" width="${WIDTH - LEFT - RIGHT}" height="${CURVE_HEIGHT}" class="panel"/>`);
  parts.push(`<text x="${LEFT - 6}" y="${CURVE_TOP + 10}" class="tick" text-anchor="end">${peak}</text>`);
  parts.push(`<text x="${LEFT - 6}" y="${CURVE_TOP + CURVE_HEIGHT}" class="tick" text-anchor="end">0</text>`);
  const hasSpot = curve.some((c) => c[2] > 0);
  if (hasSpot) parts.push(`<path id="concurrency-spot" d="${stepPath((c) => c[2])}" fill="none" stroke="${TIMELINE_COLOURS.spot}" stroke-width="1.5"/>`);
  parts.push(`<path id="concurrency" d="${stepPath((c) => c[1])}" fill="none" stroke="${TIMELINE_COLOURS.all}" stroke-width="1.5"/>`);
  parts.push(`<text x="${WIDTH - RIGHT - 6}" y="${CURVE_TOP + 14}" class="tick" text-anchor="end"><tspan fill="${TIMELINE_COLOURS.all}">— all tasks</tspan>${hasSpot ? `  <tspan fill="${TIMELINE_COLOURS.spot}">— Spot</tspan>` : ''}  <tspan fill="${TIMELINE_COLOURS.failed}">▲ an item failed</tspan></text>`);
  // A mark where each item failed, on the curve panel's floor.
  for (const task of timed.filter((t) => t.failed)) {
    const px = x(task.stoppedAt);
    const base = CURVE_TOP + CURVE_HEIGHT;
    parts.push(`<path class="failure-marker" d="M${px.toFixed(1)},${(base - 8).toFixed(1)}l-4,8h8z" fill="${TIMELINE_COLOURS.failed}"/>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
