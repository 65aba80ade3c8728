//+------------------------------------------------------------------+
//| Manage.mqh - close (all / symbol / side / ticket / partial),      |
//| modify SL/TP, cancel pending orders. Every position is closed by  |
//| its ticket (request.position), which hedging accounts require and |
//| netting accounts accept.                                          |
//+------------------------------------------------------------------+
#ifndef DCAP_MANAGE_MQH
#define DCAP_MANAGE_MQH

#include "Trade.mqh"

void ItemReset(SDcapItem &it, const ulong ticket)
  {
   it.ticket = ticket; it.order = 0; it.deal = 0; it.ok = false; it.retcode = DCAP_INTERNAL;
   it.price = 0.0; it.volume = 0.0; it.error = "";
  }

// Oldest first: FIFO brokers (ACCOUNT_FIFO_CLOSE) refuse anything else.
void SortByTime(ulong &tickets[], long &times[])
  {
   int n = ArraySize(tickets);
   for(int i = 1; i < n; i++)
     {
      ulong t = tickets[i];
      long m = times[i];
      int j = i - 1;
      while(j >= 0 && times[j] > m)
        {
         tickets[j + 1] = tickets[j];
         times[j + 1] = times[j];
         j--;
        }
      tickets[j + 1] = t;
      times[j + 1] = m;
     }
  }

void PushTicket(ulong &tickets[], long &times[], const ulong t, const long m)
  {
   int n = ArraySize(tickets);
   ArrayResize(tickets, n + 1, 16);
   ArrayResize(times, n + 1, 16);
   tickets[n] = t;
   times[n] = m;
  }

// Closes vol lots of one position with a fresh price, retrying requotes.
void CloseOne(const ulong pos, const double vol, const string comment, const ulong deviation, const string tag, SDcapItem &it)
  {
   ItemReset(it, pos);
   if(!PositionSelectByTicket(pos))
     {
      it.retcode = 10036;
      it.error = "10036 POSITION_CLOSED: position #" + IntegerToString((long)pos) + " is no longer open";
      return;
     }
   string sym = PositionGetString(POSITION_SYMBOL);
   bool isBuy = (PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY);
   ulong magic = (ulong)PositionGetInteger(POSITION_MAGIC);
   for(int attempt = 1; attempt <= 3; attempt++)
     {
      MqlTick tick;
      if(!SymbolInfoTick(sym, tick) || tick.bid <= 0.0 || tick.ask <= 0.0)
        {
         if(attempt < 3) { Sleep(200); continue; }
         it.retcode = 10021;
         it.error = "10021 PRICE_OFF: no quotes for " + sym;
         return;
        }
      MqlTradeRequest req;
      MqlTradeResult res;
      ZeroMemory(req);
      ZeroMemory(res);
      req.action = TRADE_ACTION_DEAL;
      req.position = pos;
      req.symbol = sym;
      req.volume = vol;
      req.type = isBuy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
      req.price = isBuy ? tick.bid : tick.ask;
      req.deviation = deviation;
      req.magic = magic;
      req.comment = comment;
      req.type_filling = FillingFor(sym, false);
      ResetLastError();
      bool sent = OrderSend(req, res);
      int err = GetLastError();
      uint rc = res.retcode;
      if(RetcodeRetryable(rc) && attempt < 3)
        {
         Sleep(100 * attempt);
         continue;
        }
      it.retcode = rc;
      if(rc == 10009 || rc == 10010)
        {
         it.ok = true;
         it.order = res.order;
         it.deal = res.deal;
         it.volume = (res.volume > 0.0) ? res.volume : vol;
         it.price = (res.price > 0.0) ? res.price : req.price;
         ulong ignored = 0;
         double fill = it.price;
         DealDetails(res.deal, res.order, ignored, fill);
         it.price = fill;
         return;
        }
      if(RetcodeUncertain(sent, rc))
        {
         SDcapFound f;
         if(WaitForTag(tag, true, pos, f))
           {
            it.ok = true;
            it.retcode = 10009;
            it.order = f.order;
            it.deal = f.deal;
            it.price = f.price;
            it.volume = f.volume;
            return;
           }
         it.error = RetcodeError(rc, res.comment, err) + "; no closing deal with tag " + tag + " appeared, not resent";
         return;
        }
      it.error = RetcodeError(rc, res.comment, err);
      return;
     }
  }

//+------------------------------------------------------------------+
//| type "close"                                                      |
//+------------------------------------------------------------------+
void ExecClose(CJson *cmd, CDcapResult &r)
  {
   string typeErr = FieldTypeError(cmd, "ticket,volume,deviationPoints,magic", "action,symbol,comment");
   if(typeErr != "") { r.Fail(DCAP_BAD_COMMAND, typeErr); return; }
   string action = cmd.GetStr("action");
   long sideFilter = -1;
   if(action == "close_long")       sideFilter = POSITION_TYPE_BUY;
   else if(action == "close_short") sideFilter = POSITION_TYPE_SELL;
   else if(action != "close" && action != "close_all")
     {
      r.Fail(DCAP_BAD_COMMAND, "unknown close action '" + action + "'");
      return;
     }
   string sym = cmd.GetStr("symbol");
   ulong ticket = (ulong)cmd.GetLong("ticket", 0);
   double want = cmd.GetNum("volume", 0.0);
   ulong magic = cmd.Has("magic") ? (ulong)cmd.GetLong("magic") : g_cfg.magic;
   ulong deviation = cmd.Has("deviationPoints") ? (ulong)cmd.GetLong("deviationPoints") : g_cfg.slippagePoints;
   if(action != "close_all" && sym == "" && ticket == 0)
     {
      r.Fail(DCAP_BAD_COMMAND, action + " needs a symbol or a ticket");
      return;
     }
   r.symbol = sym;
   r.hasItems = true;
   if(sym != "")
     {
      if(!SymbolSelect(sym, true)) { r.Fail(DCAP_UNKNOWN_SYMBOL, "symbol " + sym + " is not in this terminal"); return; }
      r.digits = SymDigits(sym);
     }
   string tag = JobTag(r.jobId);
   r.comment = OrderCommentFor(tag, cmd.GetStr("comment"));

   // Deals with this job's tag: the close ran before and the journal lost it.
   SDcapFound f;
   FindTag(tag, true, 0, f);
   long openedBefore = 0;
   if(f.found)
     {
      if(ticket > 0 || want > 0.0)
        {
         ResultFromFound(r, f, 10009);
         r.source = "terminal";
         r.Warn("this close already ran (" + f.where + "); nothing was sent again");
         return;
        }
      // A close-all interrupted half way: finish it, but never touch a position opened after it began.
      openedBefore = f.firstMsc;
      SDcapItem done;
      ItemReset(done, f.ticket);
      done.ok = true; done.retcode = 10009; done.order = f.order; done.deal = f.deal; done.price = f.price; done.volume = f.volume;
      r.AddItem(done);
      r.Warn("this close had already closed part (" + f.where + "); closing what remains of it");
     }

   ulong tickets[];
   long times[];
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong p = PositionGetTicket(i);
      if(p == 0)
         continue;
      if(ticket > 0)
        {
         if(p != ticket) continue;
        }
      else
        {
         if(sym != "" && PositionGetString(POSITION_SYMBOL) != sym) continue;
         if((ulong)PositionGetInteger(POSITION_MAGIC) != magic) continue;
        }
      if(sideFilter >= 0 && PositionGetInteger(POSITION_TYPE) != sideFilter) continue;
      long msc = PositionGetInteger(POSITION_TIME_MSC);
      if(openedBefore > 0 && msc >= openedBefore) continue;
      PushTicket(tickets, times, p, msc);
     }
   int n = ArraySize(tickets);
   if(n == 0)
     {
      if(f.found)                 { r.source = "terminal"; r.Aggregate(); return; }
      if(ticket > 0)              { r.Fail(DCAP_NOT_FOUND, "no open position #" + IntegerToString((long)ticket) + (sideFilter >= 0 ? " on that side" : "")); return; }
      r.Done(DCAP_NOTHING_TO_DO);
      return;
     }
   if(!TradingAllowed(r))
      return;
   SortByTime(tickets, times);
   double remaining = want;
   int maxDigits = 0;
   for(int i = 0; i < n; i++)
     {
      if(!PositionSelectByTicket(tickets[i]))
        {
         r.Warn("position #" + IntegerToString((long)tickets[i]) + " closed by itself meanwhile");
         continue;
        }
      string psym = PositionGetString(POSITION_SYMBOL);
      double pvol = PositionGetDouble(POSITION_VOLUME);
      double v = (want > 0.0) ? MathMin(remaining, pvol) : pvol;
      bool clamped = false;
      v = NormalizeLots(psym, v, clamped);
      if(v <= 0.0)
         break;
      if(sym == "")
         maxDigits = MathMax(maxDigits, SymDigits(psym)); // close_all over symbols: enough digits for any
      SDcapItem it;
      CloseOne(tickets[i], v, r.comment, deviation, tag, it);
      r.AddItem(it);
      if(want > 0.0)
        {
         remaining -= it.volume;
         if(remaining <= 1e-9)
            break;
        }
     }
   if(maxDigits > 0)
      r.digits = maxDigits;
   r.Aggregate();
   if(want > 0.0 && remaining > 1e-9 && r.ok)
      r.Warn("only " + JsonNumber(r.volume, 8) + " of " + JsonNumber(want, 8) + " lots were open to close");
  }

//+------------------------------------------------------------------+
//| type "modify": SL/TP of positions, or a pending order by ticket   |
//+------------------------------------------------------------------+
double NewLevel(CJson *cmd, const string key, const string pipsKey, const double base, const double dir, const double current, const string sym)
  {
   if(cmd.Has(key))
     {
      double v = cmd.GetNum(key);
      return v > 0.0 ? NormPrice(sym, v) : 0.0; // 0 removes the level
     }
   if(cmd.Has(pipsKey))
      return NormPrice(sym, base + dir * cmd.GetNum(pipsKey) * PipSize(sym));
   return current;
  }

bool SameLevel(const string sym, const double a, const double b)
  {
   double ts = SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_SIZE);
   return MathAbs(a - b) < ((ts > 0.0) ? ts / 2.0 : 1e-10);
  }

void ModifyPosition(CJson *cmd, const ulong pos, SDcapItem &it)
  {
   ItemReset(it, pos);
   if(!PositionSelectByTicket(pos))
     {
      it.retcode = 10036;
      it.error = "10036 POSITION_CLOSED: position #" + IntegerToString((long)pos) + " is no longer open";
      return;
     }
   string sym = PositionGetString(POSITION_SYMBOL);
   double open = PositionGetDouble(POSITION_PRICE_OPEN);
   double dir = (PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY) ? 1.0 : -1.0;
   double curSl = PositionGetDouble(POSITION_SL), curTp = PositionGetDouble(POSITION_TP);
   double sl = NewLevel(cmd, "sl", "slPips", open, -dir, curSl, sym);
   double tp = NewLevel(cmd, "tp", "tpPips", open, dir, curTp, sym);
   it.price = open;
   it.volume = PositionGetDouble(POSITION_VOLUME);
   if(SameLevel(sym, sl, curSl) && SameLevel(sym, tp, curTp))
     {
      it.ok = true;
      it.retcode = 10025;
      return;
     }
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   ZeroMemory(res);
   req.action = TRADE_ACTION_SLTP;
   req.position = pos;
   req.symbol = sym;
   req.sl = sl;
   req.tp = tp;
   req.magic = (ulong)PositionGetInteger(POSITION_MAGIC);
   ResetLastError();
   bool sent = OrderSend(req, res);
   int err = GetLastError();
   it.retcode = res.retcode;
   if(RetcodeOk(res.retcode))
     {
      it.ok = true;
      return;
     }
   // SL/TP are absolute levels: after an uncertain answer, the position itself says what happened.
   if(RetcodeUncertain(sent, res.retcode))
     {
      Sleep(500);
      if(PositionSelectByTicket(pos) && SameLevel(sym, sl, PositionGetDouble(POSITION_SL)) && SameLevel(sym, tp, PositionGetDouble(POSITION_TP)))
        {
         it.ok = true;
         it.retcode = 10009;
         return;
        }
     }
   it.error = RetcodeError(res.retcode, res.comment, err);
  }

void ModifyOrder(CJson *cmd, const ulong ord, SDcapItem &it)
  {
   ItemReset(it, ord);
   if(!OrderSelect(ord))
     {
      it.retcode = DCAP_NOT_FOUND;
      it.error = "pending order #" + IntegerToString((long)ord) + " is gone";
      return;
     }
   string sym = OrderGetString(ORDER_SYMBOL);
   long type = OrderGetInteger(ORDER_TYPE);
   double dir = (type == ORDER_TYPE_BUY_LIMIT || type == ORDER_TYPE_BUY_STOP || type == ORDER_TYPE_BUY_STOP_LIMIT) ? 1.0 : -1.0;
   double price = cmd.Has("price") ? NormPrice(sym, cmd.GetNum("price")) : OrderGetDouble(ORDER_PRICE_OPEN);
   double sl = NewLevel(cmd, "sl", "slPips", price, -dir, OrderGetDouble(ORDER_SL), sym);
   double tp = NewLevel(cmd, "tp", "tpPips", price, dir, OrderGetDouble(ORDER_TP), sym);
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   ZeroMemory(res);
   req.action = TRADE_ACTION_MODIFY;
   req.order = ord;
   req.symbol = sym;
   req.price = price;
   req.stoplimit = OrderGetDouble(ORDER_PRICE_STOPLIMIT);
   req.sl = sl;
   req.tp = tp;
   req.type_time = (ENUM_ORDER_TYPE_TIME)OrderGetInteger(ORDER_TYPE_TIME);
   req.expiration = (datetime)OrderGetInteger(ORDER_TIME_EXPIRATION);
   ResetLastError();
   bool sent = OrderSend(req, res);
   int err = GetLastError();
   it.retcode = res.retcode;
   it.price = price;
   it.volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
   if(RetcodeOk(res.retcode))
     {
      it.ok = true;
      return;
     }
   if(RetcodeUncertain(sent, res.retcode))
     {
      Sleep(500);
      if(OrderSelect(ord) && SameLevel(sym, price, OrderGetDouble(ORDER_PRICE_OPEN)) &&
         SameLevel(sym, sl, OrderGetDouble(ORDER_SL)) && SameLevel(sym, tp, OrderGetDouble(ORDER_TP)))
        {
         it.ok = true;
         it.retcode = 10009;
         return;
        }
     }
   it.error = RetcodeError(res.retcode, res.comment, err);
  }

void ExecModify(CJson *cmd, CDcapResult &r)
  {
   string typeErr = FieldTypeError(cmd, "ticket,sl,tp,slPips,tpPips,price,magic", "symbol,side,comment");
   if(typeErr != "") { r.Fail(DCAP_BAD_COMMAND, typeErr); return; }
   string sym = cmd.GetStr("symbol");
   string side = cmd.GetStr("side");
   ulong ticket = (ulong)cmd.GetLong("ticket", 0);
   ulong magic = cmd.Has("magic") ? (ulong)cmd.GetLong("magic") : g_cfg.magic;
   if(sym == "" && ticket == 0) { r.Fail(DCAP_BAD_COMMAND, "modify needs a symbol or a ticket"); return; }
   r.symbol = sym;
   r.hasItems = true;
   if(sym != "")
     {
      if(!SymbolSelect(sym, true)) { r.Fail(DCAP_UNKNOWN_SYMBOL, "symbol " + sym + " is not in this terminal"); return; }
      r.digits = SymDigits(sym);
     }
   if(ticket > 0)
     {
      bool isPosition = PositionSelectByTicket(ticket);
      if(!isPosition && !OrderSelect(ticket))
        {
         r.Fail(DCAP_NOT_FOUND, "no open position or pending order #" + IntegerToString((long)ticket));
         return;
        }
      if(!TradingAllowed(r))
         return;
      r.digits = SymDigits(isPosition ? PositionGetString(POSITION_SYMBOL) : OrderGetString(ORDER_SYMBOL));
      SDcapItem it;
      if(isPosition) ModifyPosition(cmd, ticket, it);
      else           ModifyOrder(cmd, ticket, it);
      r.AddItem(it);
      r.Aggregate();
      r.ticket = ticket;
      return;
     }
   ulong tickets[];
   long times[];
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong p = PositionGetTicket(i);
      if(p == 0 || PositionGetString(POSITION_SYMBOL) != sym || (ulong)PositionGetInteger(POSITION_MAGIC) != magic)
         continue;
      bool isBuy = (PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY);
      if((side == "buy" && !isBuy) || (side == "sell" && isBuy))
         continue;
      PushTicket(tickets, times, p, PositionGetInteger(POSITION_TIME_MSC));
     }
   if(ArraySize(tickets) == 0) { r.Done(DCAP_NOTHING_TO_DO); return; }
   if(!TradingAllowed(r))
      return;
   SortByTime(tickets, times);
   for(int i = 0; i < ArraySize(tickets); i++)
     {
      SDcapItem it;
      ModifyPosition(cmd, tickets[i], it);
      r.AddItem(it);
     }
   r.Aggregate();
  }

//+------------------------------------------------------------------+
//| type "cancel": delete pending orders                              |
//+------------------------------------------------------------------+
void ExecCancel(CJson *cmd, CDcapResult &r)
  {
   string typeErr = FieldTypeError(cmd, "ticket,magic", "symbol,side,comment");
   if(typeErr != "") { r.Fail(DCAP_BAD_COMMAND, typeErr); return; }
   string sym = cmd.GetStr("symbol");
   string side = cmd.GetStr("side");
   ulong ticket = (ulong)cmd.GetLong("ticket", 0);
   ulong magic = cmd.Has("magic") ? (ulong)cmd.GetLong("magic") : g_cfg.magic;
   r.symbol = sym;
   r.hasItems = true;
   if(sym != "")
      r.digits = SymDigits(sym);
   ulong tickets[];
   long times[];
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      ulong o = OrderGetTicket(i);
      if(o == 0)
         continue;
      if(ticket > 0)
        {
         if(o != ticket) continue;
        }
      else
        {
         if(sym != "" && OrderGetString(ORDER_SYMBOL) != sym) continue;
         if((ulong)OrderGetInteger(ORDER_MAGIC) != magic) continue;
        }
      long type = OrderGetInteger(ORDER_TYPE);
      bool isBuy = (type == ORDER_TYPE_BUY_LIMIT || type == ORDER_TYPE_BUY_STOP || type == ORDER_TYPE_BUY_STOP_LIMIT);
      if((side == "buy" && !isBuy) || (side == "sell" && isBuy))
         continue;
      PushTicket(tickets, times, o, OrderGetInteger(ORDER_TIME_SETUP_MSC));
     }
   int n = ArraySize(tickets);
   if(n == 0)
     {
      if(ticket > 0) r.Fail(DCAP_NOT_FOUND, "no pending order #" + IntegerToString((long)ticket));
      else           r.Done(DCAP_NOTHING_TO_DO);
      return;
     }
   if(!TradingAllowed(r))
      return;
   SortByTime(tickets, times);
   for(int i = 0; i < n; i++)
     {
      SDcapItem it;
      ItemReset(it, tickets[i]);
      if(OrderSelect(tickets[i]))
        {
         it.price = OrderGetDouble(ORDER_PRICE_OPEN);
         it.volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
        }
      MqlTradeRequest req;
      MqlTradeResult res;
      ZeroMemory(req);
      ZeroMemory(res);
      req.action = TRADE_ACTION_REMOVE;
      req.order = tickets[i];
      ResetLastError();
      bool sent = OrderSend(req, res);
      int err = GetLastError();
      it.retcode = res.retcode;
      it.ok = RetcodeOk(res.retcode);
      // Deleting twice is harmless: after an uncertain answer, gone means done.
      if(!it.ok && RetcodeUncertain(sent, res.retcode))
        {
         Sleep(500);
         if(!OrderSelect(tickets[i]))
           {
            it.ok = true;
            it.retcode = 10009;
           }
        }
      if(!it.ok)
         it.error = RetcodeError(res.retcode, res.comment, err);
      r.AddItem(it);
     }
   r.Aggregate();
  }

#endif
