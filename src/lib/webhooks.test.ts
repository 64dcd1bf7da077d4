import { describe, expect, it } from 'vitest'
import { newWebhookSecret, signWebhook, webhookUrlProblem } from './webhooks'

describe('signWebhook', () => {
  it("matches the Standard Webhooks specification's example", async () => {
    // The example of https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    const signature = await signWebhook(['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
  })

  it('gives one signature per secret, space-separated', async () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()]
    const both = await signWebhook([a, b], 'msg_1', 1, '{}')
    expect(both).toBe(`${await signWebhook([a], 'msg_1', 1, '{}')} ${await signWebhook([b], 'msg_1', 1, '{}')}`)
  })

  it('makes secrets of 24 random bytes', () => {
    const secret = newWebhookSecret()
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(atob(secret.slice(6))).toHaveLength(24)
    expect(newWebhookSecret()).not.toBe(secret)
  })
})

describe('webhookUrlProblem in production (no private addresses)', () => {
  it.each([
    'https://example.com/hook',
    'https://hooks.example.co.uk:8443/a?b=c',
    'https://93.184.216.34/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  ])('accepts %s', (url) => expect(webhookUrlProblem(url, false)).toBeNull())

  it.each([
    ['http://example.com/hook', /https/],
    ['ftp://example.com/hook', /https/],
    ['not a url', /absolute URL/],
    ['/relative', /absolute URL/],
    ['https://user:pw@example.com/', /credentials/],
    ['https://example.com/#frag', /fragment/],
    ['https://localhost/hook', /internal/],
    ['https://api.localhost/hook', /internal/],
    ['https://printer.local/', /internal/],
    ['https://metadata.google.internal/', /internal/],
    ['https://intranet/', /internal/],
    ['https://127.0.0.1/', /internal/],
    ['https://127.1/', /internal/], // URL normalises it to 127.0.0.1
    ['https://2130706433/', /internal/], // 127.0.0.1 as one number
    ['https://0x7f000001/', /internal/],
    ['https://10.1.2.3/', /internal/],
    ['https://172.16.0.1/', /internal/],
    ['https://172.31.255.255/', /internal/],
    ['https://192.168.1.1/', /internal/],
    ['https://169.254.169.254/latest/meta-data', /internal/],
    ['https://100.64.0.1/', /internal/],
    ['https://0.0.0.0/', /internal/],
    ['https://224.0.0.1/', /internal/],
    ['https://[::1]/', /internal/],
    ['https://[::]/', /internal/],
    ['https://[::ffff:127.0.0.1]/', /internal/],
    ['https://[::ffff:10.0.0.1]/', /internal/],
    ['https://[fd00::1]/', /internal/],
    ['https://[fe80::1]/', /internal/],
    ['https://LOCALHOST./', /internal/],
  ])('refuses %s', (url, why) => expect(webhookUrlProblem(url, false)).toMatch(why))

  it('keeps public neighbours of private ranges', () => {
    for (const url of ['https://172.15.0.1/', 'https://172.32.0.1/', 'https://100.63.0.1/', 'https://192.169.0.1/', 'https://11.0.0.1/']) expect(webhookUrlProblem(url, false), url).toBeNull()
  })
})

describe('webhookUrlProblem locally (allowPrivate)', () => {
  it('accepts http and loopback, for a receiver on the same machine', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9999/hook', true)).toBeNull()
    expect(webhookUrlProblem('http://localhost/hook', true)).toBeNull()
  })

  it('still refuses what is never an endpoint', () => {
    expect(webhookUrlProblem('ftp://127.0.0.1/', true)).toMatch(/https/)
    expect(webhookUrlProblem('http://u:p@127.0.0.1/', true)).toMatch(/credentials/)
  })
})
