import { MemoryLedger } from '../../../lib/scheduler/ledger.js';
import { requestLedgerContract } from './ledger-contract.js';

requestLedgerContract('MemoryLedger', () => Promise.resolve({ make: (now) => Promise.resolve(new MemoryLedger(now)) }));
