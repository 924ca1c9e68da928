;; Hot loops of scoring and retrieval in WebAssembly SIMD (128-bit: two float64 or four float32 lanes).
;; Source of `kernels-wasm.ts`: after editing, run `npm run gen:kernels` (a test checks the two agree).
;; Every address is a byte offset into the exported memory; the caller lays the arrays out.
(module
  (memory (export "memory") 1)

  ;; out[c] = u_cᵀ A u_c and dots[c] = u_c·w for `count` rows u_c of length n stored row-major at `u`;
  ;; A is a symmetric n×n float64 matrix at `a`, of which only the upper triangle is read; w is at `w`.
  (func (export "quadraticForms") (param $a i32) (param $n i32) (param $u i32) (param $count i32) (param $out i32) (param $w i32) (param $dots i32)
    (local $c i32) (local $uc i32) (local $stride i32) (local $next i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (local.set $uc (local.get $u))
    (block $doneC (loop $loopC
      (br_if $doneC (i32.ge_u (local.get $c) (local.get $count)))
      ;; Two rows at a time share each load of A; a last odd row is paired with itself (both results
      ;; land on its slot, equal).
      (local.set $next (select (i32.add (local.get $c) (i32.const 1)) (local.get $c) (i32.lt_u (i32.add (local.get $c) (i32.const 1)) (local.get $count))))
      (call $pairForms (local.get $a) (local.get $n) (local.get $uc) (i32.add (local.get $u) (i32.mul (local.get $next) (local.get $stride)))
        (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))) (i32.add (local.get $out) (i32.shl (local.get $next) (i32.const 3))))
      (f64.store (i32.add (local.get $dots) (i32.shl (local.get $c) (i32.const 3))) (call $dot (local.get $uc) (local.get $w) (local.get $n)))
      (f64.store (i32.add (local.get $dots) (i32.shl (local.get $next) (i32.const 3)))
        (call $dot (i32.add (local.get $u) (i32.mul (local.get $next) (local.get $stride))) (local.get $w) (local.get $n)))
      (local.set $uc (i32.add (local.get $uc) (i32.shl (local.get $stride) (i32.const 1))))
      (local.set $c (i32.add (local.get $c) (i32.const 2)))
      (br $loopC)))
  )

  ;; uᵀAu and vᵀAv for two rows at once, written to outU and outV: each load of A's upper triangle
  ;; serves both rows. Per row: Σ_i u_i (A_ii u_i + 2 Σ_{j>i} A_ij u_j), rows with u_i = 0 skipped, the
  ;; inner sum four at a time in two accumulators, then the rest one by one; a row's result does not
  ;; depend on the row it is paired with, so a batch scores each row to the same bits as alone.
  (func $pairForms (param $a i32) (param $n i32) (param $u i32) (param $v i32) (param $outU i32) (param $outV i32)
    (local $i i32) (local $j i32) (local $row i32) (local $jb i32) (local $ui f64) (local $vi f64) (local $aii f64) (local $aij f64)
    (local $a0 v128) (local $a1 v128) (local $su0 v128) (local $su1 v128) (local $sv0 v128) (local $sv1 v128)
    (local $sumU f64) (local $sumV f64) (local $tu f64) (local $tv f64)
    (local.set $row (local.get $a))
    (block $doneI (loop $loopI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $ui (f64.load (i32.add (local.get $u) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $vi (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3)))))
      (if (i32.or (f64.ne (local.get $ui) (f64.const 0)) (f64.ne (local.get $vi) (f64.const 0)))
        (then
          (local.set $su0 (v128.const i64x2 0 0))
          (local.set $su1 (v128.const i64x2 0 0))
          (local.set $sv0 (v128.const i64x2 0 0))
          (local.set $sv1 (v128.const i64x2 0 0))
          (local.set $j (i32.add (local.get $i) (i32.const 1)))
          (block $doneJ4 (loop $loopJ4
            (br_if $doneJ4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 3)))
            (local.set $a0 (v128.load (i32.add (local.get $row) (local.get $jb))))
            (local.set $a1 (v128.load offset=16 (i32.add (local.get $row) (local.get $jb))))
            (local.set $su0 (f64x2.add (local.get $su0) (f64x2.mul (local.get $a0) (v128.load (i32.add (local.get $u) (local.get $jb))))))
            (local.set $su1 (f64x2.add (local.get $su1) (f64x2.mul (local.get $a1) (v128.load offset=16 (i32.add (local.get $u) (local.get $jb))))))
            (local.set $sv0 (f64x2.add (local.get $sv0) (f64x2.mul (local.get $a0) (v128.load (i32.add (local.get $v) (local.get $jb))))))
            (local.set $sv1 (f64x2.add (local.get $sv1) (f64x2.mul (local.get $a1) (v128.load offset=16 (i32.add (local.get $v) (local.get $jb))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $loopJ4)))
          (local.set $su0 (f64x2.add (local.get $su0) (local.get $su1)))
          (local.set $sumU (f64.add (f64x2.extract_lane 0 (local.get $su0)) (f64x2.extract_lane 1 (local.get $su0))))
          (local.set $sv0 (f64x2.add (local.get $sv0) (local.get $sv1)))
          (local.set $sumV (f64.add (f64x2.extract_lane 0 (local.get $sv0)) (f64x2.extract_lane 1 (local.get $sv0))))
          (block $doneJ (loop $loopJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $jb (i32.shl (local.get $j) (i32.const 3)))
            (local.set $aij (f64.load (i32.add (local.get $row) (local.get $jb))))
            (local.set $sumU (f64.add (local.get $sumU) (f64.mul (local.get $aij) (f64.load (i32.add (local.get $u) (local.get $jb))))))
            (local.set $sumV (f64.add (local.get $sumV) (f64.mul (local.get $aij) (f64.load (i32.add (local.get $v) (local.get $jb))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $loopJ)))
          (local.set $aii (f64.load (i32.add (local.get $row) (i32.shl (local.get $i) (i32.const 3)))))
          (if (f64.ne (local.get $ui) (f64.const 0))
            (then (local.set $tu (f64.add (local.get $tu)
              (f64.mul (local.get $ui) (f64.add (f64.mul (local.get $aii) (local.get $ui)) (f64.mul (f64.const 2) (local.get $sumU))))))))
          (if (f64.ne (local.get $vi) (f64.const 0))
            (then (local.set $tv (f64.add (local.get $tv)
              (f64.mul (local.get $vi) (f64.add (f64.mul (local.get $aii) (local.get $vi)) (f64.mul (f64.const 2) (local.get $sumV))))))))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $loopI)))
    (f64.store (local.get $outU) (local.get $tu))
    (f64.store (local.get $outV) (local.get $tv))
  )

  ;; For rows r = 0, step, 2·step, … < rows of the float32 matrix at m (dim values each): the dot with
  ;; the float32 query at q, summed in float32 (eight lanes, then the tail), promoted to f64; the rows
  ;; whose dot is above `bar` have their indices (i32) written to outIdx and their dots (f64) to outDot,
  ;; in row order; returns how many. A retrieval score, so float32's ~1e-7 relative error is immaterial
  ;; (twice float64's speed); and a scan with a good bar hands over only the few hundred rows that can
  ;; enter its top instead of every dot.
  (func (export "dotRowsAbove") (param $m i32) (param $rows i32) (param $dim i32) (param $q i32) (param $step i32) (param $bar f64) (param $outIdx i32) (param $outDot i32) (result i32)
    (local $r i32) (local $j i32) (local $base i32) (local $s0 v128) (local $s1 v128) (local $sum f32) (local $dot f64) (local $count i32)
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $base (i32.add (local.get $m) (i32.shl (i32.mul (local.get $r) (local.get $dim)) (i32.const 2))))
      (local.set $s0 (v128.const i64x2 0 0))
      (local.set $s1 (v128.const i64x2 0 0))
      (local.set $j (i32.const 0))
      (block $doneJ8 (loop $loopJ8
        (br_if $doneJ8 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $dim)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 2))))
                     (v128.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 2))))
                     (v128.load offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $loopJ8)))
      (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
      (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
                               (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))
      (block $doneJ (loop $loopJ
        (br_if $doneJ (i32.ge_u (local.get $j) (local.get $dim)))
        (local.set $sum (f32.add (local.get $sum)
          (f32.mul (f32.load (i32.add (local.get $base) (i32.shl (local.get $j) (i32.const 2))))
                   (f32.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loopJ)))
      (local.set $dot (f64.promote_f32 (local.get $sum)))
      (if (f64.gt (local.get $dot) (local.get $bar))
        (then
          (i32.store (i32.add (local.get $outIdx) (i32.shl (local.get $count) (i32.const 2))) (local.get $r))
          (f64.store (i32.add (local.get $outDot) (i32.shl (local.get $count) (i32.const 3))) (local.get $dot))
          (local.set $count (i32.add (local.get $count) (i32.const 1)))))
      (local.set $r (i32.add (local.get $r) (local.get $step)))
      (br $loopR)))
    (local.get $count)
  )

  ;; Matrix updates of the shared model (row-major n×n float64), element for element the same arithmetic
  ;; as the plain loops in dense.ts (products and sums in float64, no fused multiply-add).

  ;; M += scale·vvᵀ (rows whose scale·v_i is 0 are skipped, as in dense.ts).
  (func (export "addOuter") (param $m i32) (param $n i32) (param $v i32) (param $scale f64)
    (local $i i32) (local $row i32) (local $si f64)
    (local.set $row (local.get $m))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $si (f64.mul (local.get $scale) (f64.load (i32.add (local.get $v) (i32.shl (local.get $i) (i32.const 3))))))
      (if (f64.ne (local.get $si) (f64.const 0))
        (then (call $axpyRow (local.get $row) (local.get $n) (local.get $v) (local.get $si))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
  )

  ;; row[j] += a·x[j] for j < n.
  (func $axpyRow (param $row i32) (param $n i32) (param $x i32) (param $a f64)
    (local $j i32) (local $av v128) (local $at i32)
    (local.set $av (f64x2.splat (local.get $a)))
    (block $done2 (loop $next2
      (br_if $done2 (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
      (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
      (v128.store (local.get $at) (f64x2.add (v128.load (local.get $at))
        (f64x2.mul (local.get $av) (v128.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $next2)))
    (if (i32.lt_u (local.get $j) (local.get $n))
      (then
        (local.set $at (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
        (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
          (f64.mul (local.get $a) (f64.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 3)))))))))
  )

  ;; out = M·u for a rows×cols M.
  (func $matVec (export "matVec") (param $m i32) (param $rows i32) (param $cols i32) (param $u i32) (param $out i32)
    (local $i i32) (local $row i32)
    (local.set $row (local.get $m))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $rows)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
        (call $dot (local.get $row) (local.get $u) (local.get $cols)))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $cols) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
  )

  ;; Σ a[j]·b[j] for j < n (two lanes, two accumulators).
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f64)
    (local $j i32) (local $s0 v128) (local $s1 v128) (local $sum f64)
    (block $done4 (loop $next4
      (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (local.set $s0 (f64x2.add (local.get $s0)
        (f64x2.mul (v128.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))))
                   (v128.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $s1 (f64x2.add (local.get $s1)
        (f64x2.mul (v128.load offset=16 (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))))
                   (v128.load offset=16 (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next4)))
    (local.set $s0 (f64x2.add (local.get $s0) (local.get $s1)))
    (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $sum (f64.add (local.get $sum)
        (f64.mul (f64.load (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))))
                 (f64.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next)))
    (local.get $sum)
  )

  ;; Keeps inv = M⁻¹ current when M += c·vvᵀ (Sherman–Morrison); `scratch` (n values) ends up holding
  ;; M⁻¹v before the update. Returns vᵀM⁻¹v before the update.
  (func (export "shermanMorrison") (param $inv i32) (param $n i32) (param $v i32) (param $c f64) (param $scratch i32) (result f64)
    (local $s f64) (local $k f64) (local $i i32) (local $row i32) (local $wi f64)
    (call $matVec (local.get $inv) (local.get $n) (local.get $n) (local.get $v) (local.get $scratch))
    (local.set $s (call $dot (local.get $scratch) (local.get $v) (local.get $n)))
    (local.set $k (f64.div (local.get $c) (f64.add (f64.const 1) (f64.mul (local.get $c) (local.get $s)))))
    (local.set $row (local.get $inv))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $wi (f64.mul (local.get $k) (f64.load (i32.add (local.get $scratch) (i32.shl (local.get $i) (i32.const 3))))))
      (if (f64.ne (local.get $wi) (f64.const 0))
        (then (call $axpyRow (local.get $row) (local.get $n) (local.get $scratch) (f64.neg (local.get $wi)))))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $s)
  )
  ;; For one item with statistics: takes y_i·(row i of B) off u for each of B's k rows (k×n at `b`), and
  ;; writes (Bβ̂)_i = row i · β̂ to bBeta[i]; one pass over B.
  (func (export "armResidual") (param $u i32) (param $n i32) (param $b i32) (param $k i32) (param $y i32) (param $beta i32) (param $bBeta i32)
    (local $i i32) (local $j i32) (local $row i32) (local $yi v128) (local $s v128) (local $bij v128) (local $at i32) (local $sum f64)
    (local.set $row (local.get $b))
    (block $doneI (loop $nextI
      (br_if $doneI (i32.ge_u (local.get $i) (local.get $k)))
      (local.set $yi (f64x2.splat (f64.load (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $s (v128.const i64x2 0 0))
      (local.set $j (i32.const 0))
      (block $doneJ2 (loop $nextJ2
        (br_if $doneJ2 (i32.gt_u (i32.add (local.get $j) (i32.const 2)) (local.get $n)))
        (local.set $bij (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3)))))
        (local.set $s (f64x2.add (local.get $s) (f64x2.mul (local.get $bij) (v128.load (i32.add (local.get $beta) (i32.shl (local.get $j) (i32.const 3)))))))
        (local.set $at (i32.add (local.get $u) (i32.shl (local.get $j) (i32.const 3))))
        (v128.store (local.get $at) (f64x2.sub (v128.load (local.get $at)) (f64x2.mul (local.get $bij) (local.get $yi))))
        (local.set $j (i32.add (local.get $j) (i32.const 2)))
        (br $nextJ2)))
      (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
      (if (i32.lt_u (local.get $j) (local.get $n))
        (then
          (local.set $at (i32.add (local.get $u) (i32.shl (local.get $j) (i32.const 3))))
          (local.set $sum (f64.add (local.get $sum)
            (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
                     (f64.load (i32.add (local.get $beta) (i32.shl (local.get $j) (i32.const 3)))))))
          (f64.store (local.get $at) (f64.sub (f64.load (local.get $at))
            (f64.mul (f64.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 3))))
                     (f64x2.extract_lane 0 (local.get $yi)))))))
      (f64.store (i32.add (local.get $bBeta) (i32.shl (local.get $i) (i32.const 3))) (local.get $sum))
      (local.set $row (i32.add (local.get $row) (i32.shl (local.get $n) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $nextI)))
  )

  ;; Factored scoring's per-request products (see HybridLinUCB.scoreFactored). P (n×m) is given by
  ;; columns: column j's entries e in [start[j], start[j+1]) have row row[e] and value value[e] (start and
  ;; row are float64 arrays holding integers). Writes ht = (A⁻¹P)ᵀ (m×n), h = A⁻¹P (n×m), g = PᵀA⁻¹P (m×m)
  ;; and pb = Pᵀβ (m), for the symmetric n×n A⁻¹ at `inv` and β at `beta`.
  (func (export "factorProducts") (param $inv i32) (param $n i32) (param $m i32) (param $start i32) (param $row i32) (param $value i32)
    (param $beta i32) (param $ht i32) (param $h i32) (param $g i32) (param $pb i32)
    (local $j i32) (local $e i32) (local $last i32) (local $r i32) (local $v f64) (local $at i32) (local $sum f64) (local $htRow i32)
    ;; ht row j = Σ_e value_e·(row row_e of A⁻¹), and pb_j = Σ_e value_e·β[row_e].
    (block $doneJ (loop $nextJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $htRow (i32.add (local.get $ht) (i32.mul (local.get $j) (i32.shl (local.get $n) (i32.const 3)))))
      (memory.fill (local.get $htRow) (i32.const 0) (i32.shl (local.get $n) (i32.const 3)))
      (local.set $sum (f64.const 0))
      (local.set $e (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (local.get $j) (i32.const 3))))))
      (local.set $last (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))))
      (block $doneE (loop $nextE
        (br_if $doneE (i32.ge_u (local.get $e) (local.get $last)))
        (local.set $r (i32.trunc_f64_u (f64.load (i32.add (local.get $row) (i32.shl (local.get $e) (i32.const 3))))))
        (local.set $v (f64.load (i32.add (local.get $value) (i32.shl (local.get $e) (i32.const 3)))))
        (call $axpyRow (local.get $htRow) (local.get $n) (i32.add (local.get $inv) (i32.mul (local.get $r) (i32.shl (local.get $n) (i32.const 3)))) (local.get $v))
        (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $v) (f64.load (i32.add (local.get $beta) (i32.shl (local.get $r) (i32.const 3)))))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $nextE)))
      (f64.store (i32.add (local.get $pb) (i32.shl (local.get $j) (i32.const 3))) (local.get $sum))
      ;; h[r][j] = ht[j][r]
      (local.set $r (i32.const 0))
      (block $doneR (loop $nextR
        (br_if $doneR (i32.ge_u (local.get $r) (local.get $n)))
        (f64.store (i32.add (local.get $h) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $m)) (local.get $j)) (i32.const 3)))
          (f64.load (i32.add (local.get $htRow) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $nextR)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextJ)))
    ;; g row a = Σ_e∈column a value_e·(row row_e of h).
    (local.set $j (i32.const 0))
    (block $doneA (loop $nextA
      (br_if $doneA (i32.ge_u (local.get $j) (local.get $m)))
      (local.set $at (i32.add (local.get $g) (i32.mul (local.get $j) (i32.shl (local.get $m) (i32.const 3)))))
      (memory.fill (local.get $at) (i32.const 0) (i32.shl (local.get $m) (i32.const 3)))
      (local.set $e (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (local.get $j) (i32.const 3))))))
      (local.set $last (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))))
      (block $doneG (loop $nextG
        (br_if $doneG (i32.ge_u (local.get $e) (local.get $last)))
        (local.set $r (i32.trunc_f64_u (f64.load (i32.add (local.get $row) (i32.shl (local.get $e) (i32.const 3))))))
        (call $axpyRow (local.get $at) (local.get $m) (i32.add (local.get $h) (i32.mul (local.get $r) (i32.shl (local.get $m) (i32.const 3))))
          (f64.load (i32.add (local.get $value) (i32.shl (local.get $e) (i32.const 3)))))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $nextG)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $nextA)))
  )

  ;; The sparse terms' part of factored scoring, added to forms and dots: for candidate c (dense row w_c
  ;; of width m at `w`, terms t in [start[c], start[c+1]) with index[t], value[t], float64 arrays),
  ;; forms[c] += 2·Σ_t v_t·(h row i_t · w_c) + Σ_t Σ_s v_t v_s A⁻¹[i_t][i_s] and dots[c] += Σ_t v_t β[i_t].
  (func (export "sparseForms") (param $h i32) (param $m i32) (param $inv i32) (param $n i32) (param $beta i32) (param $w i32) (param $count i32)
    (param $start i32) (param $index i32) (param $value i32) (param $forms i32) (param $dots i32)
    (local $c i32) (local $t i32) (local $s i32) (local $first i32) (local $last i32) (local $i i32) (local $v f64)
    (local $dot f64) (local $cross f64) (local $square f64) (local $mv f64) (local $wc i32) (local $invRow i32) (local $at i32)
    (local.set $wc (local.get $w))
    (block $doneC (loop $nextC
      (br_if $doneC (i32.ge_u (local.get $c) (local.get $count)))
      (local.set $first (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (local.get $c) (i32.const 3))))))
      (local.set $last (i32.trunc_f64_u (f64.load (i32.add (local.get $start) (i32.shl (i32.add (local.get $c) (i32.const 1)) (i32.const 3))))))
      (if (i32.lt_u (local.get $first) (local.get $last))
        (then
          (local.set $dot (f64.const 0))
          (local.set $cross (f64.const 0))
          (local.set $square (f64.const 0))
          (local.set $t (local.get $first))
          (block $doneT (loop $nextT
            (br_if $doneT (i32.ge_u (local.get $t) (local.get $last)))
            (local.set $i (i32.trunc_f64_u (f64.load (i32.add (local.get $index) (i32.shl (local.get $t) (i32.const 3))))))
            (local.set $v (f64.load (i32.add (local.get $value) (i32.shl (local.get $t) (i32.const 3)))))
            (local.set $dot (f64.add (local.get $dot) (f64.mul (local.get $v) (f64.load (i32.add (local.get $beta) (i32.shl (local.get $i) (i32.const 3)))))))
            (local.set $cross (f64.add (local.get $cross) (f64.mul (local.get $v)
              (call $dot (i32.add (local.get $h) (i32.mul (local.get $i) (i32.shl (local.get $m) (i32.const 3)))) (local.get $wc) (local.get $m)))))
            (local.set $invRow (i32.add (local.get $inv) (i32.mul (local.get $i) (i32.shl (local.get $n) (i32.const 3)))))
            (local.set $mv (f64.const 0))
            (local.set $s (local.get $first))
            (block $doneS (loop $nextS
              (br_if $doneS (i32.ge_u (local.get $s) (local.get $last)))
              (local.set $mv (f64.add (local.get $mv)
                (f64.mul (f64.load (i32.add (local.get $invRow) (i32.shl (i32.trunc_f64_u (f64.load (i32.add (local.get $index) (i32.shl (local.get $s) (i32.const 3))))) (i32.const 3))))
                         (f64.load (i32.add (local.get $value) (i32.shl (local.get $s) (i32.const 3)))))))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (br $nextS)))
            (local.set $square (f64.add (local.get $square) (f64.mul (local.get $v) (local.get $mv))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $nextT)))
          (local.set $at (i32.add (local.get $forms) (i32.shl (local.get $c) (i32.const 3))))
          (f64.store (local.get $at) (f64.add (f64.load (local.get $at))
            (f64.add (f64.mul (f64.const 2) (local.get $cross)) (local.get $square))))
          (local.set $at (i32.add (local.get $dots) (i32.shl (local.get $c) (i32.const 3))))
          (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (local.get $dot)))))
      (local.set $wc (i32.add (local.get $wc) (i32.shl (local.get $m) (i32.const 3))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $nextC)))
  )
)
