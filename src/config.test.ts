import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

function dir(config?: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'dcap-cfg-'));
  if (config !== undefined) writeFileSync(join(d, 'dcap.config.json'), JSON.stringify(config));
  return d;
}

describe('loadConfig', () => {
  it('applies defaults < file < env < flags', () => {
    const cwd = dir({ webhook: { port: 9000, host: '0.0.0.0' }, logLevel: 'warn' });
    const { config } = loadConfig({ cwd, env: { DCAP_WEBHOOK_PORT: '9100', DCAP_LOG_LEVEL: 'debug' }, flags: { logLevel: 'error' } });
    expect(config.webhook.port).toBe(9100);
    expect(config.webhook.host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('error');
    expect(config.webhook.dedupWindow).toBe(10_000);
    expect(config.dataDir).toBe(join(cwd, '.dcap'));
  });

  it('reports every problem at once with its path and source', () => {
    const cwd = dir({ webhook: { port: 'eighty', dedupWindow: 'soon', extra: 1 }, logLevel: 'loud' });
    let message = '';
    try {
      loadConfig({ cwd, env: { DCAP_DATA_DIR: '' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/webhook\.port \(from .*dcap\.config\.json\)/);
    expect(message).toMatch(/webhook\.dedupWindow .*not a duration/);
    expect(message).toMatch(/logLevel/);
    expect(message).toMatch(/extra/);
  });

  it('names the environment variable that holds a bad value', () => {
    expect(() => loadConfig({ cwd: dir(), env: { DCAP_WEBHOOK_PORT: 'x' } })).toThrow(/webhook\.port \(from DCAP_WEBHOOK_PORT\)/);
  });

  it('resolves a relative dataDir in the file against the file', () => {
    const cwd = dir({ dataDir: 'state' });
    expect(loadConfig({ cwd: '/', file: join(cwd, 'dcap.config.json') }).config.dataDir).toBe(join(cwd, 'state'));
  });
});
