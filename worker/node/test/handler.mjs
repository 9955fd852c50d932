// An ES module entry script (no require.main): the runtime must fork it all the same.
import { run } from '../index.js'; // named import from the CommonJS package, as an ESM user would

run((item) => ({ esm: item }));
