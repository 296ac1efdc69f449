// ferry ui: the overview and a GitSync page, fed by server-sent events. Plain DOM, no framework;
// every value is set as text, never as HTML. The icons are from blocks common fonts cover (no
// emoji, nothing recent), so they never show as empty boxes.
'use strict';

const STATES = {
  Failed: { icon: '✖', tone: 'bad' },
  Degraded: { icon: '✖', tone: 'bad' },
  Missing: { icon: '∅', tone: 'bad' },
  Drifted: { icon: '≠', tone: 'warn' },
  Progressing: { icon: '◔', tone: 'info' },
  Suspended: { icon: '‖', tone: 'muted' },
  Pinned: { icon: '⚑', tone: 'warn' },
  Ready: { icon: '✔', tone: 'good' },
  Healthy: { icon: '✔', tone: 'good' },
  Succeeded: { icon: '✔', tone: 'good' },
  True: { icon: '✔', tone: 'good' },
  False: { icon: '✖', tone: 'bad' },
  Unknown: { icon: '?', tone: 'muted' },
  Normal: { icon: 'ℹ', tone: 'info' },
  Warning: { icon: '⚠', tone: 'warn' },
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  return fill(node, children, true);
}

/**
 * Sets a node's children from nested lists of nodes and text, skipping empty ones (builders
 * return `null` for what does not apply). `keep` appends instead of replacing.
 */
function fill(node, children, keep) {
  const nodes = [children].flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false)
    .map((child) => (child instanceof Node ? child : document.createTextNode(String(child))));
  if (keep) node.append(...nodes);
  else node.replaceChildren(...nodes);
  return node;
}

/** What identifies a focusable element across a rebuild: its `data-focus`, else its kind and text. */
function focusKey(node) {
  return node.dataset.focus || `${node.tagName}:${node.textContent}`;
}

/**
 * Runs `change`, which rebuilds `scope` (or returns what replaced it). A live page rebuilds parts
 * of itself under a keyboard user: when focus was inside, it moves to the element that took the
 * focused one's place (the same link, the Resume button that replaced Suspend), not to the top.
 */
function keepFocus(scope, change) {
  const active = document.activeElement;
  const key = active && active !== document.body && scope.contains(active) ? focusKey(active) : undefined;
  const result = change() || scope;
  if (key === undefined || (document.activeElement && document.activeElement !== document.body)) return;
  const candidates = [...result.querySelectorAll('a[href], button, select, input, summary, [tabindex]')];
  const next = candidates.find((candidate) => focusKey(candidate) === key) || candidates[0];
  if (next) next.focus();
}

/** A state as icon and word: never colour alone. */
function badge(state, label) {
  const known = STATES[state] || STATES.Unknown;
  return el('span', { class: `badge ${known.tone}` }, el('span', { class: 'icon', 'aria-hidden': 'true' }, known.icon), ` ${label || state}`);
}

function ago(time) {
  if (!time) return '–';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(time)) / 1000));
  if (Number.isNaN(seconds)) return '–';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

function when(time) {
  return el('time', { datetime: time || undefined, title: time || undefined }, ago(time));
}

function duration(ms) {
  if (typeof ms !== 'number') return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60000)}m${Math.round((ms % 60000) / 1000)}s`;
}

function revisionLink(text, url) {
  if (!text) return '–';
  return url ? el('a', { href: url, rel: 'noreferrer', target: '_blank' }, el('code', {}, text)) : el('code', {}, text);
}

function table(caption, headers, rows, attrs) {
  return el('div', { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
    el('table', attrs || {},
      el('caption', { class: 'sr' }, caption),
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows)));
}

const live = document.getElementById('live');
const app = document.getElementById('app');
const notice = document.getElementById('notice');

/** The first complete render: specs wait for `data-ready`, the benchmark reads the mark's time. */
function markRendered() {
  if (app.dataset.ready === 'true') return;
  app.dataset.ready = 'true';
  performance.mark('ferry:first-render');
}

function setLive(text, tone) {
  live.textContent = text;
  live.className = `live ${tone || ''}`;
}

function connect(url, handlers) {
  const source = new EventSource(url);
  source.addEventListener('open', () => setLive('● live', 'good'));
  source.addEventListener('error', () => setLive('reconnecting…', 'warn'));
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (message) => {
      if (!performance.getEntriesByName('ferry:first-frame').length) performance.mark('ferry:first-frame');
      handle(JSON.parse(message.data));
    });
  }
  return source;
}

// ---- Overview ----------------------------------------------------------------------------

function overview() {
  document.title = 'GitSyncs · ferry';
  const rows = new Map();
  const namespaceFilter = el('select', { id: 'f-namespace' }, el('option', { value: '' }, 'all namespaces'));
  const stateFilter = el('select', { id: 'f-state' },
    el('option', { value: '' }, 'any status'),
    ['Failed', 'Degraded', 'Drifted', 'Progressing', 'Suspended', 'Pinned', 'Ready', 'Unknown'].map((s) => el('option', { value: s }, s)),
    el('option', { value: 'not-ready' }, 'not Ready'));
  const textFilter = el('input', { id: 'f-text', type: 'search', placeholder: 'name, source, message…' });
  const count = el('p', { class: 'count', 'aria-live': 'polite' });
  const body = el('tbody');
  const empty = el('p', { class: 'empty', hidden: true }, 'No GitSyncs here.');
  // The filters live in the address (?namespace=&status=&q=): a reload or a shared link shows the same rows.
  const params = new URLSearchParams(location.search);
  textFilter.value = params.get('q') || '';
  stateFilter.value = params.get('status') || '';
  let wantedNamespace = params.get('namespace') || '';

  fill(app, [
    el('h1', {}, 'GitSyncs'),
    el('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      el('label', { for: 'f-namespace' }, 'Namespace'), namespaceFilter,
      el('label', { for: 'f-state' }, 'Status'), stateFilter,
      el('label', { for: 'f-text' }, 'Search'), textFilter),
    count,
    el('div', { class: 'scroll', role: 'region', 'aria-label': 'GitSyncs', tabindex: '0' },
      el('table', { id: 'gitsyncs' },
        el('caption', { class: 'sr' }, 'GitSyncs'),
        el('thead', {}, el('tr', {}, ['Status', 'Namespace', 'Name', 'Source', 'Revision', 'Last sync', 'Duration', 'Objects', 'Message'].map((h) => el('th', { scope: 'col' }, h)))),
        body)),
    empty]);

  const matches = (row) => {
    if (namespaceFilter.value && row.namespace !== namespaceFilter.value) return false;
    const state = stateFilter.value;
    if (state === 'not-ready' && row.ready === 'True') return false;
    if (state && state !== 'not-ready' && !(row.state === state || (state === 'Drifted' && row.drifted) || (state === 'Suspended' && row.suspended) || (state === 'Pinned' && row.pinned))) return false;
    const text = textFilter.value.trim().toLowerCase();
    if (text && !`${row.namespace}/${row.name} ${row.url} ${row.revision} ${row.message}`.toLowerCase().includes(text)) return false;
    return true;
  };

  const flags = (row) => [
    row.state !== 'Drifted' && row.drifted ? badge('Drifted') : null,
    row.state !== 'Suspended' && row.suspended ? badge('Suspended') : null,
    row.state !== 'Pinned' && row.pinned ? badge('Pinned') : null,
  ];

  const rowElement = (row) =>
    el('tr', { 'data-id': row.id, 'data-state': row.state },
      el('td', { class: 'state' }, badge(row.state), flags(row)),
      el('td', {}, row.namespace),
      el('td', {}, el('a', { href: `/gitsyncs/${row.namespace}/${row.name}` }, row.name)),
      el('td', { class: 'source' }, row.url, row.ref ? el('span', { class: 'muted' }, ` (${row.ref})`) : null),
      el('td', {}, revisionLink(row.commit, row.commitUrl)),
      el('td', {}, when(row.lastSyncTime), row.lastSyncResult ? el('span', { class: 'muted' }, ` ${row.lastSyncResult}`) : null),
      el('td', {}, duration(row.durationMs)),
      el('td', { class: 'num' }, row.objects),
      el('td', { class: 'message' }, row.message));

  const refilter = () => {
    let shown = 0;
    for (const { row, node } of rows.values()) {
      const visible = matches(row);
      node.hidden = !visible;
      if (visible) shown += 1;
    }
    count.textContent = `${shown} of ${rows.size} GitSyncs`;
    empty.hidden = shown > 0;
  };

  const namespaces = () => {
    const current = namespaceFilter.value || wantedNamespace;
    const names = [...new Set([...rows.values()].map(({ row }) => row.namespace))].sort();
    fill(namespaceFilter, [el('option', { value: '' }, 'all namespaces'), names.map((n) => el('option', { value: n }, n))]);
    namespaceFilter.value = names.includes(current) ? current : '';
  };

  const upsert = (row) => {
    const node = rowElement(row);
    const old = rows.get(row.id);
    if (old) keepFocus(old.node, () => (old.node.replaceWith(node), node));
    else {
      // Keep namespace/name order as rows arrive.
      const after = [...rows.values()].find(({ row: other }) => other.namespace.localeCompare(row.namespace) > 0 || (other.namespace === row.namespace && other.name.localeCompare(row.name) > 0));
      body.insertBefore(node, after ? after.node : null);
    }
    rows.set(row.id, { row, node });
  };

  const showError = (error) => {
    notice.hidden = !error;
    notice.className = 'notice bad';
    notice.textContent = error || '';
  };

  const remember = () => {
    wantedNamespace = namespaceFilter.value;
    const query = new URLSearchParams();
    if (namespaceFilter.value) query.set('namespace', namespaceFilter.value);
    if (stateFilter.value) query.set('status', stateFilter.value);
    if (textFilter.value) query.set('q', textFilter.value);
    history.replaceState(null, '', query.size ? `?${query}` : location.pathname);
  };
  for (const input of [namespaceFilter, stateFilter, textFilter]) {
    input.addEventListener('input', () => {
      remember();
      refilter();
    });
  }
  connect('/api/overview/events', {
    snapshot: (data) => {
      // The snapshot comes sorted: one append, not a search for each row's place.
      rows.clear();
      for (const row of data.rows) rows.set(row.id, { row, node: rowElement(row) });
      fill(body, [...rows.values()].map(({ node }) => node));
      if (data.namespace) namespaceFilter.disabled = true;
      namespaces();
      refilter();
      showError(data.error);
      markRendered();
    },
    rows: (data) => {
      for (const id of data.remove) {
        rows.get(id)?.node.remove();
        rows.delete(id);
      }
      for (const row of data.upsert) upsert(row);
      namespaces();
      refilter();
      showError(data.error);
    },
  });
}

// ---- GitSync page ------------------------------------------------------------------------

const dialog = document.getElementById('confirm');

function confirmThen(title, text, label) {
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = label;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

async function act(namespace, name, action, body, question) {
  if (!(await confirmThen(question.title, question.text, question.label))) return;
  notice.hidden = false;
  notice.className = 'notice';
  notice.textContent = `${question.label}…`;
  try {
    const response = await fetch(`/api/gitsyncs/${namespace}/${name}/actions/${action}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
    const result = await response.json();
    notice.className = `notice ${result.ok ? 'good' : 'bad'}`;
    notice.setAttribute('role', result.ok ? 'status' : 'alert');
    notice.textContent = result.message;
  } catch (error) {
    notice.className = 'notice bad';
    notice.setAttribute('role', 'alert');
    notice.textContent = `the action could not be sent: ${error.message}`;
  }
}

function objectItem(node) {
  return el('li', {},
    el('span', { class: 'object' }, badge(node.health), ' ', el('code', {}, node.ref)),
    node.message ? el('span', { class: 'muted' }, ` — ${node.message}`) : null,
    node.children.length ? el('ul', { class: 'children', 'aria-label': `owned by ${node.ref}` }, node.children.map(objectItem)) : null);
}

function diffBlock(text) {
  return el('pre', { class: 'diff', tabindex: '0' }, text.trimEnd().split('\n').map((line) => {
    const kind = line.startsWith('+++') || line.startsWith('---') ? 'head' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '';
    return el('span', { class: kind }, `${line}\n`);
  }));
}

function gitSyncPage(namespace, name) {
  document.title = `${namespace}/${name} · ferry`;
  document.getElementById('crumbs').append(el('li', {}, el('a', { href: location.pathname, 'aria-current': 'page' }, `${namespace}/${name}`)));
  const heading = el('h1', {}, name, el('span', { class: 'muted' }, ` in ${namespace}`));
  const state = el('p', { class: 'states' });
  const actions = el('div', { class: 'actions', role: 'group', 'aria-label': 'Actions' });
  const warnings = el('ul', { class: 'warnings', hidden: true });
  const sections = {};
  const order = ['summary', 'conditions', 'drift', 'objects', 'history', 'events'];
  for (const key of order) sections[key] = el('section', { id: key, 'aria-labelledby': `${key}-h` });
  fill(app, [heading, state, actions, warnings, order.map((key) => sections[key])]);
  const rendered = {};
  const put = (key, data, build) => {
    const json = JSON.stringify(data);
    if (rendered[key] === json) return;
    rendered[key] = json;
    keepFocus(sections[key], () => fill(sections[key], build()));
  };
  const h2 = (key, text) => el('h2', { id: `${key}-h` }, text);

  connect(`/api/gitsyncs/${namespace}/${name}/events`, {
    page: (frame) => {
      warnings.hidden = frame.warnings.length === 0;
      fill(warnings, frame.warnings.map((w) => el('li', {}, badge('Warning', w))));
      if (!frame.page) {
        fill(state, badge('Missing', frame.missing));
        fill(actions, []);
        delete actions.dataset.offer;
        for (const key of order) fill(sections[key], []);
        for (const key of order) delete rendered[key];
        markRendered();
        return;
      }
      const page = frame.page;
      const row = page.row;
      fill(state, [badge(row.state), ' ', badge(row.ready === 'True' ? 'Ready' : row.ready === 'False' ? 'Failed' : 'Unknown', `Ready: ${row.ready}`), ' ', badge(row.health, `Health: ${row.health}`),
        // The flags that hold besides the leading state (which already says one of them).
        row.drifted && row.state !== 'Drifted' ? [' ', badge('Drifted')] : null, row.suspended && row.state !== 'Suspended' ? [' ', badge('Suspended')] : null, row.pinned ? [' ', badge('Pinned', `Pinned: ${row.pinned}`)] : null]);
      // Rebuilt only when what they offer changes, so keyboard focus stays put.
      const offer = JSON.stringify([row.suspended, row.pinned || '']);
      if (actions.dataset.offer !== offer) {
      actions.dataset.offer = offer;
      keepFocus(actions, () => fill(actions, [
        el('button', { class: 'primary', onclick: () => act(namespace, name, 'sync', {}, { title: `Sync ${name} now?`, text: 'The agent reconciles it with Git now, correcting any drift.', label: 'Sync now' }) }, 'Sync now'),
        row.suspended
          ? el('button', { 'data-focus': 'suspend-resume', onclick: () => act(namespace, name, 'resume', {}, { title: `Resume ${name}?`, text: 'The agent follows Git again (as ferry resume).', label: 'Resume' }) }, 'Resume')
          : el('button', { 'data-focus': 'suspend-resume', onclick: () => act(namespace, name, 'suspend', {}, { title: `Suspend ${name}?`, text: 'Nothing is applied or corrected until it is resumed (as ferry suspend).', label: 'Suspend' }) }, 'Suspend'),
        row.pinned ? el('button', { onclick: () => act(namespace, name, 'release', {}, { title: `Release the pin of ${name}?`, text: `It is pinned to ${row.pinned}; released, it follows Git again (as ferry resume).`, label: 'Release pin' }) }, 'Release pin') : null]));
      }
      put('summary', [row, page.revisions], () => [
        h2('summary', 'Source'),
        el('dl', { class: 'facts' },
          el('dt', {}, 'Source'), el('dd', {}, row.url, row.ref ? ` (${row.ref})` : ''),
          el('dt', {}, 'Applied'), el('dd', {}, revisionLink(page.revisions.applied, row.commitUrl)),
          el('dt', {}, 'Last good'), el('dd', {}, page.revisions.lastGood || '–'),
          el('dt', {}, 'Last attempted'), el('dd', {}, page.revisions.attempted || '–'),
          page.revisions.failed ? [el('dt', {}, 'Failed'), el('dd', {}, badge('Failed', page.revisions.failed))] : null,
          el('dt', {}, 'Last sync'), el('dd', {}, when(row.lastSyncTime), ` ${row.lastSyncResult || ''} (${duration(row.durationMs)})`),
          el('dt', {}, 'Message'), el('dd', {}, row.message || '–')),
      ]);
      put('conditions', page.conditions, () => [
        h2('conditions', 'Conditions'),
        table('Conditions', ['Type', 'Status', 'Reason', 'Since', 'Message'], page.conditions.map((c) => el('tr', {},
          el('td', {}, c.type), el('td', {}, badge(c.type === 'Drifted' || c.type === 'Stalled' ? (c.status === 'True' ? 'Warning' : 'True') : c.status, c.status)),
          el('td', {}, c.reason || ''), el('td', {}, when(c.lastTransitionTime)), el('td', { class: 'message' }, c.message || '')))),
      ]);
      put('drift', [page.drift, page.diffError], () => [
        h2('drift', `Drift (${page.drift.length})`),
        page.drift.length === 0 ? el('p', {}, badge('Ready', 'The cluster matches Git.')) : null,
        page.diffError ? el('p', {}, badge('Warning', page.diffError)) : null,
        page.drift.map((d) => el('article', { class: 'drifted' },
          el('h3', {}, badge('Drifted', d.change), ' ', el('code', {}, d.ref)),
          d.paths.length ? el('p', {}, 'Fields: ', d.paths.map((p, i) => [i ? ', ' : '', el('code', {}, p)])) : null,
          d.diff ? diffBlock(d.diff) : el('p', { class: 'muted' }, page.diffError ? '' : 'computing the diff…'))),
      ]);
      const objectCount = page.groups.reduce((n, g) => n + g.objects.length, 0);
      put('objects', page.groups, () => [
        h2('objects', `Objects (${objectCount})`),
        page.groups.map((group) => el('details', { open: group.objects.length <= 50 ? true : undefined },
          el('summary', {}, `${group.kind} (${group.objects.length})`),
          el('ul', { class: 'objects' }, group.objects.map(objectItem)))),
      ]);
      put('history', page.history, () => [
        h2('history', 'History'),
        page.history.length === 0 ? el('p', {}, 'No history yet.') : table('History', ['Entry', 'Revision', 'Action', 'Result', 'When', 'Duration', 'Message', ''], page.history.map((h) => el('tr', { 'data-entry': h.number },
          el('td', { class: 'num' }, `#${h.number}`, h.current ? el('span', { class: 'tag' }, 'current') : null, h.lastGood ? el('span', { class: 'tag good' }, 'last good') : null),
          el('td', {}, revisionLink(h.revision, h.commitUrl)), el('td', {}, h.action), el('td', {}, badge(h.result === 'Succeeded' ? 'Succeeded' : 'Failed', h.result)),
          el('td', {}, when(h.time)), el('td', {}, duration(h.durationMs)), el('td', { class: 'message' }, h.message),
          el('td', {}, h.result === 'Succeeded' && !h.current
            ? el('button', { onclick: () => act(namespace, name, 'rollback', { entry: h.number }, { title: `Roll back ${name} to entry #${h.number}?`, text: `The agent applies ${h.revision} and pauses auto-sync until the pin is released (as ferry rollback --to ${h.number}).`, label: `Roll back to #${h.number}` }) }, `Roll back to #${h.number}`)
            : null)))),
      ]);
      put('events', page.events, () => [
        h2('events', 'Recent Events'),
        page.events.length === 0 ? el('p', {}, 'No recent Events.') : table('Events', ['Type', 'Reason', 'Object', 'When', 'Count', 'Message'], page.events.map((e) => el('tr', {},
          el('td', {}, badge(e.type)), el('td', {}, e.reason), el('td', {}, el('code', {}, e.object)), el('td', {}, when(e.time)), el('td', { class: 'num' }, e.count), el('td', { class: 'message' }, e.message)))),
      ]);
      markRendered();
    },
  });
}

const path = /^\/gitsyncs\/([^/]+)\/([^/]+)$/.exec(location.pathname);
if (path) gitSyncPage(decodeURIComponent(path[1]), decodeURIComponent(path[2]));
else overview();
