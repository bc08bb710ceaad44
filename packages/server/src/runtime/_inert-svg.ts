import sanitizeHtml from 'sanitize-html';
import { inertCss } from './_inert-css.js';

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';
const XLINK_NAMESPACE = 'http://www.w3.org/1999/xlink';

// Drawing elements only: no script, foreignObject, animation (it can rewrite href), a, or
// anything in another namespace (an XHTML <h:script> runs in an SVG file). No <style> either: in
// XML mode the parser hands its text over decoded and the sanitizer writes it back unescaped, so
// `&lt;script&gt;` in a stylesheet would come out as a live tag. Style attributes are escaped and stay.
const ELEMENTS = [
  'svg', 'g', 'defs', 'symbol', 'use', 'title', 'desc',
  'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'path',
  'text', 'tspan', 'textPath',
  'linearGradient', 'radialGradient', 'stop', 'pattern', 'clipPath', 'mask', 'marker', 'image',
  'filter', 'feGaussianBlur', 'feOffset', 'feBlend', 'feColorMatrix', 'feFlood', 'feComposite', 'feMerge', 'feMergeNode', 'feDropShadow', 'feMorphology',
];

const GEOMETRY = ['x', 'y', 'x1', 'y1', 'x2', 'y2', 'cx', 'cy', 'r', 'rx', 'ry', 'fx', 'fy', 'fr', 'width', 'height', 'd', 'points', 'pathLength', 'dx', 'dy', 'rotate', 'textLength', 'lengthAdjust', 'startOffset'];
const PRESENTATION = [
  'fill', 'fill-opacity', 'fill-rule', 'stroke', 'stroke-width', 'stroke-opacity', 'stroke-linecap', 'stroke-linejoin', 'stroke-dasharray', 'stroke-dashoffset', 'stroke-miterlimit',
  'opacity', 'color', 'display', 'visibility', 'transform', 'transform-origin', 'clip-path', 'clip-rule', 'mask', 'filter',
  'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant', 'letter-spacing', 'word-spacing', 'text-anchor', 'dominant-baseline', 'alignment-baseline', 'baseline-shift', 'text-decoration', 'writing-mode',
  'stop-color', 'stop-opacity', 'flood-color', 'flood-opacity', 'lighting-color', 'paint-order', 'vector-effect', 'shape-rendering', 'text-rendering', 'image-rendering', 'color-interpolation-filters',
  'marker-start', 'marker-mid', 'marker-end', 'overflow', 'mix-blend-mode', 'isolation',
];
const STRUCTURE = [
  'id', 'class', 'style', 'viewBox', 'preserveAspectRatio', 'version', 'role', 'aria-label', 'aria-hidden', 'lang', 'xml:space', 'xml:lang',
  'gradientUnits', 'gradientTransform', 'spreadMethod', 'offset', 'patternUnits', 'patternContentUnits', 'patternTransform', 'clipPathUnits', 'maskUnits', 'maskContentUnits',
  'markerWidth', 'markerHeight', 'markerUnits', 'refX', 'refY', 'orient', 'filterUnits', 'primitiveUnits',
  'in', 'in2', 'result', 'stdDeviation', 'mode', 'type', 'values', 'operator', 'k1', 'k2', 'k3', 'k4', 'radius',
  'href', 'xlink:href', 'xmlns', 'xmlns:xlink',
];

const FRAGMENT_ONLY_URL = /url\s*\(\s*(['"]?)(?!#)[^)]*\)/i;

/**
 * An SVG written by a model, made safe to open as a file: parsed as XML by sanitize-html
 * (htmlparser2) and rebuilt from an allowlist of drawing elements and attributes. Elements outside
 * it go with all their content; references may only point inside the document (`#id`), except an
 * `<image>` of an embedded raster (`data:image/png|jpeg|gif|webp`); style attributes go through `inertCss`.
 * Returns an empty string when no `<svg>` root is left.
 */
export function inertSvg(svg: string): string {
  const cleaned = sanitizeHtml(svg, {
    parser: { xmlMode: true },
    allowedTags: ELEMENTS,
    allowVulnerableTags: true,
    disallowedTagsMode: 'completelyDiscard',
    allowedAttributes: { '*': [...GEOMETRY, ...PRESENTATION, ...STRUCTURE] },
    // URLs are judged below, in full, rather than by scheme.
    allowedSchemes: ['data'],
    allowedSchemesAppliedToAttributes: [],
    allowProtocolRelative: false,
    transformTags: {
      '*': (tagName, attribs) => ({ tagName, attribs: inertAttributes(tagName, attribs) }),
    },
  });
  const start = cleaned.indexOf('<svg');
  if (start < 0 || !/<\/svg>\s*$/.test(cleaned)) return '';
  // Text a parser left before the root (an internal DTD subset) would make the file invalid XML.
  return cleaned.slice(start).trim();
}

function inertAttributes(tagName: string, attribs: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(attribs)) {
    if (name === 'href' || name === 'xlink:href') {
      const target = value.trim();
      const embeddedRaster = tagName === 'image' && /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]*$/i.test(target);
      if (target.startsWith('#') || embeddedRaster) kept[name] = target;
    } else if (name === 'xmlns') {
      // The root's namespace is set below; any other default namespace would move elements out of SVG.
    } else if (name === 'xmlns:xlink') {
      if (value.trim() === XLINK_NAMESPACE) kept[name] = XLINK_NAMESPACE;
    } else if (name === 'style') {
      const css = inertCss(value);
      if (css) kept[name] = css;
    } else if (!FRAGMENT_ONLY_URL.test(value)) {
      kept[name] = value;
    }
  }
  if (tagName === 'svg') return { xmlns: SVG_NAMESPACE, ...kept };
  return kept;
}
