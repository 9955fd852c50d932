/**
 * The README's picture of a run report (docs/report.png): executes a 600-item fan-out with faults
 * offline (the test harness), writes its results as AWS does, runs `report` on them, writes the
 * page to .tmp/report-example/report.html and screenshots it with the Chromium of the CLI's
 * devDependencies (cli/test/tools.ts).
 *
 *   npx ts-node --project tsconfig.dev.json scripts/report-example.ts [--no-screenshot]
 */
import './library-from-source';
import { promises as fs } from 'fs';
import * as path from 'path';
import { buildReport, parseReportArguments } from '../cli/src/report/cli';
import { readRun } from '../cli/src/report/read-run';
import { formatHtmlReport } from '../cli/src/report/report-html';
import { formatTextReport } from '../cli/src/report/report-text';
import { chromium } from '../cli/test/tools';
import { writtenDistributedRun } from '../test/report/executed-run';

async function main(): Promise<void> {
  const out = path.resolve('.tmp/report-example');
  await fs.rm(out, { recursive: true, force: true });
  await fs.mkdir(out, { recursive: true });
  const written = await writtenDistributedRun(600, 7);
  await fs.cp(written.dir, path.join(out, 'results'), { recursive: true });
  const results = path.relative(process.cwd(), path.join(out, 'results'));
  const run = await readRun(results);
  const { report, timeline, prediction } = await buildReport(run, parseReportArguments([results]));
  console.log(formatTextReport(report, prediction));
  const page = path.join(out, 'report.html');
  await fs.writeFile(page, formatHtmlReport(report, timeline, prediction));
  console.log(`\npage: ${page}`);
  if (process.argv.includes('--no-screenshot')) return;

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const puppeteer = require('puppeteer-core');
  const { executablePath, args } = await chromium();
  const browser = await puppeteer.launch({ executablePath, args, headless: 'shell' });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width: 1100, height: 1000, deviceScaleFactor: 1 });
    await tab.goto(`file://${page}`);
    await tab.screenshot({ path: path.resolve('docs/report.png'), clip: { x: 0, y: 0, width: 1100, height: 1000 } });
    console.log('screenshot: docs/report.png');
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
