/**
 * `ferry ui`: a local web view of GitSyncs — the overview, each GitSync's objects, drift, history
 * and Events, live from watches over server-sent events — with the CLI's actions a click away.
 * It listens on 127.0.0.1 only and talks to the cluster as the user's own kubeconfig identity,
 * so Kubernetes RBAC decides what each person sees and may do; it holds no credentials of its own.
 */
export { startUiServer, UI_HOST, DEFAULT_UI_PORT, type UiServerOptions, type RunningUi } from './server.js';
export { overviewRow, RowState, type OverviewRow } from './overview-model.js';
export { buildGitSyncPage, type GitSyncPage } from './page-model.js';
