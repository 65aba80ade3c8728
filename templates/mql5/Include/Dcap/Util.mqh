//+------------------------------------------------------------------+
//| Util.mqh - constants, retcode names, time conversion, job tags    |
//| and atomic file I/O in the terminals' Common\Files folder.        |
//| docs/bridge.md is the protocol; src/bridge/*.ts the TypeScript    |
//| side. test/bridge-fixtures.test.ts checks that the version, the   |
//| retcode table and the tag rule here match the TypeScript.         |
//+------------------------------------------------------------------+
#ifndef DCAP_UTIL_MQH
#define DCAP_UTIL_MQH

#define DCAP_BRIDGE_VERSION "1.0.0"
#define DCAP_PROTOCOL       1
#define DCAP_TAG_PREFIX     "dcap:"
#define DCAP_SHORT_ID_LEN   20
#define DCAP_COMMENT_MAX    31

// dcap's own result codes: answers given without a trade request.
#define DCAP_OK             0
#define DCAP_BAD_COMMAND    20001
#define DCAP_UNKNOWN_SYMBOL 20002
#define DCAP_EXPIRED        20003
#define DCAP_NOTHING_TO_DO  20004
#define DCAP_NOT_FOUND      20005
#define DCAP_UNSUPPORTED    20006
#define DCAP_INTERNAL       20007
#define DCAP_DEPLOY_FILES   20008
#define DCAP_CHART_FAILED   20009

// Settings from the EA inputs, set once in OnInit.
struct SDcapSettings
  {
   ulong             magic;
   ulong             slippagePoints;
   int               lookbackDays;
   int               verifyMs;      // how long an uncertain OrderSend is checked for
  };
SDcapSettings g_cfg;

//+------------------------------------------------------------------+
//| Retcodes: MT5 trade server codes without TRADE_RETCODE_, numbers  |
//| literal so older builds without a constant still compile.         |
//+------------------------------------------------------------------+
string RetcodeName(const uint code)
  {
   switch(code)
     {
      case 0: return "OK";
      case 10004: return "REQUOTE";
      case 10006: return "REJECT";
      case 10007: return "CANCEL";
      case 10008: return "PLACED";
      case 10009: return "DONE";
      case 10010: return "DONE_PARTIAL";
      case 10011: return "ERROR";
      case 10012: return "TIMEOUT";
      case 10013: return "INVALID";
      case 10014: return "INVALID_VOLUME";
      case 10015: return "INVALID_PRICE";
      case 10016: return "INVALID_STOPS";
      case 10017: return "TRADE_DISABLED";
      case 10018: return "MARKET_CLOSED";
      case 10019: return "NO_MONEY";
      case 10020: return "PRICE_CHANGED";
      case 10021: return "PRICE_OFF";
      case 10022: return "INVALID_EXPIRATION";
      case 10023: return "ORDER_CHANGED";
      case 10024: return "TOO_MANY_REQUESTS";
      case 10025: return "NO_CHANGES";
      case 10026: return "SERVER_DISABLES_AT";
      case 10027: return "CLIENT_DISABLES_AT";
      case 10028: return "LOCKED";
      case 10029: return "FROZEN";
      case 10030: return "INVALID_FILL";
      case 10031: return "CONNECTION";
      case 10032: return "ONLY_REAL";
      case 10033: return "LIMIT_ORDERS";
      case 10034: return "LIMIT_VOLUME";
      case 10035: return "INVALID_ORDER";
      case 10036: return "POSITION_CLOSED";
      case 10038: return "INVALID_CLOSE_VOLUME";
      case 10039: return "CLOSE_ORDER_EXIST";
      case 10040: return "LIMIT_POSITIONS";
      case 10041: return "REJECT_CANCEL";
      case 10042: return "LONG_ONLY";
      case 10043: return "SHORT_ONLY";
      case 10044: return "CLOSE_ONLY";
      case 10045: return "FIFO_CLOSE";
      case 10046: return "HEDGE_PROHIBITED";
      case 20001: return "DCAP_BAD_COMMAND";
      case 20002: return "DCAP_UNKNOWN_SYMBOL";
      case 20003: return "DCAP_EXPIRED";
      case 20004: return "DCAP_NOTHING_TO_DO";
      case 20005: return "DCAP_NOT_FOUND";
      case 20006: return "DCAP_UNSUPPORTED";
      case 20007: return "DCAP_INTERNAL";
      case 20008: return "DCAP_DEPLOY_FILES";
      case 20009: return "DCAP_CHART_FAILED";
     }
   return "UNKNOWN_" + IntegerToString(code);
  }

// The job succeeded with this code.
bool RetcodeOk(const uint code)
  {
   return code == 10008 || code == 10009 || code == 10010 || code == 10025 || code == DCAP_OK || code == DCAP_NOTHING_TO_DO;
  }

// Nothing was executed; the same request may go again with a fresh price.
bool RetcodeRetryable(const uint code)
  {
   return code == 10004 || code == 10020 || code == 10021 || code == 10024;
  }

// The request may or may not have been executed: look before answering.
bool RetcodeUncertain(const bool sent, const uint code)
  {
   return code == 10011 || code == 10012 || code == 10031 || (!sent && code == 0);
  }

string RetcodeError(const uint code, const string serverComment, const int lastError = 0)
  {
   string s = IntegerToString(code) + " " + RetcodeName(code);
   if(serverComment != "")
      s += ": " + serverComment;
   if(lastError != 0)
      s += " (error " + IntegerToString(lastError) + ")";
   return s;
  }

//+------------------------------------------------------------------+
//| Time. Every time in the protocol is UTC milliseconds. MT5 stamps  |
//| deals, positions and ticks in trade-server time, so they are      |
//| shifted by the server's offset (rounded to 15 min, the finest     |
//| real zone offset, so clock jitter between the estimates cancels). |
//| EA-written "time" fields have 1 s resolution (TimeGMT).           |
//+------------------------------------------------------------------+
long ServerOffsetSec(void)
  {
   long d = (long)(TimeTradeServer() - TimeGMT());
   return (long)MathRound(d / 900.0) * 900;
  }
long NowMs(void) { return (long)TimeGMT() * 1000; }
long ServerMscToUtcMs(const long msc) { return msc <= 0 ? 0 : msc - ServerOffsetSec() * 1000; }
long ServerTimeToUtcMs(const datetime t) { return t <= 0 ? 0 : ((long)t - ServerOffsetSec()) * 1000; }
datetime UtcMsToServerTime(const long ms) { return (datetime)(ms / 1000 + ServerOffsetSec()); }

//+------------------------------------------------------------------+
//| Job ids and the dcap:<short id> tag (same rule as shortJobId in   |
//| src/bridge/protocol.ts): no dashes, lower case, last 20 chars.    |
//+------------------------------------------------------------------+
bool IsIdChar(const ushort c, const bool allowDash)
  {
   return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allowDash && c == '-');
  }

bool ValidId(const string id, const int maxLen)
  {
   int n = StringLen(id);
   if(n < 1 || n > maxLen)
      return false;
   bool alnum = false;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(id, i);
      if(!IsIdChar(c, true))
         return false;
      if(c != '-' && c != '_')
         alnum = true;
     }
   return alnum;
  }

string ShortJobId(const string jobId)
  {
   string s = jobId;
   StringReplace(s, "-", "");
   StringToLower(s);
   int n = StringLen(s);
   return n <= DCAP_SHORT_ID_LEN ? s : StringSubstr(s, n - DCAP_SHORT_ID_LEN);
  }

string JobTag(const string jobId) { return DCAP_TAG_PREFIX + ShortJobId(jobId); }

// "dcap:job1" must not match "dcap:job12": the tag ends at a non-id character or the end.
bool CommentHasTag(const string comment, const string tag)
  {
   int n = StringLen(tag);
   if(StringLen(comment) < n || StringSubstr(comment, 0, n) != tag)
      return false;
   if(StringLen(comment) == n)
      return true;
   return !IsIdChar(StringGetCharacter(comment, n), false);
  }

string OrderCommentFor(const string tag, const string text)
  {
   string extra = text;
   StringTrimLeft(extra);
   StringTrimRight(extra);
   if(extra == "")
      return tag;
   return StringSubstr(tag + " " + extra, 0, DCAP_COMMENT_MAX);
  }

//+------------------------------------------------------------------+
//| Files, all under Common\Files (FILE_COMMON), UTF-8 without BOM.   |
//| Binary I/O: no line-ending or code-page conversion by MQL5.       |
//+------------------------------------------------------------------+
bool ReadFileText(const string path, string &text)
  {
   int h = FileOpen(path, FILE_READ | FILE_BIN | FILE_COMMON | FILE_SHARE_READ | FILE_SHARE_WRITE);
   if(h == INVALID_HANDLE)
      return false;
   int size = (int)FileSize(h);
   uchar buf[];
   int n = 0;
   if(size > 0)
      n = (int)FileReadArray(h, buf, 0, size);
   FileClose(h);
   if(n < size)
      return false;
   text = (n > 0) ? CharArrayToString(buf, 0, n, CP_UTF8) : "";
   return true;
  }

int Utf8Bytes(const string text, uchar &buf[])
  {
   int n = StringToCharArray(text, buf, 0, WHOLE_ARRAY, CP_UTF8);
   if(n > 0 && buf[n - 1] == 0)
      n--; // StringToCharArray copies the terminating zero
   return n;
  }

// Writes dir\.tmp-name, then renames it over dir\name: a reader sees the old or the new
// file, never half of one. The agent ignores names starting with '.'.
bool WriteFileAtomic(const string dir, const string name, const string text)
  {
   string tmp = dir + "\\.tmp-" + name;
   uchar buf[];
   int n = Utf8Bytes(text, buf);
   int h = FileOpen(tmp, FILE_WRITE | FILE_BIN | FILE_COMMON);
   if(h == INVALID_HANDLE)
     {
      PrintFormat("DcapBridge: cannot create %s (error %d)", tmp, GetLastError());
      return false;
     }
   uint written = (n > 0) ? FileWriteArray(h, buf, 0, n) : 0;
   FileFlush(h);
   FileClose(h);
   if((int)written != n)
     {
      PrintFormat("DcapBridge: short write to %s (%d of %d bytes, error %d)", tmp, written, n, GetLastError());
      FileDelete(tmp, FILE_COMMON);
      return false;
     }
   // On Windows the rename fails while a reader holds the target open without FILE_SHARE_DELETE;
   // the caller retries on its next timer tick.
   if(!FileMove(tmp, FILE_COMMON, dir + "\\" + name, FILE_COMMON | FILE_REWRITE))
      return false;
   return true;
  }

// Appends one line (journal). A torn last line from a crash is skipped when reading.
bool AppendLine(const string path, const string line)
  {
   int h = FileOpen(path, FILE_READ | FILE_WRITE | FILE_BIN | FILE_COMMON | FILE_SHARE_READ);
   if(h == INVALID_HANDLE)
      return false;
   FileSeek(h, 0, SEEK_END);
   uchar buf[];
   int n = Utf8Bytes(line + "\n", buf);
   uint written = FileWriteArray(h, buf, 0, n);
   FileFlush(h);
   FileClose(h);
   return (int)written == n;
  }

//+------------------------------------------------------------------+
//| Small sorting helpers (ArraySort does not sort strings).         |
//+------------------------------------------------------------------+
void SortStrings(string &a[])
  {
   int n = ArraySize(a);
   for(int i = 1; i < n; i++)
     {
      string v = a[i];
      int j = i - 1;
      while(j >= 0 && StringCompare(a[j], v, true) > 0)
        {
         a[j + 1] = a[j];
         j--;
        }
      a[j + 1] = v;
     }
  }

#endif
