export { buildPrimaryGenesis, checkGenesisStakers } from './build.js';
export { allocationsFromExports, type CarriedAllocations } from './fromExports.js';
export { PrimaryGenesisError } from './errors.js';
export { parseJson, stringifyJson, type JsonValue } from './json.js';
export { parsePrimaryGenesis, primaryGenesisToInput, type ParsedPrimaryGenesis } from './parse.js';
export { primaryGenesisDocumentSchema, primaryGenesisInputSchema } from './schema.js';
export { primaryGenesisSha256, serializePrimaryGenesis, type SerializeOptions } from './serialize.js';
export type * from './types.js';
export { splitStakeWeights } from './weights.js';
