//+------------------------------------------------------------------+
//| DcapBridge.mq5 - executes dcap commands from files and reports    |
//| the terminal's state. Protocol: docs/bridge.md.                   |
//|                                                                   |
//| Folder: <Common\Files>\dcap\<BridgeId>\                           |
//|   cmd\<seq:12>-<jobId>.json  written by the agent, run in seq     |
//|                              order, deleted after the result      |
//|   res\<jobId>.json           one result per job                   |
//|   state.json ticks.json hello.json                                |
//|   ea\journal.jsonl           results remembered (idempotency)     |
//|   ea\subscriptions.json ea\lock                                   |
//| Install: copy this file to MQL5\Experts and Include\Dcap\*.mqh to |
//| MQL5\Include\Dcap, compile, attach to ONE chart per BridgeId.     |
//+------------------------------------------------------------------+
#property copyright "dcap"
#property version   "1.00"
#property description "dcap bridge: TradingView alerts to MT5 orders through files in Common\\Files\\dcap"

#include <Dcap\Deploy.mqh>
#include <Dcap\Manage.mqh>
#include <Dcap\Report.mqh>

input string BridgeId            = "default";   // Bridge id: folder Common\Files\dcap\<id>
input int    TimerMs             = 20;          // Poll interval, ms
input ulong  Magic               = 20240601;    // Magic number of orders (default for commands)
input int    MaxSlippagePoints   = 20;          // Max slippage, points (default for commands)
input int    HistoryLookbackDays = 7;           // Days of history searched for a job's tag

#define DCAP_JOURNAL_KEEP   10000   // results remembered; older jobs rely on the history search
#define DCAP_STATE_EVERY_MS 100     // state.json is compared (and rewritten if changed) this often
#define DCAP_VERIFY_MS      5000    // how long an uncertain OrderSend is checked for

string g_base, g_cmdDir, g_resDir, g_eaDir;
int    g_lock = INVALID_HANDLE;
long   g_startedAt = 0;
long   g_beat = 0;
long   g_lastSeq = 0;
int    g_pending = 0;
ulong  g_lastHelloUs = 0, g_lastStateUs = 0;
string g_lastState = "";
bool   g_stateDirty = true;
// processed-job memory, oldest first
string g_jobIds[];
string g_results[];
bool   g_journalNeedsNewline = false;
// subscriptions and the last tick written for each
string g_subs[];
double g_lastBid[], g_lastAsk[];
long   g_lastTickMsc[];

//+------------------------------------------------------------------+
//| Journal: processed jobs and their results, one JSON per line.     |
//+------------------------------------------------------------------+
// Returns true when the older half was dropped.
bool MemoryPush(const string jobId, const string json)
  {
   bool trimmed = false;
   int n = ArraySize(g_jobIds);
   if(n >= 2 * DCAP_JOURNAL_KEEP)
     {
      trimmed = true;
      // Drop the older half at once: cheap, and the history search still covers those jobs.
      int drop = n - DCAP_JOURNAL_KEEP;
      for(int i = 0; i < DCAP_JOURNAL_KEEP; i++)
        {
         g_jobIds[i] = g_jobIds[i + drop];
         g_results[i] = g_results[i + drop];
        }
      n = DCAP_JOURNAL_KEEP;
      ArrayResize(g_jobIds, n);
      ArrayResize(g_results, n);
     }
   ArrayResize(g_jobIds, n + 1, 1024);
   ArrayResize(g_results, n + 1, 1024);
   g_jobIds[n] = jobId;
   g_results[n] = json;
   return trimmed;
  }

// Rewrites the journal with what is remembered, so the file does not grow without bound.
bool JournalCompact(void)
  {
   string body = "";
   for(int i = 0; i < ArraySize(g_results); i++)
      body += g_results[i] + "\n";
   if(!WriteFileAtomic(g_eaDir, "journal.jsonl", body))
      return false;
   g_journalNeedsNewline = false;
   return true;
  }

bool MemoryFind(const string jobId, string &json)
  {
   for(int i = ArraySize(g_jobIds) - 1; i >= 0; i--)
      if(g_jobIds[i] == jobId)
        {
         json = g_results[i];
         return true;
        }
   return false;
  }

void JournalLoad(void)
  {
   string path = g_eaDir + "\\journal.jsonl";
   string text;
   if(!FileIsExist(path, FILE_COMMON) || !ReadFileText(path, text))
      return;
   int len = StringLen(text);
   g_journalNeedsNewline = (len > 0 && StringGetCharacter(text, len - 1) != '\n');
   string lines[];
   int n = StringSplit(text, '\n', lines);
   int bad = 0;
   for(int i = 0; i < n; i++)
     {
      string line = lines[i];
      StringTrimRight(line);
      if(line == "")
         continue;
      CJsonParser p;
      string err;
      CJson *doc = p.Parse(line, err);
      if(doc == NULL)
        {
         bad++; // a line torn by a crash while appending
         continue;
        }
      string id = doc.GetStr("jobId");
      delete doc;
      if(id != "")
         MemoryPush(id, line);
     }
   int kept = ArraySize(g_jobIds);
   if(n > kept + 100)
      JournalCompact();
   PrintFormat("DcapBridge: %d processed jobs remembered (%d unreadable lines skipped)", kept, bad);
  }

void MemoryAdd(const string jobId, const string json)
  {
   if(MemoryPush(jobId, json) && JournalCompact())
      return; // the rewrite already holds this job
   string line = g_journalNeedsNewline ? "\n" + json : json;
   if(AppendLine(g_eaDir + "\\journal.jsonl", line))
      g_journalNeedsNewline = false;
   else
      PrintFormat("DcapBridge: could not append job %s to the journal (error %d); it is remembered until restart", jobId, GetLastError());
  }

//+------------------------------------------------------------------+
//| Subscriptions (kept across restarts in ea\subscriptions.json)     |
//+------------------------------------------------------------------+
void SetSubscriptions(const string &symbols[])
  {
   int n = ArraySize(symbols);
   ArrayResize(g_subs, n);
   ArrayResize(g_lastBid, n);
   ArrayResize(g_lastAsk, n);
   ArrayResize(g_lastTickMsc, n);
   for(int i = 0; i < n; i++)
     {
      g_subs[i] = symbols[i];
      g_lastBid[i] = 0.0;
      g_lastAsk[i] = 0.0;
      g_lastTickMsc[i] = -1;
     }
  }

void SaveSubscriptions(void)
  {
   CJsonWriter w;
   w.BeginObject();
   w.Key("symbols");
   w.BeginArray();
   for(int i = 0; i < ArraySize(g_subs); i++)
      w.Str(g_subs[i]);
   w.EndArray();
   w.EndObject();
   WriteFileAtomic(g_eaDir, "subscriptions.json", w.Text());
  }

void LoadSubscriptions(void)
  {
   string text, err;
   string path = g_eaDir + "\\subscriptions.json";
   if(!FileIsExist(path, FILE_COMMON) || !ReadFileText(path, text))
      return;
   CJsonParser p;
   CJson *doc = p.Parse(text, err);
   if(doc == NULL)
      return;
   CJson *arr = doc.Get("symbols");
   string syms[];
   if(arr != NULL && arr.type == DJ_ARRAY)
      for(int i = 0; i < arr.Size(); i++)
        {
         CJson *item = arr.At(i);
         if(item.type != DJ_STRING || !SymbolSelect(item.str, true))
            continue;
         int n = ArraySize(syms);
         ArrayResize(syms, n + 1);
         syms[n] = item.str;
        }
   delete doc;
   SetSubscriptions(syms);
  }

void ExecSubscribe(CJson *cmd, CDcapResult &r)
  {
   CJson *arr = cmd.Get("symbols");
   if(arr == NULL || arr.type != DJ_ARRAY)
     {
      r.Fail(DCAP_BAD_COMMAND, "subscribe needs symbols: an array of symbol names");
      return;
     }
   string syms[];
   string missing = "";
   CJsonWriter specs;
   specs.BeginArray();
   for(int i = 0; i < arr.Size(); i++)
     {
      CJson *item = arr.At(i);
      if(item.type != DJ_STRING || item.str == "")
        {
         r.Fail(DCAP_BAD_COMMAND, "symbols[" + IntegerToString(i) + "] must be a symbol name");
         return;
        }
      bool dup = false;
      for(int k = 0; k < ArraySize(syms); k++)
         if(syms[k] == item.str)
            dup = true;
      if(dup)
         continue;
      if(!SymbolSelect(item.str, true))
        {
         missing += (missing == "" ? "" : ", ") + item.str;
         continue;
        }
      int n = ArraySize(syms);
      ArrayResize(syms, n + 1);
      syms[n] = item.str;
      WriteSymbolSpec(specs, item.str);
     }
   specs.EndArray();
   SetSubscriptions(syms);
   SaveSubscriptions();
   r.symbolsJson = specs.Text();
   if(missing != "")
      r.Fail(DCAP_UNKNOWN_SYMBOL, "not in this terminal: " + missing + " (the others are subscribed)");
   else
      r.Done(DCAP_OK);
  }

//+------------------------------------------------------------------+
//| Commands                                                          |
//+------------------------------------------------------------------+
// "000000000042-<jobId>.json" -> 42, jobId
bool ParseCommandName(const string name, long &seq, string &jobId)
  {
   int n = StringLen(name);
   if(n < 19 || StringSubstr(name, n - 5) != ".json" || StringGetCharacter(name, 12) != '-')
      return false;
   for(int i = 0; i < 12; i++)
     {
      ushort c = StringGetCharacter(name, i);
      if(c < '0' || c > '9')
         return false;
     }
   seq = StringToInteger(StringSubstr(name, 0, 12));
   jobId = StringSubstr(name, 13, n - 18);
   return ValidId(jobId, 64);
  }

bool TerminalReady(void)
  {
   return TerminalInfoInteger(TERMINAL_CONNECTED) != 0 && AccountInfoInteger(ACCOUNT_LOGIN) != 0;
  }

// Returns false when the command must wait (terminal not connected): later commands wait too,
// so seq order holds.
bool Dispatch(CJson *cmd, CDcapResult &r)
  {
   if(cmd.type != DJ_OBJECT)
     {
      r.Fail(DCAP_BAD_COMMAND, "a command is a JSON object");
      return true;
     }
   string type = cmd.GetStr("type");
   r.type = type;
   long v = cmd.GetLong("v", -1);
   if(v != DCAP_PROTOCOL)
     {
      r.Fail(DCAP_BAD_COMMAND, "protocol version " + IntegerToString(v) + "; DcapBridge " + DCAP_BRIDGE_VERSION + " speaks " + IntegerToString(DCAP_PROTOCOL));
      return true;
     }
   if(cmd.GetStr("jobId") != r.jobId || cmd.GetLong("seq", -1) != r.seq)
     {
      r.Fail(DCAP_BAD_COMMAND, "jobId and seq in the file must match its name");
      return true;
     }
   if(cmd.Has("expiresAt") && cmd.GetLong("expiresAt") < NowMs())
     {
      r.Fail(DCAP_EXPIRED, "expired " + IntegerToString((NowMs() - cmd.GetLong("expiresAt")) / 1000) + " s before the EA read it; nothing was sent");
      return true;
     }
   bool trading = (type == "trade" || type == "close" || type == "modify" || type == "cancel");
   if(trading && !TerminalReady())
      return false;
   if(type == "trade")          ExecTrade(cmd, r);
   else if(type == "close")     ExecClose(cmd, r);
   else if(type == "modify")    ExecModify(cmd, r);
   else if(type == "cancel")    ExecCancel(cmd, r);
   else if(type == "subscribe") ExecSubscribe(cmd, r);
   else if(type == "deploy" || type == "run") ExecAttach(cmd, r);
   else if(type == "stop")      ExecStop(cmd, r);
   else
      r.Fail(DCAP_BAD_COMMAND, "unknown command type '" + type + "'");
   return true;
  }

// Returns false when processing must stop for this pass (wait, or a file it cannot touch yet).
bool ProcessCommand(const string name)
  {
   long seq;
   string jobId;
   string path = g_cmdDir + "\\" + name;
   if(!ParseCommandName(name, seq, jobId))
     {
      // Not ours to answer: park it under a dot-name so it is not read again.
      PrintFormat("DcapBridge: ignoring %s (expected <12-digit seq>-<jobId>.json)", name);
      FileMove(path, FILE_COMMON, g_cmdDir + "\\.bad-" + name, FILE_COMMON | FILE_REWRITE);
      return true;
     }
   // A job seen before gets its earlier result, byte for byte: never a second order.
   string json;
   if(!MemoryFind(jobId, json))
     {
      string text;
      if(!ReadFileText(path, text))
         return false;
      CDcapResult r;
      r.Init(jobId, seq);
      CJsonParser parser;
      string err;
      CJson *cmd = parser.Parse(text, err);
      if(cmd == NULL)
         r.Fail(DCAP_BAD_COMMAND, "command is not valid JSON: " + err);
      else
        {
         bool done = Dispatch(cmd, r);
         delete cmd;
         if(!done)
            return false;
        }
      json = r.ToJson();
      MemoryAdd(jobId, json);
      g_stateDirty = true;
      PrintFormat("DcapBridge: job %s seq %I64d %s -> %s", jobId, seq, r.type, r.ok ? RetcodeName(r.retcode) : r.error);
     }
   // Result before delete: a crash in between re-reads the command and answers from memory.
   if(!WriteFileAtomic(g_resDir, jobId + ".json", json))
      return false;
   FileDelete(path, FILE_COMMON);
   g_lastSeq = seq;
   return true;
  }

void ProcessCommands(void)
  {
   string names[];
   string name;
   long h = FileFindFirst(g_cmdDir + "\\*.json", name, FILE_COMMON);
   if(h != INVALID_HANDLE)
     {
      do
        {
         if(StringLen(name) > 0 && StringGetCharacter(name, 0) != '.')
           {
            int n = ArraySize(names);
            ArrayResize(names, n + 1, 64);
            names[n] = name;
           }
        }
      while(FileFindNext(h, name));
      FileFindClose(h);
     }
   SortStrings(names); // zero-padded seq: name order is seq order
   g_pending = ArraySize(names);
   for(int i = 0; i < ArraySize(names) && !IsStopped(); i++)
     {
      if(!ProcessCommand(names[i]))
         break;
      g_pending--;
      if(GetMicrosecondCount() - g_lastHelloUs >= 1000000)
         WriteHello("running", "");
     }
  }

//+------------------------------------------------------------------+
//| Published documents                                               |
//+------------------------------------------------------------------+
void WriteStateIfChanged(void)
  {
   ulong now = GetMicrosecondCount();
   if(!g_stateDirty && now - g_lastStateUs < DCAP_STATE_EVERY_MS * 1000)
      return;
   g_lastStateUs = now;
   string body = BuildState(BridgeId, 0);
   if(body == g_lastState && !g_stateDirty)
      return;
   if(WriteFileAtomic(g_base, "state.json", BuildState(BridgeId, NowMs())))
     {
      g_lastState = body;
      g_stateDirty = false;
     }
  }

void WriteTicksIfChanged(void)
  {
   int n = ArraySize(g_subs);
   if(n == 0)
      return;
   MqlTick ticks[];
   ArrayResize(ticks, n);
   bool changed = false;
   for(int i = 0; i < n; i++)
     {
      if(!SymbolInfoTick(g_subs[i], ticks[i]))
         ZeroMemory(ticks[i]);
      if(ticks[i].time_msc != g_lastTickMsc[i] || ticks[i].bid != g_lastBid[i] || ticks[i].ask != g_lastAsk[i])
         changed = true;
     }
   if(!changed)
      return;
   CJsonWriter w;
   w.BeginObject();
   w.KInt("v", DCAP_PROTOCOL);
   w.KStr("bridgeId", BridgeId);
   w.KInt("time", NowMs());
   w.Key("ticks");
   w.BeginArray();
   for(int i = 0; i < n; i++)
     {
      int d = SymDigitsOf(g_subs[i]);
      w.BeginObject();
      w.KStr("symbol", g_subs[i]);
      w.KNum("bid", ticks[i].bid, d);
      w.KNum("ask", ticks[i].ask, d);
      w.KNum("last", ticks[i].last, d);
      w.KInt("time", ServerMscToUtcMs(ticks[i].time_msc));
      w.EndObject();
     }
   w.EndArray();
   w.EndObject();
   if(!WriteFileAtomic(g_base, "ticks.json", w.Text()))
      return; // unchanged caches: retried on the next tick
   for(int i = 0; i < n; i++)
     {
      g_lastTickMsc[i] = ticks[i].time_msc;
      g_lastBid[i] = ticks[i].bid;
      g_lastAsk[i] = ticks[i].ask;
     }
  }

void WriteHello(const string status, const string reason)
  {
   g_lastHelloUs = GetMicrosecondCount();
   g_beat++;
   bool termConnected = TerminalInfoInteger(TERMINAL_CONNECTED) != 0;
   bool termTrade = TerminalInfoInteger(TERMINAL_TRADE_ALLOWED) != 0;
   bool eaTrade = MQLInfoInteger(MQL_TRADE_ALLOWED) != 0;
   bool accTrade = AccountInfoInteger(ACCOUNT_TRADE_ALLOWED) != 0;
   bool accExpert = AccountInfoInteger(ACCOUNT_TRADE_EXPERT) != 0;
   CJsonWriter w;
   w.BeginObject();
   w.KInt("v", DCAP_PROTOCOL);
   w.KStr("bridgeId", BridgeId);
   w.KStr("bridgeVersion", DCAP_BRIDGE_VERSION);
   w.KStr("status", status);
   if(reason != "")
      w.KStr("reason", reason);
   w.KInt("time", NowMs());
   w.KInt("startedAt", g_startedAt);
   w.KInt("beat", g_beat);
   w.KBool("tradeAllowed", status == "running" && termConnected && termTrade && eaTrade && accTrade && accExpert);
   w.Key("terminal");
   w.BeginObject();
   w.KInt("build", TerminalInfoInteger(TERMINAL_BUILD));
   w.KBool("connected", termConnected);
   w.KBool("tradeAllowed", termTrade);
   w.KStr("company", TerminalInfoString(TERMINAL_COMPANY));
   w.KStr("name", TerminalInfoString(TERMINAL_NAME));
   w.KNum("pingMs", TerminalInfoInteger(TERMINAL_PING_LAST) / 1000.0, 1);
   w.EndObject();
   w.Key("ea");
   w.BeginObject();
   w.KBool("tradeAllowed", eaTrade);
   w.KInt("timerMs", TimerMs);
   w.KInt("magic", (long)Magic);
   w.KInt("lastSeq", g_lastSeq);
   w.KInt("pending", g_pending);
   w.KInt("remembered", ArraySize(g_jobIds));
   w.EndObject();
   w.Key("account");
   w.BeginObject();
   w.KInt("login", AccountInfoInteger(ACCOUNT_LOGIN));
   w.KStr("server", AccountInfoString(ACCOUNT_SERVER));
   w.KStr("currency", AccountInfoString(ACCOUNT_CURRENCY));
   w.KStr("marginMode", MarginModeName());
   w.KBool("tradeAllowed", accTrade);
   w.KBool("tradeExpert", accExpert);
   w.EndObject();
   w.KInt("serverTimeOffsetSec", ServerOffsetSec());
   w.Key("subscribed");
   w.BeginArray();
   for(int i = 0; i < ArraySize(g_subs); i++)
      w.Str(g_subs[i]);
   w.EndArray();
   w.EndObject();
   WriteFileAtomic(g_base, "hello.json", w.Text());
  }

string DeinitReasonText(const int reason)
  {
   switch(reason)
     {
      case REASON_PROGRAM:     return "EA stopped itself";
      case REASON_REMOVE:      return "EA removed from the chart";
      case REASON_RECOMPILE:   return "EA recompiled";
      case REASON_CHARTCHANGE: return "chart symbol or timeframe changed";
      case REASON_CHARTCLOSE:  return "chart closed";
      case REASON_PARAMETERS:  return "inputs changed";
      case REASON_ACCOUNT:     return "account changed";
      case REASON_TEMPLATE:    return "template applied";
      case REASON_INITFAILED:  return "initialisation failed";
      case REASON_CLOSE:       return "terminal closed";
     }
   return "deinit reason " + IntegerToString(reason);
  }

//+------------------------------------------------------------------+
int OnInit(void)
  {
   if(!ValidId(BridgeId, 32))
     {
      Alert("DcapBridge: BridgeId must be 1-32 characters of A-Z a-z 0-9 _ -, got '", BridgeId, "'");
      return INIT_PARAMETERS_INCORRECT;
     }
   if(TimerMs < 1 || MaxSlippagePoints < 0 || HistoryLookbackDays < 1)
     {
      Alert("DcapBridge: TimerMs >= 1, MaxSlippagePoints >= 0 and HistoryLookbackDays >= 1 are required");
      return INIT_PARAMETERS_INCORRECT;
     }
   g_cfg.magic = Magic;
   g_cfg.slippagePoints = (ulong)MaxSlippagePoints;
   g_cfg.lookbackDays = HistoryLookbackDays;
   g_cfg.verifyMs = DCAP_VERIFY_MS;
   g_base = "dcap\\" + BridgeId;
   g_cmdDir = g_base + "\\cmd";
   g_resDir = g_base + "\\res";
   g_eaDir = g_base + "\\ea";
   FolderCreate("dcap", FILE_COMMON);
   FolderCreate(g_base, FILE_COMMON);
   FolderCreate(g_cmdDir, FILE_COMMON);
   FolderCreate(g_resDir, FILE_COMMON);
   FolderCreate(g_eaDir, FILE_COMMON);
   // Opened without FILE_SHARE_*: a second DcapBridge with this BridgeId (another chart or
   // terminal on this machine) cannot open it, and would otherwise execute every command twice.
   g_lock = FileOpen(g_eaDir + "\\lock", FILE_WRITE | FILE_BIN | FILE_COMMON);
   if(g_lock == INVALID_HANDLE)
     {
      Alert("DcapBridge: another DcapBridge with BridgeId '", BridgeId, "' is running (", g_eaDir,
            "\\lock is in use). Attach the EA to ONE chart per BridgeId.");
      return INIT_FAILED;
     }
   g_startedAt = NowMs();
   JournalLoad();
   LoadSubscriptions();
   if(!EventSetMillisecondTimer(TimerMs))
     {
      Alert("DcapBridge: cannot start a ", TimerMs, " ms timer (error ", GetLastError(), ")");
      FileClose(g_lock);
      g_lock = INVALID_HANDLE;
      return INIT_FAILED;
     }
   WriteHello("running", "");
   PrintFormat("DcapBridge %s: bridge folder %s\\Files\\%s, timer %d ms, magic %I64u",
               DCAP_BRIDGE_VERSION, TerminalInfoString(TERMINAL_COMMONDATA_PATH), g_base, TimerMs, Magic);
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(g_lock == INVALID_HANDLE)
      return; // init failed before owning the folder: leave the running instance's hello alone
   WriteHello("stopped", DeinitReasonText(reason));
   FileClose(g_lock);
   g_lock = INVALID_HANDLE;
  }

void OnTimer(void)
  {
   ProcessCommands();
   WriteTicksIfChanged();
   WriteStateIfChanged();
   if(GetMicrosecondCount() - g_lastHelloUs >= 1000000)
      WriteHello("running", "");
  }

void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request, const MqlTradeResult &result)
  {
   g_stateDirty = true; // fills, SL/TP hits and manual trades reach state.json without waiting
  }

void OnTick(void)
  {
   // Work runs on the timer: commands must not wait for a tick of the chart's symbol.
  }
//+------------------------------------------------------------------+
