// Shared by the browser tests: Debian's chromium driven by playwright-core,
// every console error and page error recorded (a test fails on any), and
// small check/report helpers.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export const G = process.env.G || 'http://127.0.0.1:60072';
export const ART = process.env.ARTEFACTS || '/tmp/scanopy-browser';
fs.mkdirSync(ART, { recursive: true });

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  const consoleErrors = [];
  context.on('page', (p) => watch(p, consoleErrors));
  const page = await context.newPage();
  return { browser, context, page, consoleErrors };
}

function watch(page, errors) {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${page.url()})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message} (${page.url()})`));
}

let passed = 0, failed = 0;
export async function check(what, fn) {
  try {
    const r = await fn();
    if (r === false) throw new Error('check returned false');
    passed++;
    console.log(`ok   - ${what}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${what}: ${String(e.message || e).split('\n')[0]}`);
  }
}
export function finish(consoleErrors) {
  if (consoleErrors.length) {
    failed++;
    console.log(`FAIL - no console errors: ${consoleErrors.length}`);
    for (const e of consoleErrors.slice(0, 20)) console.log(`       ${e}`);
  } else {
    passed++;
    console.log('ok   - no console errors');
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

export const shot = (page, name) => page.screenshot({ path: path.join(ART, name + '.png') });

export async function signIn(page, email, password) {
  await page.goto(G + '/login');
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('form button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

// Form controls on the page without an accessible name (no label, no
// aria-label or aria-labelledby), described for the failure message.
export function unlabelled(page) {
  return page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
    els
      .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !e.title)
      .map((e) => e.outerHTML.slice(0, 80)),
  );
}
