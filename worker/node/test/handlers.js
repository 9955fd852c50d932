'use strict';
// Worker processes for the tests: `node handlers.js NAME` runs the runtime with handler NAME.
// Each handler prints what it did, so the tests can tell how far it got.
const crypto = require('node:crypto');
const { run } = require('..');

const say = (...words) => process.stdout.write(`${words.join(' ')}\n`);

const handlers = {
  echo: (item) => { say('ITEM', JSON.stringify(item)); return { got: item }; },
  echoAsync: async (item) => { await new Promise((r) => setTimeout(r, 10)); return { got: item }; },
  fail: (item) => { say('ITEM', JSON.stringify(item)); throw new RangeError(`cannot process ${item}`); },
  longFailure: () => {
    // A class with a 300-character name and a 40,000-character message: both over the limits.
    const E = { ['E'.repeat(300)]: class extends Error {} }['E'.repeat(300)];
    throw new E('é'.repeat(40000));
  },
  // CPU-bound and synchronous for item.seconds: it blocks its own process's event loop.
  busy: (item) => {
    say('STARTED');
    const end = Date.now() + item.seconds * 1000;
    while (Date.now() < end) { /* compute */ }
    say('DONE');
    return { busy: item.seconds };
  },
  sleepy: async (item) => {
    say('STARTED', process.pid);
    await new Promise((r) => setTimeout(r, (item.seconds || 60) * 1000));
    say('DONE');
    return 'slept';
  },
  // One long synchronous native call.
  stuckInNative: () => {
    say('STARTED');
    crypto.pbkdf2Sync('password', 'salt', 1e9, 64, 'sha256');
    say('DONE');
    return 'hashed';
  },
  failSecond: (item) => { say('ITEM', JSON.stringify(item)); if (item === 2) throw new Error('the second item fails'); return item; },
  largeResult: (item) => 'x'.repeat(item.bytes),
  size: (item) => ({ chars: JSON.stringify(item).length, first: item.data.slice(0, 5) }),
  notJson: () => ({ big: 1n }),
  exits: () => process.exit(3),
};

run(handlers[process.argv[2]]);
