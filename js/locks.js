// The cross-tab locks of a database path (Web Locks), and the browser APIs a persistent
// database needs. Two locks per path:
//   `sqlite-vector:<path>`          the holder: whoever has the database (its OPFS pool) open;
//   `sqlite-vector:<path>:members`  taken 'shared' by every tab sharing the database, and
//                                   'exclusive' by an `exclusive: true` opener, so each of
//                                   the two kinds refuses the other with LOCKED.
import { toEnvelope } from './dispatcher.js';

export const holderLock = (path) => `sqlite-vector:${path}`;
export const membersLock = (path) => `sqlite-vector:${path}:members`;

/**
 * The first browser API missing for a database in OPFS shared by Web Locks, or null.
 * `worker`: checked inside a dedicated worker (sync access handles exist only there).
 */
export function missingApi(worker) {
  const g = globalThis;
  if (!g.navigator?.locks?.request) return 'Web Locks (navigator.locks)';
  if (!g.navigator?.storage?.getDirectory) return 'OPFS (navigator.storage.getDirectory)';
  if (!g.BroadcastChannel) return 'BroadcastChannel';
  if (worker && typeof g.FileSystemFileHandle?.prototype?.createSyncAccessHandle !== 'function') {
    return 'OPFS sync access handles (FileSystemFileHandle.createSyncAccessHandle)';
  }
  if (!worker && typeof g.Worker !== 'function') return 'Web Workers (Worker)';
  return null;
}

/**
 * missingApi(true), then (in a dedicated worker) whether a sync access handle can really be
 * made: WebKitGTK has createSyncAccessHandle, which throws NotSupportedError. A scratch file
 * in the OPFS root is made and removed; only "not supported" counts as missing.
 */
export async function missingApiProbed() {
  const missing = missingApi(true);
  if (missing) return missing;
  let root;
  const name = `.sqlite-vector-probe-${crypto.randomUUID()}`;
  try {
    root = await navigator.storage.getDirectory();
    const handle = await (await root.getFileHandle(name, { create: true })).createSyncAccessHandle();
    handle.close();
    return null;
  } catch (e) {
    return e?.name === 'NotSupportedError' ? `OPFS sync access handles (createSyncAccessHandle: ${e.message || e.name})` : null;
  } finally {
    await root?.removeEntry(name).catch(() => {});
  }
}

/**
 * Takes lock `name`. Resolves to its release function once held, or to null when
 * `ifAvailable` and someone else holds it. `signal` aborts a wait (rejecting AbortError).
 */
export function hold(name, { mode = 'exclusive', ifAvailable = false, signal } = {}) {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(name, { mode, ifAvailable, signal }, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        return new Promise((release) => resolve(() => release())); // held until release()
      })
      .catch(reject);
  });
}

const locked = (path, why) => ({ code: 'LOCKED', message: `database "${path}" ${why}; close it there and retry` });

/**
 * An `exclusive: true` holder (and the in-worker/page dispatcher without sharing): both locks,
 * asked without waiting. Resolves to the release function, or rejects with `{code: 'LOCKED'}`.
 */
export async function acquire(path) {
  if (!globalThis.navigator?.locks) return () => {};
  try {
    const members = await hold(membersLock(path), { ifAvailable: true });
    if (!members) throw locked(path, 'is shared by other tabs');
    const holder = await hold(holderLock(path), { ifAvailable: true });
    if (!holder) {
      members();
      throw locked(path, 'is open in another tab or worker');
    }
    return () => {
      holder();
      members();
    };
  } catch (e) {
    throw toEnvelope(e);
  }
}
