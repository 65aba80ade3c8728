/**
 * Result codes of the bridge protocol: MT5 trade server codes (ENUM_TRADE_RETCODE, 100xx) by
 * their names without the TRADE_RETCODE_ prefix, 0 OK, and dcap's own codes (200xx) for answers
 * given without a trade request. The EA has the same table (RetcodeName in Include/Dcap/Util.mqh);
 * test/bridge-fixtures.test.ts checks that the two agree.
 *
 * `retry`: what dcap does about it.
 *   ea:     the EA retries inside the same job (nothing was executed; fresh price, up to 3 tries)
 *   check:  outcome unknown: the EA searches the terminal for the job's tag before answering;
 *           never resent blindly
 *   no:     final; the signal fails with this code
 */
export interface RetcodeInfo {
  name: string;
  meaning: string;
  /** true: the job succeeded (ok = true). */
  ok: boolean;
  retry: 'ea' | 'check' | 'no';
}

const r = (name: string, meaning: string, retry: RetcodeInfo['retry'] = 'no', ok = false): RetcodeInfo => ({
  name,
  meaning,
  ok,
  retry,
});

export const RETCODES: Readonly<Record<number, RetcodeInfo>> = {
  0: r('OK', 'done without a trade request (subscribe)', 'no', true),
  10004: r('REQUOTE', 'requote', 'ea'),
  10006: r('REJECT', 'request rejected'),
  10007: r('CANCEL', 'request canceled by the trader'),
  10008: r('PLACED', 'order placed', 'no', true),
  10009: r('DONE', 'request completed', 'no', true),
  10010: r('DONE_PARTIAL', 'only part of the request was completed', 'no', true),
  10011: r('ERROR', 'request processing error', 'check'),
  10012: r('TIMEOUT', 'request canceled by timeout', 'check'),
  10013: r('INVALID', 'invalid request'),
  10014: r('INVALID_VOLUME', 'invalid volume in the request'),
  10015: r('INVALID_PRICE', 'invalid price in the request'),
  10016: r('INVALID_STOPS', 'invalid stops in the request'),
  10017: r('TRADE_DISABLED', 'trading is disabled'),
  10018: r('MARKET_CLOSED', 'market is closed'),
  10019: r('NO_MONEY', 'not enough money to complete the request'),
  10020: r('PRICE_CHANGED', 'prices changed', 'ea'),
  10021: r('PRICE_OFF', 'no quotes to process the request', 'ea'),
  10022: r('INVALID_EXPIRATION', 'invalid order expiration date'),
  10023: r('ORDER_CHANGED', 'order state changed'),
  10024: r('TOO_MANY_REQUESTS', 'too frequent requests', 'ea'),
  10025: r('NO_CHANGES', 'no changes in request', 'no', true),
  10026: r('SERVER_DISABLES_AT', 'autotrading disabled by server'),
  10027: r('CLIENT_DISABLES_AT', 'autotrading disabled by client terminal'),
  10028: r('LOCKED', 'request locked for processing'),
  10029: r('FROZEN', 'order or position frozen'),
  10030: r('INVALID_FILL', 'invalid order filling type'),
  10031: r('CONNECTION', 'no connection with the trade server', 'check'),
  10032: r('ONLY_REAL', 'operation is allowed only for live accounts'),
  10033: r('LIMIT_ORDERS', 'the number of pending orders has reached the limit'),
  10034: r('LIMIT_VOLUME', 'the volume of orders and positions for the symbol has reached the limit'),
  10035: r('INVALID_ORDER', 'incorrect or prohibited order type'),
  10036: r('POSITION_CLOSED', 'position with the specified identifier has already been closed'),
  10038: r('INVALID_CLOSE_VOLUME', 'close volume exceeds the current position volume'),
  10039: r('CLOSE_ORDER_EXIST', 'a close order already exists for the position'),
  10040: r('LIMIT_POSITIONS', 'the number of open positions has reached the limit'),
  10041: r('REJECT_CANCEL', 'pending order activation request rejected, order canceled'),
  10042: r('LONG_ONLY', 'only long positions are allowed for the symbol'),
  10043: r('SHORT_ONLY', 'only short positions are allowed for the symbol'),
  10044: r('CLOSE_ONLY', 'only position closing is allowed for the symbol'),
  10045: r('FIFO_CLOSE', 'position closing is allowed only by the FIFO rule'),
  10046: r('HEDGE_PROHIBITED', 'opposite positions on one symbol are disabled'),
  20001: r('DCAP_BAD_COMMAND', 'the command file is not valid JSON or breaks the protocol'),
  20002: r('DCAP_UNKNOWN_SYMBOL', 'the terminal has no such symbol'),
  20003: r('DCAP_EXPIRED', 'expiresAt had passed when the EA read the command'),
  20004: r('DCAP_NOTHING_TO_DO', 'no position or order matched (close, modify, cancel)', 'no', true),
  20005: r('DCAP_NOT_FOUND', 'no position or order with the given ticket'),
  20006: r('DCAP_UNSUPPORTED', 'command type not supported by this bridge version'),
  20007: r('DCAP_INTERNAL', 'the EA could not complete the command (see error)'),
  20008: r('DCAP_DEPLOY_FILES', 'a deployed file (.ex5, template) is missing, unwritable, or not the deployed version'),
  20009: r('DCAP_CHART_FAILED', 'the chart could not be opened, or the EA did not start on it'),
};

/** "NO_MONEY" for 10019; "UNKNOWN_<n>" for codes outside the table. */
export function retcodeName(code: number): string {
  return RETCODES[code]?.name ?? `UNKNOWN_${code}`;
}
