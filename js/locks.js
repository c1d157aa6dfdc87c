// The cross-tab lock of a database path (Web Locks), shared by the page's worker (worker.js)
// and the in-worker transport (sqlite-vector.js called inside a dedicated worker).
import { toEnvelope } from './dispatcher.js';

/**
 * One holder per database across every tab and worker of the origin, asked without waiting.
 * Resolves to the release function, or rejects with `{code: 'LOCKED'}`.
 */
export function acquire(path) {
  const locks = globalThis.navigator?.locks;
  if (!locks) return Promise.resolve(() => {});
  return new Promise((resolve, reject) => {
    locks
      .request(`sqlite-vector:${path}`, { ifAvailable: true }, (lock) => {
        if (!lock) {
          reject({ code: 'LOCKED', message: `database "${path}" is open in another tab or worker; close it there and retry` });
          return undefined;
        }
        return new Promise((release) => resolve(release)); // held until release()
      })
      .catch((e) => reject(toEnvelope(e)));
  });
}
