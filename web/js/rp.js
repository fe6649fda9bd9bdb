// rp.js — the relying-party console: an organisation's API key (kept in
// sessionStorage), batch verification upload (upload progress from XHR,
// then the job's own progress polled from /api/v1/verify/jobs/{id}), the
// result CSV as a download, and the organisation's usage per day.
import { header, api, render, say, t, problem, lang, listOf } from './common.js';

header('rp.html');
const $ = id => document.getElementById(id);
const msg = $('msg');
const key = () => sessionStorage.getItem('dancu.apikey');
const auth = () => 'ApiKey ' + key();
let resultUrl = null;

async function usage() {
  const r = await api('GET', '/api/v1/verify/usage', { auth: auth() });
  if (r.status === 401) { sessionStorage.removeItem('dancu.apikey'); show(); say(msg, problem(r), false); return false; }
  if (!r.ok) { say($('usage'), problem(r), false); return true; }
  render($('usage'), r.json.usage);
  return true;
}

function show() {
  const inside = !!key();
  $('key-form').hidden = inside;
  $('console').hidden = !inside;
  if (inside) usage().then(ok => { if (ok) { keys(); kycList(); } });
}

// The organisation's own keys (GET/POST /api/v1/verify/keys, DELETE
// /api/v1/verify/keys/{id}): list, create (the key shown once), revoke.
const when = ms => ms ? new Date(ms).toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN') : '—';
async function keys() {
  const r = await api('GET', '/api/v1/verify/keys', { auth: auth() });
  if (r.status === 404) { $('keys').textContent = t('notyet'); $('newkey-form').hidden = true; return; }
  if (!r.ok) { say($('keys'), problem(r), false); return; }
  const rows = r.json.keys.map(k => ({ id: k.id, label: k.label, created: when(k.created_ms),
    last_used: when(k.last_used_ms), active: k.active ? '✓' : when(k.revoked_ms), current: k.id === r.json.current ? '✓' : '' ,
    _k: k }));
  render($('keys'), rows, [{ label: 'revoke', when: o => o._k.active, run: async (o, b) => {
    if (!confirm(`${t('r.keys.confirm')} (${o.id})`)) return;
    b.disabled = true;
    const d = await api('DELETE', '/api/v1/verify/keys/' + encodeURIComponent(o.id), { auth: auth() });
    if (!d.ok) { say(msg, problem(d), false); b.disabled = false; return; }
    if (d.json.current) { sessionStorage.removeItem('dancu.apikey'); show(); say(msg, t('r.keys.gone'), false); return; }
    say(msg, `${t('r.keys.revoked')} ${o.id}`);
    keys();
  } }], ['id', 'label', 'created', 'last_used', 'active', 'current']);
}
$('newkey-form').addEventListener('submit', async e => {
  e.preventDefault();
  const label = $('newkey-label').value.trim();
  const r = await api('POST', '/api/v1/verify/keys', { auth: auth(), body: label ? { label } : {} });
  if (!r.ok) { say(msg, problem(r), false); return; }
  e.target.reset();
  $('newkey-value').textContent = r.json.key;
  $('newkey').hidden = false;
  $('newkey-hide').focus();
  keys();
});
$('newkey-use').addEventListener('click', () => {
  sessionStorage.setItem('dancu.apikey', $('newkey-value').textContent);
  $('newkey-value').textContent = ''; $('newkey').hidden = true; show();
});
$('newkey-hide').addEventListener('click', () => { $('newkey-value').textContent = ''; $('newkey').hidden = true; $('newkey-label').focus(); });

$('key-form').addEventListener('submit', async e => {
  e.preventDefault();
  sessionStorage.setItem('dancu.apikey', $('apikey').value.trim());
  e.target.reset();
  say(msg, '');
  show();
});
$('forget').addEventListener('click', () => { sessionStorage.removeItem('dancu.apikey'); $('newkey-value').textContent = ''; $('newkey').hidden = true; show(); });

function upload(file, purpose) {
  return new Promise(resolve => {
    const x = new XMLHttpRequest();
    x.open('POST', '/api/v1/verify/jobs?purpose=' + encodeURIComponent(purpose));
    x.setRequestHeader('Authorization', auth());
    x.setRequestHeader('Content-Type', 'text/csv');
    x.upload.onprogress = ev => { if (ev.lengthComputable) $('bar').value = Math.round(50 * ev.loaded / ev.total); };
    x.onload = () => { let json = null; try { json = JSON.parse(x.responseText); } catch { /* */ } resolve({ status: x.status, ok: x.status < 300, json, text: x.responseText }); };
    x.onerror = () => resolve({ status: 0, ok: false, json: null, text: 'network error' });
    x.send(file);
  });
}

$('batch-form').addEventListener('submit', async e => {
  e.preventDefault();
  const file = $('csv').files[0];
  if (!file) return;
  $('upload').disabled = true;
  $('job').hidden = false; $('download').hidden = true; $('summary').replaceChildren(); $('bar').value = 0;
  if (resultUrl) { URL.revokeObjectURL(resultUrl); resultUrl = null; }
  const r = await upload(file, $('purpose').value);
  if (!r.ok) { say(msg, problem(r), false); $('upload').disabled = false; return; }
  const id = r.json.id;
  for (;;) {
    const j = await api('GET', '/api/v1/verify/jobs/' + encodeURIComponent(id), { auth: auth() });
    if (!j.ok) { say(msg, problem(j), false); break; }
    $('bar').value = 50 + parseFloat(j.json.progress || '0') / 2;
    $('state').textContent = `${j.json.state} · ${j.json.progress} · ${j.json.rows_done}`;
    if (j.json.state === 'done') {
      $('bar').value = 100;
      if (j.json.summary) render($('summary'), j.json.summary);
      const res = await fetch(`/api/v1/verify/jobs/${encodeURIComponent(id)}/result`, { headers: { Authorization: auth() } });
      if (res.ok) {
        resultUrl = URL.createObjectURL(await res.blob());
        $('download').href = resultUrl; $('download').download = `verify-${id}.csv`; $('download').hidden = false;
      } else say(msg, `${t('error')} ${res.status}`, false);
      break;
    }
    if (j.json.state === 'failed' || j.json.state === 'cancelled') { say(msg, `${j.json.state} ${j.json.error || ''}`, false); break; }
    await new Promise(ok => setTimeout(ok, 300));
  }
  $('upload').disabled = false;
  usage();
});

// e-KYC requests (POST/GET /api/v1/kyc/requests, GET …/{id}): create one for
// a citizen, list them with their state, and fetch the result: 202 while
// pending; 200 with the JWT once approved, whose claims are shown (decoded
// here for display only: the organisation's back end verifies the
// signature against /oidc/jwks before trusting them).
function jwtClaims(jws) {
  const p = jws.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(p + '='.repeat((4 - p.length % 4) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, c => c.charCodeAt(0))));
}
async function kycList() {
  const r = await api('GET', '/api/v1/kyc/requests', { auth: auth() });
  if (r.status === 404) { $('kyc-list').textContent = t('notyet'); return; }
  if (!r.ok) { say($('kyc-list'), problem(r), false); return; }
  const rows = listOf(r.json).map(q => ({ id: q.id, pin: q.pin || q.personal_id_number, purpose: q.purpose,
    attributes: (q.attributes || []).join(', '), state: q.state, created: when(q.created_ms), _q: q }));
  render($('kyc-list'), rows, [{ label: 'release', run: async o => {
    const f = await api('GET', '/api/v1/kyc/requests/' + encodeURIComponent(o.id), { auth: auth() });
    $('kyc-claims').replaceChildren();
    if (f.status === 202) { say($('kyc-out'), `${t('k.pending')} (${o.id})`); return; }
    if (!f.ok) { say($('kyc-out'), problem(f), false); return; }
    say($('kyc-out'), `${t('k.claims')} — ${o.id}`);
    const h = document.createElement('h3'); h.textContent = t('k.claims');
    const box = document.createElement('div');
    $('kyc-claims').append(h, box);
    render(box, f.json.token ? jwtClaims(f.json.token) : f.json);
  } }], ['id', 'pin', 'purpose', 'attributes', 'state', 'created']);
}
$('kyc-reload').addEventListener('submit', e => { e.preventDefault(); kycList(); });
$('kyc-form').addEventListener('submit', async e => {
  e.preventDefault();
  const out = $('kyc-out');
  const attributes = [...document.querySelectorAll('#kyc-attrs input:checked')].map(x => x.value);
  const bad = [...e.target.elements].filter(x => x.willValidate && !x.checkValidity());
  for (const x of e.target.elements) if (x.willValidate && x.type !== 'checkbox') x.setAttribute('aria-invalid', String(!x.checkValidity()));
  if (bad.length || !attributes.length) {
    const names = bad.map(x => (x.labels[0] || x).textContent.trim());
    if (!attributes.length) names.push(t('k.noattr'));
    say(out, `${t('dn.missing')}: ${names.join('; ')}`, false);
    (bad[0] || document.querySelector('#kyc-attrs input')).focus();
    return;
  }
  const body = { pin: $('kyc-pin').value.trim(), purpose: $('kyc-purpose').value.trim(), attributes };
  if ($('kyc-days').value) body.consent_days = Number($('kyc-days').value);
  const r = await api('POST', '/api/v1/kyc/requests', { auth: auth(), body });
  if (!r.ok) { say(out, problem(r), false); return; }
  say(out, `${t('k.created')} ${r.json.id} (${t('st.' + r.json.state) === 'st.' + r.json.state ? r.json.state : t('st.' + r.json.state)})`);
  if (r.json.approval_url) { $('kyc-link').href = r.json.approval_url; $('kyc-link').textContent = `${t('k.link')}: ${r.json.approval_url}`; $('kyc-link').hidden = false; }
  kycList();
});

show();
