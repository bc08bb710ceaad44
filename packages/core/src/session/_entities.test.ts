import { describe, expect, it } from 'vitest';
import {
  AgentStateSchema,
  CardStateSchema,
  RoutingDecisionStateSchema,
  RunStateSchema,
  SteerStateSchema,
  TaskStateSchema,
} from '../protocol/state.js';
import { ENTITY_KEYS } from './_entities.js';

describe('the reducer\'s entity key order', () => {
  it('is each state schema\'s key order, so a state built by the reducer serialises as one parsed from a snapshot', () => {
    expect(ENTITY_KEYS.run).toEqual(Object.keys(RunStateSchema.shape));
    expect(ENTITY_KEYS.task).toEqual(Object.keys(TaskStateSchema.shape));
    expect(ENTITY_KEYS.agent).toEqual(Object.keys(AgentStateSchema.shape));
    expect(ENTITY_KEYS.card).toEqual(Object.keys(CardStateSchema.shape));
    expect(ENTITY_KEYS.steer).toEqual(Object.keys(SteerStateSchema.shape));
    expect(ENTITY_KEYS.routingDecision).toEqual(Object.keys(RoutingDecisionStateSchema.shape));
  });
});
