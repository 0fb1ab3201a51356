export { emergencyRegenesisWorkflow, regenesisWorkflow } from './regenesis.js';
