/**
 * Does a text fit its box in the page? The text's own box (a DOM Range over
 * the element's contents) against the element's box: the room left and right
 * of the text, and whether the text stays inside vertically. Runs in the page.
 */
import type { Page } from 'playwright-core';

export interface Fit {
  /** px between the box's left edge and the text, and the text and the right edge */
  left: number;
  right: number;
  /** the text stays within the box's top and bottom */
  inside: boolean;
}

export async function textFit(page: Page, selector: string): Promise<Fit> {
  return page.evaluate(`(() => {
    const b = document.querySelector(${JSON.stringify(selector)});
    const r = document.createRange();
    r.selectNodeContents(b);
    const t = r.getBoundingClientRect();
    const o = b.getBoundingClientRect();
    return { left: t.left - o.left, right: o.right - t.right, inside: t.top >= o.top && t.bottom <= o.bottom };
  })()`);
}
