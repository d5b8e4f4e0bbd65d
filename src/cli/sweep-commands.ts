// fclab sweep / merge / reproduce (issue 3). Registered by main.ts.
import type { Command } from 'commander';

export function registerSweepCommands(_program: Command): void {}
