// The poster designer and the group pool in a real browser: headless Chromium at
// 1280x800 signs in as a marketer, drags the QR box on the demo campaign's poster (the
// server-drawn preview changes and still scans), saves; switches to the second design
// (its own preview, avatar box), copies it as a third, removes that one; then adds a
// group with a QR image on the group pool page.
//
// Usage: FISSION_CONSOLE_EMAIL=... FISSION_CONSOLE_PASSWORD=... node console_poster.mjs <base_url> <out_dir>
// Writes console-poster.png, console-poster-design2.png and console-groups.png to out_dir; prints one
// "browser: N passed, M failed" line and exits 1 on any failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stop, check, finish, launch, loadedWidth, must, results, signIn } from './lib.mjs';

const [base, out] = process.argv.slice(2);
const email = process.env.FISSION_CONSOLE_EMAIL;
const password = process.env.FISSION_CONSOLE_PASSWORD;
if (!base || !out || !email || !password) {
  console.error('usage: FISSION_CONSOLE_EMAIL=.. FISSION_CONSOLE_PASSWORD=.. node console_poster.mjs <base_url> <out_dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const origin = new URL(base).origin;
const slug = 'spring-tea';

// A 29x29 QR-like PNG made in the page's own canvas (no file on disk needed).
async function pngFromCanvas(page) {
  const data = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, 240, 240);
    g.fillStyle = '#000';
    for (let y = 0; y < 24; y++) for (let x = 0; x < 24; x++) if ((x * 7 + y * 13) % 5 < 2) g.fillRect(x * 10, y * 10, 10, 10);
    return c.toDataURL('image/png').split(',')[1];
  });
  return Buffer.from(data, 'base64');
}

const browser = await launch();
const external = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
  context.on('request', (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) external.push(r.url()); });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  await signIn(page, base, { email, password });
  must('signed in', !page.url().includes('/admin/login'), page.url());

  // The designer.
  await page.goto(`${base}/admin/campaigns/${slug}/poster`);
  must('designer page', await page.locator('#qr-box').isVisible());
  const stage = await page.locator('#poster-stage').boundingBox();
  const ratio = await page.locator('#poster-stage').evaluate((s) => s.dataset.width / s.dataset.height);
  check('stage at the background\'s proportions', Math.abs(stage.width / stage.height - ratio) < 0.02, `${stage.width}x${stage.height} vs ${ratio}`);
  const firstStatus = page.locator('#qr-status.ok, #qr-status.danger');
  await firstStatus.first().waitFor({ timeout: 20000 });
  const before = await page.locator('#poster-preview').getAttribute('src');
  const x0 = await page.inputValue('input[name=qr_x]');
  const box = await page.locator('#qr-box').boundingBox();
  const mouse = page.mouse;
  await mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await mouse.down();
  await mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 - 200, { steps: 8 });
  await mouse.up();
  const x1 = await page.inputValue('input[name=qr_x]');
  check('dragging the QR box changes x', x1 !== x0, `${x0} -> ${x1}`);
  const moved = await page.locator('#qr-box').boundingBox();
  check('the box stays inside the image', moved.x >= stage.x - 1 && moved.y >= stage.y - 1 &&
    moved.x + moved.width <= stage.x + stage.width + 1 && moved.y + moved.height <= stage.y + stage.height + 1);
  await page.waitForFunction((old) => {
    const img = document.getElementById('poster-preview');
    return img.src !== old && img.src.startsWith('blob:') && img.complete && img.dataset.reads !== undefined;
  }, before, { timeout: 20000 });
  check('the preview changed after the move', (await page.locator('#poster-preview').getAttribute('src')) !== before);
  check('the moved code still scans', (await page.locator('#poster-preview').getAttribute('data-reads')) === 'true');
  // Resize with the handle (touch-style pointer events are the same code path).
  const beforeResize = await page.locator('#poster-preview').getAttribute('src');
  const handle = await page.locator('#qr-box .handle').boundingBox();
  const size0 = await page.inputValue('input[name=qr_size]');
  await mouse.move(handle.x + 5, handle.y + 5);
  await mouse.down();
  await mouse.move(handle.x + 40, handle.y + 40, { steps: 5 });
  await mouse.up();
  check('the handle resizes the QR box', (await page.inputValue('input[name=qr_size]')) !== size0);
  await page.screenshot({ path: join(out, 'console-poster.png') });
  // Saving agrees with the preview: a code that scans at half size too is saved, one that
  // does not is refused with the reason, what was typed kept.
  await page.waitForFunction((old) => {
    const img = document.getElementById('poster-preview');
    return img.src !== old && img.dataset.readsSmall !== undefined && document.getElementById('qr-status').className !== 'badge';
  }, beforeResize, { timeout: 20000 });
  const small = (await page.locator('#poster-preview').getAttribute('data-reads-small')) === 'true';
  await Promise.all([page.waitForNavigation(), page.click('#poster-form button[type=submit]')]);
  if (small) {
    check('saved', page.url().includes('done=saved'), page.url());
  } else {
    check('refused: it does not scan at half size', (await page.locator('#poster-error').textContent()).includes('缩小一半'));
    await page.screenshot({ path: join(out, 'console-poster-refused.png') });
  }
  check('the x is shown', (await page.inputValue('input[name=qr_x]')) === x1);

  // The designs: the demo has two; the second one has its own preview and an avatar box.
  const tabs = page.locator('#design-tabs a.design-tab');
  check('the demo has two designs as tabs', (await tabs.count()) === 2, String(await tabs.count()));
  await Promise.all([page.waitForNavigation(), tabs.nth(1).click()]);
  check('the second design is shown', page.url().includes('design=1'), page.url());
  check('its name is filled in', (await page.inputValue('input[name=design_name]')) === '简约款');
  check('its avatar box is on the stage', await page.locator('#avatar-box').isVisible());
  await page.locator('#qr-status.ok, #qr-status.warn, #qr-status.danger').first().waitFor({ timeout: 20000 });
  await page.waitForFunction(() => document.getElementById('poster-preview').dataset.readsSmall !== undefined, null, { timeout: 20000 });
  check('the second design scans at full and half size',
    (await page.locator('#poster-preview').getAttribute('data-reads-small')) === 'true');
  await page.screenshot({ path: join(out, 'console-poster-design2.png') });
  await Promise.all([page.waitForNavigation(), page.click('#design-add button')]);
  check('a third design is added', page.url().includes('design=2') && page.url().includes('done=added'), page.url());
  check('three tabs and no add button', (await tabs.count()) === 3 && !(await page.locator('#design-add').count()));
  await Promise.all([page.waitForNavigation(), page.click('#design-remove button')]);
  check('the third design is removed', (await tabs.count()) === 2, page.url());

  // The group pool.
  await page.goto(`${base}/admin/campaigns/${slug}/groups`);
  must('group pool page', await page.locator('form#group-new').isVisible());
  const rowsBefore = await page.locator('#group-pool tbody tr').count();
  await page.fill('#group-new input[name=name]', '浏览器测试群');
  await page.fill('#group-new input[name=capacity]', '180');
  await page.setInputFiles('#group-new input[name=qr]', { name: 'qr.png', mimeType: 'image/png', buffer: await pngFromCanvas(page) });
  await Promise.all([page.waitForNavigation(), page.click('#group-new button[type=submit]')]);
  check('group added', page.url().includes('done=created'), page.url());
  const rowsAfter = await page.locator('#group-pool tbody tr').count();
  check('the pool has one more group', rowsAfter === rowsBefore + 1, `${rowsBefore} -> ${rowsAfter}`);
  // The thumbnail is lazy: in view, its own load is waited for; a broken image still fails.
  const thumb = page.locator('#group-pool tr:has-text("浏览器测试群") img.qr-thumb');
  await thumb.scrollIntoViewIfNeeded();
  check('its QR thumbnail loads', (await loadedWidth(thumb)) > 0);
  await page.screenshot({ path: join(out, 'console-groups.png'), fullPage: false });
  check('no script errors', errors.length === 0, errors.join('; '));
  check('no external requests', external.length === 0, external.join(', '));
} catch (e) {
  if (!(e instanceof Stop)) check(String(e), false);
} finally {
  await browser.close();
}
const { passed, failures } = results();
writeFileSync(join(out, 'console-poster.txt'), `${passed} passed, ${failures.length} failed\n${failures.map((f) => f.name).join('\n')}\n`);
finish();
