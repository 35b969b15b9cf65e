// The media the multimodal cases send: a small PNG, and a 1-second webm test pattern made with
// ffmpeg on first use (scripts/install-deps installs Debian's ffmpeg; without it the video cases
// fail saying so, as both servers would refuse the video).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { pngFile } from '../e2e/lib/image-files.mjs';

const dataUrl = (bytes, type) => `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;

export const PNG_URL = dataUrl(pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]), 'image/png');

let webm;
export function webmUrl() {
  if (webm) return webm;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compat-video-'));
  const file = path.join(dir, 'pattern.webm');
  try {
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=4', '-t', '1',
      '-c:v', 'libvpx', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`the video cases need ffmpeg (Debian package ffmpeg, installed by scripts/install-deps): ${e.message}`);
  }
  webm = dataUrl(fs.readFileSync(file), 'video/webm');
  fs.rmSync(dir, { recursive: true, force: true });
  return webm;
}
