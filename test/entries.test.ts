/** The two entry points expose exactly their handlers: the processor Worker has no fetch handler. */
import { describe, expect, it } from 'vitest'
import api from '../src/index'
import processor from '../src/processor-worker'

describe('entry points', () => {
  it('the API Worker answers fetch, runs the cron and consumes the webhook queues (not the variant queue)', () => {
    expect(Object.keys(api).sort()).toEqual(['fetch', 'queue', 'scheduled'])
  })
  it('the processor Worker only consumes queues', () => {
    expect(Object.keys(processor)).toEqual(['queue'])
  })
})
