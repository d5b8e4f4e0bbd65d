// The run hash: SHA-256 over the final parameters as little-endian float32 (in order fc0.weight,
// fc0.bias, fc1.weight, ...), then every logged metric as little-endian float64, row by row in
// the order of the kind's columns (Task.columns). Identical runs give
// identical hashes on every platform. A NaN (a diverged run, a missing column) is hashed as the
// canonical quiet NaN: WebAssembly leaves the sign and payload of NaN results to the platform, so
// only "is NaN" is reproducible.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
export function runHash(
  params: ReadonlyArray<{ data: Float32Array }>,
  rows: ReadonlyArray<Record<string, number>>,
  columns: readonly string[],
): string {
  const h = sha256.create();
  for (const p of params) {
    const bytes = new Uint8Array(p.data.length * 4);
    const dv = new DataView(bytes.buffer);
    p.data.forEach((v, i) => (v === v ? dv.setFloat32(i * 4, v, true) : dv.setUint32(i * 4, 0x7fc00000, true)));
    h.update(bytes);
  }
  const row = new Uint8Array(columns.length * 8);
  const dv = new DataView(row.buffer);
  for (const r of rows) {
    columns.forEach((c, i) => {
      const v = r[c] ?? NaN;
      if (v === v) dv.setFloat64(i * 8, v, true);
      else dv.setBigUint64(i * 8, 0x7ff8000000000000n, true);
    });
    h.update(row);
  }
  return bytesToHex(h.digest());
}
