import type { Ctx } from '../../context.js';
import { action } from './run.js';

/** `dcap ea stop <deployment>`: closes the deployment's chart (the files stay for dcap ea run). */
export const stop = (ctx: Ctx, id: string) => action(ctx, id, 'stop');
