import { KERNELS_WASM_BASE64 } from "./kernels-wasm";

/**
 * The scoring and retrieval hot loops in WebAssembly SIMD (`kernels.wat`): 4–5× the plain-loop
 * speed of the same float64 arithmetic here (`npm run bench:micro`). Each owner gets its own instance
 * and memory and lays its arrays out in it; views into that memory are remade whenever it grows.
 */
export interface KernelExports {
  memory: WasmMemory;
  quadraticForms(a: number, n: number, u: number, count: number, out: number, w: number, dots: number): void;
  dotRowsAbove(
    m: number,
    rows: number,
    dim: number,
    q: number,
    step: number,
    bar: number,
    outIdx: number,
    outDot: number,
  ): number;
  addOuter(m: number, n: number, v: number, scale: number): void;
  matVec(m: number, rows: number, cols: number, u: number, out: number): void;
  shermanMorrison(inv: number, n: number, v: number, c: number, scratch: number): number;
  armResidual(u: number, n: number, b: number, k: number, y: number, beta: number, bBeta: number): void;
  factorProducts(
    inv: number,
    n: number,
    m: number,
    start: number,
    row: number,
    value: number,
    beta: number,
    ht: number,
    h: number,
    g: number,
    pb: number,
  ): void;
  sparseForms(
    h: number,
    m: number,
    inv: number,
    n: number,
    beta: number,
    w: number,
    count: number,
    start: number,
    index: number,
    value: number,
    forms: number,
    dots: number,
  ): void;
}

/** The little of the WebAssembly API used here (the ES lib this project compiles against has no types for it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const WASM_PAGE = 65_536;
const compiled = new wasm.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));

export function instantiate(): KernelExports {
  return new wasm.Instance(compiled).exports as KernelExports;
}

/** Grows `memory` to at least `bytes` (existing bytes kept; views made before are detached). */
export function reserve(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
}

export const align8 = (bytes: number) => Math.ceil(bytes / 8) * 8;
