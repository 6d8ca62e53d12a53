/** HyperLogLog commands (hyperloglog.c). */
import type { CommandDefinition } from './types.ts';

export const hyperloglogCommands: CommandDefinition[] = [];
