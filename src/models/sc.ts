// Sequential consistency: one interleaving of all accesses, each read seeing the latest write.
import { globalOrderModel } from './global-order.js';

export const sc = globalOrderModel({
  name: 'sc',
  description: 'Sequential consistency: acyclic(po | rf | co | fr)',
  check: 'sc',
  meaning: 'sequential consistency: the execution must be one interleaving of the threads',
  preserved: (sk) => sk.po,
  internalRf: true,
  orderingRules: 'sc',
  operational: 'sc',
});
