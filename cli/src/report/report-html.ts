import { escapeHtml } from './escape';
import { formatCount, formatSeconds, formatTime, formatUsd, percent } from './format';
import { Prediction } from './prediction';
import { RunReport } from './run-report';
import { Timeline } from './timeline';
import { TIMELINE_COLOURS, timelineSvg } from './timeline-svg';
import { FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB, FanOutCpuArchitecture } from '../library';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; margin: 24px auto; max-width: 1040px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.source { color: #5a6470; word-break: break-all; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #d8dde3; border-radius: 6px; padding: 8px 12px; min-width: 104px; }
.card .value { font-size: 20px; font-weight: 600; }
.card .label { color: #5a6470; font-size: 12px; }
.card.bad .value { color: ${TIMELINE_COLOURS.failed}; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border-bottom: 1px solid #e3e7ec; padding: 4px 10px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }
svg .panel { fill: #fafbfc; stroke: #d8dde3; }
svg .grid { stroke: #e9ecf0; }
svg .tick { font-size: 11px; fill: #5a6470; }
svg .panel-title { font-size: 12px; fill: #1d232b; font-weight: 600; }
.notes li { margin: 2px 0; }
.muted { color: #5a6470; }
`;

function table(id: string, head: string[], rows: string[][], numeric: boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const e = escapeHtml;

/** The report as one self-contained HTML page: no scripts, styles or pictures from elsewhere. */
export function formatHtmlReport(report: RunReport, timeline: Timeline, prediction: Prediction): string {
  const { counts, time, cost, retries } = report;
  const card = (value: string, label: string, bad = false) => `<div class="card${bad ? ' bad' : ''}"><div class="value">${e(value)}</div><div class="label">${e(label)}</div></div>`;
  const body: string[] = [];
  body.push('<h1>Fan-out run report</h1>');
  body.push(`<div class="source">${e(report.source)} · ${report.mode === 'distributed' ? 'Distributed Map' : 'inline Map'}${report.execution?.status ? ` · execution ${e(report.execution.status)}` : ''}</div>`);
  body.push('<div class="cards" id="summary">');
  body.push(card(formatCount(counts.items), 'items'));
  body.push(card(formatCount(counts.succeeded), 'succeeded'));
  body.push(card(formatCount(counts.failed), 'failed', counts.failed > 0));
  body.push(card(formatCount(retries.extraTasks), 'retried tasks'));
  body.push(card(formatSeconds(time.makespanSeconds), 'makespan'));
  body.push(card(formatCount(report.concurrency.peak), 'peak tasks at once'));
  body.push(card(formatUsd(cost.totalUsd), 'cost (estimate)'));
  body.push('</div>');

  body.push('<h2>Timeline</h2>');
  body.push(`<div class="legend">${[
    [TIMELINE_COLOURS.onDemand, 'On-Demand'], [TIMELINE_COLOURS.spot, 'Spot'], [TIMELINE_COLOURS.retried, 'retried (a later task ran the item again)'],
    [TIMELINE_COLOURS.failed, 'failed (the item\'s last task)'], [TIMELINE_COLOURS.unknown, 'capacity unknown'],
  ].map(([c, l]) => `<span><i style="background:${c}"></i>${e(l)}</span>`).join('')}</div>`);
  body.push(timelineSvg(timeline));

  body.push('<h2>Items</h2>');
  body.push(table('counts', ['outcome', 'items', 'share'], [
    ['succeeded', formatCount(counts.succeeded), counts.succeeded !== undefined ? percent(counts.succeeded, counts.items).replace(/[()]/g, '').trim() : ''],
    ['failed', formatCount(counts.failed), percent(counts.failed, counts.items).replace(/[()]/g, '').trim()],
    ...(counts.pending > 0 ? [['never ran', formatCount(counts.pending), percent(counts.pending, counts.items).replace(/[()]/g, '').trim()]] : []),
    ['total', formatCount(counts.items), ''],
  ], [false, true, true]));

  body.push('<h2>Failures</h2>');
  if (report.failures.length === 0) {
    body.push('<p class="muted">No item failed.</p>');
  } else {
    body.push(table('failures', ['items', 'error', 'stop code', 'exit code', 'stop reason (example)', 'examples'], report.failures.map((g) => [
      formatCount(g.items), e(g.error), e(g.stopCode ?? '—'), g.exitCode !== undefined ? String(g.exitCode) : '—',
      e(g.examples.find((x) => x.stoppedReason)?.stoppedReason ?? '—'),
      g.examples.map((x) => e(x.index !== undefined ? `item ${x.index}` : x.source)).join('<br>'),
    ]), [true, false, false, true, false, false]));
  }

  body.push('<h2>Retries</h2>');
  body.push(table('retries', ['tasks per item', 'items'], retries.byAttempts.map((a) => [String(a.attempts), formatCount(a.results)]), [true, true]));
  if (retries.retriedStops.length > 0) {
    body.push(table('retried-stops', ['a retried task stopped with', 'tasks'], retries.retriedStops.map((s) => [e(s.stopCode), formatCount(s.tasks)]), [false, true]));
  }

  body.push('<h2>Time</h2>');
  const d = time.successfulTaskSeconds;
  body.push(table('time', ['measure', 'value'], [
    ['makespan', `${e(formatSeconds(time.makespanSeconds))}${time.executionSeconds !== undefined ? ' (the execution)' : ' (first task start to last task stop)'}`],
    ['tasks ran', `${e(formatTime(time.firstTaskStart))} to ${e(formatTime(time.lastTaskStop))}`],
    ['task-seconds', `${formatCount(Math.round(report.tasks.taskSeconds))} s over ${formatCount(report.tasks.started)} tasks`],
    ['successful task run time', d ? `median ${e(formatSeconds(d.median))}, p90 ${e(formatSeconds(d.p90))}, max ${e(formatSeconds(d.max))}` : 'unknown'],
  ]));

  body.push('<h2>Cost</h2>');
  if (cost.covers !== 'every item') body.push(`<p class="muted">Fargate: the ${e(cost.covers)}; the run's successes left no record.</p>`);
  body.push(table('cost', ['capacity', 'tasks', 'task-seconds', 'vCPU-hours', 'GB-hours', 'cost'], [
    ...report.tasks.byCapacity.map((c) => [
      e(c.capacity), formatCount(c.tasks), formatCount(Math.round(c.taskSeconds)), c.vcpuHours.toFixed(3), c.gbHours.toFixed(3), formatUsd(c.costUsd),
    ]),
    ...(cost.storageGbHours > 0
      ? [['ephemeral storage', '', '', '', `${cost.storageGbHours.toFixed(3)} GB-hours above ${FARGATE_INCLUDED_EPHEMERAL_STORAGE_GIB} GiB`, `(${formatUsd(cost.storageUsd)} of the above)`]]
      : []),
    ['Step Functions', '', '', '', `${formatCount(cost.transitions)} transitions (a floor)`, formatUsd(cost.transitionsUsd)],
    ['<b>total</b>', '', '', '', '', `<b>${formatUsd(cost.totalUsd)}</b>`],
  ], [false, true, true, true, true, true]));
  const spotPrices = cost.prices.cpuArchitecture === FanOutCpuArchitecture.ARM64
    ? `Spot ${e(cost.prices.sources.spot)}`
    : `Spot $${Number(cost.prices.spotVcpuHour.toPrecision(4))} and $${Number(cost.prices.spotGbHour.toPrecision(4))} (${e(cost.prices.sources.spot)})`;
  body.push(`<p class="muted" id="prices">Prices: On-Demand $${cost.prices.vcpuHour} per vCPU-hour and $${cost.prices.gbHour} per GB-hour (${e(cost.prices.sources.onDemand)});
${spotPrices};
$${cost.prices.storageGbHour} per GB-hour of ephemeral storage (${e(cost.prices.sources.storage)});
$${cost.prices.transition} per state transition (${e(cost.prices.sources.transition)}). Each task is billed from its start to its stop, rounded up to the second, one minute at least.</p>`);

  body.push('<h2>Prediction beside the run</h2>');
  if (prediction.plan && prediction.inputs) {
    const plan = prediction.plan;
    const vcpuHours = report.tasks.byCapacity.reduce((n, c) => n + c.vcpuHours, 0);
    const gbHours = report.tasks.byCapacity.reduce((n, c) => n + c.gbHours, 0);
    body.push(table('prediction', ['', 'planner', 'this run'], [
      ['makespan', e(formatSeconds(plan.makespanSeconds)), e(formatSeconds(time.makespanSeconds))],
      ['tasks started', formatCount(plan.tasks), formatCount(report.tasks.started)],
      ['items failed', formatCount(plan.itemsLost), formatCount(counts.failed)],
      ['vCPU-hours', plan.vcpuHours.toFixed(3), vcpuHours.toFixed(3)],
      ['GB-hours', plan.gbHours.toFixed(3), gbHours.toFixed(3)],
      ['Fargate', formatUsd(plan.vcpuCostUsd + plan.memoryCostUsd + plan.storageCostUsd), formatUsd(cost.fargateUsd)],
      ['state transitions', formatCount(plan.stateTransitions), formatCount(cost.transitions)],
      ['total', formatUsd(plan.totalCostUsd), formatUsd(cost.totalUsd)],
    ], [false, true, true]));
    body.push(`<p class="muted">The planner was given ${formatCount(prediction.inputs.items)} items of ${e(formatSeconds(prediction.inputs.taskSeconds))}, ${prediction.inputs.cpu} CPU units and ${prediction.inputs.memoryMiB} MiB, a cap of ${prediction.inputs.maxConcurrency} and a quota of ${prediction.inputs.vcpuQuota} vCPU (${e(Object.entries(prediction.inputs.from).map(([k, v]) => `${k}: ${v}`).join('; '))}). It prices every task On-Demand.</p>`);
  } else {
    body.push(`<p class="muted">No prediction: ${e(prediction.unavailable ?? 'unknown')}.</p>`);
  }

  if (report.notes.length > 0) {
    body.push('<h2>Notes</h2>');
    body.push(`<ul class="notes">${report.notes.map((n) => `<li>${e(n)}</li>`).join('')}</ul>`);
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Fan-out run: ${formatCount(counts.failed)} of ${formatCount(counts.items)} items failed`)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
