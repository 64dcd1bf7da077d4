import { describe, expect, it } from 'vitest'
import { DISABLE_AFTER_MS, disableReason, RETRY_DELAYS_S, retryDelay } from './webhook-delivery'

describe('retryDelay', () => {
  it('grows with each attempt and stays at the last step', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelay)
    expect(delays.slice(0, 7)).toEqual([...RETRY_DELAYS_S])
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!)
    expect(delays.at(-1)).toBe(RETRY_DELAYS_S.at(-1))
    // Queues delays at most 12 hours.
    expect(Math.max(...delays)).toBeLessThanOrEqual(43_200)
  })
})

describe('disableReason', () => {
  const now = Date.UTC(2026, 11, 7)
  it('keeps an endpoint that started failing less than a day ago', () => {
    expect(disableReason(500, now - DISABLE_AFTER_MS + 1000, now, 'HTTP 500')).toBeNull()
  })
  it('disables one that failed for a day, naming the last error', () => {
    expect(disableReason(500, now - DISABLE_AFTER_MS, now, 'HTTP 500 from the endpoint')).toBe('Every delivery failed for over 24 hours (since 2026-12-06T00:00:00.000Z); the last: HTTP 500 from the endpoint')
  })
  it('disables one that answered 410 Gone at once', () => {
    expect(disableReason(410, now, now, 'HTTP 410')).toMatch(/410 Gone/)
  })
})
