// Many tabs, one database (API.md "Many tabs"). One of these runs wherever the database would
// (the page's worker, or the user's dedicated worker) and takes the dispatcher's calls:
//
//   ':memory:' or `exclusive: true`   the dispatcher alone (exclusive: both locks, no waiting);
//   otherwise (shared)                every same-origin opener of the path is a member:
//     - members hold the path's members lock 'shared' (an exclusive holder refuses them);
//     - each waits in line for the holder lock; whoever holds it opens the database (its OPFS
//       pool) and leads (leader.js); the others forward their calls to it (follower.js);
//     - when the leader goes (close, pagehide, crash), the lock passes to the next in line,
//       which reopens the pool (retrying LOCKED while the old handles are let go), announces
//       itself, and every follower resends what was left unanswered.
//
// Main channel `sqlite-vector:<path>`: `leader {from}` (a new leader), `join {from}` (a member
// looking for the leader; answered with `welcome` on its own channel), `change {op, ids}`.
import { createDispatcher } from './dispatcher.js';
import { acquire, hold, holderLock, membersLock, missingApi } from './locks.js';
import { Forwarder, WAIT } from './follower.js';
import { Leader } from './leader.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const unavailable = (api) => ({ code: 'BACKEND_UNAVAILABLE', message: `this browser lacks ${api}, which a persistent database needs` });

export class SharedDatabase {
  #binding;
  #notify;
  #handle = null;
  #mode = null; // 'local' | 'shared'
  #state = 'new'; // shared: 'joining' | 'follower' | 'opening' | 'leader' | 'resigning' | 'suspended' | 'closed'
  #config = null;
  #me = crypto.randomUUID();
  #fwd = new Forwarder(this.#me);
  #leader = null;
  #main = null;
  #mine = null;
  #locks = { members: null, alive: null, holder: null };
  #electing = null;
  #transitions = Promise.resolve();

  /**
   * @param binding the wasm glue (binding.d.ts)
   * @param {(event: { op: string, ids: string[] }) => void} notify onChange, in this tab
   */
  constructor(binding, notify) {
    this.#binding = binding;
    this.#notify = notify;
  }

  /** One dispatcher call: `open` and `close` join and leave; the rest run here or at the leader. */
  async call(op, args) {
    if (op === 'open') return this.#withRole(await this.#open(args));
    if (op === 'close') return this.#serial(() => this.#close());
    if (!this.#handle) throw { code: 'CLOSED', message: 'the database is not open' };
    const local = this.#mode !== 'shared' || this.#state === 'leader';
    const result = local ? await this.#run(op, args) : await this.#fwd.call(op, this.#defaults(op, args));
    return op === 'stats' ? this.#withRole(result) : result;
  }

  /** pagehide / freeze: stop leading (releasing the OPFS handles) and leave the line. */
  suspend() {
    return this.#serial(() => this.#suspend());
  }

  /** pageshow / resume: take part again. */
  resume() {
    return this.#serial(() => this.#resume());
  }

  /** Lifecycle changes (suspend, resume, close) one after another, never interleaved. */
  #serial(fn) {
    const next = this.#transitions.then(fn, fn);
    this.#transitions = next.catch(() => {});
    return next;
  }

  async #suspend() {
    if (this.#mode !== 'shared' || !['follower', 'opening', 'leader', 'joining'].includes(this.#state)) return;
    this.#state = 'suspended';
    this.#electing?.abort();
    await this.#resign();
    if (this.#fwd.target) this.#mine.postMessage({ t: 'leave', to: this.#fwd.target.id });
    this.#fwd.lost();
    this.#main.close();
    this.#mine.close();
    this.#release('members');
    this.#release('alive');
  }

  async #resume() {
    if (this.#state !== 'suspended') return;
    try {
      await this.#enter();
    } catch (e) {
      this.#state = 'closed';
      this.#fwd.failAll(e);
    }
  }

  #withRole(stats) {
    const role = this.#mode === 'shared' && this.#state !== 'leader' ? 'follower' : 'leader';
    return stats && { ...stats, role };
  }

  #run(op, args, opts) {
    return this.#handle(op, args, opts);
  }

  /** A forwarded search uses this tab's default metric (config.metric), not the leader's. */
  #defaults(op, args) {
    if ((op !== 'search' && op !== 'searchBatch') || args.options?.metric !== undefined) return args;
    return { ...args, options: { ...args.options, metric: this.#config.metric ?? 'cosine' } };
  }

  async #open(config) {
    if (this.#mode) return this.#mode === 'local' || this.#state === 'leader' ? this.#run('stats') : this.#fwd.call('stats');
    const { exclusive, data, ...rust } = config ?? {};
    const path = rust.path ?? ':memory:';
    // Shared: the holder lock is taken here (share.js), so the dispatcher takes none itself.
    const shared = path !== ':memory:' && !exclusive;
    this.#handle = createDispatcher(this.#binding, { persist: true, acquire: shared ? undefined : acquire, changed: (e) => this.#changed(e) });
    if (!shared) {
      if (path !== ':memory:') {
        const missing = missingApi(true);
        if (missing) throw unavailable(missing);
      }
      const stats = await this.#run('open', data ? { ...rust, data } : rust);
      this.#mode = 'local';
      return stats;
    }
    const missing = missingApi(true);
    if (missing) throw unavailable(missing);
    this.#config = rust;
    this.#mode = 'shared';
    try {
      await this.#enter(data);
      const stats = await this.#fwd.call('stats');
      if (rust.dimension != null && stats.dimension != null && rust.dimension !== stats.dimension) {
        throw { code: 'DIMENSION_MISMATCH', message: `the database has dimension ${stats.dimension}, not ${rust.dimension}` };
      }
      return stats;
    } catch (e) {
      await this.#close().catch(() => {});
      this.#mode = null;
      this.#state = 'new';
      throw e;
    }
  }

  /** Joins the members of the path: locks, channels, a place in line, a look for the leader. */
  async #enter(data) {
    const path = this.#config.path;
    this.#state = 'joining';
    this.#locks.members = await hold(membersLock(path), { mode: 'shared', ifAvailable: true });
    if (!this.#locks.members) {
      throw { code: 'LOCKED', message: `database "${path}" is open with exclusive: true in another tab or worker` };
    }
    this.#locks.alive = await hold(this.#names.alive(this.#me)); // free, unless this member is gone
    this.#main = new BroadcastChannel(holderLock(path));
    this.#main.onmessage = ({ data: m }) => this.#hear(m);
    this.#mine = new BroadcastChannel(this.#names.channel(this.#me));
    this.#mine.onmessage = ({ data: m }) => {
      if (m?.t === 'welcome') this.#welcomed(m.from);
      else if (m?.from) this.#fwd.receive(m);
    };
    this.#state = 'follower';
    if (data) {
      // Creating the database from bytes needs it closed everywhere else.
      const holder = await hold(holderLock(path), { ifAvailable: true });
      if (!holder) {
        throw this.#config.overwrite
          ? { code: 'LOCKED', message: `database "${path}" is open in another tab; close it there to replace it` }
          : { code: 'INVALID_ARGUMENT', message: `database "${path}" already exists (it is open in another tab); pass overwrite: true to replace it` };
      }
      await this.#takeOver(holder, data);
    }
    this.#elect();
    this.#main.postMessage({ t: 'join', from: this.#me });
  }

  #names = {
    channel: (id) => `${holderLock(this.#config.path)}:member:${id}`,
    alive: (id) => `${holderLock(this.#config.path)}:alive:${id}`,
  };

  #hear(m) {
    if (m?.t === 'change') this.#notify({ op: m.op, ids: m.ids });
    else if (m?.t === 'join' && this.#state === 'leader') this.#leader.welcome(m.from);
    else if (m?.t === 'leader' && m.from !== this.#fwd.target?.id && this.#state === 'follower') {
      this.#main.postMessage({ t: 'join', from: this.#me });
    }
  }

  #welcomed(leaderId) {
    if (this.#state !== 'follower' || this.#fwd.target?.id === leaderId) return;
    const mine = this.#mine;
    this.#fwd.lead({
      id: leaderId,
      send: ({ rid, op, args, expires, recover }) => mine.postMessage({ t: 'req', to: leaderId, rid, op, args, expires, recover }),
    });
  }

  /** Waits in line for the holder lock; leads once it is ours. */
  async #elect() {
    if (this.#locks.holder) return;
    const stop = new AbortController();
    this.#electing = stop;
    let release;
    try {
      release = await hold(holderLock(this.#config.path), { signal: stop.signal });
    } catch {
      return; // left the line
    }
    if (this.#state !== 'follower') {
      release();
      return;
    }
    try {
      await this.#takeOver(release);
    } catch (e) {
      // could not open: answer what waits with why, let another member try, then line up again
      this.#fwd.failAll(e);
      await sleep(1000);
      if (this.#state === 'follower') this.#elect();
    }
  }

  /** Holding the lock: opens the database (retrying while the last holder's handles go). */
  async #takeOver(release, data) {
    this.#locks.holder = release;
    this.#state = 'opening';
    this.#fwd.lost();
    const deadline = Date.now() + WAIT;
    for (;;) {
      try {
        await this.#run('open', data ? { ...this.#config, data } : this.#config);
        break;
      } catch (e) {
        if (e?.code === 'LOCKED' && Date.now() < deadline) {
          await sleep(50);
          continue;
        }
        this.#release('holder');
        this.#state = 'follower';
        throw e;
      }
    }
    if (this.#state !== 'opening') {
      // closed or suspended while opening
      await this.#run('close').catch(() => {});
      this.#release('holder');
      return;
    }
    this.#leader = new Leader(this.#me, (op, args, opts) => this.#run(op, args, opts), this.#names);
    this.#state = 'leader';
    this.#main.postMessage({ t: 'leader', from: this.#me });
    const fwd = this.#fwd;
    fwd.lead({
      id: this.#me,
      send: (rec) => {
        rec.started = true;
        clearTimeout(rec.timer); // runs here: never expires
        this.#run(rec.op, rec.args, { recover: rec.recover }).then((r) => fwd.answer(rec, true, r), (e) => fwd.answer(rec, false, e));
      },
    });
  }

  /** Leading: answer what was accepted, close the database (releasing the pool), let go. */
  async #resign() {
    if (!this.#leader) return;
    const leader = this.#leader;
    this.#leader = null;
    if (this.#state === 'leader') this.#state = 'resigning';
    this.#fwd.lost();
    await leader.resign();
    await this.#run('close').catch(() => {});
    this.#release('holder');
  }

  async #close() {
    if (this.#mode === 'local') return this.#run('close');
    if (this.#mode !== 'shared' || this.#state === 'closed') return;
    await Promise.race([this.#fwd.idle(), sleep(WAIT + 1000)]);
    const wasFollower = this.#state === 'follower';
    this.#state = 'closed';
    this.#electing?.abort();
    if (wasFollower && this.#fwd.target) this.#mine.postMessage({ t: 'leave', to: this.#fwd.target.id });
    await this.#resign();
    this.#fwd.failAll({ code: 'CLOSED', message: 'the database is closed' });
    this.#main?.close();
    this.#mine?.close();
    this.#release('members');
    this.#release('alive');
  }

  #release(which) {
    this.#locks[which]?.();
    this.#locks[which] = null;
  }

  #changed(event) {
    this.#notify(event);
    if (this.#mode === 'shared') this.#main?.postMessage({ t: 'change', ...event });
  }
}
