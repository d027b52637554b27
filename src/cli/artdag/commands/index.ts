// Every command of the CLI, and the groups (`assets`, `anchors`) whose commands take two words.
import type { Command } from '../command.js';
import type { Group } from '../help.js';
import { anchorsVerify } from './anchors.js';
import { assetsList, assetsShow } from './assets.js';
import { publishCache, recordRun } from './jobs.js';
import { login } from './login.js';
import { assetsRegister } from './register.js';
import { logout, whoami } from './session.js';

export const COMMANDS: Command[] = [login, whoami, logout, assetsList, assetsShow, assetsRegister, recordRun, publishCache, anchorsVerify];

export const GROUPS: Group[] = [
  { name: 'assets', summary: 'List, show and register assets' },
  { name: 'anchors', summary: 'Check OpenTimestamps anchors' },
];
