export { regenesisWorkflow } from './regenesis.js';
