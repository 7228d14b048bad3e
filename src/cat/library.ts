// Our own versions of the small standard-library files herd7 ships and the kernel's model
// includes (stdlib.cat is read before every model; cross.cat and cos-opt.cat by lock.cat).
// A file of the same name beside the model takes precedence, as with herd7's search path.

const STDLIB = `"standard library"
(* Read before every model. *)

let emptyset = domain(0)
let partition = classes-loc

let po-loc = po & loc
let rfe = rf & ext
let rfi = rf & int

(* Initial writes come first in co, the final write of an observed location last. *)
let co0 = loc & ((IW * (W \\ IW)) | ((W \\ FW) * FW))

let toid(s) = [s]

(* Pairs of events separated in program order by an event of B. *)
let fencerel(B) = (po & (_ * B)) ; po
let ctrlcfence(CFENCE) = (ctrl & (_ * CFENCE)) ; po

let imply(A, B) = ~A | B
(* r1 without the pairs that r2 ; r3 also links *)
let nodetour(r1, r2, r3) = r1 \\ (r2 ; r3)
(* the immediate steps of a transitive relation *)
let singlestep(r) = nodetour(r, r, r)

(* map f S, f applied to every element of S, is built in. *)
`;

const CROSS = `"co generation"
(*
 * cross(S), built in: one element taken from each set of S, united. Sets of co orders are
 * never listed: "with co from ..." checks that the candidate's co is one of them.
 *)

(* The co orders of each location's writes that extend the partial order pco *)
let co_locs(pco, wss) = map (fun ws -> linearisations(ws, pco)) wss

let generate_orders(s, pco) = cross(co_locs(pco, partition(s)))
let generate_cos(pco) = generate_orders(W, pco)
`;

const COS_OPT = `"co generation, pruned by what the test observes" withoutco

let invrf = rf^-1

(* co edges any coherent execution must have *)
let obsco =
  let ww = po-loc & (W * W)
  and rw = rf ; (po-loc & (R * W))
  and wr = ((po-loc & (W * R)) ; invrf) \\ id
  and rr = (rf ; (po-loc & (R * R)) ; invrf) \\ id
  in ww | rw | wr | rr

(* an RMW event is both a read and a write in some front ends; none is here *)
let rmwco = rf & (W * (R & W))

let cobase = obsco | rmwco | co0
acyclic cobase as ConsCo

include "cross.cat"
with co from generate_cos(cobase)

let coi = co & int
let coe = co \\ coi
let fr = (invrf ; co) \\ id
let fri = fr & int
let fre = fr \\ fri
`;

const COS = `"co generation"
include "cos-opt.cat"
let ca = fr | co
`;

export const LIBRARY: ReadonlyMap<string, string> = new Map([
  ['stdlib.cat', STDLIB],
  ['cross.cat', CROSS],
  ['cos-opt.cat', COS_OPT],
  ['cos.cat', COS],
]);
