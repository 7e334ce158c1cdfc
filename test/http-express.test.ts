import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import { mountExpress } from './http/mounts.js';

httpContract('express', mountExpress);
magicLinkContract('express', mountExpress);
