// citizen.js — the citizen portal. Logs in with the OpenID Connect
// authorization code flow + PKCE (S256) as the public client
// "dancu-portal" whose redirect URI is this page; the access token lives in
// sessionStorage (this tab only) and is sent as a Bearer token to
// /oidc/userinfo, /oidc/me/* and, with the scope "records", the citizen's
// own API: /api/v1/me (record, residence, household, card, e-ID account),
// /api/v1/me/access (the data tracker), /api/v1/me/lock. Sections whose
// API the server does not have (404) stay hidden.
import { header, api, render, say, t, listOf } from './common.js';

header('citizen.html');
const CLIENT = 'dancu-portal';
const SCOPE = 'openid profile birthdate address pin records';
const $ = id => document.getElementById(id);
const redirectUri = location.origin + location.pathname;
const msg = $('msg');

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function random(n = 32) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }

async function login() {
  const verifier = random(32), state = random(16), nonce = random(16);
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem('dancu.pkce', JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: redirectUri, scope: SCOPE,
    state, nonce, code_challenge: challenge, code_challenge_method: 'S256', ui_locales: document.documentElement.lang });
  location.assign('/oidc/authorize?' + q);
}

async function callback(params) {
  history.replaceState(null, '', location.pathname); // the code leaves the address bar at once
  const saved = JSON.parse(sessionStorage.getItem('dancu.pkce') || 'null');
  sessionStorage.removeItem('dancu.pkce');
  if (params.get('error')) { say(msg, `${t('error')}: ${params.get('error')}`, false); return; }
  if (!saved || saved.state !== params.get('state')) { say(msg, t('c.badstate'), false); return; }
  const r = await api('POST', '/oidc/token', { form: { grant_type: 'authorization_code', code: params.get('code'),
    redirect_uri: redirectUri, client_id: CLIENT, code_verifier: saved.verifier } });
  if (!r.ok || !r.json || !r.json.access_token) { say(msg, t('error') + ' ' + r.status + ': ' + (r.json && r.json.error || ''), false); return; }
  sessionStorage.setItem('dancu.citizen', r.json.access_token);
}

function token() { return sessionStorage.getItem('dancu.citizen'); }
function auth() { return 'Bearer ' + token(); }

// Shows a section only when the server answers its API.
async function optional(wrap, node, path, pick = j => j) {
  const r = await api('GET', path, { auth: auth() });
  if (r.status === 404 || r.status === 405) return null;
  $(wrap).hidden = false;
  if (!r.ok) { say($(node), problem(r), false); return null; }
  render($(node), pick(r.json));
  return r.json;
}
function problem(r) { return `${t('error')} ${r.status}: ${(r.json && (r.json.detail || r.json.error)) || ''}`; }

async function consents() {
  const r = await api('GET', '/oidc/me/consents', { auth: auth() });
  if (!r.ok) { say($('consents'), problem(r), false); return; }
  render($('consents'), r.json.consents, [{ label: () => t('c.revoke'), run: async (row, b) => {
    b.disabled = true;
    const d = await api('DELETE', '/oidc/me/consents/' + encodeURIComponent(row.client_id), { auth: auth() });
    if (!d.ok) { say(msg, problem(d), false); b.disabled = false; return; }
    say(msg, t('c.revoked'));
    if (row.client_id === CLIENT) { sessionStorage.removeItem('dancu.citizen'); show(); return; }
    consents();
  } }]);
}

// /api/v1/me: one sub-section per part (record, residence, household, card, e-ID).
async function mine() {
  const r = await api('GET', '/api/v1/me', { auth: auth() });
  if (r.status === 404 || r.status === 405) return;
  $('me-wrap').hidden = false;
  if (!r.ok) { say($('me'), problem(r), false); return; }
  const out = $('me'); out.replaceChildren();
  for (const [k, v] of Object.entries(r.json || {})) {
    const sec = document.createElement('section'); sec.id = 'me-' + k;
    const h = document.createElement('h3'); h.textContent = t('c.me.' + k);
    const box = document.createElement('div');
    if (k === 'household' && v && typeof v === 'object') {
      render(box, { id: v.id });
      const m = document.createElement('div'); render(m, v.members || []); box.append(m);
    } else render(box, v);
    sec.append(h, box); out.append(sec);
  }
  $('lock-wrap').hidden = false;
}

async function lock() {
  if (!confirm(t('c.lock.confirm'))) return;
  const r = await api('POST', '/api/v1/me/lock', { auth: auth() });
  if (!r.ok) { say(msg, problem(r), false); return; }
  sessionStorage.removeItem('dancu.citizen');
  show();
  say(msg, t('c.lock.done'));
}

// Public services (issue 7, docs/EXCHANGE.md section 2): the catalogue,
// submitting a dossier (linked procedures are services flagged "linked"),
// and the citizen's dossiers with their history. Hidden until the server
// has /api/v1/services.
let catalogue = [];
async function services() {
  const r = await api('GET', '/api/v1/services', { auth: auth() });
  if (!r.ok) return;
  catalogue = listOf(r.json);
  $('svc-wrap').hidden = false;
  const sel = $('svc'); sel.replaceChildren();
  for (const s of catalogue) {
    const o = document.createElement('option'); o.value = s.code;
    o.textContent = `${s.name || s.code}${s.linked ? ' ★' : ''}${s.fee_vnd ? ` · ${Number(s.fee_vnd).toLocaleString()} đ` : ''}`;
    sel.append(o);
  }
  template();
}
function template() {
  const s = catalogue.find(x => x.code === $('svc').value);
  const fields = s && Array.isArray(s.fields) ? s.fields
    : /birth/.test($('svc').value) ? ['birth_name', 'dob', 'sex', 'birth_reg_unit', 'perm_commune', 'evidence'] : [];
  $('svc-data').value = JSON.stringify(Object.fromEntries(fields.map(f => [f, ''])), null, 1);
}
async function dossiers() {
  const r = await api('GET', '/api/v1/dossiers', { auth: auth() });
  if (r.status === 404 || r.status === 405) return;
  $('dossiers-wrap').hidden = false;
  if (!r.ok) { say($('dossiers'), problem(r), false); return; }
  render($('dossiers'), listOf(r.json), [{ label: () => t('c.view'), run: async row => {
    const d = await api('GET', '/api/v1/dossiers/' + encodeURIComponent(row.id), { auth: auth() });
    if (!d.ok) { say($('dossier'), problem(d), false); return; }
    const { history, ...rest } = d.json;
    render($('dossier'), rest);
    if (Array.isArray(history)) { const h = document.createElement('div'); render(h, history); $('dossier').append(h); }
  } }]);
}
$('svc').addEventListener('change', template);
$('svc-form').addEventListener('submit', async e => {
  e.preventDefault();
  let data;
  try { data = JSON.parse($('svc-data').value || '{}'); } catch { say($('svc-out'), t('error') + ': JSON', false); return; }
  const r = await api('POST', '/api/v1/dossiers', { auth: auth(), body: { service: $('svc').value, data } });
  if (!r.ok) { say($('svc-out'), problem(r), false); return; }
  say($('svc-out'), `${t('c.submitted')} ${r.json.id}${r.json.deadline ? ' · ' + r.json.deadline : ''}`);
  dossiers();
});

async function load() {
  const u = await api('GET', '/oidc/userinfo', { auth: auth() });
  if (u.status === 401) { sessionStorage.removeItem('dancu.citizen'); show(); return; }
  if (!u.ok) { say(msg, problem(u), false); return; }
  render($('record'), u.json);
  await mine();
  await optional('tracker-wrap', 'tracker', '/api/v1/me/access', listOf);
  await services();
  await dossiers();
  await consents();
  const l = await api('GET', '/oidc/me/logins', { auth: auth() });
  if (l.ok) render($('logins'), l.json.logins); else say($('logins'), problem(l), false);
}

function show() {
  const inside = !!token();
  $('out').hidden = inside;
  $('in').hidden = !inside;
  if (inside) load();
}

$('login').addEventListener('click', login);
$('lock').addEventListener('click', lock);
$('logout').addEventListener('click', () => { sessionStorage.removeItem('dancu.citizen'); say(msg, ''); show(); });
document.addEventListener('dancu:lang', () => { if (token()) load(); });

const params = new URLSearchParams(location.search);
if (params.has('code') || params.has('error')) await callback(params);
show();
