import { describe, expect, it } from 'vitest';
import { assertChainIdAllowed, BRANDS, ENVIRONMENTS, EVM_CHAIN_IDS, evmChainIdFor, networkMode, ownerOfChainId } from '../../src/network/chainIds.js';

describe('LP-018 chain-ID map', () => {
  it('encodes the seed table', () => {
    expect(EVM_CHAIN_IDS.lux).toEqual({ mainnet: 96369, testnet: 96368, devnet: 96370, localnet: 31337 });
    expect(evmChainIdFor('hanzo', 'mainnet')).toBe(36963);
    expect(evmChainIdFor('zoo', 'testnet')).toBe(200201);
    expect(evmChainIdFor('spc', 'devnet')).toBe(36912);
    expect(evmChainIdFor('pars', 'mainnet')).toBe(7070);
    expect(evmChainIdFor('hanzo', 'localnet')).toBeNull();
    expect(Object.values(EVM_CHAIN_IDS.osage).every((id) => id === null)).toBe(true);
  });

  it('never assigns one chain ID to two brand × env cells', () => {
    const ids = BRANDS.flatMap((b) => ENVIRONMENTS.map((e) => EVM_CHAIN_IDS[b][e])).filter((id) => id !== null);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ownerOfChainId(494950)).toEqual({ brand: 'pars', env: 'testnet' });
    expect(ownerOfChainId(7777)).toBeUndefined();
  });

  it('accepts each cell its own ID, and free IDs where the cell is TBD or the brand is private', () => {
    expect(() => assertChainIdAllowed({ brand: 'lux', env: 'mainnet', chainId: 96369 })).not.toThrow();
    expect(() => assertChainIdAllowed({ brand: 'zoo', env: 'localnet', chainId: 200299 })).not.toThrow();
    expect(() => assertChainIdAllowed({ brand: 'acme', env: 'devnet', chainId: 7777 })).not.toThrow();
  });

  it('refuses a chain ID of another brand or environment, naming plan.genesis.chainId', () => {
    expect(() => assertChainIdAllowed({ brand: 'hanzo', env: 'mainnet', chainId: 96369 })).toThrow(
      /^plan\.genesis\.chainId: chain ID 96369 belongs to lux mainnet in the LP-018 map; reusing it for hanzo mainnet would allow cross-network transaction replay/,
    );
    expect(() => assertChainIdAllowed({ brand: 'lux', env: 'testnet', chainId: 96369 })).toThrow(
      /plan\.genesis\.chainId: chain ID 96369 belongs to lux mainnet/,
    );
    expect(() => assertChainIdAllowed({ brand: 'acme', env: 'localnet', chainId: 31337 })).toThrow(/belongs to lux localnet/);
    expect(() => assertChainIdAllowed({ brand: 'zoo', env: 'localnet', chainId: 36911 })).toThrow(/belongs to spc mainnet/);
  });

  it('refuses a free ID where the map gives the cell its own', () => {
    expect(() => assertChainIdAllowed({ brand: 'lux', env: 'devnet', chainId: 7777 })).toThrow(
      /plan\.genesis\.chainId: lux devnet has chain ID 96370 in the LP-018 map, got 7777/,
    );
  });

  it('refuses nonsense chain IDs', () => {
    expect(() => assertChainIdAllowed({ brand: 'lux', env: 'mainnet', chainId: 0 })).toThrow(/positive integer/);
  });
});

describe('LP-018 network mode', () => {
  it.each([
    [1, 0, 'L2'],
    [2, 0, 'L2'],
    [3, 0, 'L2'],
    [1337, 0, 'L2'],
    [1, 5, 'anchored'],
    [1337, 1, 'anchored'],
    [999001, 5, 'independent'],
    [96369, 21, 'independent'],
  ] as const)('networkID %i with %i validators is %s', (networkId, validators, mode) => {
    expect(networkMode({ networkId, validators })).toBe(mode);
  });

  it('refuses what the table leaves undefined or invalid', () => {
    expect(() => networkMode({ networkId: 0, validators: 5 })).toThrow(/networkID: must be a uint32 other than 0/);
    expect(() => networkMode({ networkId: 1, validators: -1 })).toThrow(/validators: must be a non-negative integer/);
    expect(() => networkMode({ networkId: 999001, validators: 0 })).toThrow(/not a Lux primary .* 0 validators/);
  });
});
