import type { CaseCategory } from './categories';

export const ESCALATION_TARGETS = ['service-ops', 'microsoft-channel', 'vendor'] as const;
export type EscalationTarget = (typeof ESCALATION_TARGETS)[number];

export interface Route {
  /** Who owns the next step: the provider's own tiers, an escalation, or triage (not yet known). */
  handledBy: 'support-provider' | 'escalation' | 'triage';
  target: EscalationTarget | null;
  reason: string;
}

/** Where a case belongs by category (DOMAIN.md, "Routing when a case must leave the support provider"). */
export function routeFor(category: CaseCategory): Route {
  switch (category) {
    case 'managed-desktop-service':
      return {
        handledBy: 'escalation',
        target: 'service-ops',
        reason: 'A policy or setting the managed-desktop service applies: escalate to service operations.',
      };
    case 'hardware':
      return {
        handledBy: 'escalation',
        target: 'vendor',
        reason: 'A hardware fault: hand off directly to the hardware vendor.',
      };
    case 'other-microsoft':
      return {
        handledBy: 'escalation',
        target: 'microsoft-channel',
        reason: "Another Microsoft product: escalate through the organisation's Microsoft support channel.",
      };
    case 'unclassified':
      return {
        handledBy: 'triage',
        target: null,
        reason: 'Not classified yet: an agent must triage the case.',
      };
    case 'windows-os':
    case 'microsoft-apps':
    case 'browser':
    case 'device':
    case 'infrastructure':
    case 'line-of-business-app':
      return {
        handledBy: 'support-provider',
        target: null,
        reason: "Within the support provider's scope: worked by its tiers to resolution.",
      };
  }
}
