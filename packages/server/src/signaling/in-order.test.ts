import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InOrder } from './in-order.js';

interface Conn {
  open: boolean;
  overflowed: boolean;
}

function setup(limit = 3) {
  const handled: string[] = [];
  const steps = new Map<string, () => void>();
  const order = new InOrder<Conn, string>({
    dispatch: (conn, m) => {
      if (m.startsWith('slow')) {
        order.run(conn, () => new Promise<void>((resolve) => steps.set(m, () => { handled.push(`${m} done`); resolve(); })));
      } else handled.push(m);
    },
    limit,
    overflow: (conn) => (conn.overflowed = true),
    open: (conn) => conn.open,
  });
  return { order, handled, finish: async (m: string) => { steps.get(m)!(); await new Promise((r) => setImmediate(r)); } };
}

test('messages behind an asynchronous step wait for it and keep their order, across several steps', async () => {
  const { order, handled, finish } = setup(10);
  const conn = { open: true, overflowed: false };
  const other = { open: true, overflowed: false };
  for (const m of ['a', 'slow1', 'b', 'slow2', 'c']) order.push(conn, m);
  order.push(other, 'x');
  assert.deepEqual(handled, ['a', 'x'], 'another connection is not held up');
  await finish('slow1');
  assert.deepEqual(handled, ['a', 'x', 'slow1 done', 'b']);
  await finish('slow2');
  assert.deepEqual(handled, ['a', 'x', 'slow1 done', 'b', 'slow2 done', 'c']);
  order.push(conn, 'd');
  assert.equal(handled.at(-1), 'd', 'with nothing running, a message is handled at once');
});

test('a flood while a step runs overflows; a closed connection\'s backlog is dropped', async () => {
  const { order, handled, finish } = setup(2);
  const conn = { open: true, overflowed: false };
  for (const m of ['slow1', 'a', 'b', 'c']) order.push(conn, m);
  assert.equal(conn.overflowed, true);
  const gone = { open: true, overflowed: false };
  order.push(gone, 'slow2');
  order.push(gone, 'late');
  gone.open = false;
  await finish('slow2');
  assert.ok(!handled.includes('late'));
  await finish('slow1');
});
