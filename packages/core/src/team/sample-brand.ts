import { defineBrand, type Brand } from './brand.js';

/** The demo brand: a fictional bookkeeping app for independent cafés. */
export const sampleBrand: Brand = defineBrand({
  name: 'Brewline',
  voiceGuide: [
    'Warm, plain-spoken and practical, like a good café manager talking to a peer.',
    '- Speak to the owner as "you"; speak as "we".',
    '- Short sentences. Concrete numbers over adjectives ("saves 4 hours a week", not "saves tons of time").',
    '- Light humour about café life is welcome; jokes about customers or staff are not.',
    '- Never condescend about money: owners are experts at running a café, not at accounting.',
  ].join('\n'),
  styleGuide: [
    '- British English spelling (optimise, colour). Sentence case headings.',
    '- Product names: "Brewline", "Brewline Tills", "Brewline Payroll"; never abbreviate.',
    '- At most one emoji per post, only ☕ or 📈.',
    '- Colours: espresso #3b2416 (primary), crema #e0a458 (accent), milk #fbf6ee (background).',
    '- Imagery: real cafés, morning light, hands at work; no stock handshakes.',
  ].join('\n'),
  strategy: [
    'Goal for the year: 5,000 paying cafés in the UK and Ireland.',
    'Position Brewline as the bookkeeping app made for cafés, not a generic accounting tool cafés must bend to.',
    'Growth comes from owner-to-owner referrals and from the moment a café opens a second site.',
    'Proof points: reconciles till data daily; VAT return in 10 minutes; used by 1,800 cafés.',
  ].join('\n'),
  audience:
    'Owners and managers of independent cafés and small coffee chains (1-5 sites) in the UK and Ireland, usually doing the books themselves late at night.',
  products: [
    { name: 'Brewline', description: 'Bookkeeping for cafés: till sync, daily reconciliation, VAT returns.' },
    { name: 'Brewline Tills', description: 'Till integration that turns every sale into tidy books automatically.' },
    { name: 'Brewline Payroll', description: 'Rota-aware payroll for baristas with tips handled correctly.' },
  ],
  bannedTerms: ['synergy', 'disrupt', 'guaranteed savings', 'cheap'],
  requiredDisclaimers: ['30-day free trial; no card needed.'],
  palette: ['#3b2416', '#e0a458', '#fbf6ee'],
  website: 'https://brewline.example',
});
