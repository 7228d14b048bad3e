// The test's final section: the locations list, the filter and the final condition.
import type { CondValue, Condition, Observable, Prop, Quantifier } from './ast.js';
import type { TokenCursor } from './cursor.js';

export class ConditionParser {
  constructor(private readonly c: TokenCursor) {}

  parseLocations(): Observable[] {
    this.c.expect('top', '[', "'[' after locations");
    const out: Observable[] = [];
    while (!this.c.accept('top', ']')) {
      if (this.c.accept('top', ';')) continue;
      out.push(this.parseObservable());
    }
    return out;
  }

  parseCondition(): Condition {
    const t = this.c.peek('top');
    let quantifier: Quantifier;
    let outcome: string | null = null;
    if (this.c.accept('top', '~')) {
      this.c.expect('top', 'exists', "'exists' after '~'");
      quantifier = '~exists';
    } else if (this.c.accept('top', 'exists')) quantifier = 'exists';
    else if (this.c.accept('top', 'forall')) quantifier = 'forall';
    else if (this.c.accept('top', 'bad')) {
      // bad lost-request (...): an exists whose satisfying states are a named protocol failure.
      const words: string[] = [this.c.expectIdent('top', 'an outcome name such as lost-request').text];
      while (this.c.accept('top', '-')) words.push(this.c.expectIdent('top', 'the rest of the outcome name').text);
      outcome = words.join('-');
      quantifier = 'exists';
    } else throw this.c.unexpected(t, "'exists', '~exists', 'forall', 'filter' or 'locations'");
    return { quantifier, prop: this.parseProp(), outcome, pos: t.pos };
  }

  parseProp(): Prop {
    return this.parseChain('\\/', 'or', () => this.parseConj());
  }

  private parseConj(): Prop {
    return this.parseChain('/\\', 'and', () => this.parseNeg());
  }

  /** `a op b op c`, left-associated; a long chain counts towards the nesting limit. */
  private parseChain(op: string, k: 'and' | 'or', operand: () => Prop): Prop {
    const outer = this.c.depth;
    let left = operand();
    for (;;) {
      const t = this.c.peek('top');
      if (!this.c.accept('top', op)) break;
      this.c.enterChain(t.pos);
      left = { k, left, right: operand() };
    }
    this.c.depth = outer;
    return left;
  }

  private parseNeg(): Prop {
    const t = this.c.peek('top');
    this.c.enter(t.pos);
    try {
      if (this.c.accept('top', '~') || this.c.accept('top', 'not')) return { k: 'not', arg: this.parseNeg() };
      if (this.c.accept('top', '(')) {
        const p = this.parseProp();
        this.c.expect('top', ')', "')' or a connective (/\\, \\/)");
        return p;
      }
      if (this.c.accept('top', 'true')) return { k: 'true' };
      if (this.c.accept('top', 'false')) return { k: 'false' };
      const lhs = this.parseObservable();
      let negated = false;
      if (this.c.accept('top', '!=')) negated = true;
      else this.c.expect('top', '=', "'=' in the condition");
      return { k: 'eq', lhs, rhs: this.parseCondValue(), negated, pos: t.pos };
    } finally {
      this.c.leave();
    }
  }

  private parseObservable(): Observable {
    const t = this.c.peek('top');
    if (t.kind === 'num') {
      this.c.take('top');
      this.c.expect('top', ':', "':' after the thread number (as in 0:r0)");
      const r = this.c.expectIdent('top', 'a register name');
      return { k: 'reg', thread: t.value, reg: r.text, pos: t.pos };
    }
    if (this.c.accept('top', '[')) {
      const name = this.parseLocName();
      this.c.expect('top', ']');
      return { k: 'mem', name, pos: t.pos };
    }
    if (t.kind === 'ident' && /^P\d+$/.test(t.text)) {
      this.c.take('top');
      if (this.c.accept('top', ':')) {
        const r = this.c.expectIdent('top', 'a register name');
        return { k: 'reg', thread: Number(t.text.slice(1)), reg: r.text, pos: t.pos };
      }
      return { k: 'mem', name: t.text, pos: t.pos };
    }
    if (t.kind === 'ident') return { k: 'mem', name: this.parseLocName(), pos: t.pos };
    throw this.c.unexpected(t, 'a register (0:r0) or a location (x)');
  }

  private parseLocName(): string {
    let name = this.c.expectIdent('top', 'a location name').text;
    if (this.c.accept('top', '->')) name += '->' + this.c.expectIdent('top', 'a field name').text;
    return name;
  }

  private parseCondValue(): CondValue {
    const t = this.c.peek('top');
    if (this.c.accept('top', '-')) return { k: 'int', value: this.c.negatedNumber() };
    if (t.kind === 'num') {
      this.c.take('top');
      if (!this.c.accept('top', ':')) return { k: 'int', value: t.big ?? t.value };
      const r = this.c.expectIdent('top', 'a register name');
      return { k: 'obs', obs: { k: 'reg', thread: t.value, reg: r.text, pos: t.pos } };
    }
    if (this.c.accept('top', '&')) return { k: 'sym', name: this.c.expectIdent('top', 'a location name').text };
    if (this.c.accept('top', '[')) {
      // [y]: the value in location y (as opposed to y, its address).
      const name = this.parseLocName();
      this.c.expect('top', ']');
      return { k: 'obs', obs: { k: 'mem', name, pos: t.pos } };
    }
    if (t.kind === 'ident') return { k: 'sym', name: this.c.take('top').text };
    throw this.c.unexpected(t, 'a value (a number, a location or a constant)');
  }
}
