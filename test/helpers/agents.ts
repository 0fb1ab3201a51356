export { AgentProcesses, type AgentSpec } from '../../src/dev/agentProcesses.js';
