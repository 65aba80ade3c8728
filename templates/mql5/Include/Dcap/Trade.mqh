//+------------------------------------------------------------------+
//| Trade.mqh - opening trades: market and pending orders, volume     |
//| normalisation, risk-% sizing, pips, filling mode. The arithmetic  |
//| is the same as src/bridge/rules.ts (the paper terminal).          |
//+------------------------------------------------------------------+
#ifndef DCAP_TRADE_MQH
#define DCAP_TRADE_MQH

#include "Result.mqh"

//--- symbol arithmetic ---------------------------------------------
int SymDigits(const string sym) { return (int)SymbolInfoInteger(sym, SYMBOL_DIGITS); }

// One pip = 10 points on 3- and 5-digit quotes (EURUSD 0.0001, USDJPY 0.01), else 1 point.
double PipSize(const string sym)
  {
   int d = SymDigits(sym);
   double point = SymbolInfoDouble(sym, SYMBOL_POINT);
   return (d == 3 || d == 5) ? point * 10.0 : point;
  }

double NormPrice(const string sym, const double p)
  {
   double ts = SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_SIZE);
   double v = (ts > 0.0) ? MathRound(p / ts) * ts : p;
   return NormalizeDouble(v, SymDigits(sym));
  }

int StepDigits(const double step)
  {
   int d = 0;
   while(d < 8 && MathAbs(step * MathPow(10, d) - MathRound(step * MathPow(10, d))) > 1e-7)
      d++;
   return d;
  }

// Rounded DOWN to the step (never more than asked), clamped to the maximum; 0 below the minimum.
// 1e-7 absorbs float noise: 0.3 / 0.1 = 2.9999999999999996 is 3 steps.
double NormalizeLots(const string sym, const double lots, bool &clamped)
  {
   double vmin = SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN);
   double vmax = SymbolInfoDouble(sym, SYMBOL_VOLUME_MAX);
   double step = SymbolInfoDouble(sym, SYMBOL_VOLUME_STEP);
   if(step <= 0.0)
      step = (vmin > 0.0) ? vmin : 0.01;
   int d = StepDigits(step);
   clamped = false;
   double v = NormalizeDouble(MathFloor(lots / step + 1e-7) * step, d);
   if(vmax > 0.0 && v > vmax + 1e-9)
     {
      v = NormalizeDouble(MathFloor(vmax / step + 1e-7) * step, d);
      clamped = true;
     }
   if(v < vmin - 1e-9 || v <= 0.0)
      return 0.0;
   return v;
  }

// FOK if the symbol allows it, else IOC, else RETURN. Pending orders on exchange
// symbols rest in the book, which only RETURN allows (as the standard CTrade does).
ENUM_ORDER_TYPE_FILLING FillingFor(const string sym, const bool pending)
  {
   long exe = SymbolInfoInteger(sym, SYMBOL_TRADE_EXEMODE);
   if(pending && exe == SYMBOL_TRADE_EXECUTION_EXCHANGE)
      return ORDER_FILLING_RETURN;
   long f = SymbolInfoInteger(sym, SYMBOL_FILLING_MODE);
   if((f & SYMBOL_FILLING_FOK) == SYMBOL_FILLING_FOK)
      return ORDER_FILLING_FOK;
   if((f & SYMBOL_FILLING_IOC) == SYMBOL_FILLING_IOC)
      return ORDER_FILLING_IOC;
   return ORDER_FILLING_RETURN;
  }

// Client-side reasons OrderSend would refuse, named precisely so the operator can fix them.
bool TradingAllowed(CDcapResult &r)
  {
   if(!TerminalInfoInteger(TERMINAL_TRADE_ALLOWED))
     {
      r.Fail(10027, "10027 CLIENT_DISABLES_AT: Algo Trading is off in the terminal toolbar");
      return false;
     }
   if(!MQLInfoInteger(MQL_TRADE_ALLOWED))
     {
      r.Fail(10027, "10027 CLIENT_DISABLES_AT: DcapBridge may not trade: tick 'Allow Algo Trading' in its properties");
      return false;
     }
   if(!AccountInfoInteger(ACCOUNT_TRADE_EXPERT))
     {
      r.Fail(10026, "10026 SERVER_DISABLES_AT: the trade server does not allow Expert Advisors on this account");
      return false;
     }
   if(!AccountInfoInteger(ACCOUNT_TRADE_ALLOWED))
     {
      r.Fail(10017, "10017 TRADE_DISABLED: trading is not allowed on this account (investor login?)");
      return false;
     }
   return true;
  }

// The position a deal belongs to and its price; falls back to the order ticket, which MT5
// gives to the position the order opened.
void DealDetails(const ulong deal, const ulong order, ulong &position, double &price)
  {
   position = order;
   if(deal == 0)
      return;
   datetime now = TimeTradeServer();
   if(!HistoryDealSelect(deal))
      if(!HistorySelect(now - 86400, now + 86400) || !HistoryDealSelect(deal))
         return;
   long id = HistoryDealGetInteger(deal, DEAL_POSITION_ID);
   if(id > 0)
      position = (ulong)id;
   double p = HistoryDealGetDouble(deal, DEAL_PRICE);
   if(p > 0.0)
      price = p;
  }

// First type error among the listed optional fields ("" if none): the agent validates with
// zod, so this only guards against a foreign writer.
string FieldTypeError(CJson *cmd, const string numKeys, const string strKeys)
  {
   string k[];
   int n = StringSplit(numKeys, ',', k);
   for(int i = 0; i < n; i++)
      if(cmd.Has(k[i]) && !cmd.IsNum(k[i]))
         return k[i] + " must be a number";
   n = StringSplit(strKeys, ',', k);
   for(int i = 0; i < n; i++)
      if(cmd.Has(k[i]) && !cmd.IsStr(k[i]))
         return k[i] + " must be a string";
   return "";
  }

bool ActionToOrderType(const string action, ENUM_ORDER_TYPE &type, bool &pending)
  {
   pending = true;
   if(action == "buy")             { type = ORDER_TYPE_BUY; pending = false; }
   else if(action == "sell")       { type = ORDER_TYPE_SELL; pending = false; }
   else if(action == "buy_limit")  type = ORDER_TYPE_BUY_LIMIT;
   else if(action == "sell_limit") type = ORDER_TYPE_SELL_LIMIT;
   else if(action == "buy_stop")   type = ORDER_TYPE_BUY_STOP;
   else if(action == "sell_stop")  type = ORDER_TYPE_SELL_STOP;
   else return false;
   return true;
  }

//+------------------------------------------------------------------+
//| type "trade"                                                      |
//+------------------------------------------------------------------+
void ExecTrade(CJson *cmd, CDcapResult &r)
  {
   string action = cmd.GetStr("action");
   string sym = cmd.GetStr("symbol");
   ENUM_ORDER_TYPE otype;
   bool pending;
   string typeErr = FieldTypeError(cmd, "volume,riskPct,maxVolume,price,sl,tp,slPips,tpPips,deviationPoints,magic,expiration",
                                   "action,symbol,comment");
   if(typeErr != "")                          { r.Fail(DCAP_BAD_COMMAND, typeErr); return; }
   if(!ActionToOrderType(action, otype, pending)) { r.Fail(DCAP_BAD_COMMAND, "unknown trade action '" + action + "'"); return; }
   bool buy = (otype == ORDER_TYPE_BUY || otype == ORDER_TYPE_BUY_LIMIT || otype == ORDER_TYPE_BUY_STOP);
   r.symbol = sym;
   r.side = buy ? "buy" : "sell";
   bool hasVol = cmd.Has("volume"), hasRisk = cmd.Has("riskPct");
   if(sym == "")                               { r.Fail(DCAP_BAD_COMMAND, "trade needs a symbol"); return; }
   if(hasVol == hasRisk)                       { r.Fail(DCAP_BAD_COMMAND, "give exactly one of volume and riskPct"); return; }
   if(pending && cmd.GetNum("price") <= 0.0)   { r.Fail(DCAP_BAD_COMMAND, action + " needs a price"); return; }
   if(hasRisk && !cmd.Has("sl") && !cmd.Has("slPips")) { r.Fail(DCAP_BAD_COMMAND, "risk sizing needs sl or slPips"); return; }
   if(!SymbolSelect(sym, true))
     {
      r.Fail(DCAP_UNKNOWN_SYMBOL, "symbol " + sym + " is not in this terminal (check the broker suffix, e.g. EURUSD.m)");
      return;
     }
   r.digits = SymDigits(sym);
   string tag = JobTag(r.jobId);
   r.comment = OrderCommentFor(tag, cmd.GetStr("comment"));

   // Idempotency: the journal missed this job (crash between OrderSend and the journal),
   // but the terminal remembers what it executed.
   SDcapFound f;
   FindTag(tag, false, 0, f);
   if(f.found)
     {
      ResultFromFound(r, f, (pending && StringFind(f.where, "deal") < 0) ? 10008 : 10009);
      r.source = "terminal";
      r.Warn("an order with this job's tag was already in the terminal (" + f.where + "); nothing was sent again");
      return;
     }
   if(!TradingAllowed(r))
      return;

   ENUM_ORDER_TYPE_TIME typeTime = ORDER_TIME_GTC;
   datetime expiration = 0;
   long expFlags = SymbolInfoInteger(sym, SYMBOL_EXPIRATION_MODE);
   if(pending && cmd.Has("expiration"))
     {
      if((expFlags & SYMBOL_EXPIRATION_SPECIFIED) == 0)
        {
         r.Fail(10022, "10022 INVALID_EXPIRATION: " + sym + " does not accept an expiry time on pending orders");
         return;
        }
      typeTime = ORDER_TIME_SPECIFIED;
      expiration = UtcMsToServerTime(cmd.GetLong("expiration"));
     }
   else if(pending && (expFlags & SYMBOL_EXPIRATION_GTC) == 0)
     {
      typeTime = ORDER_TIME_DAY;
      r.Warn(sym + " does not allow good-till-cancelled orders: the order expires at the end of the day");
     }

   double pip = PipSize(sym);
   double lots = 0.0;
   bool clamped = false, checked = false;
   for(int attempt = 1; attempt <= 3; attempt++)
     {
      MqlTick tick;
      if(!SymbolInfoTick(sym, tick) || tick.bid <= 0.0 || tick.ask <= 0.0)
        {
         if(attempt < 3) { Sleep(200); continue; }
         r.Fail(10021, "10021 PRICE_OFF: no quotes for " + sym);
         return;
        }
      double entry = pending ? NormPrice(sym, cmd.GetNum("price")) : (buy ? tick.ask : tick.bid);
      double dir = buy ? 1.0 : -1.0;
      double sl = cmd.Has("sl") ? cmd.GetNum("sl") : (cmd.Has("slPips") ? entry - dir * cmd.GetNum("slPips") * pip : 0.0);
      double tp = cmd.Has("tp") ? cmd.GetNum("tp") : (cmd.Has("tpPips") ? entry + dir * cmd.GetNum("tpPips") * pip : 0.0);
      sl = (sl > 0.0) ? NormPrice(sym, sl) : 0.0;
      tp = (tp > 0.0) ? NormPrice(sym, tp) : 0.0;
      if(lots <= 0.0) // sized once, at the first quote: a requote must not change the size
        {
         if(hasRisk)
           {
            // loss per lot at the stop = distance / tick size * tick value (the loss-side value when known)
            double ts = SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_SIZE);
            double tv = SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_VALUE_LOSS);
            if(tv <= 0.0) tv = SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_VALUE);
            double dist = MathAbs(entry - sl);
            if(sl <= 0.0 || dist <= 0.0 || ts <= 0.0 || tv <= 0.0)
              {
               r.Fail(DCAP_BAD_COMMAND, "risk sizing needs a stop away from the entry and a tick value for " + sym);
               return;
              }
            double equity = AccountInfoDouble(ACCOUNT_EQUITY);
            double money = equity * cmd.GetNum("riskPct") / 100.0;
            double lossPerLot = dist / ts * tv;
            lots = NormalizeLots(sym, money / lossPerLot, clamped);
            if(lots <= 0.0)
              {
               r.Fail(10014, StringFormat("10014 INVALID_VOLUME: risk %s%% of %.2f = %.2f is less than the minimum volume %s would lose at the stop (%.2f)",
                                          JsonNumber(cmd.GetNum("riskPct"), 4), equity, money,
                                          JsonNumber(SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN), 8),
                                          lossPerLot * SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN)));
               return;
              }
           }
         else
           {
            lots = NormalizeLots(sym, cmd.GetNum("volume"), clamped);
            if(lots <= 0.0)
              {
               r.Fail(10014, "10014 INVALID_VOLUME: volume " + JsonNumber(cmd.GetNum("volume"), 8) + " is below the minimum " +
                      JsonNumber(SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN), 8) + " of " + sym);
               return;
              }
           }
         if(clamped)
            r.Warn("volume clamped to the symbol maximum " + JsonNumber(lots, 8));
         // the strategy's max lots: the risk gate cannot check a risk-sized volume, the terminal can
         if(cmd.Has("maxVolume") && lots > cmd.GetNum("maxVolume"))
           {
            bool capClamped = false;
            double cap = NormalizeLots(sym, cmd.GetNum("maxVolume"), capClamped);
            if(cap <= 0.0)
              {
               r.Fail(10014, "10014 INVALID_VOLUME: maxVolume " + JsonNumber(cmd.GetNum("maxVolume"), 8) + " is below the minimum volume of " + sym);
               return;
              }
            r.Warn("volume " + JsonNumber(lots, 8) + " was cut to the strategy's maximum " + JsonNumber(cap, 8));
            lots = cap;
           }
        }

      MqlTradeRequest req;
      MqlTradeResult res;
      ZeroMemory(req);
      ZeroMemory(res);
      req.action = pending ? TRADE_ACTION_PENDING : TRADE_ACTION_DEAL;
      req.symbol = sym;
      req.volume = lots;
      req.type = otype;
      req.price = entry;
      req.sl = sl;
      req.tp = tp;
      req.deviation = cmd.Has("deviationPoints") ? (ulong)cmd.GetLong("deviationPoints") : g_cfg.slippagePoints;
      req.magic = cmd.Has("magic") ? (ulong)cmd.GetLong("magic") : g_cfg.magic;
      req.comment = r.comment;
      req.type_filling = FillingFor(sym, pending);
      req.type_time = typeTime;
      req.expiration = expiration;

      if(!checked)
        {
         checked = true;
         MqlTradeCheckResult chk;
         ZeroMemory(chk);
         // OrderCheck is local (margin, volume, stops); a failure here sent nothing.
         if(!OrderCheck(req, chk) && chk.retcode != 0 && !RetcodeOk(chk.retcode))
           {
            r.Fail(chk.retcode, RetcodeError(chk.retcode, chk.comment));
            return;
           }
        }
      ResetLastError();
      bool sent = OrderSend(req, res);
      int err = GetLastError();
      uint rc = res.retcode;
      if(RetcodeRetryable(rc) && attempt < 3)
        {
         Sleep(100 * attempt);
         continue;
        }
      if(rc == 10008 || rc == 10009 || rc == 10010)
        {
         r.Done(rc);
         r.order = res.order;
         r.deal = res.deal;
         r.volume = (res.volume > 0.0) ? res.volume : lots;
         r.price = (res.price > 0.0) ? res.price : entry;
         ulong position = res.order;
         double fill = r.price;
         if(!pending)
            DealDetails(res.deal, res.order, position, fill);
         r.ticket = position;
         r.price = fill;
         if(rc == 10010)
            r.Warn("partially filled: " + JsonNumber(r.volume, 8) + " of " + JsonNumber(lots, 8) + " lots");
         return;
        }
      if(RetcodeUncertain(sent, rc))
        {
         if(WaitForTag(tag, false, 0, f))
           {
            ResultFromFound(r, f, pending ? 10008 : 10009);
            r.Warn("OrderSend answered " + RetcodeError(rc, res.comment, err) + "; " + f.where + " with this job's tag was found");
           }
         else
            r.Fail(rc, RetcodeError(rc, res.comment, err) + "; nothing with tag " + tag + " appeared within " +
                   IntegerToString(g_cfg.verifyMs / 1000) + " s, not resent");
         return;
        }
      r.Fail(rc, RetcodeError(rc, res.comment, err));
      return;
     }
  }

#endif
