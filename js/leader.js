// The leading tab's side (share.js): it serves the other tabs' calls through the same
// dispatcher queue as its own. Each follower has its own BroadcastChannel, heard only by it and
// the leader, so a batch is cloned once, to the one tab that needs it.
//
// On a follower's channel, leader → follower: `welcome`, `started {rid}` (just before the call
// runs), `res {rid, ok, result | error}` or `res {rid, retry}` (refused while resigning: not
// run), `bye` (after every answer owed). Follower → leader: `req {rid, op, args, expires,
// recover}`, `leave`. Every message names its sender (`from`) or addressee (`to`), as two
// leaders may briefly listen on one follower's channel.
import { toEnvelope } from './dispatcher.js';
import { hold } from './locks.js';
import { START_MARGIN } from './follower.js';

export class Leader {
  #id;
  #handle;
  #names;
  #followers = new Map(); // follower id → its BroadcastChannel
  #accepting = true;
  #inflight = 0;
  #drained = null;
  #stop = new AbortController();

  /**
   * @param {string} id this tab's member id
   * @param {(op, args, opts) => Promise} handle the dispatcher
   * @param {{ channel(id): string, alive(id): string }} names a member's channel and life lock
   */
  constructor(id, handle, names) {
    this.#id = id;
    this.#handle = handle;
    this.#names = names;
  }

  /** A follower asked to join: listen on its channel (until it leaves or dies) and say so. */
  welcome(fid) {
    let ch = this.#followers.get(fid);
    if (!ch) {
      ch = new BroadcastChannel(this.#names.channel(fid));
      ch.onmessage = ({ data }) => this.#serve(fid, ch, data);
      this.#followers.set(fid, ch);
      // Its life lock is free once its context is gone (closed, crashed): stop listening.
      hold(this.#names.alive(fid), { signal: this.#stop.signal }).then(
        (release) => {
          release();
          this.#drop(fid);
        },
        () => {},
      );
    }
    post(ch, { t: 'welcome', from: this.#id });
  }

  /**
   * Stops taking calls, waits for those in progress to be answered, then says `bye` to each
   * follower. The caller closes the database afterwards (after this tab's own queued calls).
   */
  async resign() {
    this.#accepting = false;
    if (this.#inflight > 0) await new Promise((r) => (this.#drained = r));
    for (const fid of [...this.#followers.keys()]) {
      post(this.#followers.get(fid), { t: 'bye', from: this.#id });
      this.#drop(fid);
    }
    this.#stop.abort();
  }

  #drop(fid) {
    const ch = this.#followers.get(fid);
    if (!ch) return;
    this.#followers.delete(fid);
    ch.close();
  }

  #serve(fid, ch, msg) {
    if (msg?.to !== this.#id) return;
    if (msg.t === 'leave') {
      this.#drop(fid);
      return;
    }
    if (msg.t !== 'req') return;
    const { rid, op, args, expires, recover } = msg;
    const from = this.#id;
    if (!this.#accepting) {
      post(ch, { t: 'res', from, rid, retry: true });
      return;
    }
    this.#inflight++;
    const onStart = () => {
      // The follower rejects LOCKED at `expires` unless told 'started' before: start only
      // with time to spare, so that a call it gave up on never runs.
      if (Date.now() > expires - START_MARGIN) {
        throw { code: 'LOCKED', message: 'the tab holding the database was busy for 10 s' };
      }
      post(ch, { t: 'started', from, rid });
    };
    this.#handle(op, args, { onStart, recover })
      .then(
        (result) => post(ch, { t: 'res', from, rid, ok: true, result }),
        (e) => post(ch, { t: 'res', from, rid, ok: false, error: toEnvelope(e) }),
      )
      .finally(() => {
        if (--this.#inflight === 0) this.#drained?.();
      });
  }
}

/** Posts, ignoring a channel closed in the meantime (its follower left). */
function post(ch, msg) {
  try {
    ch.postMessage(msg);
  } catch (e) {
    if (e?.name !== 'InvalidStateError') throw e;
  }
}
