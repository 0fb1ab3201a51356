export { AgentProcesses, type AgentSpec } from '../../src/devnet/agentProcesses.js';
