import { useCallback } from 'react';
import { findMessage, type AgentState, type MessageState, type SessionState, type Stalled, type TaskState } from '@marketing-team/core/client';
import { own } from './internal/_own.js';
import { AgentArgumentSchema, parseArgument } from './internal/_validate.js';
import { useSessionSelector, type SessionHookOptions } from './use-session-selector.js';

/** One agent's lane: what it is doing and the text it is writing. */
export interface AgentStream {
  /** The agent name. */
  agent: string;
  /** `working` while the agent has a task in progress. */
  status: AgentState['status'];
  /** Text of its current (or last) message; empty before the first. */
  text: string;
  /** True while that message is still streaming. */
  streaming: boolean;
  /** Its current (or last) message. */
  message: MessageState | undefined;
  /** The task that message belongs to. */
  task: TaskState | undefined;
  /** The agent's reduced state (status, usage, ...); undefined before it appears in the log. */
  state: AgentState | undefined;
  /**
   * Set while a task of this agent in progress has made no progress for a while (its model call
   * may hang: `task.stalled`), as opposed to an agent that is thinking: `since` is the server time
   * (ms) of its last progress. Cleared as soon as output comes again.
   */
  stalled: Stalled | undefined;
}

const EMPTY_TEXT = '';

function sameLane(a: AgentStream, b: AgentStream): boolean {
  return a.agent === b.agent && a.state === b.state && a.message === b.message && a.task === b.task && a.stalled === b.stalled;
}

/** The stall of one of the agent's tasks in progress in its run (an agent may run several at once). */
function stalledTask(session: SessionState, agent: string, runId: string | undefined): Stalled | undefined {
  const run = own(session.runs, runId);
  if (!run) return undefined;
  for (const id of run.taskOrder) {
    const task = own(run.tasks, id);
    if (task?.agent === agent && task.status === 'in_progress' && task.stalled) return task.stalled;
  }
  return undefined;
}

/**
 * The live lane of one agent. Re-renders only when that agent's state, its current message or
 * its task changes, so a token streaming in one lane does not re-render the others.
 */
export function useAgentStream(agent: string, options: SessionHookOptions = {}): AgentStream {
  const name = parseArgument(AgentArgumentSchema, agent, 'agent');
  const select = useCallback(
    (session: SessionState): AgentStream => {
      const state = own(session.agents, name);
      const message = state?.messageId === undefined ? undefined : findMessage(session, state.messageId);
      const runId = message?.runId ?? state?.runId;
      const taskId = message?.taskId ?? state?.taskId;
      const run = own(session.runs, runId);
      const task = run ? own(run.tasks, taskId) : undefined;
      return {
        agent: name,
        status: state?.status ?? 'idle',
        text: message?.text ?? EMPTY_TEXT,
        streaming: message?.status === 'streaming',
        message,
        task,
        state,
        stalled: stalledTask(session, name, state?.runId ?? runId),
      };
    },
    [name],
  );
  return useSessionSelector(select, { ...options, isEqual: sameLane });
}
