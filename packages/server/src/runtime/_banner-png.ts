/** Width of the PNG rendering of a banner, in pixels, unless that would make it too tall. */
export const BANNER_PNG_WIDTH = 1200;
/** The longest side a banner PNG may have, so an extreme aspect ratio cannot exhaust memory. */
export const BANNER_PNG_MAX_SIDE = 4096;

/**
 * Renders an (already sanitized) SVG banner to PNG with resvg, which draws offline: it loads no
 * URL and no file (no resources directory is given), only the system fonts. The renderer is a
 * native module loaded on first use, so a server that never exports does not load it.
 */
export async function renderBannerPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  const probe = new Resvg(svg, { font: { loadSystemFonts: false } });
  const ratio = probe.height / Math.max(probe.width, 1);
  const fitTo =
    BANNER_PNG_WIDTH * ratio <= BANNER_PNG_MAX_SIDE
      ? ({ mode: 'width', value: BANNER_PNG_WIDTH } as const)
      : ({ mode: 'height', value: BANNER_PNG_MAX_SIDE } as const);
  const renderer = new Resvg(svg, { fitTo, font: { loadSystemFonts: true } });
  return renderer.render().asPng();
}
