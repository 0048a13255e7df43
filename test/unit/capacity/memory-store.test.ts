import { MemoryCapacityStore } from '../../../lib/capacity/memory-store.js';
import { capacityStoreContract } from './store-contract.js';

capacityStoreContract('in memory', () => Promise.resolve({ make: (options) => new MemoryCapacityStore(options) }));
