// The browser tests' precondition as a test of its own, so a machine without Chromium shows a
// failed test here (the other browser files fail in their setup), never a skip.
import { expect, it } from 'vitest';
import { CHROMIUM, launchChromium } from './chromium.ts';

it(`Chromium (${CHROMIUM}; NNWASM_CHROMIUM names another) is installed, starts headless and runs WebAssembly SIMD`, async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    expect(await page.evaluate(() => navigator.userAgent)).toMatch(/HeadlessChrome\/\d+/);
    // the smallest module using a v128 op: (func (result v128) v128.const i32x4 0 0 0 0)
    const simd = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, ...new Array(16).fill(0), 11];
    expect(await page.evaluate((bytes) => WebAssembly.validate(new Uint8Array(bytes)), simd)).toBe(true);
  } finally {
    await browser.close();
  }
});
