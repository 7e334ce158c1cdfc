import { httpContract } from './http/contract.js';
import { magicLinkContract } from './http/magic-link-contract.js';
import { mountKoa } from './http/mounts.js';

httpContract('koa', mountKoa);
magicLinkContract('koa', mountKoa);
