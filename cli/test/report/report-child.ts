/**
 * `report` in a process of its own, for the large-run test: runs the command on the arguments
 * given, its output to stdout, and then one line to stderr, `report-child: {"reportMs", "cpuMs", "maxRssKiB"}`,
 * the wall time and the CPU time (user and system) the command took after loading, and the
 * process's peak resident memory. CPU time is what the linearity check compares: on a machine
 * busy with other work the wall time also counts the time the process waited for a core.
 *   node --max-old-space-size=1024 -r ts-node/register/transpile-only cli/test/report/report-child.ts <run> [options]
 */
import '../../../scripts/library-from-source';
import { performance } from 'perf_hooks';
import { runReportCommand } from '../../src/report/cli';

const started = performance.now();
const startedCpu = process.cpuUsage();
void runReportCommand(process.argv.slice(2), (text) => process.stdout.write(`${text}\n`), (text) => process.stderr.write(`${text}\n`)).then((code) => {
  const reportMs = Math.round(performance.now() - started);
  const cpu = process.cpuUsage(startedCpu);
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  process.stderr.write(`report-child: ${JSON.stringify({ reportMs, cpuMs, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  process.exitCode = code;
});
