#!/usr/bin/env node
// `npm pack` and `npm publish` of the CLI: during development the CLI depends on the construct
// library in this repository (`file:..`); a packed CLI must depend on the library's published
// version instead. `pin` writes `^<the library's version>` into package.json (keeping the
// development entry in package.json.dev), `restore` puts the development entry back.
const fs = require('fs');
const path = require('path');

const manifest = path.join(__dirname, '..', 'package.json');
const saved = `${manifest}.dev`;
const LIBRARY = 'cdk-fargate-fan-out';

if (process.argv[2] === 'pin') {
  const text = fs.readFileSync(manifest, 'utf8');
  const pkg = JSON.parse(text);
  const library = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
  if (library.name !== LIBRARY) throw new Error(`../package.json is ${library.name}, not ${LIBRARY}`);
  fs.writeFileSync(saved, text);
  pkg.dependencies[LIBRARY] = `^${library.version}`;
  fs.writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
  console.error(`pin-library: ${LIBRARY}@^${library.version}`);
} else if (process.argv[2] === 'restore') {
  if (fs.existsSync(saved)) fs.renameSync(saved, manifest);
} else {
  throw new Error('usage: pin-library.js pin|restore');
}
