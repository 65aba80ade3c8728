//+------------------------------------------------------------------+
//| Json.mqh - a small JSON reader and writer for the dcap bridge.    |
//| MQL5 has no JSON library. The reader builds a tree of CJson       |
//| nodes and tolerates unknown fields (callers look up what they     |
//| need); the writer escapes strings per RFC 8259 and never writes   |
//| NaN or infinity.                                                  |
//+------------------------------------------------------------------+
#ifndef DCAP_JSON_MQH
#define DCAP_JSON_MQH

// Commands are flat; a deep document is an attack or a bug, not data.
#define DCAP_JSON_MAX_DEPTH 32

enum ENUM_DCAP_JSON
  {
   DJ_NULL = 0,
   DJ_BOOL,
   DJ_NUMBER,
   DJ_STRING,
   DJ_ARRAY,
   DJ_OBJECT
  };

//+------------------------------------------------------------------+
//| One JSON value. Arrays and objects own their children.           |
//+------------------------------------------------------------------+
class CJson
  {
public:
   ENUM_DCAP_JSON    type;
   bool              b;
   double            num;
   bool              isInt;      // number literal without fraction or exponent
   string            str;        // string value, or the number's literal text
   string            keys[];     // object member names, parallel to items
   CJson            *items[];

                     CJson(void) { type = DJ_NULL; b = false; num = 0.0; isInt = false; str = ""; }
                    ~CJson(void) { Clear(); }

   void              Clear(void)
     {
      int n = ArraySize(items);
      for(int i = 0; i < n; i++)
         if(CheckPointer(items[i]) == POINTER_DYNAMIC)
            delete items[i];
      ArrayResize(items, 0);
      ArrayResize(keys, 0);
     }
   int               Size(void) { return ArraySize(items); }
   CJson            *At(const int i)
     {
      if(i < 0 || i >= ArraySize(items))
         return NULL;
      return items[i];
     }
   // The last duplicate wins, as in JavaScript's JSON.parse.
   CJson            *Get(const string key)
     {
      if(type != DJ_OBJECT)
         return NULL;
      for(int i = ArraySize(keys) - 1; i >= 0; i--)
         if(keys[i] == key)
            return items[i];
      return NULL;
     }
   // Present and not null.
   bool              Has(const string key)
     {
      CJson *v = Get(key);
      return v != NULL && v.type != DJ_NULL;
     }
   bool              IsNum(const string key)  { CJson *v = Get(key); return v != NULL && v.type == DJ_NUMBER; }
   bool              IsStr(const string key)  { CJson *v = Get(key); return v != NULL && v.type == DJ_STRING; }
   string            GetStr(const string key, const string def = "")
     {
      CJson *v = Get(key);
      if(v == NULL || v.type != DJ_STRING)
         return def;
      return v.str;
     }
   double            GetNum(const string key, const double def = 0.0)
     {
      CJson *v = Get(key);
      if(v == NULL || v.type != DJ_NUMBER)
         return def;
      return v.num;
     }
   // Integers are read from the literal text: a ticket above 2^53 must not lose digits.
   long              GetLong(const string key, const long def = 0)
     {
      CJson *v = Get(key);
      if(v == NULL || v.type != DJ_NUMBER)
         return def;
      if(v.isInt)
         return StringToInteger(v.str);
      return (long)MathRound(v.num);
     }
   bool              GetBool(const string key, const bool def = false)
     {
      CJson *v = Get(key);
      if(v == NULL || v.type != DJ_BOOL)
         return def;
      return v.b;
     }
   void              Append(const string key, CJson *child)
     {
      int n = ArraySize(items);
      ArrayResize(items, n + 1, 16);
      ArrayResize(keys, n + 1, 16);
      items[n] = child;
      keys[n] = key;
     }
  };

//+------------------------------------------------------------------+
//| Recursive-descent parser over an MQL5 (UTF-16) string.           |
//+------------------------------------------------------------------+
class CJsonParser
  {
private:
   string            m_s;
   int               m_pos;
   int               m_len;
   string            m_err;

   bool              Fail(const string what)
     {
      if(m_err == "")
         m_err = what + " at offset " + IntegerToString(m_pos);
      return false;
     }
   ushort            Peek(void) { return m_pos < m_len ? StringGetCharacter(m_s, m_pos) : 0; }
   void              SkipWs(void)
     {
      while(m_pos < m_len)
        {
         ushort c = StringGetCharacter(m_s, m_pos);
         if(c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
         m_pos++;
        }
     }
   int               SkipDigits(void)
     {
      int start = m_pos;
      while(m_pos < m_len)
        {
         ushort c = StringGetCharacter(m_s, m_pos);
         if(c < '0' || c > '9')
            break;
         m_pos++;
        }
      return m_pos - start;
     }
   static int        HexValue(const ushort c)
     {
      if(c >= '0' && c <= '9') return c - '0';
      if(c >= 'a' && c <= 'f') return c - 'a' + 10;
      if(c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
     }
   string            Slice(const int from, const int to) { return to > from ? StringSubstr(m_s, from, to - from) : ""; }
   bool              Literal(const string word)
     {
      int n = StringLen(word);
      if(Slice(m_pos, MathMin(m_pos + n, m_len)) != word)
         return Fail("unexpected character '" + ShortToString(Peek()) + "'");
      m_pos += n;
      return true;
     }
   bool              ParseString(string &out);
   bool              ParseNumber(CJson *node);
   bool              ParseValue(CJson *node, const int depth);

public:
   // Returns the root (caller deletes it) or NULL with error set.
   CJson            *Parse(const string text, string &error);
  };

CJson *CJsonParser::Parse(const string text, string &error)
  {
   m_s = text;
   m_len = StringLen(text);
   m_pos = 0;
   m_err = "";
   if(m_len > 0 && StringGetCharacter(m_s, 0) == 0xFEFF)
      m_pos = 1; // a UTF-8 BOM, decoded
   CJson *root = new CJson();
   bool ok = ParseValue(root, 0);
   if(ok)
     {
      SkipWs();
      if(m_pos < m_len)
         ok = Fail("unexpected text after the JSON value");
     }
   if(!ok)
     {
      error = m_err;
      delete root;
      return NULL;
     }
   error = "";
   return root;
  }

bool CJsonParser::ParseValue(CJson *node, const int depth)
  {
   if(depth > DCAP_JSON_MAX_DEPTH)
      return Fail("nesting deeper than " + IntegerToString(DCAP_JSON_MAX_DEPTH));
   SkipWs();
   if(m_pos >= m_len)
      return Fail("unexpected end of input");
   ushort c = Peek();
   if(c == '{' || c == '[')
     {
      bool isObject = (c == '{');
      ushort closer = isObject ? '}' : ']';
      node.type = isObject ? DJ_OBJECT : DJ_ARRAY;
      m_pos++;
      SkipWs();
      if(Peek() == closer)
        {
         m_pos++;
         return true;
        }
      while(true)
        {
         string key = "";
         SkipWs();
         if(isObject)
           {
            if(Peek() != '"')
               return Fail("expected a member name");
            if(!ParseString(key))
               return false;
            SkipWs();
            if(Peek() != ':')
               return Fail("expected ':'");
            m_pos++;
           }
         CJson *child = new CJson();
         node.Append(key, child); // owned by node from here on, even if parsing fails below
         if(!ParseValue(child, depth + 1))
            return false;
         SkipWs();
         c = Peek();
         if(c == ',')
           {
            m_pos++;
            continue;
           }
         if(c == closer)
           {
            m_pos++;
            return true;
           }
         return Fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'");
        }
     }
   if(c == '"')
     {
      string s;
      if(!ParseString(s))
         return false;
      node.type = DJ_STRING;
      node.str = s;
      return true;
     }
   if(c == 't' || c == 'f')
     {
      node.type = DJ_BOOL;
      node.b = (c == 't');
      return Literal(node.b ? "true" : "false");
     }
   if(c == 'n')
     {
      node.type = DJ_NULL;
      return Literal("null");
     }
   if(c == '-' || (c >= '0' && c <= '9'))
      return ParseNumber(node);
   return Fail("unexpected character '" + ShortToString(c) + "'");
  }

bool CJsonParser::ParseString(string &out)
  {
   out = "";
   m_pos++; // opening quote
   int run = m_pos;
   while(m_pos < m_len)
     {
      ushort c = StringGetCharacter(m_s, m_pos);
      if(c == '"')
        {
         out += Slice(run, m_pos);
         m_pos++;
         return true;
        }
      if(c < 0x20)
         return Fail("control character inside a string");
      if(c != '\\')
        {
         m_pos++;
         continue;
        }
      out += Slice(run, m_pos);
      if(m_pos + 1 >= m_len)
         return Fail("unterminated escape");
      ushort e = StringGetCharacter(m_s, m_pos + 1);
      m_pos += 2;
      if(e == '"')       out += "\"";
      else if(e == '\\') out += "\\";
      else if(e == '/')  out += "/";
      else if(e == 'b')  out += ShortToString(8);
      else if(e == 'f')  out += ShortToString(12);
      else if(e == 'n')  out += "\n";
      else if(e == 'r')  out += "\r";
      else if(e == 't')  out += "\t";
      else if(e == 'u')
        {
         if(m_pos + 4 > m_len)
            return Fail("short \\u escape");
         int code = 0;
         for(int k = 0; k < 4; k++)
           {
            int h = HexValue(StringGetCharacter(m_s, m_pos + k));
            if(h < 0)
               return Fail("bad \\u escape");
            code = code * 16 + h;
           }
         m_pos += 4;
         // MQL5 strings are UTF-16: surrogate halves are appended as they come.
         out += ShortToString((ushort)code);
        }
      else
         return Fail("bad escape '\\" + ShortToString(e) + "'");
      run = m_pos;
     }
   return Fail("unterminated string");
  }

bool CJsonParser::ParseNumber(CJson *node)
  {
   int start = m_pos;
   if(Peek() == '-')
      m_pos++;
   if(SkipDigits() == 0)
      return Fail("bad number");
   bool integer = true;
   if(Peek() == '.')
     {
      m_pos++;
      integer = false;
      if(SkipDigits() == 0)
         return Fail("bad number");
     }
   int mantissaEnd = m_pos;
   int exponent = 0;
   ushort c = Peek();
   if(c == 'e' || c == 'E')
     {
      integer = false;
      m_pos++;
      int sign = 1;
      c = Peek();
      if(c == '+' || c == '-')
        {
         sign = (c == '-') ? -1 : 1;
         m_pos++;
        }
      int digitsStart = m_pos;
      if(SkipDigits() == 0)
         return Fail("bad exponent");
      exponent = sign * (int)StringToInteger(Slice(digitsStart, m_pos));
     }
   node.type = DJ_NUMBER;
   node.isInt = integer;
   node.str = Slice(start, m_pos);
   // The exponent is applied here rather than trusting StringToDouble with "1e-5".
   node.num = StringToDouble(Slice(start, mantissaEnd));
   if(exponent != 0)
      node.num *= MathPow(10.0, exponent);
   if(!MathIsValidNumber(node.num))
      return Fail("number out of range");
   return true;
  }

//+------------------------------------------------------------------+
//| Writer helpers                                                    |
//+------------------------------------------------------------------+
string JsonQuote(const string s)
  {
   string out = "\"";
   int n = StringLen(s);
   int run = 0;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      string esc = "";
      if(c == '"')       esc = "\\\"";
      else if(c == '\\') esc = "\\\\";
      else if(c == '\n') esc = "\\n";
      else if(c == '\r') esc = "\\r";
      else if(c == '\t') esc = "\\t";
      else if(c < 0x20 || c == 0x2028 || c == 0x2029)
         esc = StringFormat("\\u%04x", (int)c);
      if(esc == "")
         continue;
      if(i > run)
         out += StringSubstr(s, run, i - run);
      out += esc;
      run = i + 1;
     }
   if(n > run)
      out += StringSubstr(s, run, n - run);
   return out + "\"";
  }

// Fixed decimals, trailing zeros dropped: 1.10000 -> 1.1, 100.00 -> 100.
string JsonNumber(const double v, const int digits)
  {
   if(!MathIsValidNumber(v))
      return "null";
   string s = DoubleToString(v, MathMax(0, MathMin(digits, 12)));
   if(StringFind(s, ".") >= 0)
     {
      int n = StringLen(s);
      while(n > 0 && StringGetCharacter(s, n - 1) == '0')
         n--;
      if(n > 0 && StringGetCharacter(s, n - 1) == '.')
         n--;
      s = StringSubstr(s, 0, n);
     }
   if(s == "-0")
      s = "0";
   return s;
  }

//+------------------------------------------------------------------+
//| Streaming writer: commas and nesting handled here.                |
//+------------------------------------------------------------------+
class CJsonWriter
  {
private:
   string            m_buf;
   bool              m_comma[];
   int               m_depth;
   bool              m_afterKey;

   void              Sep(void)
     {
      if(m_afterKey)
        {
         m_afterKey = false;
         return;
        }
      if(m_depth > 0)
        {
         if(m_comma[m_depth - 1])
            m_buf += ",";
         m_comma[m_depth - 1] = true;
        }
     }
   void              Open(const string bracket)
     {
      Sep();
      m_buf += bracket;
      m_depth++;
      ArrayResize(m_comma, m_depth, 8);
      m_comma[m_depth - 1] = false;
     }

public:
                     CJsonWriter(void) { m_buf = ""; m_depth = 0; m_afterKey = false; }
   string            Text(void) { return m_buf; }
   void              BeginObject(void) { Open("{"); }
   void              EndObject(void)   { m_buf += "}"; m_depth--; }
   void              BeginArray(void)  { Open("["); }
   void              EndArray(void)    { m_buf += "]"; m_depth--; }
   void              Key(const string k) { Sep(); m_buf += JsonQuote(k) + ":"; m_afterKey = true; }
   void              Str(const string v) { Sep(); m_buf += JsonQuote(v); }
   void              Number(const double v, const int digits) { Sep(); m_buf += JsonNumber(v, digits); }
   void              Integer(const long v) { Sep(); m_buf += IntegerToString(v); }
   void              Boolean(const bool v) { Sep(); m_buf += (v ? "true" : "false"); }
   void              NullValue(void) { Sep(); m_buf += "null"; }
   void              Raw(const string json) { Sep(); m_buf += json; }
   // key + value
   void              KStr(const string k, const string v) { Key(k); Str(v); }
   void              KNum(const string k, const double v, const int digits) { Key(k); Number(v, digits); }
   void              KInt(const string k, const long v) { Key(k); Integer(v); }
   void              KBool(const string k, const bool v) { Key(k); Boolean(v); }
   void              KNull(const string k) { Key(k); NullValue(); }
   void              KRaw(const string k, const string json) { Key(k); Raw(json); }
  };

#endif
