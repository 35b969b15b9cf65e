// Debian's chromium, driven by playwright-core (which never downloads a browser of its own).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './cria.mjs';

export const CHROMIUM = '/usr/bin/chromium';

// Screenshots and other files for a person to look at (git-ignored).
export const ARTIFACTS = path.join(ROOT, 'tests/e2e/artifacts');

// A headless chromium with a fresh temporary profile; close() it in an `after` hook.
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking'],
  });
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}
