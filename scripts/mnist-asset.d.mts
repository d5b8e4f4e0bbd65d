// Types of scripts/mnist-asset.mjs (used by web/vite.config.ts and the tests).
import type { MnistDigits } from '../src/tasks/mnist/data.js';
export const MNIST_DATA_FILE: string;
export function mnistPackageDigits(): Promise<MnistDigits>;
export function mnistAssetBytes(): Promise<Uint8Array>;
export function shippedMnistBytes(): Uint8Array;
export function writeMnistAsset(file: string): Promise<boolean>;
export function gzipDigits(bytes: Uint8Array): Uint8Array;
