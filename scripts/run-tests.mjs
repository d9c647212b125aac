#!/usr/bin/env node
// Runs the compiled tests with Node's test runner: `unit` (co-located *.test.ts in packages,
// compiled to dist/) or `e2e` (e2e/*.test.ts, one file at a time: each starts Chromium).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suite = process.argv[2];
const filter = process.argv[3];
if (suite !== 'unit' && suite !== 'e2e') {
  console.error('usage: run-tests.mjs unit|e2e [name-filter]');
  process.exit(2);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const roots = suite === 'unit'
  ? readdirSync('packages').map((p) => join('packages', p, 'dist')).filter((d) => { try { return statSync(d).isDirectory(); } catch { return false; } })
  : ['e2e/dist'];
let files = roots.flatMap((r) => walk(r)).sort();
if (filter) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(`no ${suite} tests found; run "npm run build" first`);
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${suite === 'e2e' ? 1 : 2}`];
if (suite === 'e2e') args.push('--test-timeout=240000');
const result = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
