/**
 * The brand's colours on the pages customers open from their emails (preference page,
 * unsubscribe), and the contrast they must keep to stay readable (WCAG 2.x AA).
 *
 * Contract:
 *   BRAND_COLOR_DEFAULTS                 the colours used where config/rapport.yaml gives none
 *   contrastRatio(a, b)                  WCAG contrast ratio of two hex colours (1 to 21)
 *   brandPalette(colors)                 every colour a page uses, derived from the three given
 *   paletteProblems(colors)              what keeps a set of colours from AA, one line each
 *                                        (naming the setting, the ratio and what it needs)
 *
 * Three colours are configured: `primary` (buttons, links, focus rings, checkboxes),
 * `background` (the page) and `text`. The rest is derived: the panel behind the page is
 * `background` with a little `text` mixed in, and a button's label is `background` or
 * `text`, whichever stands out more on `primary`.
 */

export interface BrandColors {
  primary: string;
  background: string;
  text: string;
}

/** Warm near-white, near-black, a brown red: 15.6:1 text, 7.0:1 links, 7.0:1 button labels. */
export const BRAND_COLOR_DEFAULTS: Readonly<BrandColors> = {
  primary: "#8c4a2f",
  background: "#fffdfa",
  text: "#26211d",
};

export const HEX_COLOR = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** Body text and links (WCAG 1.4.3). */
export const AA_TEXT = 4.5;

type Rgb = [number, number, number];

function rgbOf(hex: string): Rgb {
  if (!HEX_COLOR.test(hex)) throw new TypeError(`not a hex colour: ${JSON.stringify(hex)}`);
  let h = hex.slice(1);
  if (h.length === 3) h = [...h].map((c) => c + c).join("");
  return [0, 2, 4].map((i) => Number.parseInt(h.slice(i, i + 2), 16)) as Rgb;
}

function hexOf(rgb: Rgb): string {
  return `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, "0")).join("")}`;
}

function luminance(hex: string): number {
  const [r, g, b] = rgbOf(hex).map((v) => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** `a` with `share` (0..1) of `b` mixed in. */
export function mix(a: string, b: string, share: number): string {
  const x = rgbOf(a);
  const y = rgbOf(b);
  return hexOf([0, 1, 2].map((i) => (x[i] as number) * (1 - share) + (y[i] as number) * share) as Rgb);
}

export interface BrandPalette extends BrandColors {
  /** Behind the page's panel and the brand's name above it. */
  backdrop: string;
  /** A button's label on `primary`. */
  onPrimary: string;
  /** Secondary text (hints, small print). */
  quiet: string;
  /** Lines around fields and between sections. */
  border: string;
}

const BACKDROP_SHARE = 0.06;
const QUIET_SHARE = 0.3;

export function brandPalette(colors: BrandColors): BrandPalette {
  const { primary, background, text } = colors;
  const onPrimary = contrastRatio(background, primary) >= contrastRatio(text, primary) ? background : text;
  return {
    primary,
    background,
    text,
    backdrop: mix(background, text, BACKDROP_SHARE),
    onPrimary,
    quiet: mix(text, background, QUIET_SHARE),
    border: mix(background, text, 0.45),
  };
}

const ratioText = (r: number) => `${(Math.floor(r * 10) / 10).toFixed(1)}:1`;

/**
 * What keeps these colours from WCAG AA, as `setting: problem` lines (empty: none).
 * Each pair a page puts together is checked: text and quiet text on the page and on the
 * backdrop, links on the page, the button's label on `primary`.
 */
export function paletteProblems(colors: BrandColors): Array<{ setting: keyof BrandColors; message: string }> {
  const p = brandPalette(colors);
  const out: Array<{ setting: keyof BrandColors; message: string }> = [];
  const need = (setting: keyof BrandColors, fg: string, bg: string, what: string) => {
    const r = contrastRatio(fg, bg);
    if (r < AA_TEXT)
      out.push({
        setting,
        message: `${what} has a contrast of ${ratioText(r)}; readable text needs at least ${AA_TEXT}:1 (WCAG AA)`,
      });
  };
  need("text", p.text, p.background, `text ${p.text} on background ${p.background}`);
  if (out.length === 0) {
    need("text", p.text, p.backdrop, `text ${p.text} on the page's edge (${p.backdrop}, from background)`);
    need("text", p.quiet, p.background, `small print (${p.quiet}, from text) on background ${p.background}`);
  }
  need("primary", p.primary, p.background, `links in primary ${p.primary} on background ${p.background}`);
  need("primary", p.onPrimary, p.primary, `button labels (${p.onPrimary}) on primary ${p.primary}`);
  return out;
}
