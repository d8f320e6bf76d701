import { openStore } from '../../engine/store/open-store.js';
import { storeContract } from './store-contract.js';

storeContract('memory', async () => {
  const store = await openStore('memory');
  return { store, cleanup: () => store.close() };
});
