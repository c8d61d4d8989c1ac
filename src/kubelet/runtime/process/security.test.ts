import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setprivPrefix } from './security.js';

test('setpriv arguments: identity and no_new_privs only when asked', () => {
  assert.deepEqual(setprivPrefix('/usr/bin/setpriv', undefined), []);
  assert.deepEqual(setprivPrefix('/usr/bin/setpriv', { readOnlyRootFilesystem: true }), []);
  assert.deepEqual(setprivPrefix('setpriv', { runAsUser: 1000 }), ['setpriv', '--reuid=1000', '--clear-groups', '--']);
  assert.deepEqual(setprivPrefix('setpriv', { runAsUser: 1001, runAsGroup: 2002, supplementalGroups: [3003, 4004], noNewPrivileges: true }), [
    'setpriv',
    '--reuid=1001',
    '--regid=2002',
    '--groups=3003,4004',
    '--no-new-privs',
    '--',
  ]);
});
