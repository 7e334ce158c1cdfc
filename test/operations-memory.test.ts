import { memoryStorage } from '../storage/memory.js';
import { operationsFlow } from './operations/flow.js';

operationsFlow('memory', async () => memoryStorage());
