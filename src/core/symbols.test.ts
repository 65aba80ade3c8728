import { describe, expect, it } from 'vitest';
import { brokerSymbol, stripExchange, symbolAllowed } from './symbols.js';
import type { StrategySettings } from './types.js';

const base: StrategySettings = { symbols: [], map: {}, lots: 0.1, rateLimit: 20 };
const settings = (over: Partial<StrategySettings>): StrategySettings => ({ ...base, ...over });

describe('stripExchange', () => {
  it.each([
    ['OANDA:EURUSD', 'EURUSD'],
    ['EURUSD', 'EURUSD'],
    ['CME_MINI:ES1!', 'ES1!'],
    ['BINANCE:BTCUSDT.P', 'BTCUSDT.P'],
  ])('%s -> %s', (raw, ticker) => {
    expect(stripExchange(raw)).toBe(ticker);
  });
});

describe('brokerSymbol', () => {
  const s = settings({
    map: { 'OANDA:EURUSD': 'EURUSD.m', XAUUSD: 'GOLD', 'fx:gbpusd': 'GBPUSD.x' },
    suffix: '.r',
  });

  it.each([
    ['OANDA:EURUSD', 'EURUSD.m'], // exact raw
    ['oanda:eurusd', 'EURUSD.m'], // raw ignoring case
    ['FX:EURUSD', 'EURUSD.r'], // other exchange: no map entry -> ticker + suffix
    ['OANDA:XAUUSD', 'GOLD'], // by ticker without prefix
    ['XAUUSD', 'GOLD'],
    ['FX:GBPUSD', 'GBPUSD.x'], // raw, map key in lower case
    ['USDJPY', 'USDJPY.r'],
    ['OANDA:USDJPY', 'USDJPY.r'],
  ])('%s -> %s', (raw, broker) => {
    expect(brokerSymbol(raw, s)).toBe(broker);
  });

  it('the raw symbol wins over the ticker', () => {
    expect(brokerSymbol('OANDA:EURUSD', settings({ map: { EURUSD: 'A', 'OANDA:EURUSD': 'B' } }))).toBe('B');
  });

  it('no suffix: the ticker as is', () => {
    expect(brokerSymbol('OANDA:EURUSD', base)).toBe('EURUSD');
  });

  it('never resolves inherited properties', () => {
    expect(brokerSymbol('constructor', base)).toBe('constructor');
    expect(brokerSymbol('__proto__', base)).toBe('__proto__');
    expect(brokerSymbol('toString', settings({ suffix: 'm' }))).toBe('toStringm');
  });
});

describe('symbolAllowed', () => {
  it('an empty list allows everything', () => {
    expect(symbolAllowed('ANYTHING', base)).toBe(true);
  });

  it.each([
    [['EURUSD'], 'OANDA:EURUSD', true],
    [['EURUSD'], 'FX:EURUSD', true],
    [['eurusd'], 'OANDA:EURUSD', true],
    [['OANDA:EURUSD'], 'OANDA:EURUSD', true],
    [['OANDA:EURUSD'], 'FX:EURUSD', false],
    [['OANDA:EURUSD'], 'EURUSD', false],
    [['EURUSD'], 'GBPUSD', false],
    [['EURUSD.m'], 'OANDA:EURUSD', true], // by broker symbol via the map
    [['EURUSD'], 'EURUSDX', false],
  ])('%j allows %s: %s', (symbols, raw, expected) => {
    expect(symbolAllowed(raw, settings({ symbols, map: { 'OANDA:EURUSD': 'EURUSD.m' } }))).toBe(expected);
  });

  it('matches the broker symbol made with the suffix', () => {
    expect(symbolAllowed('OANDA:GBPUSD', settings({ symbols: ['GBPUSD.m'], suffix: '.m' }))).toBe(true);
  });
});
