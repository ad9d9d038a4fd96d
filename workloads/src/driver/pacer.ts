/**
 * Wakes open-loop clients at their intended start times (ms on performance.now()'s clock). One
 * timer for all clients of a worker: far deadlines wait on setTimeout, the last millisecond on
 * setImmediate, so that a client starts within a fraction of a millisecond of its intended time
 * (any lateness still counts in the intended latency).
 */
export class Pacer {
  private readonly at: number[] = [];
  private readonly wakers: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  waitUntil(atMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.push(atMs, resolve);
      this.schedule();
    });
  }

  /** Wakes every waiting client now (the run is stopping). */
  releaseAll(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    const wakers = this.wakers.splice(0);
    this.at.length = 0;
    for (const w of wakers) w();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.immediate = null;
    const now = performance.now();
    while (this.at.length > 0 && this.at[0] <= now) this.pop()();
    this.schedule();
  };

  private schedule(): void {
    if (this.at.length === 0 || this.timer !== null || this.immediate !== null) return;
    const delay = this.at[0] - performance.now();
    if (delay >= 1.5) this.timer = setTimeout(this.fire, Math.floor(delay - 1));
    else this.immediate = setImmediate(this.fire);
  }

  // A binary min-heap on `at`, with `wakers` moved alongside.
  private push(atMs: number, waker: () => void): void {
    let i = this.at.length;
    this.at.push(atMs);
    this.wakers.push(waker);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at[parent] <= this.at[i]) break;
      this.swap(i, parent);
      i = parent;
    }
    if (i === 0 && this.timer !== null) {
      // A new earliest deadline: re-arm the timer for it.
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private pop(): () => void {
    const waker = this.wakers[0];
    const lastAt = this.at.pop()!;
    const lastWaker = this.wakers.pop()!;
    if (this.at.length > 0) {
      this.at[0] = lastAt;
      this.wakers[0] = lastWaker;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.at.length && this.at[l] < this.at[m]) m = l;
        if (r < this.at.length && this.at[r] < this.at[m]) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return waker;
  }

  private swap(i: number, j: number): void {
    [this.at[i], this.at[j]] = [this.at[j], this.at[i]];
    [this.wakers[i], this.wakers[j]] = [this.wakers[j], this.wakers[i]];
  }
}
