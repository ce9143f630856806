// The page's opening-hours library agrees with the shared table of cases
// that the Rust tests check against the core's validator (tests/jobs.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(HERE, '..', '..', 'web', 'package.json'));
const OpeningHours = require('opening_hours');

test('opening_hours (npm) gives the answers of the shared cases', () => {
  const table = JSON.parse(readFileSync(join(HERE, '..', 'data', 'opening_hours_cases.json'), 'utf8'));
  for (const { hours, at, open } of table.cases) {
    const [date, time] = at.split('T');
    const [y, m, d] = date.split('-').map(Number);
    const [hh, mm] = time.split(':').map(Number);
    // wall-clock time: the library reads a Date in the process's zone, as the page does for Europe/Rome
    const when = new Date(y, m - 1, d, hh, mm);
    assert.equal(new OpeningHours(hours, null, 2).getState(when), open, `${hours} at ${at}`);
  }
});
