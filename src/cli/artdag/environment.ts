// The CLI's only reader of the environment. It runs on the user's machine as a client, so the server's
// src/config.ts (which validates server settings) does not apply to it.
import os from 'node:os';

export interface CliEnv {
  /** ARTDAG_SERVER: the server to use when no --server is given (it wins over the last login's server). */
  server: string | undefined;
  /** ARTDAG_CONFIG_DIR: where credentials.json lives (tests point it at a temp dir). */
  configDir: string | undefined;
  xdgConfigHome: string | undefined;
  home: string;
}

export function readEnv(
  // eslint-disable-next-line no-restricted-syntax -- the CLI is not the server; see the comment above.
  env: NodeJS.ProcessEnv = process.env,
): CliEnv {
  const nonEmpty = (value: string | undefined) => (value && value.trim() !== '' ? value : undefined);
  return {
    server: nonEmpty(env.ARTDAG_SERVER),
    configDir: nonEmpty(env.ARTDAG_CONFIG_DIR),
    xdgConfigHome: nonEmpty(env.XDG_CONFIG_HOME),
    home: nonEmpty(env.HOME) ?? os.homedir(),
  };
}
