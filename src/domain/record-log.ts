import type { z } from 'zod';
import type { recordLogEntrySchema } from './record-log-schema';

export type RecordLogEntry = z.infer<typeof recordLogEntrySchema>;
