/**
 * Symbol specifications as MT5 reports them (SymbolInfo*), in the shape the EA writes in a
 * subscribe result and fixtures/symbols.json holds for the paper terminal.
 */
import { z } from 'zod';

export const SymbolSpecSchema = z
  .object({
    symbol: z.string().min(1).max(64),
    description: z.string().optional(),
    /** SYMBOL_DIGITS: decimals of a price. */
    digits: z.number().int().min(0).max(10),
    /** SYMBOL_POINT: 10^-digits. */
    point: z.number().positive(),
    /** SYMBOL_TRADE_CONTRACT_SIZE: units of the base per lot. */
    contractSize: z.number().positive(),
    /** SYMBOL_TRADE_TICK_SIZE: smallest price change. */
    tickSize: z.number().positive(),
    /** SYMBOL_TRADE_TICK_VALUE: account-currency value of one tick for one lot; 0 until the terminal has quotes. */
    tickValue: z.number().nonnegative(),
    volumeMin: z.number().positive(),
    volumeStep: z.number().positive(),
    volumeMax: z.number().positive(),
    /** SYMBOL_TRADE_STOPS_LEVEL: minimum distance of SL/TP/pending price from the market, in points. */
    stopsLevel: z.number().int().nonnegative(),
    /** SYMBOL_TRADE_FREEZE_LEVEL, points. */
    freezeLevel: z.number().int().nonnegative(),
    /** SYMBOL_FILLING_MODE flags; [] means only RETURN. */
    fillingModes: z.array(z.enum(['fok', 'ioc', 'boc'])),
    /** SYMBOL_TRADE_MODE. */
    tradeMode: z.enum(['full', 'longonly', 'shortonly', 'closeonly', 'disabled']),
    /** SYMBOL_TRADE_EXEMODE. */
    executionMode: z.enum(['request', 'instant', 'market', 'exchange']).optional(),
    /** SYMBOL_TRADE_CALC_MODE. */
    calcMode: z
      .enum(['forex', 'forex_no_leverage', 'futures', 'cfd', 'cfd_index', 'cfd_leverage', 'exchange_stocks', 'other'])
      .optional(),
    currencyBase: z.string(),
    currencyProfit: z.string(),
    currencyMargin: z.string(),
    /** Swap per lot per night, in the symbol's swap units (informational). */
    swapLong: z.number().optional(),
    swapShort: z.number().optional(),
    /** Trading sessions in dcap's trading-hours syntax (src/core/hours.ts); the paper terminal answers MARKET_CLOSED outside them. */
    sessions: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (s.volumeMin > s.volumeMax) issue('volumeMin', 'volumeMin is above volumeMax');
    if (s.volumeStep > s.volumeMax) issue('volumeStep', 'volumeStep is above volumeMax');
  });
export type SymbolSpec = z.infer<typeof SymbolSpecSchema>;

export const SymbolsFileSchema = z
  .object({
    v: z.literal(1),
    /** Currency the tick values are expressed in. */
    accountCurrency: z.string(),
    symbols: z.array(SymbolSpecSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.symbols.forEach((s, i) => {
      if (seen.has(s.symbol)) ctx.addIssue({ code: 'custom', path: ['symbols', i, 'symbol'], message: `duplicate ${s.symbol}` });
      seen.add(s.symbol);
    });
  });
export type SymbolsFile = z.infer<typeof SymbolsFileSchema>;
