import { createComponent, type EventName } from '@lit/react';
import * as React from 'react';
import { useCallback, useEffect, useRef, useState, type CSSProperties } from 'react';
import {
  MarketingTeamStudioElement,
  WorkspaceApi,
  type StudioConflictDetail,
  type StudioErrorDetail,
  type StudioSavedDetail,
  type StudioStep,
  type StudioStrings,
  type StudioWorkspaceVersion,
  type TryBriefDetail,
} from '@marketing-team/widget/studio';

/** Props of {@link MarketingTeamStudio}: the element's properties and its events. */
export interface MarketingTeamStudioProps {
  /** Base URL of the server handler (`/mt`); the workspace API is `<endpoint>/workspaces`. */
  endpoint?: string;
  /** The workspace being edited. */
  workspace?: string;
  /** A token with the `admin` capability for the workspace. */
  token?: string;
  /** Fetches fresh admin tokens; used instead of `token`. */
  getToken?: (workspace: string) => string | Promise<string>;
  /** Forces a theme; the system preference is followed without it. */
  theme?: 'light' | 'dark';
  /** The step to show. */
  step?: StudioStep;
  /** Replacement strings, merged over the defaults. */
  strings?: Partial<StudioStrings>;
  /** `mt-studio-saved`: a save or rollback created a version. */
  onSaved?: (event: CustomEvent<StudioSavedDetail>) => void;
  /** `mt-studio-conflict`: another editor saved first. */
  onConflict?: (event: CustomEvent<StudioConflictDetail>) => void;
  /** `mt-try-brief`: the editor asked to run a brief with the saved team. */
  onTryBrief?: (event: CustomEvent<TryBriefDetail>) => void;
  /** `mt-error`: loading, saving, the history or an analysis failed. */
  onError?: (event: CustomEvent<StudioErrorDetail>) => void;
  id?: string;
  className?: string;
  style?: CSSProperties;
  hidden?: boolean;
  children?: React.ReactNode;
}

/**
 * `<marketing-team-studio>` for React: props are set as element properties and the studio's
 * events are typed props. Children with `slot="try"` (typically `<MarketingTeam>`) show in the
 * "Try a brief" step.
 */
export const MarketingTeamStudio = createComponent({
  react: React,
  tagName: 'marketing-team-studio',
  elementClass: MarketingTeamStudioElement,
  displayName: 'MarketingTeamStudio',
  events: {
    onSaved: 'mt-studio-saved' as EventName<CustomEvent<StudioSavedDetail>>,
    onConflict: 'mt-studio-conflict' as EventName<CustomEvent<StudioConflictDetail>>,
    onTryBrief: 'mt-try-brief' as EventName<CustomEvent<TryBriefDetail>>,
    onError: 'mt-error' as EventName<CustomEvent<StudioErrorDetail>>,
  },
});

/** What {@link useWorkspace} returns. */
export interface UseWorkspaceResult {
  /** The latest saved version; `undefined` while loading or when nothing was saved yet. */
  version: StudioWorkspaceVersion | undefined;
  /** `loading`, `ready` (a version or none), or `failed`. */
  status: 'loading' | 'ready' | 'failed';
  error: unknown;
  /** Reads the latest version again (call it from the studio's `onSaved`). */
  reload: () => void;
}

/**
 * The latest saved version of a workspace, for deciding what to show: a host opens the studio when
 * the workspace has no brand of its own, and `<MarketingTeam>` once it has. Reads on mount and on `reload`.
 */
export function useWorkspace(options: { endpoint: string; workspace: string; getToken: (workspace: string) => string | Promise<string> }): UseWorkspaceResult {
  const { endpoint, workspace } = options;
  // The latest getToken is used without re-reading on every render's new function.
  const getToken = useRef(options.getToken);
  getToken.current = options.getToken;
  const [state, setState] = useState<Omit<UseWorkspaceResult, 'reload'>>({ version: undefined, status: 'loading', error: undefined });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, status: 'loading' }));
    new WorkspaceApi(endpoint, workspace, async () => getToken.current(workspace))
      .latest()
      .then((version) => live && setState({ version, status: 'ready', error: undefined }))
      .catch((error: unknown) => live && setState({ version: undefined, status: 'failed', error }));
    return () => {
      live = false;
    };
  }, [endpoint, workspace, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}
