import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors.js';

export const SECRETS_FILE = 'secrets.json';

/**
 * Webhook secrets for `replay --target`, by strategy name: `<data-dir>/secrets.json`
 * ({"<name>": "<secret>"}, a file the user keeps; dcap stores only hashes), overridden by
 * `--secret name=value`. `warn` is told when the file is readable by other users.
 */
export function loadSecrets(dataDir: string, flags: string[], warn: (text: string) => void): Record<string, string> {
  const secrets: Record<string, string> = Object.create(null) as Record<string, string>;
  const file = join(dataDir, SECRETS_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot read ${file}: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (text !== undefined) {
    const mode = statSync(file).mode;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      warn(`warning: ${file} is readable by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`, undefined, { cause: err });
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UserError(`${file} must hold an object {"<strategy>": "<secret>"}`);
    for (const [name, secret] of Object.entries(value)) {
      // Never echo the value: it is a secret.
      if (typeof secret !== 'string' || secret === '') throw new UserError(`${file}: the secret of "${name}" must be a non-empty string`);
      secrets[name] = secret;
    }
  }
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) throw new UserError(`--secret expects NAME=SECRET (got a value without "=" or with an empty side)`);
    secrets[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return secrets;
}
