//+------------------------------------------------------------------+
//| Report.mqh - the documents the EA publishes: state.json,          |
//| ticks.json, hello.json, and symbol specs for subscribe results.   |
//+------------------------------------------------------------------+
#ifndef DCAP_REPORT_MQH
#define DCAP_REPORT_MQH

#include "Json.mqh"
#include "Util.mqh"

int SymDigitsOf(const string sym) { return (int)SymbolInfoInteger(sym, SYMBOL_DIGITS); }

string MarginModeName(void)
  {
   long m = AccountInfoInteger(ACCOUNT_MARGIN_MODE);
   if(m == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING) return "hedging";
   if(m == ACCOUNT_MARGIN_MODE_EXCHANGE)       return "exchange";
   return "netting";
  }

string PendingTypeName(const long type)
  {
   switch((int)type)
     {
      case ORDER_TYPE_BUY_LIMIT:       return "buy_limit";
      case ORDER_TYPE_SELL_LIMIT:      return "sell_limit";
      case ORDER_TYPE_BUY_STOP:        return "buy_stop";
      case ORDER_TYPE_SELL_STOP:       return "sell_stop";
      case ORDER_TYPE_BUY_STOP_LIMIT:  return "buy_stop_limit";
      case ORDER_TYPE_SELL_STOP_LIMIT: return "sell_stop_limit";
     }
   return "";
  }

void WriteAccount(CJsonWriter &w)
  {
   w.Key("account");
   w.BeginObject();
   w.KInt("login", AccountInfoInteger(ACCOUNT_LOGIN));
   w.KStr("server", AccountInfoString(ACCOUNT_SERVER));
   w.KStr("name", AccountInfoString(ACCOUNT_NAME));
   w.KStr("company", AccountInfoString(ACCOUNT_COMPANY));
   w.KStr("currency", AccountInfoString(ACCOUNT_CURRENCY));
   w.KInt("leverage", AccountInfoInteger(ACCOUNT_LEVERAGE));
   w.KStr("marginMode", MarginModeName());
   w.KNum("balance", AccountInfoDouble(ACCOUNT_BALANCE), 2);
   w.KNum("equity", AccountInfoDouble(ACCOUNT_EQUITY), 2);
   w.KNum("margin", AccountInfoDouble(ACCOUNT_MARGIN), 2);
   w.KNum("freeMargin", AccountInfoDouble(ACCOUNT_MARGIN_FREE), 2);
   w.KNum("marginLevel", AccountInfoDouble(ACCOUNT_MARGIN_LEVEL), 2);
   w.KNum("profit", AccountInfoDouble(ACCOUNT_PROFIT), 2);
   w.KBool("tradeAllowed", AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) != 0);
   w.KBool("tradeExpert", AccountInfoInteger(ACCOUNT_TRADE_EXPERT) != 0);
   w.EndObject();
  }

// time = 0 builds the comparison copy: state.json is rewritten only when this changes.
string BuildState(const string bridgeId, const long time)
  {
   CJsonWriter w;
   w.BeginObject();
   w.KInt("v", DCAP_PROTOCOL);
   w.KStr("bridgeId", bridgeId);
   w.KInt("time", time);
   WriteAccount(w);
   w.Key("positions");
   w.BeginArray();
   int np = PositionsTotal();
   for(int i = 0; i < np; i++)
     {
      ulong p = PositionGetTicket(i);
      if(p == 0)
         continue;
      int d = SymDigitsOf(PositionGetString(POSITION_SYMBOL));
      w.BeginObject();
      w.KInt("ticket", (long)p);
      w.KStr("symbol", PositionGetString(POSITION_SYMBOL));
      w.KStr("side", PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "buy" : "sell");
      w.KNum("volume", PositionGetDouble(POSITION_VOLUME), 8);
      w.KNum("openPrice", PositionGetDouble(POSITION_PRICE_OPEN), d);
      w.KNum("currentPrice", PositionGetDouble(POSITION_PRICE_CURRENT), d);
      w.KNum("sl", PositionGetDouble(POSITION_SL), d);
      w.KNum("tp", PositionGetDouble(POSITION_TP), d);
      w.KNum("profit", PositionGetDouble(POSITION_PROFIT), 2);
      w.KNum("swap", PositionGetDouble(POSITION_SWAP), 2);
      w.KStr("comment", PositionGetString(POSITION_COMMENT));
      w.KInt("magic", PositionGetInteger(POSITION_MAGIC));
      w.KInt("openTime", ServerMscToUtcMs(PositionGetInteger(POSITION_TIME_MSC)));
      w.EndObject();
     }
   w.EndArray();
   w.Key("orders");
   w.BeginArray();
   int no = OrdersTotal();
   for(int i = 0; i < no; i++)
     {
      ulong o = OrderGetTicket(i);
      if(o == 0)
         continue;
      long type = OrderGetInteger(ORDER_TYPE);
      string typeName = PendingTypeName(type);
      if(typeName == "")
         continue; // a market order in flight, not a pending order
      int d = SymDigitsOf(OrderGetString(ORDER_SYMBOL));
      bool gtc = (OrderGetInteger(ORDER_TYPE_TIME) == ORDER_TIME_GTC);
      w.BeginObject();
      w.KInt("ticket", (long)o);
      w.KStr("symbol", OrderGetString(ORDER_SYMBOL));
      w.KStr("type", typeName);
      w.KStr("side", StringFind(typeName, "buy") == 0 ? "buy" : "sell");
      w.KNum("volume", OrderGetDouble(ORDER_VOLUME_CURRENT), 8);
      w.KNum("volumeInitial", OrderGetDouble(ORDER_VOLUME_INITIAL), 8);
      w.KNum("price", OrderGetDouble(ORDER_PRICE_OPEN), d);
      w.KNum("stopLimit", OrderGetDouble(ORDER_PRICE_STOPLIMIT), d);
      w.KNum("sl", OrderGetDouble(ORDER_SL), d);
      w.KNum("tp", OrderGetDouble(ORDER_TP), d);
      w.KStr("comment", OrderGetString(ORDER_COMMENT));
      w.KInt("magic", OrderGetInteger(ORDER_MAGIC));
      w.KInt("setupTime", ServerMscToUtcMs(OrderGetInteger(ORDER_TIME_SETUP_MSC)));
      w.KInt("expiration", gtc ? 0 : ServerTimeToUtcMs((datetime)OrderGetInteger(ORDER_TIME_EXPIRATION)));
      w.EndObject();
     }
   w.EndArray();
   w.EndObject();
   return w.Text();
  }

//+------------------------------------------------------------------+
//| Symbol spec, the shape of SymbolSpecSchema (src/bridge/symbols.ts)|
//+------------------------------------------------------------------+
void WriteSymbolSpec(CJsonWriter &w, const string sym)
  {
   long filling = SymbolInfoInteger(sym, SYMBOL_FILLING_MODE);
   long tradeMode = SymbolInfoInteger(sym, SYMBOL_TRADE_MODE);
   long exe = SymbolInfoInteger(sym, SYMBOL_TRADE_EXEMODE);
   long calc = SymbolInfoInteger(sym, SYMBOL_TRADE_CALC_MODE);
   string tm = "full";
   if(tradeMode == SYMBOL_TRADE_MODE_DISABLED)       tm = "disabled";
   else if(tradeMode == SYMBOL_TRADE_MODE_LONGONLY)  tm = "longonly";
   else if(tradeMode == SYMBOL_TRADE_MODE_SHORTONLY) tm = "shortonly";
   else if(tradeMode == SYMBOL_TRADE_MODE_CLOSEONLY) tm = "closeonly";
   string em = "market";
   if(exe == SYMBOL_TRADE_EXECUTION_REQUEST)       em = "request";
   else if(exe == SYMBOL_TRADE_EXECUTION_INSTANT)  em = "instant";
   else if(exe == SYMBOL_TRADE_EXECUTION_EXCHANGE) em = "exchange";
   string cm = "other";
   if(calc == SYMBOL_CALC_MODE_FOREX)                   cm = "forex";
   else if(calc == SYMBOL_CALC_MODE_FOREX_NO_LEVERAGE)  cm = "forex_no_leverage";
   else if(calc == SYMBOL_CALC_MODE_FUTURES)            cm = "futures";
   else if(calc == SYMBOL_CALC_MODE_CFD)                cm = "cfd";
   else if(calc == SYMBOL_CALC_MODE_CFDINDEX)           cm = "cfd_index";
   else if(calc == SYMBOL_CALC_MODE_CFDLEVERAGE)        cm = "cfd_leverage";
   else if(calc == SYMBOL_CALC_MODE_EXCH_STOCKS)        cm = "exchange_stocks";
   w.BeginObject();
   w.KStr("symbol", sym);
   w.KStr("description", SymbolInfoString(sym, SYMBOL_DESCRIPTION));
   w.KInt("digits", SymbolInfoInteger(sym, SYMBOL_DIGITS));
   w.KNum("point", SymbolInfoDouble(sym, SYMBOL_POINT), 10);
   w.KNum("contractSize", SymbolInfoDouble(sym, SYMBOL_TRADE_CONTRACT_SIZE), 8);
   w.KNum("tickSize", SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_SIZE), 10);
   w.KNum("tickValue", SymbolInfoDouble(sym, SYMBOL_TRADE_TICK_VALUE), 8);
   w.KNum("volumeMin", SymbolInfoDouble(sym, SYMBOL_VOLUME_MIN), 8);
   w.KNum("volumeStep", SymbolInfoDouble(sym, SYMBOL_VOLUME_STEP), 8);
   w.KNum("volumeMax", SymbolInfoDouble(sym, SYMBOL_VOLUME_MAX), 8);
   w.KInt("stopsLevel", SymbolInfoInteger(sym, SYMBOL_TRADE_STOPS_LEVEL));
   w.KInt("freezeLevel", SymbolInfoInteger(sym, SYMBOL_TRADE_FREEZE_LEVEL));
   w.Key("fillingModes");
   w.BeginArray();
   if((filling & 1) != 0) w.Str("fok"); // SYMBOL_FILLING_FOK
   if((filling & 2) != 0) w.Str("ioc"); // SYMBOL_FILLING_IOC
   if((filling & 4) != 0) w.Str("boc"); // SYMBOL_FILLING_BOC (newer builds)
   w.EndArray();
   w.KStr("tradeMode", tm);
   w.KStr("executionMode", em);
   w.KStr("calcMode", cm);
   w.KStr("currencyBase", SymbolInfoString(sym, SYMBOL_CURRENCY_BASE));
   w.KStr("currencyProfit", SymbolInfoString(sym, SYMBOL_CURRENCY_PROFIT));
   w.KStr("currencyMargin", SymbolInfoString(sym, SYMBOL_CURRENCY_MARGIN));
   w.KNum("swapLong", SymbolInfoDouble(sym, SYMBOL_SWAP_LONG), 4);
   w.KNum("swapShort", SymbolInfoDouble(sym, SYMBOL_SWAP_SHORT), 4);
   w.EndObject();
  }

#endif
