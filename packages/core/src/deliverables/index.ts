export { DELIVERABLE_LABELS, outputFormatInstructions } from './output-format.js';
export { parseDeliverable, type ParseDeliverableInput, type DeliverableBrandRules } from './parse-deliverable.js';
export {
  SOCIAL_CHANNEL_LIMITS,
  AD_PLATFORM_LIMITS,
  adPlatformOf,
  countCharacters,
  fitText,
  hashtagsIn,
  findBannedTerms,
  repairSocialPost,
  repairAdVariant,
  type SocialChannelLimit,
  type AdPlatformLimit,
  type AdPlatform,
  type SocialPostDraft,
  type RepairedSocialPost,
  type AdVariantDraft,
} from './channel-limits.js';
