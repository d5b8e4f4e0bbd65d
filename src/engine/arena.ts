// Buffers in the module's linear memory. Views are re-created on every access because a
// memory.grow detaches earlier ArrayBuffers.
import type { Kernels } from './wasm.js';
import { BLOCK_LIMIT_BYTES } from './memory.js';

export type Ptr = number;

/** A float32 tensor in WASM memory, row-major. */
export interface F32Buf {
  readonly ptr: Ptr;
  readonly shape: readonly number[];
  readonly length: number;
}

/** FNV-1a (64-bit) of a stream name: the key that separates the PRNG's sub-streams. */
export function streamKey(name: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(name)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

export class Arena {
  constructor(readonly k: Kernels) {}

  bytes(n: number): Ptr {
    // alloc takes a u32: a larger size would wrap around to a small buffer, and every access past
    // it would be "memory access out of bounds" (the pointer overflow of issue 17). The memory
    // plans refuse such configs up front; this is the engine's own guard.
    if (!Number.isSafeInteger(n) || n < 0 || n > BLOCK_LIMIT_BYTES)
      throw new RangeError(`engine: a buffer of ${n} bytes is more than the engine's limit of 1 GiB per buffer`);
    // stub runtime: a bump allocator over fresh (zeroed) pages, never reused
    return this.k.alloc(Math.max(16, n));
  }

  f32(shape: readonly number[]): F32Buf {
    const length = shape.reduce((a, b) => a * b, 1);
    return { ptr: this.bytes(length * 4), shape: [...shape], length };
  }

  /** Copy of a Float32Array into a new buffer. */
  upload(data: Float32Array, shape: readonly number[]): F32Buf {
    const buf = this.f32(shape);
    if (data.length !== buf.length) throw new Error(`upload: ${data.length} values for shape (${shape.join(', ')})`);
    this.view(buf).set(data);
    return buf;
  }

  /** A live view (valid until the next allocation). */
  view(buf: F32Buf): Float32Array {
    return new Float32Array(this.k.memory.buffer, buf.ptr, buf.length);
  }

  viewAt(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, length);
  }

  read(buf: F32Buf): Float32Array {
    return this.view(buf).slice();
  }

  /** A PRNG stream seeded from (seed, name); its 32-byte state lives in memory. */
  stream(seed: number, name: string): Ptr {
    const state = this.bytes(32);
    this.k.rngSeed(state, BigInt.asUintN(64, BigInt(seed)), streamKey(name));
    return state;
  }

  readBytes(ptr: Ptr, n: number): Uint8Array {
    return new Uint8Array(this.k.memory.buffer, ptr, n).slice();
  }

  writeBytes(ptr: Ptr, data: Uint8Array): void {
    new Uint8Array(this.k.memory.buffer, ptr, data.length).set(data);
  }

  /** C = A·B for row-major buffers (A: M x K, B: K x N). */
  matmul(A: F32Buf, B: F32Buf, C: F32Buf): void {
    const [M, K] = A.shape, [K2, N] = B.shape;
    if (K !== K2 || C.shape[0] !== M || C.shape[1] !== N) throw new Error('matmul: shape mismatch');
    this.k.gemm(A.ptr, K, 1, B.ptr, C.ptr, M, N, K, 0);
  }

  transpose(src: F32Buf, dst: F32Buf): void {
    this.k.transpose(src.ptr, dst.ptr, src.shape[0], src.shape[1]);
  }
}
