// The upload page: no framework, no build step. It talks to the same Worker
// that serves it: POST /images, GET /images/{id}/events (SSE), GET /images/{id},
// and GET /images (the user's earlier uploads, shown again after a reload).

const TOKEN_KEY = 'image-service.token'
const PARALLEL_UPLOADS = 3
const HISTORY_PAGE = 12
const POLL_MS = 1500
const DONE = new Set(['completed', 'failed'])

const $ = (selector) => document.querySelector(selector)
const tokenInput = $('#token')
const uploads = $('#uploads')
const older = $('#older')

// ---- token, kept in localStorage ------------------------------------------

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
    const res = await fetch(`/images?${query}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
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
showHistory()

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
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', '/images')
    xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.responseType = 'text'
    setState(card, 'uploading', 'Uploading…')
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return
      const pct = Math.floor((e.loaded / e.total) * 100)
      card.progress.value = pct
      card.status.textContent = `Uploading… ${pct}%`
    })
    xhr.addEventListener('load', () => {
      const body = parseJson(xhr.responseText)
      if (xhr.status === 202 && body) {
        card.progress.value = 100
        card.progress.hidden = true
        render(card, body)
        watch(card, body.id)
      } else {
        showError(card, explain(xhr.status, body, xhr.getResponseHeader('Retry-After')))
      }
      resolve()
    })
    xhr.addEventListener('error', () => {
      showError(card, 'The upload did not reach the service (the connection was closed). Check that the service is running, and that the file is not too large.')
      resolve()
    })
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

/** Plain words for a failed answer: the problem JSON's `detail`, plus what to do about it. */
function explain(status, problem, retryAfter) {
  const detail = problem && typeof problem.detail === 'string' ? problem.detail : `The service answered ${status}.`
  if (status === 401) return `${detail} Check the API token above.`
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
      const res = await fetch(`/images/${encodeURIComponent(id)}`, { cache: 'no-store' })
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
