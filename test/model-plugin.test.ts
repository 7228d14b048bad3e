// A model is asked what it can do, never compared by name: explain takes a check's words from
// the model (MemoryModel.checkMeanings; a cat model words its checks generically), and fuzz takes
// its models from the registry and asks each for its capabilities.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatModel } from '../src/api.js';
import { explainSource } from '../src/explain/explain.js';
import { PROPERTIES, propertyInfo } from '../src/fuzz/properties.js';
import { MODELS } from '../src/models/index.js';
import type { MemoryModel } from '../src/models/model.js';
import { sc } from '../src/models/sc.js';
import { ROOT } from './helpers/cli.js';

const DEKKER = join(ROOT, 'litmus/kvm/dekker+mbs.litmus');
const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : null);

function ruledOut(model: MemoryModel): Array<{ check: string; meaning: string }> {
  const res = explainSource(readFileSync(DEKKER, 'utf8'), DEKKER, { model });
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  if (res.explanation.kind !== 'never') throw new Error(`expected a Never under ${model.name}`);
  return res.explanation.ruledOut;
}

describe('explain asks the model what its checks mean', () => {
  it('a model that words its check its own way is told so', () => {
    const worded: MemoryModel = { ...sc, name: 'worded-sc', checkMeanings: { ...sc.checkMeanings, sc: 'the words this model chose' } };
    const scCheck = ruledOut(worded).find((r) => r.check === 'sc');
    expect(scCheck?.meaning).toBe('the words this model chose');
  });

  it('a cat model words its checks from their names', () => {
    const r = loadCatModel({ cat: join(ROOT, 'test/fixtures/cat/sc.cat') }, read);
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    const checks = ruledOut(r.loaded.model).filter((c) => c.check !== 'none');
    expect(checks.length).toBeGreaterThan(0);
    for (const c of checks) expect(c.meaning).toBe(`the relation the cat model checks as ${c.check} must be acyclic`);
  });
});

describe("fuzz's models come from the registry", () => {
  const registry = [...MODELS.values()];
  it('a property that takes any model takes every registered one', () => {
    expect(propertyInfo('strengthen-monotone')!.models.accepted).toEqual(registry.map((m) => m.name));
    expect(propertyInfo('strengthen-monotone')!.defaultModels).toEqual(registry.map((m) => m.name));
  });

  it('engines-agree takes the models the interleaving engine runs, by capability', () => {
    const info = propertyInfo('engines-agree')!;
    expect(info.models.accepted).toEqual(registry.filter((m) => m.operational).map((m) => m.name));
    expect(info.models.accepted.length).toBeGreaterThan(0);
    const withoutMachine: MemoryModel = { ...sc, name: 'no-machine', operational: undefined };
    expect(info.models.accepts(withoutMachine)).toBe(false);
    expect(propertyInfo('sc-subset')!.models.accepts(withoutMachine)).toBe(true);
  });

  it('the properties without a model take none', () => {
    for (const p of PROPERTIES.filter((x) => x.files === 1 && x.defaultModels.length === 0)) expect(p.models.accepted).toEqual([]);
  });
});
