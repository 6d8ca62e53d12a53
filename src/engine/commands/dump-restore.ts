/** DUMP and RESTORE (cluster.c dumpCommand/restoreCommand). */
import type { CommandDefinition } from './types.ts';

export const dumpRestoreCommands: CommandDefinition[] = [];
