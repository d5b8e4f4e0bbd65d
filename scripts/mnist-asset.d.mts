// Types of scripts/mnist-asset.mjs (used by web/vite.config.ts and tests/mnist.test.ts).
export function mnistAssetBytes(): Promise<Uint8Array>;
export function writeMnistAsset(file: string): Promise<boolean>;
