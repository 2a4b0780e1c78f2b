import { describe, expect, it } from 'vitest';
import { createLogger, createPino, sdkLoggerOf } from '../../src/logger';

const capture = () => {
  const lines: string[] = [];
  return {
    lines,
    sink: (line: string) => lines.push(line),
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
};

describe('the logger', () => {
  it('writes one JSON object per line with time, level, component and message', () => {
    const out = capture();
    createLogger('api', 'info', out.sink).info('request', { status: 201 });
    expect(out.lines).toHaveLength(1);
    expect(out.parsed()[0]).toMatchObject({ level: 'info', component: 'api', msg: 'request', status: 201 });
    expect(out.parsed()[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below its level', () => {
    const out = capture();
    const log = createLogger('api', 'warn', out.sink);
    log.info('quiet');
    log.warn('loud');
    expect(out.parsed().map((l) => l.msg)).toEqual(['loud']);
  });

  it('redacts fields that hold credentials or request content, also one level down', () => {
    const out = capture();
    createLogger('worker', 'debug', out.sink).warn('oops', {
      password: 'pw-1',
      token: 'tok-1',
      request: { authorization: 'Bearer tok-2', body: '{"secret":1}', headers: { cookie: 'c' } },
      caseId: 'c-1',
    });
    const line = out.lines[0] ?? '';
    for (const secret of ['pw-1', 'tok-1', 'tok-2', '{\\"secret\\":1}', 'cookie'])
      expect(line).not.toContain(secret);
    expect(out.parsed()[0]).toMatchObject({ password: '[redacted]', caseId: 'c-1' });
  });

  it("writes the SDK's lines through the same logger, marked by SDK component", () => {
    const out = capture();
    const sdk = sdkLoggerOf(createPino('worker', 'info', out.sink));
    sdk.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING', [Symbol('ts')]: 1n });
    sdk.log('TRACE', 'noise');
    sdk.error('Activity failed', { sdkComponent: 'activity', error: new Error('HTTP 503') });
    const lines = out.parsed();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      component: 'worker',
      sdkComponent: 'worker',
      msg: 'Worker state changed',
    });
    expect(lines[1]).toMatchObject({ level: 'error', error: { message: 'HTTP 503' } });
  });
});
