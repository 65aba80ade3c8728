//+------------------------------------------------------------------+
//| Result.mqh - the res/<jobId>.json document and the search of the  |
//| terminal for a job's tag (idempotency when memory is lost).       |
//+------------------------------------------------------------------+
#ifndef DCAP_RESULT_MQH
#define DCAP_RESULT_MQH

#include "Json.mqh"
#include "Util.mqh"

// One order operation of a close/modify/cancel that touched several positions or orders.
struct SDcapItem
  {
   ulong             ticket;
   ulong             order;
   ulong             deal;
   bool              ok;
   uint              retcode;
   double            price;
   double            volume;
   string            error;
  };

class CDcapResult
  {
public:
   string            jobId;
   long              seq;
   string            type;
   bool              ok;
   uint              retcode;
   ulong             order;
   ulong             deal;
   ulong             ticket;
   double            price;
   double            volume;
   string            comment;
   string            error;
   string            source;      // executed | terminal
   string            symbol;
   string            side;
   int               digits;      // for price formatting
   bool              hasItems;
   SDcapItem         items[];
   string            warnings[];
   string            symbolsJson; // subscribe: a JSON array of symbol specs
   string            deploymentId; // deploy/run/stop
   string            chartId;      // deploy/run/stop: a decimal string (ids exceed 2^53)

                     CDcapResult(void) { Init("", 0); }
   void              Init(const string id, const long s)
     {
      jobId = id; seq = s; type = ""; ok = false; retcode = DCAP_INTERNAL;
      order = 0; deal = 0; ticket = 0; price = 0.0; volume = 0.0;
      comment = ""; error = "no result"; source = "executed"; symbol = ""; side = "";
      digits = 8; hasItems = false; symbolsJson = ""; deploymentId = ""; chartId = "";
      ArrayResize(items, 0);
      ArrayResize(warnings, 0);
     }
   void              Fail(const uint code, const string message) { ok = false; retcode = code; error = message; }
   void              Done(const uint code) { ok = true; retcode = code; error = ""; }
   void              Warn(const string w)
     {
      int n = ArraySize(warnings);
      ArrayResize(warnings, n + 1);
      warnings[n] = w;
     }
   void              AddItem(const SDcapItem &it)
     {
      int n = ArraySize(items);
      ArrayResize(items, n + 1, 8);
      items[n] = it;
      hasItems = true;
     }
   // Totals over items: ok only if every item is; price volume-weighted.
   void              Aggregate(void)
     {
      int n = ArraySize(items);
      double vol = 0.0, pv = 0.0;
      int failed = 0;
      uint firstFail = 0;
      string firstError = "";
      for(int i = 0; i < n; i++)
        {
         if(items[i].ok)
           {
            vol += items[i].volume;
            pv += items[i].volume * items[i].price;
            if(items[i].order > 0) order = items[i].order;
            if(items[i].deal > 0)  deal = items[i].deal;
           }
         else
           {
            failed++;
            if(firstFail == 0)
              {
               firstFail = items[i].retcode;
               firstError = "#" + IntegerToString((long)items[i].ticket) + ": " + items[i].error;
              }
           }
        }
      volume = vol;
      price = (vol > 0.0) ? pv / vol : 0.0;
      ticket = (n == 1) ? items[0].ticket : 0;
      if(failed == 0)
        {
         uint last = (n > 0) ? items[n - 1].retcode : DCAP_NOTHING_TO_DO;
         Done(last);
        }
      else
         Fail(firstFail, IntegerToString(failed) + " of " + IntegerToString(n) + " not done: " + firstError);
     }
   string            ToJson(void)
     {
      CJsonWriter w;
      w.BeginObject();
      w.KInt("v", DCAP_PROTOCOL);
      w.KStr("jobId", jobId);
      w.KInt("seq", seq);
      if(type == "trade" || type == "close" || type == "modify" || type == "cancel" || type == "subscribe" ||
         type == "deploy" || type == "run" || type == "stop")
         w.KStr("type", type);
      w.KBool("ok", ok);
      w.KInt("retcode", retcode);
      w.KStr("retcodeText", RetcodeName(retcode));
      w.KInt("order", (long)order);
      w.KInt("deal", (long)deal);
      w.KInt("ticket", (long)ticket);
      w.KNum("price", price, digits);
      w.KNum("volume", volume, 8);
      w.KStr("comment", comment);
      if(ok)
         w.KNull("error");
      else
         w.KStr("error", error != "" ? error : RetcodeError(retcode, ""));
      w.KStr("source", source);
      w.KInt("time", NowMs());
      if(symbol != "") w.KStr("symbol", symbol);
      if(side != "")   w.KStr("side", side);
      if(hasItems)
        {
         w.Key("items");
         w.BeginArray();
         for(int i = 0; i < ArraySize(items); i++)
           {
            w.BeginObject();
            w.KInt("ticket", (long)items[i].ticket);
            w.KInt("order", (long)items[i].order);
            w.KInt("deal", (long)items[i].deal);
            w.KBool("ok", items[i].ok);
            w.KInt("retcode", items[i].retcode);
            w.KStr("retcodeText", RetcodeName(items[i].retcode));
            w.KNum("price", items[i].price, digits);
            w.KNum("volume", items[i].volume, 8);
            if(items[i].ok) w.KNull("error");
            else            w.KStr("error", items[i].error != "" ? items[i].error : RetcodeError(items[i].retcode, ""));
            w.EndObject();
           }
         w.EndArray();
        }
      if(ArraySize(warnings) > 0)
        {
         w.Key("warnings");
         w.BeginArray();
         for(int i = 0; i < ArraySize(warnings); i++)
            w.Str(warnings[i]);
         w.EndArray();
        }
      if(symbolsJson != "")
         w.KRaw("symbols", symbolsJson);
      if(deploymentId != "")
         w.KStr("deploymentId", deploymentId);
      if(chartId != "")
         w.KStr("chartId", chartId);
      w.EndObject();
      return w.Text();
     }
  };

//+------------------------------------------------------------------+
//| What a search for a job's tag found in the terminal.             |
//+------------------------------------------------------------------+
struct SDcapFound
  {
   bool              found;
   ulong             order;
   ulong             deal;
   ulong             ticket;     // position id, or the pending order
   double            price;      // volume-weighted over deals
   double            volume;
   long              firstMsc;   // earliest tagged deal, server time
   string            where;
  };

void FoundReset(SDcapFound &f)
  {
   f.found = false; f.order = 0; f.deal = 0; f.ticket = 0; f.price = 0.0; f.volume = 0.0; f.firstMsc = 0; f.where = "";
  }

// Deals first (they say what executed), then, unless dealsOnly, orders in history, open
// positions and pending orders. positionId > 0: only deals of that position.
// Brokers keep the comment an order was sent with on its deals; if yours rewrites comments,
// only the EA's journal protects against a repeat (docs/bridge.md, "Idempotency").
void FindTag(const string tag, const bool dealsOnly, const ulong positionId, SDcapFound &f)
  {
   FoundReset(f);
   datetime now = TimeTradeServer();
   if(HistorySelect(now - (datetime)((long)g_cfg.lookbackDays * 86400), now + 86400))
     {
      double pv = 0.0;
      int nd = HistoryDealsTotal();
      for(int i = 0; i < nd; i++)
        {
         ulong d = HistoryDealGetTicket(i);
         if(d == 0 || !CommentHasTag(HistoryDealGetString(d, DEAL_COMMENT), tag))
            continue;
         ulong pos = (ulong)HistoryDealGetInteger(d, DEAL_POSITION_ID);
         if(positionId > 0 && pos != positionId)
            continue;
         double vol = HistoryDealGetDouble(d, DEAL_VOLUME);
         long msc = HistoryDealGetInteger(d, DEAL_TIME_MSC);
         if(!f.found || msc < f.firstMsc)
           {
            f.firstMsc = msc;
            f.deal = d;
            f.order = (ulong)HistoryDealGetInteger(d, DEAL_ORDER);
            f.ticket = pos;
           }
         f.found = true;
         f.volume += vol;
         pv += vol * HistoryDealGetDouble(d, DEAL_PRICE);
        }
      if(f.found)
        {
         f.price = (f.volume > 0.0) ? pv / f.volume : 0.0;
         f.where = "history deal " + IntegerToString((long)f.deal);
         return;
        }
      if(dealsOnly)
         return;
      int no = HistoryOrdersTotal();
      for(int i = 0; i < no; i++)
        {
         ulong o = HistoryOrderGetTicket(i);
         if(o == 0 || !CommentHasTag(HistoryOrderGetString(o, ORDER_COMMENT), tag))
            continue;
         long state = HistoryOrderGetInteger(o, ORDER_STATE);
         long otype = HistoryOrderGetInteger(o, ORDER_TYPE);
         bool pendingType = (otype != ORDER_TYPE_BUY && otype != ORDER_TYPE_SELL);
         // A rejected order, or a market order that filled nothing, executed nothing.
         if(state == ORDER_STATE_REJECTED)
            continue;
         if(!pendingType && state != ORDER_STATE_FILLED && state != ORDER_STATE_PARTIAL)
            continue;
         f.found = true;
         f.order = o;
         f.ticket = pendingType ? o : (ulong)HistoryOrderGetInteger(o, ORDER_POSITION_ID);
         f.price = HistoryOrderGetDouble(o, ORDER_PRICE_OPEN);
         f.volume = HistoryOrderGetDouble(o, ORDER_VOLUME_INITIAL);
         f.where = "history order " + IntegerToString((long)o);
         return;
        }
     }
   if(dealsOnly)
      return;
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong p = PositionGetTicket(i);
      if(p == 0 || !CommentHasTag(PositionGetString(POSITION_COMMENT), tag))
         continue;
      f.found = true;
      f.ticket = p;
      f.order = p;
      f.price = PositionGetDouble(POSITION_PRICE_OPEN);
      f.volume = PositionGetDouble(POSITION_VOLUME);
      f.where = "position " + IntegerToString((long)p);
      return;
     }
   for(int i = OrdersTotal() - 1; i >= 0; i--)
     {
      ulong o = OrderGetTicket(i);
      if(o == 0 || !CommentHasTag(OrderGetString(ORDER_COMMENT), tag))
         continue;
      f.found = true;
      f.ticket = o;
      f.order = o;
      f.price = OrderGetDouble(ORDER_PRICE_OPEN);
      f.volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
      f.where = "pending order " + IntegerToString((long)o);
      return;
     }
  }

void ResultFromFound(CDcapResult &r, const SDcapFound &f, const uint code)
  {
   r.Done(code);
   r.order = f.order;
   r.deal = f.deal;
   r.ticket = f.ticket;
   r.price = f.price;
   r.volume = f.volume;
  }

// After TIMEOUT/CONNECTION/ERROR: look for the tag for up to verifyMs before answering.
bool WaitForTag(const string tag, const bool dealsOnly, const ulong positionId, SDcapFound &f)
  {
   ulong start = GetMicrosecondCount();
   while(true)
     {
      FindTag(tag, dealsOnly, positionId, f);
      if(f.found)
         return true;
      if(GetMicrosecondCount() - start >= (ulong)g_cfg.verifyMs * 1000 || IsStopped())
         return false;
      Sleep(250);
     }
   return false;
  }

#endif
