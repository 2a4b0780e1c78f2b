import type { z } from 'zod';
import type { recordLogEntrySchema } from '../schemas/record-log-schema';

export type RecordLogEntry = z.infer<typeof recordLogEntrySchema>;
