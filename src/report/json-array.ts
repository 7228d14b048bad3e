// A JSON array written element by element, laid out exactly as JSON.stringify(array, null, 2)
// would lay it out, so that long runs are reported without ever building one giant string.
// `indent` is the indentation of the line the array starts on (for an array nested in an object).

/** The text of element number `index` (0-based), separator included. */
export function jsonArrayElement(value: unknown, index: number, indent = ''): string {
  const inner = indent + '  ';
  return `${index === 0 ? '[' : ','}\n${inner}${JSON.stringify(value, null, 2).replace(/\n/g, '\n' + inner)}`;
}

/** What closes an array of `count` elements (an empty one opens and closes here). */
export function jsonArrayEnd(count: number, indent = ''): string {
  return count === 0 ? '[]' : `\n${indent}]`;
}

export class JsonArrayWriter {
  private count = 0;

  constructor(
    private readonly write: (piece: string) => void,
    private readonly indent = '',
  ) {}

  push(value: unknown): void {
    this.write(jsonArrayElement(value, this.count++, this.indent));
  }

  /** Closes the array (nothing follows it on its line). */
  end(): void {
    this.write(jsonArrayEnd(this.count, this.indent));
  }
}
