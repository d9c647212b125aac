import { options, render } from 'preact';
import { App } from './app.js';
import './styles.css';

scheduleRenders();
render(<App />, document.getElementById('app')!);

/**
 * What a person does (a click, a key) re-renders at once, as usual. Everything else the call
 * brings (a participant joins, media arrives, levels change) re-renders when the page is next
 * idle: while a call is set up, answering offers and ICE candidates, which is main-thread work
 * on the way to the first picture, goes first. The deadline keeps a page that is never idle
 * up to date.
 */
function scheduleRenders(): void {
  if (typeof requestIdleCallback !== 'function') return;
  let handlingInput = false;
  const inputs = ['pointerdown', 'pointerup', 'click', 'keydown', 'keyup', 'input', 'change', 'submit'];
  for (const type of inputs) {
    addEventListener(
      type,
      () => {
        handlingInput = true;
        setTimeout(() => (handlingInput = false)); // the handler's own task and its microtasks
      },
      { capture: true, passive: true },
    );
  }
  options.debounceRendering = (cb) => (handlingInput ? queueMicrotask(cb) : void requestIdleCallback(cb, { timeout: 100 }));
}
