// The upload page: no framework, no build step. It talks to the same Worker
// that serves it: POST /images, GET /images/{id}/events (SSE), GET /images/{id},
// and GET /images (the user's earlier uploads, shown again after a reload).
// Opened as /#upload=<encodeURIComponent(uploadURL)> (a URL of POST /images/direct-uploads),
// it uploads one photo through that URL instead, without a token: the stored token is
// neither read nor sent. The URL is in the fragment, so its secret never reaches a server log.

const TOKEN_KEY = 'image-service.token'
const PARALLEL_UPLOADS = 3
const HISTORY_PAGE = 12
const POLL_MS = 1500
const DONE = new Set(['completed', 'failed'])

const $ = (selector) => document.querySelector(selector)
const tokenInput = $('#token')
const uploads = $('#uploads')
const older = $('#older')

// ---- D1 bookmarks: every answer says how fresh its metadata was; sending the newest back
// makes later reads see this page's own uploads even when a read replica answers them.

const BOOKMARK = 'X-D1-Bookmark'
let bookmark = null
function noteBookmark(value) {
  if (value && (!bookmark || value > bookmark)) bookmark = value
}
const withBookmark = (headers = {}) => (bookmark ? { ...headers, [BOOKMARK]: bookmark } : headers)
async function api(url, init = {}) {
  const res = await fetch(url, { ...init, headers: withBookmark(init.headers) })
  noteBookmark(res.headers.get(BOOKMARK))
  return res
}

// ---- a one-time upload link in the fragment: #upload=<uploadURL> -------------

/** The upload link of the fragment: null without one, else `{ url }`, or `{ error }` for one this page cannot use. */
function readUploadLink(hash) {
  const match = /^#upload=(.+)$/.exec(hash)
  if (!match) return null
  const unusable = { error: 'This upload link is not one of this service\'s (it may have been cut short when it was copied). Ask whoever sent it for the whole link, or a new one.' }
  let url
  try {
    url = new URL(decodeURIComponent(match[1]))
  } catch {
    return unusable
  }
  // Only this service's own upload URLs: the page never sends a photo anywhere else (and its CSP would not let it).
  if (url.origin !== location.origin || !/^\/direct-uploads\/[^/]+$/.test(url.pathname) || !url.searchParams.get('token')) return unusable
  return { url: url.href }
}

/** Upload-link mode: `state` is 'ready' (the link takes a photo), 'busy' (one is being sent) or 'used'. */
const direct = readUploadLink(location.hash)
if (direct) {
  direct.state = direct.error ? 'unusable' : 'ready'
  direct.usedFor = null
}
// Another link (or none) in the address bar: start again in the right mode.
window.addEventListener('hashchange', () => location.reload())

// ---- token, kept in localStorage ------------------------------------------

if (direct) {
  // No token on this page at all: the section goes, and localStorage is not read.
  $('#token-section').hidden = true
  $('#direct').hidden = false
  $('#drop-title').textContent = 'Drop a photo here'
  $('#pick-text').textContent = 'Choose a photo'
  $('#files').multiple = false
  showDirectState()
} else {
  tokenInput.value = localStorage.getItem(TOKEN_KEY) ?? ''
  let typing
  tokenInput.addEventListener('input', () => {
    const token = tokenInput.value.trim()
    if (token) localStorage.setItem(TOKEN_KEY, token)
    else localStorage.removeItem(TOKEN_KEY)
    clearTimeout(typing)
    typing = setTimeout(showHistory, 400)
  })
  $('#forget-token').addEventListener('click', () => {
    tokenInput.value = ''
    localStorage.removeItem(TOKEN_KEY)
    showHistory()
    tokenInput.focus()
  })
  $('#show-token').addEventListener('click', (e) => {
    const show = tokenInput.type === 'password'
    tokenInput.type = show ? 'text' : 'password'
    e.currentTarget.textContent = show ? 'Hide' : 'Show'
    e.currentTarget.setAttribute('aria-pressed', String(show))
  })
  $('#create-link').addEventListener('click', createUploadLink)
  $('#webhooks').addEventListener('toggle', (e) => e.currentTarget.open && showWebhooks())
  $('#webhook-form').addEventListener('submit', addWebhook)
}

// ---- webhook endpoints (with the token) -------------------------------------------

const authorized = (init = {}) => ({ ...init, cache: 'no-store', headers: { ...init.headers, Authorization: `Bearer ${tokenInput.value.trim()}` } })

async function showWebhooks() {
  const list = $('#webhook-list')
  if (!tokenInput.value.trim()) return list.replaceChildren(el('li', { class: 'hint', textContent: 'Paste your API token above to see your webhooks.' }))
  const res = await api('/webhooks', authorized())
  const body = parseJson(await res.text())
  if (!res.ok || !body) return list.replaceChildren(el('li', { class: 'error', textContent: explain(res.status, body) }))
  if (body.items.length === 0) return list.replaceChildren(el('li', { class: 'hint', textContent: 'No webhooks yet.' }))
  list.replaceChildren(...body.items.map(webhookItem))
}

function webhookItem(hook) {
  const state = hook.enabled ? (hook.lastError ? `failing: ${hook.lastError}` : hook.lastSuccessAt ? 'delivering' : 'no deliveries yet') : `disabled${hook.disabledReason ? `: ${hook.disabledReason}` : ''}`
  const remove = el('button', { type: 'button', textContent: 'Delete' })
  remove.addEventListener('click', async () => {
    await api(`/webhooks/${encodeURIComponent(hook.id)}`, authorized({ method: 'DELETE' }))
    showWebhooks()
  })
  const actions = [remove]
  if (!hook.enabled) {
    const enable = el('button', { type: 'button', textContent: 'Enable' })
    enable.addEventListener('click', async () => {
      await api(`/webhooks/${encodeURIComponent(hook.id)}`, authorized({ method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"enabled":true}' }))
      showWebhooks()
    })
    actions.unshift(enable)
  }
  return el('li', { 'data-webhook-id': hook.id, 'data-enabled': String(hook.enabled) }, el('code', { textContent: hook.url }), el('span', { class: 'hint', textContent: ` ${hook.events.join(', ')} · ${state} ` }), ...actions)
}

async function addWebhook(e) {
  e.preventDefault()
  const out = $('#webhook-secret')
  const res = await api('/webhooks', authorized({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url: $('#webhook-url').value.trim() }) }))
  const body = parseJson(await res.text())
  out.hidden = false
  if (res.status !== 201 || !body) return out.replaceChildren(el('p', { class: 'error', role: 'alert', textContent: `Not added. ${explain(res.status, body)}` }))
  // The secret is shown by the service once, in this answer: the page shows it once too.
  const secret = el('input', { id: 'webhook-secret-value', type: 'text', readOnly: true, value: body.secret, spellcheck: false })
  secret.addEventListener('focus', () => secret.select())
  out.replaceChildren(el('p', { textContent: 'Added. Its signing secret, shown only now: keep it to verify deliveries.' }), secret)
  $('#webhook-url').value = ''
  showWebhooks()
}

function showDirectState() {
  const status = $('#direct-status')
  status.classList.toggle('error', direct.state === 'unusable')
  status.textContent = {
    unusable: direct.error,
    ready: 'Choose or drop one JPEG or PNG photo. If the service refuses it (wrong type, too large), the link still works for another.',
    busy: 'Uploading your photo…',
    used: `The link has been used for ${direct.usedFor ?? 'a photo'}. To upload another photo, ask for a new link.`,
  }[direct.state]
}

// ---- making a one-time upload link (with the token) ---------------------------

async function createUploadLink() {
  const button = $('#create-link')
  const result = $('#link-result')
  const show = (...nodes) => {
    result.replaceChildren(...nodes)
    result.hidden = false
  }
  const token = tokenInput.value.trim()
  if (!token) return show(el('p', { class: 'error', textContent: 'Paste your API token above first: the link uploads into your account.' }))
  button.disabled = true
  try {
    const res = await api('/images/direct-uploads', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
      cache: 'no-store',
    })
    const body = parseJson(await res.text())
    if (res.status !== 201 || !body || typeof body.uploadURL !== 'string') {
      return show(el('p', { class: 'error', role: 'alert', textContent: `No link made. ${explain(res.status, body, res.headers.get('Retry-After'))}` }))
    }
    const link = `${location.origin}/#upload=${encodeURIComponent(body.uploadURL)}`
    const until = new Date(body.expiresAt)
    const field = el('input', { id: 'link-url', type: 'text', readOnly: true, value: link, spellcheck: false })
    field.addEventListener('focus', () => field.select())
    const copy = el('button', { type: 'button', textContent: 'Copy' })
    const note = el('p', { class: 'hint' })
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(link)
        note.textContent = 'Copied.'
      } catch {
        field.focus()
        note.textContent = 'Selected: copy it with Ctrl+C (⌘C).'
      }
    })
    show(
      el('p', {}, 'One photo, once, until ', el('time', { dateTime: body.expiresAt, textContent: until.toLocaleString() }), '. Whoever has the link can upload; send it only to the person it is for.'),
      el('div', { class: 'row' }, field, copy),
      el('p', {}, el('a', { href: link, target: '_blank', rel: 'noopener', class: 'upload-link', textContent: 'Open the link in a new tab' })),
      note,
    )
  } catch {
    show(el('p', { class: 'error', role: 'alert', textContent: 'The service could not be reached. Check that it is running, then try again.' }))
  } finally {
    button.disabled = false
  }
}

// ---- picking and dropping files ---------------------------------------------

const drop = $('#drop')
const picker = $('#files')
picker.addEventListener('change', () => {
  addFiles(picker.files)
  picker.value = ''
})
for (const type of ['dragenter', 'dragover']) {
  drop.addEventListener(type, (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
}
for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('over'))
drop.addEventListener('drop', (e) => {
  e.preventDefault()
  addFiles(e.dataTransfer.files)
})
// A file dropped next to the zone should not replace the page.
window.addEventListener('dragover', (e) => e.preventDefault())
window.addEventListener('drop', (e) => e.preventDefault())

const waiting = []
let running = 0

function addFiles(files) {
  if (direct) return addThroughLink([...files])
  for (const file of files) {
    const card = createCard(file)
    uploads.prepend(card.root)
    waiting.push(() => upload(file, card))
  }
  pump()
}

function pump() {
  while (running < PARALLEL_UPLOADS && waiting.length > 0) {
    running++
    waiting
      .shift()()
      .finally(() => {
        running--
        pump()
      })
  }
}

/** Upload-link mode: one photo through the link; anything else picked gets a card that says why not. */
function addThroughLink(files) {
  files.forEach((file, i) => {
    const card = createCard(file)
    uploads.prepend(card.root)
    const refusal =
      direct.state === 'unusable'
        ? direct.error
        : direct.state === 'used'
          ? `This link was already used for ${direct.usedFor ?? 'a photo'}, and it takes only one. Ask whoever sent it for a new link to upload another photo.`
          : direct.state === 'busy'
            ? 'This link takes one photo, and another one is being uploaded through it. If that one is refused, add this one again.'
            : i > 0
              ? `This link takes one photo, and ${files[0].name} went first. If that one is refused, add this one again.`
              : null
    if (refusal) return showError(card, refusal)
    direct.state = 'busy'
    showDirectState()
    send(file, card, { url: direct.url, headers: {} }).then((status) => {
      // A refused file leaves the link usable (the service gives the claim back); 202 and 410 spend it.
      if (status === 202 || status === 410) {
        direct.state = 'used'
        direct.usedFor = status === 202 ? file.name : null
      } else direct.state = 'ready'
      showDirectState()
    })
  })
}

// ---- one card per file --------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v
    else if (k.startsWith('data-')) node.setAttribute(k, v)
    else node[k] = v
  }
  node.append(...children.filter((c) => c != null))
  return node
}

/** A card for a file being uploaded (a local preview), or for an earlier upload (`file` null, `previewUrl` from the service). */
function createCard(file, { name = file?.name, previewUrl } = {}) {
  const preview = el('img', { class: 'preview', alt: '' })
  if (file) {
    preview.src = URL.createObjectURL(file)
    preview.addEventListener('load', () => URL.revokeObjectURL(preview.src), { once: true })
  } else if (previewUrl) preview.src = previewUrl
  preview.addEventListener('error', () => preview.remove(), { once: true })
  const title = el('div', { class: 'name', textContent: name ?? 'Untitled' })
  const meta = el('div', { class: 'meta', textContent: file ? formatBytes(file.size) : '' })
  const progress = el('progress', { max: 100, value: 0, hidden: !file })
  const status = el('p', { class: 'status', textContent: file ? 'Waiting to upload…' : '' })
  const error = el('p', { class: 'error', role: 'alert', hidden: true })
  const variants = el('div', { class: 'variants' })
  const root = el('li', { class: 'upload', 'data-state': 'waiting' }, el('div', { class: 'head' }, preview, el('div', { class: 'title' }, title, meta)), progress, status, error, variants)
  return { root, meta, progress, status, error, variants, file }
}

// ---- earlier uploads: GET /images, newest first, a page at a time ----------

let historyCursor = null
let historyRun = 0

async function showHistory() {
  const run = ++historyRun
  for (const card of uploads.querySelectorAll('li.upload[data-history]')) card.remove()
  historyCursor = null
  older.hidden = true
  if (tokenInput.value.trim()) await loadHistoryPage(run)
}

async function loadHistoryPage(run = historyRun) {
  const token = tokenInput.value.trim()
  const query = new URLSearchParams({ limit: String(HISTORY_PAGE) })
  if (historyCursor) query.set('cursor', historyCursor)
  older.disabled = true
  try {
    const res = await api(`/images?${query}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
    if (run !== historyRun || !res.ok) return // another token since, or none valid: nothing to show
    const page = await res.json()
    const shown = new Set([...uploads.querySelectorAll('li.upload[data-image-id]')].map((li) => li.dataset.imageId))
    for (const image of page.items) {
      if (shown.has(image.id)) continue
      const thumbnail = [...image.variants].reverse().find((v) => v.url) // the smallest made
      const card = createCard(null, { name: image.fileName, previewUrl: thumbnail ? thumbnail.url : image.url })
      card.root.dataset.history = ''
      uploads.append(card.root)
      render(card, image)
      if (!DONE.has(image.status)) watch(card, image.id)
    }
    historyCursor = page.nextCursor
    older.hidden = !historyCursor
  } catch {
    // offline: the page still uploads; history comes back on the next load
  } finally {
    older.disabled = false
  }
}

older.addEventListener('click', () => loadHistoryPage())
if (!direct) showHistory()

function setState(card, state, text) {
  card.root.dataset.state = state
  card.status.textContent = text
}

function showError(card, message) {
  setState(card, 'error', 'Not uploaded')
  card.progress.hidden = true
  card.error.textContent = message
  card.error.hidden = false
}

// ---- upload with progress (XMLHttpRequest: fetch has no upload progress) ----

function upload(file, card) {
  const token = tokenInput.value.trim()
  if (!token) {
    showError(card, 'Paste your API token above first, then add the photo again.')
    return Promise.resolve()
  }
  return send(file, card, { url: '/images', headers: { Authorization: `Bearer ${token}` } })
}

/** POSTs the multipart `file` to `url`; resolves with the answer's status (0 when none came). */
function send(file, card, { url, headers }) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    for (const [name, value] of Object.entries(withBookmark(headers))) xhr.setRequestHeader(name, value)
    xhr.responseType = 'text'
    setState(card, 'uploading', 'Uploading…')
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return
      const pct = Math.floor((e.loaded / e.total) * 100)
      card.progress.value = pct
      card.status.textContent = `Uploading… ${pct}%`
    })
    xhr.addEventListener('load', () => {
      noteBookmark(xhr.getResponseHeader(BOOKMARK))
      const body = parseJson(xhr.responseText)
      if (xhr.status === 202 && body) {
        card.progress.value = 100
        card.progress.hidden = true
        render(card, body)
        // A private image answers only its owner (with a token): nobody else can follow it.
        if (direct && body.private) setState(card, body.status, 'Uploaded. The image is private: its owner sees the variants once they are made.')
        else watch(card, body.id)
      } else {
        showError(card, explain(xhr.status, body, xhr.getResponseHeader('Retry-After')))
      }
      resolve(xhr.status)
    })
    xhr.addEventListener('error', () => {
      showError(card, 'The upload did not reach the service (the connection was closed). Check that the service is running, and that the file is not too large.')
      resolve(0)
    })
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

/** Plain words for a failed answer: the problem JSON's `detail`, plus what to do about it. */
function explain(status, problem, retryAfter) {
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : `The service answered ${status}.`
  const kind = problem && typeof problem.type === 'string' ? problem.type.split('/problems/')[1] : undefined
  if (status === 401) return `${detail} Check the API token above.`
  if (direct) {
    // Through an upload link: who can help is whoever sent it.
    if (kind === 'upload-url-used' || (status === 410 && kind !== 'upload-url-expired')) return `${detail} A link takes one photo, and this one already has it. Ask whoever sent you the link for a new one.`
    if (status === 410) return `${detail} Links work for a limited time; ask whoever sent you this one for a new one.`
    if (status === 409) {
      const seconds = Number(retryAfter)
      const wait = Number.isFinite(seconds) && seconds > 0 ? `in ${Math.ceil(seconds)} s` : 'in a moment'
      return `${detail} It may be open in another tab or browser. If that upload is refused, the link works again: try again ${wait}.`
    }
    if (status === 404) return `${detail} The link may have been cut short when it was copied, or it was spent over a day ago. Ask whoever sent it for a new one.`
  }
  if (status === 429) {
    const seconds = Number(retryAfter)
    return Number.isFinite(seconds) && seconds > 0 ? `${detail} Try again in ${Math.ceil(seconds)} s.` : `${detail} Try again in a moment.`
  }
  return detail
}

function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

// ---- live status: Server-Sent Events, falling back to polling ---------------

function watch(card, id) {
  if (!('EventSource' in window)) return poll(card, id)
  const source = new EventSource(`/images/${encodeURIComponent(id)}/events`)
  let finished = false
  const stop = () => {
    finished = true
    source.close()
  }
  source.addEventListener('image', (e) => {
    const image = parseJson(e.data)
    if (!image) return
    render(card, image)
    if (DONE.has(image.status)) stop()
  })
  // The stream is bounded; the service says when to switch to polling.
  source.addEventListener('timeout', () => {
    stop()
    poll(card, id)
  })
  source.addEventListener('gone', () => {
    stop()
    setState(card, 'failed', 'This image was deleted.')
  })
  source.addEventListener('error', () => {
    if (finished) return
    stop()
    poll(card, id)
  })
}

async function poll(card, id) {
  let wait = POLL_MS
  for (;;) {
    await new Promise((r) => setTimeout(r, wait))
    try {
      const res = await api(`/images/${encodeURIComponent(id)}`, { cache: 'no-store' })
      const body = parseJson(await res.text())
      if (res.status === 404) return setState(card, 'failed', 'This image no longer exists.')
      if (res.ok && body) {
        render(card, body)
        if (DONE.has(body.status)) return
        wait = POLL_MS
        continue
      }
    } catch {
      // offline for a moment: keep trying, more slowly
    }
    wait = Math.min(wait * 2, 15_000)
  }
}

// ---- rendering metadata -------------------------------------------------------

const STATUS_TEXT = {
  draft: () => 'Stored; waiting for the queue…',
  processing: (image) => `Making variants… ${image.variants.filter((v) => v.status === 'completed').length} of ${image.variants.length} done`,
  completed: () => 'Done',
  failed: (image) => `Failed: ${image.error ?? 'the image could not be processed.'}`,
}

function render(card, image) {
  card.root.dataset.imageId = image.id
  card.meta.replaceChildren(
    `${formatBytes(image.bytes)} · ${image.width}×${image.height} · `,
    el('a', { href: image.url, target: '_blank', rel: 'noopener', textContent: 'original' }),
  )
  setState(card, image.status, (STATUS_TEXT[image.status] ?? (() => image.status))(image))
  card.variants.replaceChildren(...image.variants.map(variantFigure))
}

function variantFigure(v) {
  const size = `${v.width}×${v.height}`
  const figure = el('figure', { class: 'variant', 'data-variant': v.name, 'data-status': v.status })
  if (v.status === 'completed' && v.url) {
    const img = el('img', { src: v.url, alt: `${v.name} variant, ${size}`, width: v.width, height: v.height, decoding: 'async' })
    // <picture>: the browser takes the first format it can show (files are listed preferred first), else the fallback <img>.
    const sources = (v.files ?? []).filter((f) => f.url !== v.url).map((f) => el('source', { type: f.contentType, srcset: f.url }))
    const link = el('a', { href: v.url, target: '_blank', rel: 'noopener', class: 'frame' }, el('picture', {}, ...sources, img))
    figure.append(link, el('figcaption', {}, el('strong', { textContent: v.name }), ` ${size} · ${formatBytes(v.bytes)}`))
  } else {
    const note = v.status === 'failed' ? `failed: ${v.error ?? 'unknown error'}` : 'making…'
    const frame = el('div', { class: 'frame pending' })
    frame.style.aspectRatio = `${v.width} / ${v.height}`
    figure.append(frame, el('figcaption', {}, el('strong', { textContent: v.name }), ` ${size} · ${note}`))
  }
  return figure
}

function formatBytes(n) {
  if (n == null) return ''
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`
  return `${(n / (1024 * 1024)).toFixed(1)} MB`
}
