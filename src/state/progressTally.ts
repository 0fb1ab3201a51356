/**
 * Progress of a pass split into spans (keySpanPass.ts): the spans report their own counts, from
 * this thread or from worker threads, and the pass's caller (an activity's heartbeat) hears the
 * total about every `every` accounts, one call at a time and in order.
 */
/** Sums the spans' progress and calls the pass's progress about every `every` accounts, one call at a time. */
export class ProgressTally {
  private readonly counts: number[];
  private next: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    spans: number,
    private readonly report: ((accounts: number) => Promise<void>) | undefined,
    private readonly every: number,
  ) {
    this.counts = new Array<number>(spans).fill(0);
    this.next = every;
  }

  /** A span's count; the returned promise is the pending calls (the inline span waits for them). */
  update(span: number, accounts: number): Promise<void> {
    this.counts[span] = accounts;
    const total = this.counts.reduce((a, b) => a + b, 0);
    if (this.report && total >= this.next) {
      this.next = (Math.floor(total / this.every) + 1) * this.every;
      const report = this.report;
      this.chain = this.chain.then(() => report(total));
      // Handled here so a failed call is never an unhandled rejection while the spans run;
      // drain() and the first span still see it.
      this.chain.catch(() => undefined);
    }
    return this.chain;
  }

  /** The calls still pending: the pass ends only once they are done (or failed). */
  drain(): Promise<void> {
    return this.chain;
  }
}
