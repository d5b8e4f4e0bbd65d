// Errors that are the caller's input, not a fault of the engine: the CLI prints them without a
// stack and exits 2. Every layer's input errors (config, .npy files, specs) extend this one.
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * Training produced NaN or ±Infinity where an evaluation cannot go on (e.g. a probe fitted on a
 * diverged representation): the run stops and writes nothing; the CLI exits 3.
 */
export class DivergedError extends Error {
  override name = 'DivergedError';
}
