// Module worker of the bussola: evaluates the desks' opening hours (hours.js, with
// the `opening_hours` library) off the main thread. Says { ready: true } once the
// library is loaded, then answers each { id, q } with { id, r } (r = evaluate(q),
// or null if the evaluation failed).
import { evaluate } from './hours.js';

self.onmessage = (e) => {
  const { id, q } = e.data || {};
  let r = null;
  try { r = evaluate(q); } catch { r = null; }
  self.postMessage({ id, r });
};
self.postMessage({ ready: true });
