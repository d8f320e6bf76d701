/** Where secrets come from and how a value that comes back is concealed (engine/secrets.ts). */
import { describe, expect, it } from 'vitest';
import { concealSecrets, concealText, loadSecrets, revealSecrets } from '../../engine/secrets.js';

describe('loading and concealing secrets', () => {
  it("shows a value from SEGUE_SECRET_<NAME> by the secret's name in lower case, never by the variable's", () => {
    const secrets = loadSecrets({}, { SEGUE_SECRET_FT_TOKEN: 'ft-0123456789' });
    expect(revealSecrets('«secret:ft_token» «secret:FT_TOKEN»', secrets)).toBe('ft-0123456789 ft-0123456789');
    expect(concealText('Bearer ft-0123456789', secrets)).toBe('Bearer «secret:ft_token»');
  });

  it('shows a configured value by its configured name, also when an environment variable holds it too', () => {
    const secrets = loadSecrets({ billingToken: 'bt-0123456789' }, { SEGUE_SECRET_BILLING: 'bt-0123456789' });
    expect(concealSecrets({ auth: 'bt-0123456789' }, secrets)).toEqual({ auth: '«secret:billingToken»' });
  });

  it('conceals a value that contains another secret whole', () => {
    const secrets = loadSecrets({ short: 'abcd', long: 'abcd-efgh-ijkl' });
    expect(concealText('abcd-efgh-ijkl and abcd', secrets)).toBe('«secret:long» and «secret:short»');
  });
});
