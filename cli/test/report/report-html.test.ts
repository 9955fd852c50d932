/**
 * The page, opened in headless Chromium (the binary @sparticuz/chromium ships, driven by puppeteer-core): no console
 * errors, no request for anything outside the page, and the expected picture and tables.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { writtenDistributedRun, WrittenRun } from '../../../test/report/executed-run';
import { buildReport, parseReportArguments } from '../../src/report/cli';
import { readRun } from '../../src/report/read-run';
import { formatHtmlReport } from '../../src/report/report-html';
import { chromium } from '../tools';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const puppeteer = require('puppeteer-core');

jest.setTimeout(120_000);

interface Opened {
  consoleErrors: string[];
  outsideRequests: string[];
  found: Record<string, any>;
}

/** What the test reads in the page, run there (plain JavaScript: this project's types have no DOM). */
const READ_PAGE = `(() => {
  const svg = document.querySelector('svg#timeline');
  const box = svg && svg.getBoundingClientRect();
  const rows = (id) => Array.from(document.querySelectorAll('table#' + id + ' tbody tr'))
    .map((tr) => Array.from(tr.children).map((td) => td.innerText.trim()));
  const curve = document.querySelector('svg#timeline path#concurrency');
  return {
    title: document.title,
    svgSize: box ? [Math.round(box.width), Math.round(box.height)] : undefined,
    tasks: document.querySelectorAll('svg#timeline rect.task').length,
    failedTasks: document.querySelectorAll('svg#timeline rect.task[data-kind="failed"]').length,
    retriedTasks: document.querySelectorAll('svg#timeline rect.task[data-kind="retried"]').length,
    markers: document.querySelectorAll('svg#timeline .failure-marker').length,
    curve: curve ? curve.getTotalLength() : 0,
    spotCurve: !!document.querySelector('svg#timeline path#concurrency-spot'),
    counts: rows('counts'),
    failures: rows('failures'),
    cost: rows('cost'),
    prediction: rows('prediction'),
    externalRefs: document.querySelectorAll('[src], [href], link, script[src]').length,
  };
})()`;

/** Opens a page file in headless Chromium and reads what a person would see. */
async function openInChromium(file: string): Promise<Opened> {
  const { executablePath, args } = await chromium();
  const browser = await puppeteer.launch({ executablePath, args, headless: 'shell' });
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const outsideRequests: string[] = [];
    page.on('console', (m: any) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e: Error) => consoleErrors.push(e.message));
    await page.setRequestInterception(true);
    page.on('request', (r: any) => {
      if (r.url() !== `file://${file}` && !r.url().startsWith('data:')) {
        outsideRequests.push(r.url());
        void r.abort();
      } else {
        void r.continue();
      }
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const found = await page.evaluate(READ_PAGE);
    return { consoleErrors, outsideRequests, found };
  } finally {
    await browser.close();
  }
}

describe('the report page in headless Chromium', () => {
  let written: WrittenRun;
  let opened: Opened;
  let html: string;
  let failedItems: number;
  let startedTasks: number;

  beforeAll(async () => {
    written = await writtenDistributedRun(400, 181);
    const { report, timeline, prediction } = await buildReport(await readRun(written.dir), parseReportArguments([written.dir]));
    failedItems = report.counts.failed;
    startedTasks = report.tasks.started;
    html = formatHtmlReport(report, timeline, prediction);
    const file = path.join(written.dir, 'report.html');
    await fs.writeFile(file, html);
    opened = await openInChromium(file);
  });

  test('renders with no console error and asks for nothing outside the page', () => {
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.outsideRequests).toEqual([]);
    expect(opened.found.externalRefs).toBe(0);
    expect(html).not.toMatch(/https?:\/\//);
  });

  test('draws every started task, the failures marked, and the concurrency curve', () => {
    expect(failedItems).toBeGreaterThan(0);
    expect(opened.found.svgSize[0]).toBeGreaterThan(500);
    expect(opened.found.tasks).toBe(startedTasks);
    expect(opened.found.failedTasks).toBe(failedItems);
    expect(opened.found.markers).toBe(failedItems);
    expect(opened.found.retriedTasks).toBeGreaterThan(0);
    expect(opened.found.curve).toBeGreaterThan(500);
    expect(opened.found.spotCurve).toBe(true);
  });

  test('has the counts, failures, cost and prediction tables', () => {
    expect(opened.found.title).toBe(`Fan-out run: ${failedItems} of 400 items failed`);
    expect(opened.found.counts[0].slice(0, 2)).toEqual(['succeeded', String(400 - failedItems)]);
    expect(opened.found.counts[1].slice(0, 2)).toEqual(['failed', String(failedItems)]);
    // One row per error, stop code and exit code: the items that always exit 3, and those that run out of memory.
    const rows = opened.found.failures.map((r: string[]) => r.slice(1, 4).join(' '));
    expect(rows).toEqual(expect.arrayContaining(['States.TaskFailed EssentialContainerExited 3', 'States.TaskFailed EssentialContainerExited 137']));
    expect(opened.found.failures.reduce((n: number, r: string[]) => n + Number(r[0]), 0)).toBe(failedItems);
    expect(opened.found.cost.map((r: string[]) => r[0])).toEqual(['FARGATE', 'FARGATE_SPOT', 'Step Functions', 'total']);
    expect(opened.found.prediction.map((r: string[]) => r[0])).toContain('makespan');
  });

  test('escapes what the run wrote: an error name cannot inject markup', async () => {
    const { report, timeline, prediction } = await buildReport(await readRun(written.dir), parseReportArguments([written.dir]));
    const hostile = { ...report, failures: [{ ...report.failures[0], error: '<img src=x onerror=alert(1)>' }] };
    const page = formatHtmlReport(hostile, timeline, prediction);
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).not.toContain('<img');
  });
});
