// What the headless-Chromium checks in this folder share: the tally of checks (check, must,
// and the closing "browser: N passed, M failed" line with the exit code), Debian's
// Chromium launched one way, the console's sign-in form, and the checks a run ends with.
// Each script is its own process, so the tally is this module's own.
import { chromium } from 'playwright-core';

/** Thrown by must(): its failure is already counted, and the rest of the run is skipped. */
export class Stop extends Error {}

let passed = 0;
/** The failed checks in order, as { name, detail }. */
const failures = [];

/** Prints one check ("ok" or "FAIL", the detail only on a failure) and counts it; returns ok. */
export function check(name, ok, detail = '') {
  if (ok) passed += 1;
  else failures.push({ name, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? ` -- ${detail}` : ''}`);
  return ok;
}

/** A check whose failure makes the rest meaningless: it throws Stop. */
export function must(name, ok, detail = '') {
  if (!check(name, ok, detail)) throw new Stop(name);
}

/** The tally so far: { passed, failures: [{ name, detail }] }. */
export const results = () => ({ passed, failures: [...failures] });

/** In a run's catch: an error other than a must()'s Stop fails the check `name`, with its first line. */
export function endedEarly(e, name = 'the check ran to the end') {
  if (!(e instanceof Stop)) check(name, false, String(e && e.message ? e.message.split('\n')[0] : e));
}

/** Checks that every URL in `requests` stayed on `origin` (data:, about: and blob: URLs are local). */
export function checkNoRequestLeft(requests, origin) {
  const foreign = [...new Set(requests.filter((u) => !/^(data|about|blob):/.test(u) && new URL(u).origin !== origin))];
  check(`no request left ${origin} (${requests.length} requests)`, foreign.length === 0, foreign.join(', '));
}

/** Prints "browser: N passed, M failed" and exits, 1 when any check failed. */
export function finish() {
  console.log(`browser: ${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

/** Whether a bounding box (null when not rendered) lies wholly on a screen of that size. */
export const within = (box, { width, height }) =>
  !!box && box.x >= 0 && box.y >= 0 && box.x + box.width <= width && box.y + box.height <= height;

/**
 * An image's natural width once it has loaded, 0 when it failed or had not loaded within
 * `ms`. Waits for the image's own load or error event: the page's load event does not wait
 * for a lazy image (scroll it into view first).
 */
export const loadedWidth = (image, ms = 10000) => image.evaluate((img, ms) => new Promise((resolve) => {
  const done = () => resolve(img.complete ? img.naturalWidth : 0);
  if (img.complete) return done();
  img.addEventListener('load', done, { once: true });
  img.addEventListener('error', done, { once: true });
  setTimeout(done, ms);
}), ms);

/** Debian's headless Chromium, or the binary in CHROMIUM, with its own network traffic off. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Signs `who` ({ email, password }) in on the console's sign-in form at `base`. */
export async function signIn(page, base, who) {
  await page.goto(`${base}/admin/login`);
  await page.fill('input[name=email]', who.email);
  await page.fill('input[name=password]', who.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
