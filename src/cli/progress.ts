// A one-line progress bar on a terminal, drawn only once a run has taken longer than a second
// (short runs would just flicker). Off when the stream is not a TTY, e.g. in CI logs.

export class ProgressBar {
  private done = 0;
  private shown = false;
  private readonly started = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly label = 'tests',
    private readonly delayMs = 1000,
  ) {
    if (stream.isTTY === true && total > 0) {
      this.timer = setInterval(() => this.render(), 100);
      this.timer.unref();
    }
  }

  update(done: number): void {
    this.done = done;
  }

  /** Erase the bar, e.g. before printing a line; the next tick draws it again. */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private render(): void {
    const elapsed = Date.now() - this.started;
    if (elapsed < this.delayMs) return;
    const tail = ` ${this.done}/${this.total} ${this.label}  ${(elapsed / 1000).toFixed(1)}s`;
    const columns = this.stream.columns ?? 80;
    const width = Math.max(10, Math.min(40, columns - tail.length - 3));
    const filled = Math.round((width * this.done) / this.total);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    this.stream.write(`\r\x1b[K${bar}${tail}`);
    this.shown = true;
  }
}
