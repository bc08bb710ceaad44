import { escapeMarkup, type OfflineContext } from './_offline-context.js';

/** Picks readable text colours for a palette: dark text on light backgrounds and vice versa. */
function isLight(hex: string): boolean {
  const value = parseInt(hex.slice(1), 16);
  const r = (value >> 16) & 255;
  const g = (value >> 8) & 255;
  const b = value & 255;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 150;
}

/** The brand palette with a primary, an accent and a light background colour, always three entries. */
export function paletteOf(context: OfflineContext): { primary: string; accent: string; light: string } {
  const palette = context.brand.palette.filter((color) => /^#[0-9a-fA-F]{6}$/.test(color));
  const primary = palette[0] ?? '#1f3a5f';
  const accent = palette[1] ?? '#f2a541';
  const light = palette.find((color) => isLight(color) && color !== accent) ?? '#f7f4ef';
  return { primary, accent, light };
}

/**
 * A complete, self-contained landing page: inline CSS, no scripts, no external resources. It
 * carries only public copy: no steering notes and no testimonial, since a draft has no real one.
 */
export function landingPageHtml(
  context: OfflineContext,
  copy: { headline: string; subheadline: string; benefits: { title: string; text: string }[]; cta: string },
): string {
  const { primary, accent, light } = paletteOf(context);
  const onPrimary = isLight(primary) ? '#111111' : '#ffffff';
  const onAccent = isLight(accent) ? '#111111' : '#ffffff';
  const e = escapeMarkup;
  const benefits = copy.benefits
    .map((benefit) => `      <article class="benefit">\n        <h3>${e(benefit.title)}</h3>\n        <p>${e(benefit.text)}</p>\n      </article>`)
    .join('\n');
  const disclaimers = context.brand.requiredDisclaimers.map((d) => `      <p>${e(d)}</p>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${e(copy.headline)} | ${e(context.brand.name)}</title>
  <meta name="description" content="${e(copy.subheadline)}">
  <style>
    :root { --primary: ${primary}; --accent: ${accent}; --light: ${light}; }
    * { box-sizing: border-box; }
    body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; background: var(--light); line-height: 1.55; }
    header.hero { background: var(--primary); color: ${onPrimary}; padding: 72px 24px 88px; text-align: center; }
    .brand { font-weight: 700; letter-spacing: .08em; text-transform: uppercase; font-size: .85rem; opacity: .85; }
    h1 { font-size: clamp(2rem, 5vw, 3.2rem); margin: .4em auto .3em; max-width: 18em; line-height: 1.15; }
    .sub { font-size: 1.2rem; max-width: 34em; margin: 0 auto 2em; opacity: .92; }
    .cta { display: inline-block; background: var(--accent); color: ${onAccent}; padding: 14px 28px; border-radius: 999px; font-weight: 700; text-decoration: none; }
    main { max-width: 1040px; margin: -48px auto 0; padding: 0 24px 64px; }
    .benefits { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 20px; }
    .benefit { background: #fff; border-radius: 16px; padding: 24px; box-shadow: 0 6px 24px rgba(0,0,0,.08); }
    .benefit h3 { margin-top: 0; color: var(--primary); }
    .closing { text-align: center; margin-top: 48px; }
    footer { text-align: center; font-size: .8rem; padding: 24px; opacity: .7; }
  </style>
</head>
<body>
  <header class="hero">
    <div class="brand">${e(context.brand.name)}</div>
    <h1>${e(copy.headline)}</h1>
    <p class="sub">${e(copy.subheadline)}</p>
    <a class="cta" href="#get-started">${e(copy.cta)}</a>
  </header>
  <main>
    <section class="benefits" aria-label="Why ${e(context.product)}">
${benefits}
    </section>
    <section class="closing" id="get-started">
      <h2>Ready when you are</h2>
      <a class="cta" href="#get-started">${e(copy.cta)}</a>
    </section>
  </main>
  <footer>
      <p>&copy; ${e(context.brand.name)}</p>
${disclaimers}
  </footer>
</body>
</html>
`;
}

/** A 1200x628 SVG banner in the brand palette: headline, brand name and a call-to-action pill. */
export function bannerSvg(context: OfflineContext, copy: { headline: string; cta: string }): string {
  const { primary, accent, light } = paletteOf(context);
  const onPrimary = isLight(primary) ? '#111111' : '#ffffff';
  const onAccent = isLight(accent) ? '#111111' : '#ffffff';
  const e = escapeMarkup;
  // split the headline over at most three lines of ~26 characters
  const words = copy.headline.split(/\s+/);
  const lines: string[] = [];
  for (const word of words) {
    const last = lines[lines.length - 1];
    if (last !== undefined && (last + ' ' + word).length <= 26) lines[lines.length - 1] = `${last} ${word}`;
    else if (lines.length < 3) lines.push(word);
  }
  const text = lines.map((line, i) => `    <tspan x="72" dy="${i === 0 ? 0 : 64}">${e(line)}</tspan>`).join('\n');
  const ctaWidth = Math.min(440, 48 + copy.cta.length * 15);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="628" viewBox="0 0 1200 628" role="img" aria-label="${e(copy.headline)}">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="${primary}"/>
      <stop offset="1" stop-color="${primary}" stop-opacity="0.82"/>
    </linearGradient>
  </defs>
  <rect width="1200" height="628" fill="url(#bg)"/>
  <circle cx="1040" cy="120" r="220" fill="${accent}" opacity="0.9"/>
  <circle cx="1130" cy="560" r="150" fill="${light}" opacity="0.25"/>
  <text x="72" y="96" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="28" font-weight="700" letter-spacing="4" fill="${onPrimary}" opacity="0.85">${e(context.brand.name.toUpperCase())}</text>
  <text x="72" y="230" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="56" font-weight="800" fill="${onPrimary}">
${text}
  </text>
  <rect x="72" y="476" width="${ctaWidth}" height="72" rx="36" fill="${accent}"/>
  <text x="${72 + ctaWidth / 2}" y="522" text-anchor="middle" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="28" font-weight="700" fill="${onAccent}">${e(copy.cta)}</text>
</svg>`;
}
