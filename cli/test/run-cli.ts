/**
 * The CLI from its sources in a process of its own, as the installed command runs (tests drive it
 * in a pipe and in a pseudo-terminal):
 *   node -r ts-node/register/transpile-only cli/test/run-cli.ts <command> [options]
 */
import '../../scripts/library-from-source';
import { runCli } from '../src/cli';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
