// threads: 'auto' — the engine keeps a pool of workers and, for each kind of training call, times
// alternating pieces of it on 1 thread and on the whole pool, keeps the faster, and re-checks now
// and then (the load of a laptop or a shared machine changes). A training call of k steps is cut
// into pieces of fewer steps: the module's loops run the same steps in the same order whatever the
// cut, and the chunked schedule (assembly/par.ts) gives the same bits for any thread count, so the
// choice never changes a result. Only how long it takes.

// Each timed piece lasts about this long: long enough for the timer (5 µs in an isolated page,
// 1 µs or better in Node), short enough that a piece on the slower setting costs little.
const PIECE_MS = 2;
// Between re-checks the chosen setting runs in pieces of at most this long, so a change of load in
// the middle of one long step(k) call is noticed.
const RUN_MS = 50;
// The pool is chosen only when it is faster than 1 thread by this factor (paired median ratio).
const GAIN = 0.95;
// Pairs per check (order N 1, 1 N, N 1: a drift in load falls on both alike).
const PAIRS = 3;
// Re-check after this long, doubled each time the check confirms the choice, up to the maximum.
const RECHECK_MS = 500, RECHECK_MAX_MS = 16_000;

interface CallState {
  /** latest ms per step at 1 thread and at the pool (NaN: not measured) */
  ms1: number;
  msN: number;
  /** the current choice: 1 or the pool */
  threads: number;
  /** pieces of the running check: [ms per step at N, ms per step at 1] per pair */
  pairs: Array<[number, number]>;
  checking: boolean;
  nextCheck: number;
  interval: number;
  warm: boolean;
}

export interface AutoDecision {
  key: string;
  threads: number;
  /** median paired ratio (pool / 1 thread) of the check */
  ratio: number;
}

export class AutoThreads {
  private readonly calls = new Map<string, CallState>();
  /** what calls that are not timed (evaluation) use: the latest training call's choice */
  private last = 1;
  readonly decisions: AutoDecision[] = [];

  constructor(
    readonly pool: number,
    private readonly setActive: (threads: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The thread count untimed calls use now. */
  get current(): number {
    return this.last;
  }

  /** Runs a call that is not timed (a forward pass for evaluation) on the current choice. */
  untimed<T>(fn: () => T): T {
    this.setActive(this.last);
    return fn();
  }

  /**
   * Runs `k` steps as pieces `fn(p)` (p >= 1, summing to k; k = 0: fn(0)), each on 1 thread or the pool; returns
   * the last piece's value (the module's step loops return the last step's figure).
   */
  steps(key: string, k: number, fn: (p: number) => number): number {
    if (k <= 0) return fn(k);
    let s = this.calls.get(key);
    if (!s) {
      s = { ms1: NaN, msN: NaN, threads: this.pool, pairs: [], checking: true, nextCheck: 0, interval: RECHECK_MS, warm: false };
      this.calls.set(key, s);
    }
    let out = NaN;
    let left = k;
    while (left > 0) {
      if (!s.warm) {
        // the first step warms caches and the workers; it is not timed
        this.setActive(this.pool);
        out = fn(1);
        left -= 1;
        s.warm = true;
        continue;
      }
      if (!s.checking && this.now() >= s.nextCheck) {
        s.checking = true;
        s.pairs = [];
      }
      if (s.checking) {
        // the next piece of the check: pair i is (N, 1) for even i, (1, N) for odd i
        let i = s.pairs.length - 1;
        if (i < 0 || (Number.isFinite(s.pairs[i][0]) && Number.isFinite(s.pairs[i][1]))) {
          s.pairs.push([NaN, NaN]);
          i++;
        }
        const cur = s.pairs[i];
        const firstN = i % 2 === 0;
        const useN = Number.isNaN(firstN ? cur[0] : cur[1]) ? firstN : !firstN;
        const t = useN ? this.pool : 1;
        const est = useN ? s.msN : s.ms1;
        const p = Math.min(left, Math.max(1, Number.isFinite(est) && est > 0 ? Math.floor(PIECE_MS / est) : 1));
        const ms = Math.max(1e-4, this.timed(t, p, fn, (v) => (out = v)));
        left -= p;
        if (useN) (cur[0] = ms / p), (s.msN = ms / p);
        else (cur[1] = ms / p), (s.ms1 = ms / p);
        if (Number.isFinite(cur[0]) && Number.isFinite(cur[1]) && i === PAIRS - 1) this.decide(key, s);
        continue;
      }
      const est = s.threads === 1 ? s.ms1 : s.msN;
      const p = Math.min(left, Math.max(1, Number.isFinite(est) && est > 0 ? Math.floor(RUN_MS / est) : left));
      this.setActive(s.threads);
      out = fn(p);
      left -= p;
    }
    return out;
  }

  private timed(threads: number, p: number, fn: (p: number) => number, keep: (v: number) => void): number {
    this.setActive(threads);
    const t0 = this.now();
    keep(fn(p));
    return this.now() - t0;
  }

  private decide(key: string, s: CallState): void {
    const ratios = s.pairs.map(([n, one]) => n / one).sort((a, b) => a - b);
    const ratio = ratios[ratios.length >> 1];
    const threads = ratio <= GAIN ? this.pool : 1;
    // a confirmed choice is checked less often; a change (or the first check) soon again
    s.interval = threads === s.threads && this.decisions.some((d) => d.key === key) ? Math.min(RECHECK_MAX_MS, s.interval * 2) : RECHECK_MS;
    s.threads = threads;
    s.checking = false;
    s.nextCheck = this.now() + s.interval;
    this.last = threads;
    this.decisions.push({ key, threads, ratio });
    if (this.decisions.length > 64) this.decisions.shift();
  }
}

type Ptr = number;

/** The training and evaluation calls 'auto' wraps (structurally the engine's Kernels). */
export interface AutoKernels {
  netTrain(net: Ptr, X: Ptr, Y: Ptr, rows: number, k: number): number;
  netTrainBatches(net: Ptr, X: Ptr, Y: Ptr, n: number, width: number, batch: number, rng: Ptr, perm: Ptr, cursor: Ptr, Xb: Ptr, Yb: Ptr, k: number): number;
  onlineTrain(online: Ptr, k: number): number;
  netForward(net: Ptr, X: Ptr, rows: number): void;
  netGradient(net: Ptr, X: Ptr, Y: Ptr, rows: number): number;
  parSetActive(threads: number): void;
  parSetMinRows(rows: number): void;
}

/**
 * The kernels with their training calls timed and run on 1 thread or the whole pool of `threads`.
 * The wrappers cut a call of k steps into pieces; the module's loops make that the same computation.
 * (Loaded by the engine only for threads: 'auto', so the browser bundle's core does not carry it.)
 */
export function autoKernels<K extends AutoKernels>(raw: K, threads: number): { kernels: K; auto: AutoThreads } {
  const auto = new AutoThreads(threads, (t) => raw.parSetActive(t));
  // auto uses the pool only where its timing shows it pays, so steps of 32 rows may try it
  raw.parSetMinRows(32);
  const kernels: K = Object.create(raw);
  kernels.netTrain = (net, X, Y, rows, k) => auto.steps(`train ${net} ${rows}`, k, (p) => raw.netTrain(net, X, Y, rows, p));
  kernels.netTrainBatches = (net, X, Y, n, width, batch, rng, perm, cursor, Xb, Yb, k) =>
    auto.steps(`batches ${net} ${batch}`, k, (p) => raw.netTrainBatches(net, X, Y, n, width, batch, rng, perm, cursor, Xb, Yb, p));
  kernels.onlineTrain = (online, k) => auto.steps(`online ${online}`, k, (p) => raw.onlineTrain(online, p));
  kernels.netForward = (net, X, rows) => auto.untimed(() => raw.netForward(net, X, rows));
  kernels.netGradient = (net, X, Y, rows) => auto.untimed(() => raw.netGradient(net, X, Y, rows));
  return { kernels, auto };
}
