import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import type { DB } from '../store/db.js';
import { agentRow, agentView, allAgents, positionsView, recentSignalViews, signalView, signalViewOfJob } from '../store/live-views.js';
import type { ChannelMessage } from './protocol.js';

/**
 * The in-process bus between the webhook daemon and the relay when both run in one process
 * (`dcap up`): the daemon says what changed, the relay fans it out to subscribers of the
 * signals, positions and agents channels (and, with --redis, to other relay instances).
 */
export class RelayBus {
  private readonly emitter = new EventEmitter<{ message: [ChannelMessage] }>();

  publish(msg: ChannelMessage): void {
    this.emitter.emit('message', msg);
  }

  /** Returns its release. */
  subscribe(fn: (msg: ChannelMessage) => void): () => void {
    this.emitter.on('message', fn);
    return () => this.emitter.off('message', fn);
  }
}

/** What the webhook daemon reports, by id, after the change has committed. Never throws. */
export interface WebhookEvents {
  /** A signal was recorded (any outcome but duplicate). */
  signal(signalId: string): void;
  /** An agent API call succeeded: parts of the path after /agents/ ([id, 'state'], [id, 'jobs', jobId, 'result'] ...). */
  agentCall(parts: string[]): void;
}

/**
 * Turns the webhook daemon's events into channel messages on the bus, reading the committed rows.
 * Reads are by primary key, microseconds, and happen after the HTTP answer was written.
 */
export function webhookEvents(db: DB, bus: RelayBus, log: Logger): WebhookEvents {
  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      // The change is committed and answered; a failed notification only costs a live update.
      log.warn({ event: 'relay.bus_failed', what, err: (err as Error).message }, 'could not publish a live update');
    }
  };
  return {
    signal: (id) =>
      guard('signal', () => {
        const signal = signalView(db, id);
        if (signal) bus.publish({ type: 'signal', signal });
      }),
    agentCall: (parts) =>
      guard('agent', () => {
        const [id, route, jobId, last] = parts;
        if (!id) return;
        if (route === 'jobs' && jobId && last === 'result') {
          const signal = signalViewOfJob(db, jobId);
          if (signal) bus.publish({ type: 'signal', signal });
          return;
        }
        if (route !== 'state' && route !== 'heartbeat') return;
        const agent = agentRow(db, id);
        if (!agent) return;
        if (route === 'heartbeat') return bus.publish({ type: 'agent', agent: agentView(agent) });
        const positions = positionsView(agent);
        if (positions) bus.publish({ type: 'positions', ...positions });
      }),
  };
}

/** Seeds snapshots from the store at start: every agent's health and positions, the latest signals. */
export function seedFromStore(db: DB, publish: (msg: ChannelMessage) => void, recentSignals = 50): void {
  for (const a of allAgents(db)) {
    publish({ type: 'agent', agent: agentView(a) });
    const positions = positionsView(a);
    if (positions) publish({ type: 'positions', ...positions });
  }
  for (const signal of recentSignalViews(db, recentSignals)) publish({ type: 'signal', signal });
}
