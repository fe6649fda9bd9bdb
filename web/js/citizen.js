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

function problem(r) { return `${t('error')} ${r.status}: ${(r.json && (r.json.detail || r.json.error)) || ''}`; }

// The data tracker comes in pages, oldest first: follow next_after (up to
// 10 pages of 1,000) and show the newest first.
async function tracker() {
  let rows = [], after = null;
  for (let page = 0; page < 10; page++) {
    const q = '/api/v1/me/access?limit=1000' + (after !== null ? '&after=' + after : '');
    const r = await api('GET', q, { auth: auth() });
    if (r.status === 404 || r.status === 405) return;
    $('tracker-wrap').hidden = false;
    if (!r.ok) { say($('tracker'), problem(r), false); return; }
    rows = rows.concat(listOf(r.json));
    if (r.json.next_after === undefined || r.json.next_after === null) break;
    after = r.json.next_after;
  }
  render($('tracker'), rows.reverse());
}

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

// The QR printed on the card (404 until a card is printed), as an image
// from a data: URL (the CSP allows no other image source).
async function cardQr(sec) {
  const q = await api('GET', '/api/v1/me/card/qr', { auth: auth() });
  if (!q.ok) return;
  const img = document.createElement('img');
  img.id = 'me-card-qr'; img.alt = t('c.me.qr'); img.width = 200;
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(q.text);
  sec.append(img);
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
    if (k === 'card' && v) await cardQr(sec);
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

// Public services (docs/EXCHANGE.md sections 2-3): the catalogue, a form
// per service the portal knows (others take their data as JSON), the
// citizen's dossiers with their history and the steps of a linked
// procedure. Hidden until the server has /api/v1/services.
const FORMS = {
  birth_registration: [['child.birth_name', 'text', 'o.birth_name'], ['child.dob', 'date', 'o.dob'], ['child.sex', 'sex', 'o.sex']],
  death_registration: [['deceased_pin', 'pin', 'c.deceased'], ['death_date', 'date', 'o.death_date']],
  perm_register: [['perm_commune', 'commune', 'o.perm'], ['perm_address', 'text', 'f.perm_address']],
  temp_register: [['temp_commune', 'commune', 'c.tempcommune'], ['temp_address', 'text', 'c.tempaddress']],
};
FORMS.linked_birth = FORMS.birth_registration;
FORMS.linked_death = FORMS.death_registration;
let catalogue = [];
async function services() {
  const r = await api('GET', '/api/v1/services', { auth: auth() });
  if (!r.ok) return;
  catalogue = listOf(r.json).filter(s => !s.step_only);
  $('svc-wrap').hidden = false;
  const sel = $('svc'), keep = sel.value; sel.replaceChildren();
  for (const s of catalogue) {
    const o = document.createElement('option'); o.value = s.code;
    const name = (document.documentElement.lang === 'en' && s.name_en) || s.name || s.code;
    o.textContent = `${name}${s.linked ? ' — ' + t('c.linked') : ''}${s.fee_vnd ? ` · ${Number(s.fee_vnd).toLocaleString()} đ` : ''}`;
    sel.append(o);
  }
  if (keep) sel.value = keep;
  fields();
}
function fields() {
  const box = $('svc-fields'); box.replaceChildren();
  const f = FORMS[$('svc').value];
  $('svc-json-wrap').hidden = !!f;
  for (const [path, type, label] of f || []) {
    const d = document.createElement('div');
    const id = 'svc-' + path.replace(/\./g, '-');
    const l = document.createElement('label'); l.htmlFor = id; l.textContent = t(label);
    let input;
    if (type === 'sex') {
      input = document.createElement('select');
      for (const [v, k] of [['F', 'o.female'], ['M', 'o.male']]) { const o = document.createElement('option'); o.value = v; o.textContent = t(k); input.append(o); }
    } else {
      input = document.createElement('input');
      input.type = type === 'date' ? 'date' : 'text';
      if (type === 'pin') input.pattern = '[0-9]{12}';
      if (type === 'commune') input.pattern = '[0-9]{5}';
      input.required = path !== 'perm_address' && path !== 'temp_address';
    }
    input.id = id; input.dataset.path = path;
    d.append(l, input); box.append(d);
  }
}
function formData() {
  const f = FORMS[$('svc').value];
  if (!f) return JSON.parse($('svc-data').value || '{}');
  const out = {};
  for (const n of $('svc-fields').querySelectorAll('[data-path]')) {
    if (!n.value) continue;
    const parts = n.dataset.path.split('.');
    let o = out;
    for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
    o[parts[parts.length - 1]] = n.value;
  }
  return out;
}
async function dossier(id) {
  const d = await api('GET', '/api/v1/dossiers/' + encodeURIComponent(id), { auth: auth() });
  const box = $('dossier');
  if (!d.ok) { say(box, problem(d), false); return; }
  const { history, steps, payments, data, prefill, ...rest } = d.json;
  render(box, rest);
  box.dataset.id = id; box.dataset.state = rest.state;
  for (const [k, v] of [['c.steps', steps], ['c.history', history], ['c.payments', payments]]) {
    if (!Array.isArray(v) || !v.length) continue;
    const h = document.createElement('h3'); h.textContent = t(k);
    const div = document.createElement('div'); div.id = 'dossier-' + k.slice(2);
    render(div, v, [], k === 'c.steps' ? ['step', 'name', 'state', 'queue', 'closed_ms', 'result'] : null); box.append(h, div);
  }
  await attachments(box, id);
  actions(box, id, rest);
}

// The dossier's documents (GET …/attachments), each downloadable (the
// download is audited by the API).
async function attachments(box, id) {
  const a = await api('GET', `/api/v1/dossiers/${encodeURIComponent(id)}/attachments`, { auth: auth() });
  if (!a.ok || !a.json || !Array.isArray(a.json.attachments) || !a.json.attachments.length) return;
  const h = document.createElement('h3'); h.textContent = t('c.attachments');
  const div = document.createElement('div'); div.id = 'dossier-attachments';
  render(div, a.json.attachments, [{ label: 'download', run: async row => {
    const r = await fetch(`/api/v1/dossiers/${encodeURIComponent(id)}/attachments/${encodeURIComponent(row.id)}`, { headers: { Authorization: auth() }, cache: 'no-store' });
    if (!r.ok) { say(msg, `${t('error')} ${r.status}`, false); return; }
    const url = URL.createObjectURL(await r.blob());
    const link = document.createElement('a'); link.href = url; link.download = row.name || row.id;
    document.body.append(link); link.click(); link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } }], ['name', 'content_type', 'size', 'at_ms']);
  box.append(h, div);
}

// What the citizen can do on a dossier: answer a request for more
// information (POST …/supplement, back to processing) and pay what is due
// (POST …/payments through the demo gateway).
function actions(box, id, d) {
  if (d.state === 'supplement_requested') {
    const f = document.createElement('form'); f.id = 'supplement-form'; f.className = 'grid';
    f.innerHTML = '<div><label for="supplement-note"></label><textarea id="supplement-note" required maxlength="2000"></textarea></div>' +
      '<div><label for="supplement-file"></label><input type="file" id="supplement-file" accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"></div>' +
      '<div><button type="submit" id="supplement-send"></button></div>';
    f.querySelector('label[for=supplement-note]').textContent = t('c.supplement.label');
    f.querySelector('label[for=supplement-file]').textContent = t('c.supplement.file');
    f.querySelector('button').textContent = t('c.supplement.send');
    const h = document.createElement('h3'); h.textContent = t('c.supplement');
    f.addEventListener('submit', async e => {
      e.preventDefault();
      const file = $('supplement-file').files[0];
      if (file) { // the document first: nothing is sent when it is refused
        const u = await fetch(`/api/v1/dossiers/${encodeURIComponent(id)}/attachments?name=${encodeURIComponent(file.name)}`,
          { method: 'POST', headers: { Authorization: auth(), 'Content-Type': file.type || 'application/octet-stream' }, body: file, cache: 'no-store' });
        if (!u.ok) { const text = await u.text(); let json = null; try { json = JSON.parse(text); } catch { /* */ }
          say(msg, problem({ status: u.status, json, text }), false); return; }
      }
      const r = await api('POST', `/api/v1/dossiers/${encodeURIComponent(id)}/supplement`, { auth: auth(), body: { note: $('supplement-note').value.trim() } });
      if (!r.ok) { say(msg, problem(r), false); return; }
      say(msg, `${t('c.supplement.done')} ${id}`);
      await dossiers(); await dossier(id);
    });
    box.append(h, f);
  }
  const due = (d.fee_vnd || 0) - (d.paid_vnd || 0);
  if (due > 0 && d.state !== 'rejected') {
    const h = document.createElement('h3'); h.textContent = t('c.pay');
    const p = document.createElement('p');
    const b = document.createElement('button'); b.type = 'button'; b.id = 'pay';
    b.textContent = `${t('c.pay.button')} ${due.toLocaleString('vi-VN')} đ`;
    const note = document.createElement('span'); note.className = 'muted'; note.textContent = ' ' + t('c.pay.demo');
    b.addEventListener('click', async () => {
      b.disabled = true;
      const r = await api('POST', `/api/v1/dossiers/${encodeURIComponent(id)}/payments`, { auth: auth(), body: { amount_vnd: due, gateway: 'demo' } });
      if (!r.ok) { say(msg, problem(r), false); b.disabled = false; return; }
      say(msg, `${t('c.pay.done')} ${r.json.ref}`);
      await dossiers(); await dossier(id);
    });
    p.append(b, note); box.append(h, p);
  }
}
async function dossiers() {
  const r = await api('GET', '/api/v1/dossiers', { auth: auth() });
  if (r.status === 404 || r.status === 405) return;
  $('dossiers-wrap').hidden = false;
  if (!r.ok) { say($('dossiers'), problem(r), false); return; }
  render($('dossiers'), listOf(r.json).filter(d => !d.parent), [{ label: 'view', run: row => dossier(row.id) }],
    ['id', 'name', 'state', 'submitted_ms', 'deadline_ms', 'overdue', 'fee_vnd', 'paid_vnd']);
}
$('svc').addEventListener('change', fields);
$('svc-form').addEventListener('submit', async e => {
  e.preventDefault();
  let data;
  try { data = formData(); } catch { say($('svc-out'), t('error') + ': JSON', false); return; }
  const r = await api('POST', '/api/v1/dossiers', { auth: auth(), body: { service: $('svc').value, data } });
  if (!r.ok) { say($('svc-out'), problem(r), false); return; }
  say($('svc-out'), `${t('c.submitted')} ${r.json.id}`);
  $('svc-out').dataset.id = r.json.id;
  await dossiers();
  await dossier(r.json.id);
});

async function load() {
  const u = await api('GET', '/oidc/userinfo', { auth: auth() });
  if (u.status === 401) { sessionStorage.removeItem('dancu.citizen'); show(); return; }
  if (!u.ok) { say(msg, problem(u), false); return; }
  render($('record'), u.json);
  await mine();
  await tracker();
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
