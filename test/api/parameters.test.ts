/**
 * Path and query parameters are read strictly: a whole number is plain digits, so `1e400` or
 * `0x10` is a 400 naming the parameter, never a lookup of "version Infinity" or of version 16.
 */
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { readCall } from '../../api/request.js';
import { ROUTES } from '../../api/routes.js';

const route = (operationId: string) => ROUTES.find((r) => r.operationId === operationId)!;

function request(params: Record<string, string>, query: Record<string, unknown> = {}): Request {
  return { params, query, headers: {}, body: undefined } as unknown as Request;
}

const read = (operationId: string, params: Record<string, string>, query?: Record<string, unknown>) =>
  readCall(route(operationId), request(params, query), new AbortController().signal);

describe('whole-number parameters', () => {
  it('takes plain digits, as numbers', () => {
    expect(read('getWorkflowVersion', { name: 'orders', version: '12' }).params).toEqual({ name: 'orders', version: 12 });
    expect(read('listInstances', {}, { limit: '50' }).query).toEqual({ limit: 50 });
  });

  it.each(['1e400', '0x10', '1.5', ' 7', '7 ', '', '+3', '1234567890123456'])('refuses version "%s", naming the parameter', (version) => {
    expect(() => read('getWorkflowVersion', { name: 'orders', version })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', message: `path parameter "version" must be a whole number written in digits, like 2; got "${version}"` }),
    );
  });

  it('leaves range checks to the schema, with its own message', () => {
    expect(() => read('listInstances', {}, { limit: '0' })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', message: expect.stringContaining('"limit"') }));
    expect(() => read('getWorkflowVersion', { name: 'orders', version: '-1' })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
  });
});
