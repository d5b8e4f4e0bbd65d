// The divergence check's view of parameters: which tensors hold NaN or ±Infinity.
/** A tensor holding NaN or ±Infinity: its name, how many such values, its size, the first one. */
export interface NonFinite {
  name: string;
  count: number;
  size: number;
  value: string;
}

/** The tensors among `tensors` that hold NaN or ±Infinity (the divergence check at evaluations). */
export function nonFiniteTensors(tensors: ReadonlyArray<{ name: string; data: Float32Array }>): NonFinite[] {
  const out: NonFinite[] = [];
  for (const { name, data } of tensors) {
    let count = 0;
    let first = 0;
    for (let i = 0; i < data.length; i++)
      if (!Number.isFinite(data[i])) {
        if (count === 0) first = data[i];
        count++;
      }
    if (count) out.push({ name, count, size: data.length, value: String(first) });
  }
  return out;
}
