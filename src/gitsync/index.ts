/**
 * GitSync resources as people see and steer them, shared by the `ferry` CLI and `ferry ui`: the
 * view of a GitSync's status, its diff against Git, and the verbs — sync now, suspend, resume (which also releases a
 * rollback pin), rollback to a history entry. Each verb is one read and one merge patch under
 * the caller's own identity, so Kubernetes RBAC decides who may do what.
 */
export { getGitSync, gitSyncRef, type GitSyncClient } from './lookup.js';
export { requestSync } from './request-sync.js';
export { suspendGitSync, resumeGitSync } from './suspend.js';
export { rollbackGitSync, chooseRollbackTarget } from './rollback.js';
export { diffGitSync, diffSettings, maskedDiffText, type GitSyncDiff, type SettingsDiff } from './diff.js';
export { viewGitSync, type Condition, type GitSyncStatusView } from './view.js';
