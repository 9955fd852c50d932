// Compiled with `tsc --noEmit --strict` by scripts/test-worker.sh: the declarations fit typed handlers.
import { run, EXIT_INTERRUPTED, ERROR_INTERRUPTED } from '..';

interface Item { id: string; size: number }

run<Item, { id: string }>(async (item) => ({ id: item.id }));
run((item: Item) => item.size * 2);
const code: 143 = EXIT_INTERRUPTED;
const name: 'FanOut.Interrupted' = ERROR_INTERRUPTED;
export { code, name };
