/**
 * `report` in a process of its own, for the large-run test: runs the command on the arguments
 * given, its output to stdout, and then one line to stderr, `report-child: {"reportMs", "maxRssKiB"}`,
 * the time the command took (after loading) and the process's peak resident memory.
 *   node --max-old-space-size=1024 -r ts-node/register/transpile-only cli/test/report/report-child.ts <run> [options]
 */
import '../../../scripts/library-from-source';
import { performance } from 'perf_hooks';
import { runReportCommand } from '../../src/report/cli';

const started = performance.now();
void runReportCommand(process.argv.slice(2), (text) => process.stdout.write(`${text}\n`), (text) => process.stderr.write(`${text}\n`)).then((code) => {
  const reportMs = Math.round(performance.now() - started);
  process.stderr.write(`report-child: ${JSON.stringify({ reportMs, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  process.exitCode = code;
});
