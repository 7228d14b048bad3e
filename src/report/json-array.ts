// A JSON array written element by element, laid out exactly as JSON.stringify(array, null, 2)
// would lay it out, so that long runs are reported without ever building one giant string.

export class JsonArrayWriter {
  private count = 0;

  /** `indent`: the indentation of the line the array starts on (for an array nested in an object). */
  constructor(
    private readonly write: (piece: string) => void,
    private readonly indent = '',
  ) {
    write('[');
  }

  push(value: unknown): void {
    const inner = this.indent + '  ';
    this.write(`${this.count++ === 0 ? '' : ','}\n${inner}${JSON.stringify(value, null, 2).replace(/\n/g, '\n' + inner)}`);
  }

  /** Closes the array (nothing follows it on its line). */
  end(): void {
    this.write(this.count === 0 ? ']' : `\n${this.indent}]`);
  }
}
