import type { DeliverableOf } from '@marketing-team/core';
import { html, nothing } from 'lit';
import type { WidgetStrings } from '../strings.js';

// The bodies of the structured deliverables, in the lazily loaded module: a first paint shows no
// deliverable, and the cards that do render them load this module for their Markdown anyway.

// Palette entries are model output and end up in a style: only plain colour notations pass.
const SAFE_COLOUR = /^(?:#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\(\s*[\d.\s,%]+\)|hsla?\(\s*[\d.\s,%deg]+\))$/i;

/** Social posts as channel-styled cards; a count only where the limit bites. */
export function renderPosts(deliverable: DeliverableOf<'social-posts'>, strings: WidgetStrings) {
  return html`<div class="grid">
    ${deliverable.data.posts.map((post) => {
      // Counted here rather than trusted from the model; shown only where the limit bites
      // (a post near or over it), so "363 / 63206 characters" does not clutter every card.
      const count = Array.from(post.text).length;
      const over = count > post.characterLimit;
      const near = count >= post.characterLimit * 0.8;
      return html`<section part="post" data-channel=${post.channel} aria-label=${strings.channels[post.channel]}>
        <span class="channel">${strings.channels[post.channel]}</span>
        <p class="post-text">${post.text}</p>
        ${post.hashtags.length
          ? html`<span class="tags">${post.hashtags.map((tag) => (tag.startsWith('#') ? tag : `#${tag}`)).join(' ')}</span>`
          : nothing}
        ${near
          ? html`<span class="count" ?data-over=${over}
              >${strings.characterCount(count, post.characterLimit)}${over ? html` · ${strings.overLimit}` : nothing}</span
            >`
          : nothing}
      </section>`;
    })}
  </div>`;
}

/** Ad variants, one card each. */
export function renderAdCopy(deliverable: DeliverableOf<'ad-copy'>, strings: WidgetStrings) {
  return html`<div class="grid">
    ${deliverable.data.variants.map(
      (variant) => html`<section part="variant" aria-label=${variant.headline}>
        <span class="channel">${Object.hasOwn(strings.platforms, variant.platform) ? strings.platforms[variant.platform] : variant.platform}</span>
        <strong>${variant.headline}</strong>
        <span class="post-text">${variant.description}</span>
        <span class="cta">${variant.callToAction}</span>
      </section>`,
    )}
  </div>`;
}

/** The banner (only ever as an image) and the concepts with their safe colours. */
export function renderCreative(deliverable: DeliverableOf<'creative-concepts'>, strings: WidgetStrings) {
  const banner = deliverable.data.bannerSvg.trim();
  return html`${banner
      ? html`<img
          part="banner"
          alt=${strings.bannerAlt(deliverable.title)}
          src=${`data:image/svg+xml;charset=utf-8,${encodeURIComponent(banner)}`}
        />`
      : nothing}
    <div class="grid">
      ${deliverable.data.concepts.map(
        (concept) => html`<section part="variant" aria-label=${concept.name}>
          <strong>${concept.name}</strong>
          <span class="post-text">${concept.description}</span>
          <div class="swatches" aria-hidden="true">
            ${concept.palette
              .filter((colour) => SAFE_COLOUR.test(colour.trim()))
              .map((colour) => html`<span class="swatch" style="background: ${colour.trim()}" title=${colour}></span>`)}
          </div>
        </section>`,
      )}
    </div>`;
}

/** The measurement plan as a table that says it scrolls on a phone. */
export function renderMeasurement(deliverable: DeliverableOf<'measurement-plan'>, strings: WidgetStrings) {
  return html`<p class="scroll-hint" aria-hidden="true">${strings.scrollSideways}</p>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${deliverable.title}>
      <table part="table">
        <thead>
          <tr>
            <th scope="col">${strings.kpiName}</th>
            <th scope="col">${strings.kpiMetric}</th>
            <th scope="col">${strings.kpiTarget}</th>
            <th scope="col">${strings.kpiChannel}</th>
            <th scope="col">${strings.kpiCadence}</th>
          </tr>
        </thead>
        <tbody>
          ${deliverable.data.kpis.map(
            (kpi) => html`<tr>
              <td>${kpi.name}</td>
              <td>${kpi.metric}</td>
              <td>${kpi.target}</td>
              <td>${kpi.channel ?? ''}</td>
              <td>${kpi.cadence}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${deliverable.data.tools.length
      ? html`<p><strong>${strings.measurementTools}:</strong> ${deliverable.data.tools.join(', ')}</p>`
      : nothing}`;
}
