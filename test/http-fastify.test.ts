import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import { mountFastify } from './http/mounts.js';

httpContract('fastify', mountFastify);
magicLinkContract('fastify', mountFastify);
