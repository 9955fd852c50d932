#!/usr/bin/env node
// The test command's floor (run by `npx projen test` right after jest, and by .ci/run): jest must
// have run at least as many tests as test/test-count-floor.json says. jest passes a run that finds
// fewer tests than it should (a testMatch or path change, a describe block lost, a file that no
// longer matches); this check reads what jest ran from its JUnit report instead, prints the counts
// and fails below the floor, or when the report is missing (no test ran).
//
// Usage: node scripts/check-test-count.js [junit.xml] [floor.json]
'use strict';
const fs = require('fs');

const [junitPath = 'test-reports/junit.xml', floorPath = 'test/test-count-floor.json'] = process.argv.slice(2);
const { floor } = JSON.parse(fs.readFileSync(floorPath, 'utf8'));
if (!Number.isInteger(floor) || floor < 1) {
  console.error(`jest: ${floorPath} must hold a positive whole "floor", got ${JSON.stringify(floor)}`);
  process.exit(1);
}

let xml;
try {
  xml = fs.readFileSync(junitPath, 'utf8');
} catch {
  console.log(`jest: 0 passed, 0 failed, 0 skipped (floor ${floor}): no ${junitPath}, no test ran`);
  process.exit(1);
}
const head = (xml.match(/<testsuites\b[^>]*>/) || [''])[0];
const count = (name) => Number((head.match(new RegExp(`\\b${name}="(\\d+)"`)) || [0, 0])[1]);
const tests = count('tests');
const failed = count('failures') + count('errors');
// The <testsuites> line has no skipped count: count the <skipped/> markers of the test cases.
const skipped = (xml.match(/<skipped\b/g) || []).length;
const passed = tests - failed - skipped;
console.log(`jest: ${passed} passed, ${failed} failed, ${skipped} skipped (floor ${floor})`);

const problems = [];
if (passed + failed < floor) {
  problems.push(`jest ran ${passed + failed} tests, fewer than the floor of ${floor} in ${floorPath}: `
    + 'a test file or test was lost (to run a few files, use `npx jest <file>`; lower the floor only when tests were removed on purpose)');
}
if (failed > 0) {
  problems.push(`${failed} tests failed`);
}
for (const problem of problems) console.error(`jest: ${problem}`);
process.exit(problems.length > 0 ? 1 : 0);
