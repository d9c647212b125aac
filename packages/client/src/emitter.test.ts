import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { TypedEmitter } from './emitter.js';

type Events = { ping: [n: number, s: string]; other: [] };

class Probe extends TypedEmitter<Events> {
  fire<E extends keyof Events>(event: E, ...args: Events[E]): void {
    this.emit(event, ...args);
  }
  clear(): void {
    this.removeAllListeners();
  }
}

describe('TypedEmitter', () => {
  afterEach(() => {
    mock.restoreAll();
    delete (globalThis as { reportError?: unknown }).reportError;
  });

  it('calls listeners in order with the event arguments', () => {
    const e = new Probe();
    const seen: string[] = [];
    e.on('ping', (n, s) => seen.push(`a${n}${s}`));
    e.on('ping', (n, s) => seen.push(`b${n}${s}`));
    e.fire('ping', 1, 'x');
    e.fire('other');
    assert.deepEqual(seen, ['a1x', 'b1x']);
  });

  it('once() runs a listener a single time', () => {
    const e = new Probe();
    let calls = 0;
    e.once('ping', () => calls++);
    e.fire('ping', 1, '');
    e.fire('ping', 2, '');
    assert.equal(calls, 1);
  });

  it('off() and the returned unsubscribe remove a listener', () => {
    const e = new Probe();
    let a = 0;
    let b = 0;
    const la = () => a++;
    e.on('ping', la);
    const offB = e.on('ping', () => b++);
    e.fire('ping', 1, '');
    e.off('ping', la);
    offB();
    e.fire('ping', 2, '');
    assert.deepEqual([a, b], [1, 1]);
  });

  it('the unsubscribe returned by once() cancels it before it fires', () => {
    const e = new Probe();
    let calls = 0;
    const off = e.once('ping', () => calls++);
    off();
    e.fire('ping', 1, '');
    assert.equal(calls, 0);
  });

  it('a listener removed by an earlier listener during emit still sees that emit, not later ones', () => {
    const e = new Probe();
    let second = 0;
    const l2 = () => second++;
    e.on('ping', () => e.off('ping', l2));
    e.on('ping', l2);
    e.fire('ping', 1, '');
    e.fire('ping', 2, '');
    assert.equal(second, 1);
  });

  it('a throwing listener is reported via reportError and later listeners still run', () => {
    const reported: unknown[] = [];
    (globalThis as { reportError?: (e: unknown) => void }).reportError = (err) => reported.push(err);
    const consoleError = mock.method(console, 'error', () => {});
    const e = new Probe();
    const boom = new Error('boom');
    let after = 0;
    e.on('ping', () => {
      throw boom;
    });
    e.on('ping', () => after++);
    assert.doesNotThrow(() => e.fire('ping', 1, ''));
    assert.equal(after, 1);
    assert.deepEqual(reported, [boom]);
    assert.equal(consoleError.mock.callCount(), 0);
  });

  it('without reportError a throwing listener goes to console.error and later listeners still run', () => {
    const consoleError = mock.method(console, 'error', () => {});
    const e = new Probe();
    const boom = new Error('boom');
    let after = 0;
    e.on('ping', () => {
      throw boom;
    });
    e.on('ping', () => after++);
    e.fire('ping', 1, '');
    assert.equal(after, 1);
    assert.equal(consoleError.mock.callCount(), 1);
    assert.ok((consoleError.mock.calls[0]!.arguments as unknown[]).includes(boom));
  });

  it('removeAllListeners() silences every event', () => {
    const e = new Probe();
    let calls = 0;
    e.on('ping', () => calls++);
    e.on('other', () => calls++);
    e.clear();
    e.fire('ping', 1, '');
    e.fire('other');
    assert.equal(calls, 0);
  });
});
