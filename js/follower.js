// The calls of one tab while another tab (or this one) leads the database (share.js): each
// call is a record with a request id, sent to whoever leads now and settled exactly once.
//
// - No leader yet: the call waits, and rejects with LOCKED when none has started it within
//   10 s (the leader refuses to start a call within 2 s of that moment, START_MARGIN, and says
//   'started' when it does: so a call that rejected LOCKED never ran).
// - The leader resigned ('bye' on this tab's channel comes after every answer it owed): the
//   calls it did not answer never reached its queue; they go to the next leader as they are.
// - The leader vanished (crashed, killed) without answering: a write may or may not have
//   committed. It goes to the next leader with `recover`, so that leader first asks the
//   write's `settle` (dispatcher.js WRITES) whether it is already in the database.
import { WRITES } from './dispatcher.js';

export const WAIT = 10_000; // API.md: LOCKED after 10 s without a leader
export const START_MARGIN = 2_000;

const noLeader = () => ({ code: 'LOCKED', message: `no tab holding the database answered within ${WAIT / 1000} s` });

/**
 * A target is where calls go: `{ id, send(record) }`. `send` posts the request (remote leader)
 * or runs it here (this tab leads) and settles it through `answer`.
 */
export class Forwarder {
  #records = new Map(); // rid → record, in call order
  #seq = 0;
  #me;
  #target = null;
  #idle = [];

  constructor(me) {
    this.#me = me;
  }

  /** Queues a call; resolves or rejects with its answer (a `{code, message}` on failure). */
  call(op, args) {
    const rid = `${this.#me}:${++this.#seq}`;
    args = WRITES[op]?.prepare?.(args) ?? args; // e.g. an insert names its vectors (for settle)
    return new Promise((resolve, reject) => {
      const rec = { rid, op, args, resolve, reject, sentTo: null, refusedBy: null, started: false, recover: false, timer: 0, expires: 0 };
      this.#records.set(rid, rec);
      this.#arm(rec);
      if (this.#target) this.#send(rec);
    });
  }

  /** A leader is ready (or this tab now leads). Calls left with a vanished leader are recovered. */
  lead(target) {
    this.#target = target;
    for (const rec of this.#records.values()) {
      if (rec.sentTo === target.id) continue;
      if (rec.sentTo !== null) {
        // sent to a leader that is gone without answering: the outcome is unknown
        rec.recover ||= rec.op in WRITES;
        rec.sentTo = null;
        rec.started = false;
        this.#arm(rec);
      }
      this.#send(rec);
    }
  }

  /** No leader is known now; calls wait (the leader in charge of a call may still answer it). */
  lost() {
    this.#target = null;
  }

  get target() {
    return this.#target;
  }

  /** A message from a leader on this tab's channel. */
  receive(msg) {
    if (msg.t === 'bye') {
      // Every answer the resigning leader owed came before this: what is left never ran there.
      if (this.#target?.id === msg.from) this.#target = null;
      for (const rec of this.#records.values()) {
        if (rec.sentTo === msg.from) {
          rec.sentTo = null;
          rec.started = false;
          this.#arm(rec);
        }
      }
      return;
    }
    const rec = this.#records.get(msg.rid);
    if (!rec || rec.sentTo !== msg.from) return;
    if (msg.t === 'started') {
      rec.started = true;
      clearTimeout(rec.timer);
    } else if (msg.t === 'res') {
      if (msg.retry) {
        // refused by a resigning leader: not run; waits for the next one
        rec.sentTo = null;
        rec.refusedBy = msg.from;
        rec.started = false;
        this.#arm(rec);
      } else this.answer(rec, msg.ok, msg.ok ? msg.result : msg.error);
    }
  }

  /** Settles a call (once). */
  answer(rec, ok, value) {
    if (!this.#records.delete(rec.rid)) return;
    clearTimeout(rec.timer);
    if (ok) rec.resolve(value);
    else rec.reject(value);
    if (this.#records.size === 0) this.#idle.splice(0).forEach((f) => f());
  }

  /** Rejects every call not yet answered (this tab is closing or cannot reach any leader). */
  failAll(error) {
    for (const rec of [...this.#records.values()]) this.answer(rec, false, error);
  }

  /** Resolves once no call is waiting. */
  idle() {
    return this.#records.size === 0 ? Promise.resolve() : new Promise((r) => this.#idle.push(r));
  }

  #send(rec) {
    const target = this.#target;
    if (rec.refusedBy === target.id) return; // that leader is resigning; wait for the next
    rec.sentTo = target.id;
    rec.refusedBy = null;
    target.send(rec);
  }

  /** (Re)starts the 10 s within which a leader must start the call. */
  #arm(rec) {
    clearTimeout(rec.timer);
    rec.expires = Date.now() + WAIT;
    rec.timer = setTimeout(() => {
      if (!rec.started) this.answer(rec, false, noLeader());
    }, WAIT);
  }
}
