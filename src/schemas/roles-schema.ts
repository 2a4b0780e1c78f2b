import { z } from 'zod';
import { ROLES } from '../domain/roles';

export const roleSchema = z.enum(ROLES);
